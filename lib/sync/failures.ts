/**
 * What goes wrong in a pass, and what it means for the pass.
 *
 * Anything about one export (its download, its acknowledgement, its error
 * report) concerns that export alone ({@linkcode SaxiumCalls.forExport}): a
 * refusal of it (a 4xx, `success: false`) or a failure that may pass (a 5xx
 * after the client's own retries, a timeout, a stalled download) sets that
 * export aside with its own delay (`aside.ts`), and the pass
 * goes on with the others. Saxium as a whole is unavailable
 * (`ServerUnavailable`: the pass stops, loses nothing, exit 3) only when its
 * list cannot be had, when it refuses the agent (401, 403, a login page),
 * when it asks to wait (a long `Retry-After`), or when
 * {@linkcode FAILURES_IN_A_ROW} calls about different exports failed one
 * after the other with no success between them. An export already set
 * aside by an earlier pass that fails again is evidence against that export,
 * not against Saxium: it is not counted, so that a few exports failing for
 * ever never keep the others waiting.
 *
 * A local error (a file held) sets the export aside too; a full disk or a
 * journal that cannot be written stops the pass (`LocalTrouble`), as does a
 * stop request (`PassStopped`). Both stories of the pass (`export_story.ts`,
 * `pipeline.ts`) read errors the same way, and word them the same way.
 *
 * @module
 */

import { statfs } from "node:fs/promises";
import { describe, type ExportRecord, JournalDamaged } from "../journal/journal.ts";
import { formatBytes } from "../base/french.ts";
import { describeSystemError } from "../base/system_errors.ts";
import type { WorkFolders } from "../base/work_folders.ts";
import { SaxiumError } from "../saxium/client.ts";
import type { PassReport } from "./pass_context.ts";
import type { ExportAnswer, SaxiumApi } from "./pass_context.ts";

export type { ExportAnswer } from "./pass_context.ts";

/** The server cannot be used for now: the pass stops, and loses nothing. */
export class ServerUnavailable extends Error {}

/** The agent was asked to stop (Ctrl-C): the pass ends where it is, everything resumable. */
export class PassStopped extends Error {}

/**
 * Trouble on this machine that no export can get past (a full disk, a
 * journal held by another program): the pass stops, loses nothing, and the
 * administrator is told what to do.
 */
export class LocalTrouble extends Error {}

/** Calls about different exports failing one after the other: then it is Saxium, not them. */
export const FAILURES_IN_A_ROW = 3;

/**
 * One pass's calls to Saxium about its exports, read by one policy (see the
 * module doc): each concerns its export alone until
 * {@linkcode FAILURES_IN_A_ROW} of them fail in a row. The acknowledgement
 * (mark-synced) and the error report (mark-error) are here; the downloads
 * are `downloads.ts`'s, through {@linkcode SaxiumCalls.forExport}.
 */
export class SaxiumCalls {
  #client: SaxiumApi;
  #report: PassReport;
  /** Calls about exports that failed since the last that succeeded. */
  #failuresInRow = 0;

  constructor(client: SaxiumApi, report: PassReport) {
    this.#client = client;
    this.#report = report;
  }

