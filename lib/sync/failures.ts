/**
 * What goes wrong in a pass, and what it means for the pass. A refusal that
 * concerns Saxium as a whole (network, timeout, 5xx, authentication) stops
 * the pass and loses nothing (`ServerUnavailable`); one that concerns a
 * single export is that export's failure, decided by its step; a local error
 * (a file held) leaves the export for the next pass; a full disk stops the
 * pass (`LocalTrouble`), as does a stop request (`PassStopped`). Both stories
 * of the pass (`export_story.ts`, `pipeline.ts`) read errors the same way,
 * and word them the same way for the administrator.
 *
 * @module
 */

import { statfs } from "node:fs/promises";
import { formatBytes } from "../base/french.ts";
import { describeSystemError } from "../base/system_errors.ts";
import type { WorkFolders } from "../base/work_folders.ts";
import { JournalDamaged } from "../journal/journal.ts";
import { SaxiumError } from "../saxium/client.ts";
import type { ExportRecord } from "../journal/journal.ts";
import type { PassReport } from "./pass_report.ts";

/** The server cannot be used for now: the pass stops, and loses nothing. */
export class ServerUnavailable extends Error {}

/** The agent was asked to stop (Ctrl-C): the pass ends where it is, everything resumable. */
export class PassStopped extends Error {}

/**
 * Trouble on this machine that no export can get past (a full disk): the
 * pass stops, loses nothing, and the administrator is told what to free.
 */
export class LocalTrouble extends Error {}

/**
 * Runs a server call. Errors that concern the server as a whole (network,
 * timeout, 5xx, authentication) are logged and stop the pass
 * (`ServerUnavailable`); a stop request ends it (`PassStopped`); others are
 * the caller's.
 *
 * @example
 * ```ts
 * await callServer(() => client.downloadTo(id, { format, path }), {
 *   what: `téléchargement de l'export ${describe(record)}`,
 *   report,
 * });
 * ```
 */
export async function callServer<T>(
  call: () => Promise<T>,
  options: { what: string; report: PassReport },
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof SaxiumError && error.kind === "aborted") throw new PassStopped();
    if (error instanceof SaxiumError && isServerWide(error)) {
      options.report.error(`Saxium injoignable pendant : ${options.what}. ${error.message}`);
      throw new ServerUnavailable(error.message);
    }
    throw error;
  }
}

/**
 * What Saxium answered about one export's acknowledgement or error report:
 * `done`; `already` (409: it says so already); `gone` (404, 410: the export
 * no longer exists there); `refused` (any other 4xx, or `success: false`),
 * with the French line why. None of them concerns the other exports.
 */
export type MarkVerdict =
  | { outcome: "done" }
  | { outcome: "already" }
  | { outcome: "gone" }
  | { outcome: "refused"; reason: string };

/**
 * Sends a mark-synced or mark-error for `record` and says what Saxium
 * answered about that export (see {@linkcode MarkVerdict}); only a problem
 * with the server as a whole stops the pass (`ServerUnavailable`).
 */
export async function sendMark(
  call: () => Promise<void>,
  options: { record: Pick<ExportRecord, "reference" | "id">; what: string; report: PassReport },
): Promise<MarkVerdict> {
  const { record, what, report } = options;
  try {
    await callServer(call, { what: `${what} de l'export ${describe(record)}`, report });
    return { outcome: "done" };
  } catch (error) {
    if (!(error instanceof SaxiumError)) throw error;
    if (error.status === 409) return { outcome: "already" };
    if (error.kind === "not_found" || error.status === 404 || error.status === 410) {
      report.warning(
        `L'export ${
          describe(record)
        } n'existe plus dans Saxium (${what} sans objet) : il est archivé ici et ne sera jamais redéposé.`,
      );
      return { outcome: "gone" };
    }
    if (isAboutTheExport(error)) return { outcome: "refused", reason: error.message };
    // A redirect elsewhere, an answer of the wrong shape: Saxium as a whole.
    report.error(`Saxium a refusé le ${what} de l'export ${describe(record)} : ${error.message}`);
    throw new ServerUnavailable(error.message);
  }
}

/** Whether an error ends the pass rather than one export's step. */
export function stopsThePass(error: unknown): boolean {
  return error instanceof ServerUnavailable || error instanceof PassStopped ||
    error instanceof LocalTrouble || error instanceof JournalDamaged;
}

/**
 * The trouble on this machine an error of the system means, if it means one,
 * to be thrown (it stops the pass): a full disk (the OS's or SQLite's), told
 * with the free space of both folders, or a journal SQLite finds damaged.
 */
export async function localTrouble(
  error: unknown,
  folders: Pick<WorkFolders, "root" | "importDir">,
): Promise<LocalTrouble | JournalDamaged | undefined> {
  if (error instanceof LocalTrouble || error instanceof JournalDamaged) return error;
  const { kind } = describeSystemError(error);
  if (kind === "journal-damaged") {
    return new JournalDamaged(folders.root, error instanceof Error ? error.message : String(error));
  }
  if (kind !== "disk-full") return undefined;
  const free = [];
  for (const dir of new Set([folders.root, folders.importDir])) {
    free.push(`${await freeSpace(dir)} libres dans ${dir}`);
  }
  return new LocalTrouble(
    `disque plein (${free.join(", ")}) : libérez de la place sur ce disque puis relancez ; ` +
      "rien n'a été déposé à moitié ni perdu, la prochaine passe reprendra.",
  );
}

/** The free space of the disk holding `dir`, in French, or "?" when it cannot be read. */
async function freeSpace(dir: string): Promise<string> {
  try {
    const stats = await statfs(dir);
    return formatBytes(Number(stats.bavail) * Number(stats.bsize));
  } catch {
    return "? octets";
  }
}

/** A refusal about one export: a 4xx validation answer, or `success: false`. */
function isAboutTheExport(error: SaxiumError): boolean {
  return error.kind === "http" && error.status !== undefined &&
    (error.status === 200 || (error.status >= 400 && error.status < 500));
}

/** Whether a client error concerns the whole server rather than one export. */
function isServerWide(error: SaxiumError): boolean {
  if (error.kind === "network" || error.kind === "timeout" || error.kind === "auth") return true;
  return (error.kind === "http" || error.kind === "protocol") &&
    (error.status === undefined || error.status >= 500 || error.status === 429);
}

/** `DV-1730000000001 [7b599c58]`: the reference a person knows, and the id's start. */
export function describe(record: Pick<ExportRecord, "reference" | "id">): string {
  return `${record.reference.slice(0, 80)} [${record.id.slice(0, 8)}]`;
}

/** What the administrator reads of a local error that stopped an export's step. */
export function localFailure(error: unknown): string {
  const { cause, original } = describeSystemError(error);
  const text = cause === "erreur système" ? `${cause} : ${original.slice(0, 160)}` : cause;
  return `erreur locale (${text}) ; l'export sera repris à la prochaine passe.`;
}
