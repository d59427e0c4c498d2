/**
 * What Saxium's answers look like and what the agent sends it: the exports
 * of the pending list (read item by item in `pending_list.ts`), the queue
 * figures, the bodies of mark-synced and mark-error, and the zod schema that
 * checks the status route's answer before anything trusts it. One owner for the wire format of `saxium-api.md`, apart from how the
 * bytes travel (`client.ts`).
 *
 * @module
 */

import { type DocumentFormat } from "../base/settings.ts";
import { z } from "zod";

/** An export waiting for the agent, as listed by the pending route (see `pending_list.ts`). */
export interface PendingExport {
  id: string;
  documentType: string;
  documentReference: string;
  /** When Saxium generated it (ISO 8601, as sent): of two versions, the newest wins. */
  generatedAt?: string;
  /** How many times it was marked in error; 0 when Saxium sends none. */
  retryCount: number;
}

/** The server's `/api/batigest/status` figures. */
export interface ServerStatus {
  pending: number;
  ready: number;
  downloaded: number;
  imported: number;
  errors: number;
  lastSync: string | null;
  queueHealth: string;
}

/** What one look at the status route showed (`probeStatus`, for `doctor`). */
export interface StatusProbe {
  /** The HTTP status, whatever it is. */
  status: number;
  /** The server's `Date` header. */
  date?: string;
  /** `Location` of a redirect, not followed. */
  location?: string;
  /** From the request to the answer's headers. */
  elapsedMs: number;
  /** The body was Saxium's `{ success: true, data }`. */
  saxiumBody: boolean;
}

/** Where and how `downloadTo` writes a document. */
export interface DownloadOptions {
  format: DocumentFormat;
  /** File to create or truncate. */
  path: string;
}

/** What the agent reports when Batigest consumed a document. */
export interface MarkSyncedBody {
  batigestReference: string;
  /** ISO 8601. */
  importedAt: string;
}

/** What the agent reports when a document failed. */
export interface MarkErrorBody {
  /** One line a person can act on. */
  errorMessage: string;
  /** The failing stage (download, check, delivery...). */
  stage?: string;
  code?: string;
}

/** The status route's `data`. */
export const Status = z.object({
  pending: z.number(),
  ready: z.number(),
  downloaded: z.number(),
  imported: z.number(),
  errors: z.number(),
  lastSync: z.string().nullable(),
  queueHealth: z.string(),
});

/** What `parseJson` returns for a text that is not JSON. */
export const NOT_JSON: unique symbol = Symbol("not JSON");

/** The JSON value of `text`, or `NOT_JSON`. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

export { isObject } from "../base/json_text.ts";

/** The first problem zod found, in French (zod's own message is English). */
export function issueOf(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return "forme inconnue";
  const at = first.path.length ? first.path.join(".") : "racine";
  const expected = first.code === "invalid_type" ? TYPES[String(first.expected)] : undefined;
  return `champ ${at} : ${expected ? `${expected} attendu` : "valeur refusée"}`;
}

/** zod's type names, in French. */
const TYPES: Record<string, string> = {
  string: "texte",
  number: "nombre",
  boolean: "booléen",
  object: "objet",
  array: "tableau",
  null: "null",
};