  /** Tells Saxium the document of `record` is in Batigest (sent again for one it still lists). */
  markSynced(record: ExportRecord): Promise<ExportAnswer<void>> {
    return this.forExport(
      () =>
        this.#client.markSynced(record.id, {
          batigestReference: record.reference,
          importedAt: record.updatedAt,
        }),
      { record, what: "accusé de réception", repeatable: true },
    );
  }

  /** Tells Saxium `record` is in error, with its reason and the step that failed. */
  markError(record: ExportRecord): Promise<ExportAnswer<void>> {
    return this.forExport(
      () =>
        this.#client.markError(record.id, {
          errorMessage: record.error ?? "Erreur inconnue de l'agent.",
          stage: record.errorStage,
          code: record.errorStage,
        }),
      { record, what: "signalement d'erreur", repeatable: true },
    );
  }

  /**
   * A call about one export (`what`: « téléchargement de l'export … »);
   * only what concerns Saxium as a whole is thrown (`ServerUnavailable`,
   * `PassStopped`), anything else is answered. A 409 means `already` for a
   * mark (`repeatable`: Saxium says it is done), a refusal otherwise.
   */
  async forExport<T>(
    call: () => Promise<T>,
    options: {
      record: Pick<ExportRecord, "reference" | "id" | "aside">;
      what: string;
      repeatable?: boolean;
    },
  ): Promise<ExportAnswer<T>> {
    const what = `${options.what} de l'export ${describe(options.record)}`;
    let value: T;
    try {
      value = await call();
    } catch (error) {
      if (!(error instanceof SaxiumError)) throw error;
      this.#serverWide(error, what);
      if (error.status === 409 && options.repeatable) return { outcome: "already" };
      if (error.kind === "not_found" || error.status === 404 || error.status === 410) {
        return { outcome: "gone" };
      }
      if (isAboutTheExport(error)) return { outcome: "refused", reason: error.message };
      if (options.record.aside === undefined && ++this.#failuresInRow >= FAILURES_IN_A_ROW) {
        this.#report.error(
          `Saxium injoignable pendant : ${what}. ${error.message} ` +
            `(${FAILURES_IN_A_ROW} exports de suite en échec : c'est Saxium, pas eux)`,
        );
        throw new ServerUnavailable(error.message);
      }
      return { outcome: "retry", reason: error.message };
    }
    this.#failuresInRow = 0;
    return { outcome: "done", value };
  }

  /** Throws when `error` concerns Saxium as a whole, whichever export the call was about. */
  #serverWide(error: SaxiumError, what: string): void {
    if (error.kind === "aborted") throw new PassStopped();
    if (error.kind === "auth" || error.retryAfterMs !== undefined) {
      this.#report.error(`Saxium a refusé l'agent pendant : ${what}. ${error.message}`);
      throw new ServerUnavailable(error.message);
    }
  }
}

/**
 * Asks for Saxium's list: any failure stops the pass (`ServerUnavailable`),
 * a stop request ends it (`PassStopped`).
 */
export async function callForThePass<T>(
  call: () => Promise<T>,
  options: { report: PassReport; what: string },
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof SaxiumError)) throw error;
    if (error.kind === "aborted") throw new PassStopped();
    options.report.error(`${options.what} : ${error.message}`);
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
 * with the free space of both folders, a journal another program holds, or a
 * journal SQLite finds damaged.
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
  if (kind === "journal-locked") {
    return new LocalTrouble(
      "le journal de l'agent est verrouillé par un autre programme (sauvegarde, antivirus ?) : " +
        "laissez-le finir, ou excluez le dossier State de son analyse ; rien n'est perdu, la prochaine passe reprendra.",
    );
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

/**
 * A refusal about one export: a 4xx validation answer, `success: false`, a
 * document over the size cap, or a redirect the agent will not follow.
 */
function isAboutTheExport(error: SaxiumError): boolean {
  if (error.kind === "too_large" || error.kind === "redirect") return true;
  return error.kind === "http" && error.status !== undefined && error.status !== 408 &&
    error.status !== 429 && (error.status === 200 || (error.status >= 400 && error.status < 500));
}

/** Saxium no longer knows the export: its acknowledgement or error report is moot, and it is never delivered again. */
export function goneLine(record: Pick<ExportRecord, "reference" | "id">, what: string): string {
  return `L'export ${
    describe(record)
  } n'existe plus dans Saxium (${what} est sans objet) ; il ne sera jamais redéposé.`;
}

/** What the administrator reads of a local error that stopped an export's step. */
export function localFailure(error: unknown): string {
  const { cause, original } = describeSystemError(error);
  return cause === "erreur système" ? `${cause} : ${original.slice(0, 160)}` : cause;
}
