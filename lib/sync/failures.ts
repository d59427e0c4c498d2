/**
 * What goes wrong in a pass, and what it means for the pass. A refusal that
 * concerns Saxium as a whole (network, timeout, 5xx, authentication) stops
 * the pass and loses nothing (`ServerUnavailable`); one that concerns a
 * single export is that export's failure, decided by its step; a local error
 * (disk full, a file held) leaves the export for the next pass. Both stories
 * of the pass (`export_steps.ts`, `pipeline.ts`) read errors the same way,
 * and word them the same way for the administrator.
 *
 * @module
 */

import { SaxiumError } from "../saxium/client.ts";
import type { ExportRecord } from "./journal.ts";
import type { PassReport } from "./pass_report.ts";

/** The server cannot be used for now: the pass stops, and loses nothing. */
export class ServerUnavailable extends Error {}

/**
 * Runs a server call. Errors that concern the server as a whole (network,
 * timeout, 5xx, authentication) are logged and stop the pass
 * (`ServerUnavailable`); others are the caller's.
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
    if (error instanceof SaxiumError && isServerWide(error)) {
      options.report.error(`Saxium injoignable pendant : ${options.what}. ${error.message}`);
      throw new ServerUnavailable(error.message);
    }
    throw error;
  }
}

/**
 * Sends a mark-synced or mark-error for `record`. An export Saxium no longer
 * knows (404) is noted and let go; any other refusal is logged and stops the
 * pass, to retry later.
 */
export async function sendMark(
  call: () => Promise<void>,
  options: { record: Pick<ExportRecord, "reference" | "id">; what: string; report: PassReport },
): Promise<void> {
  const { record, what, report } = options;
  try {
    await callServer(call, { what: `${what} de l'export ${describe(record)}`, report });
  } catch (error) {
    if (!(error instanceof SaxiumError)) throw error;
    if (error.kind === "not_found") {
      report.warning(
        `L'export ${
          describe(record)
        } n'existe plus dans Saxium (${what} sans objet) ; rien d'autre à faire.`,
      );
      return;
    }
    report.error(`Saxium a refusé le ${what} de l'export ${describe(record)} : ${error.message}`);
    throw new ServerUnavailable(error.message);
  }
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
  const message = error instanceof Error ? error.message : String(error);
  if (/os error 28|No space left|ENOSPC|disk full/i.test(message)) {
    return "disque plein : libérez de la place sur le disque du dossier de travail ou du dossier d'import ; rien n'a été déposé à moitié, l'export sera repris à la prochaine passe.";
  }
  return `erreur locale (${message}) ; l'export sera repris à la prochaine passe.`;
}
