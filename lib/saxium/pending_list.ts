/**
 * Reading the pending list item by item, so that one item Saxium got wrong
 * never blocks the others (issue 19, finding 4). What only informs
 * (`retryCount`, `generatedAt`, fields the agent does not know) is read
 * leniently; an item the agent cannot work with (no usable `id`, no
 * `documentReference`, no `documentType`) is set apart as rejected, with the
 * reason in French, for the pass to report once and pass over.
 *
 * @module
 */

import { formatBytes, plural } from "../base/french.ts";
import { oneLine } from "../base/text.ts";
import { type SaxiumError, saxiumError } from "./errors.ts";
import { isObject, type PendingExport } from "./shapes.ts";

/** An item of the pending list the agent cannot use, and why. */
export interface RejectedItem {
  /** Its id as text, when it has one (text or a number), on one line. */
  id?: string;
  /** Its reference, when it is text, on one line. */
  documentReference?: string;
  /** Why it cannot be used, in French: "la référence du document (documentReference) vaut null". */
  reason: string;
}

/** The pending list as read: the usable exports, in the server's order, and the rejected items. */
export interface PendingPage {
  items: PendingExport[];
  rejected: RejectedItem[];
}

/**
 * The pending list of an answer (`{ success: true, data: [...] }` or a bare
 * array), item by item; an issue in French when the answer holds no list.
 *
 * @example
 * ```ts
 * readPendingList({ success: true, data: [{ id: "…", documentType: "devis_client", documentReference: null }] });
 * // { page: { items: [], rejected: [{ id: "…", reason: "la référence du document (documentReference) vaut null" }] } }
 * ```
 */
export function readPendingList(value: unknown): { page: PendingPage } | { issue: string } {
  const list = isObject(value) && value.success === true ? value.data : value;
  if (!Array.isArray(list)) {
    return { issue: `la liste (data) ${wrongValue(list, true)} au lieu d'un tableau` };
  }
  const page: PendingPage = { items: [], rejected: [] };
  for (const item of list) {
    const read = readItem(item);
    if ("reason" in read) page.rejected.push(read);
    else page.items.push(read);
  }
  return { page };
}

/**
 * The error for a pending list over the client's size cap: `too_large`, for
 * the pass to ask again with a smaller `limit` (and say to lower `batchSize`).
 */
export function listTooLarge(
  options: { limit: number; maxBytes: number; token?: string },
): SaxiumError {
  const { limit, maxBytes, token } = options;
  return saxiumError({
    kind: "too_large",
    token,
    what: `La liste des exports en attente dépasse ${formatBytes(maxBytes)} pour ${
      limit > 1 ? plural(limit, "export") : "un seul export"
    }`,
    todo: limit > 1
      ? "baissez batchSize dans agent.json"
      : "réponse anormale de Saxium ; prévenez l'administrateur de Saxium",
  });
}

/** One item: an export the agent can use, or the item rejected with why. */
function readItem(item: unknown): PendingExport | RejectedItem {
  if (!isObject(item)) {
    return { reason: `l'élément de la liste ${wrongValue(item)} au lieu d'un objet` };
  }
  const { id, documentType, documentReference } = item;
  const problems: string[] = [];
  if (typeof id !== "string" || id.trim() === "") {
    problems.push(`l'identifiant (id) ${wrongValue(id)}`);
  }
  if (typeof documentReference !== "string") {
    problems.push(
      `la référence du document (documentReference) ${wrongValue(documentReference, true)}`,
    );
  }
  if (typeof documentType !== "string" || documentType.trim() === "") {
    problems.push(`le type de document (documentType) ${wrongValue(documentType)}`);
  }
  if (problems.length > 0) {
    return {
      ...(typeof id === "string" || typeof id === "number" ? { id: oneLine(String(id), 80) } : {}),
      ...(typeof documentReference === "string"
        ? { documentReference: oneLine(documentReference, 80) }
        : {}),
      reason: problems.join(", "),
    };
  }
  const { generatedAt, retryCount } = item;
  return {
    id: id as string,
    documentType: documentType as string,
    documentReference: documentReference as string,
    ...(typeof generatedAt === "string" ? { generatedAt } : {}),
    retryCount: typeof retryCount === "number" && Number.isInteger(retryCount) && retryCount >= 0
      ? retryCount
      : 0,
  };
}

/**
 * How a value is wrong, in French: `est absent` (`absente` for a feminine
 * noun), `vaut null`, `est vide`, `est un nombre (42)`.
 */
function wrongValue(value: unknown, feminine = false): string {
  if (value === undefined) return feminine ? "est absente" : "est absent";
  if (value === null) return "vaut null";
  if (typeof value === "string") return value.trim() === "" ? "est vide" : "est un texte";
  if (typeof value === "number") return `est un nombre (${oneLine(String(value), 40)})`;
  if (typeof value === "boolean") return `vaut ${value}`;
  if (Array.isArray(value)) return "est un tableau";
  return "est un objet";
}
