/**
 * The downloads of a pass: each export's files from Saxium into
 * `Downloads\`, checked before anything else may happen to them, a few at a
 * time ({@linkcode Slots}: eight by default, enough to hide Saxium's latency
 * behind small documents, few enough that downloads sharing one slow link
 * still each make progress), each with the client's inactivity limit
 * (`downloadIdleSeconds`) rather than a deadline for the whole body. A
 * download that fails in a way that may pass (a server error, a download
 * that stops arriving) is that export's problem: it is set aside and the
 * others go on; several in a row are Saxium's (`failures.ts`).
 *
 * @module
 */

import {
  downloadPath,
  type FolderMoves,
  keepInErrors,
  toImportPath,
} from "../base/work_folders.ts";
import { describe, type ExportRecord } from "../journal/journal.ts";
import { checkDocumentFile } from "../documents/document_check.ts";
import type { PassReport } from "./pass_context.ts";
import type { ExportCalls, PassContext } from "./pass_context.ts";

/** Downloads running at once by default. */
const DEFAULT_DOWNLOADS = 8;

/**
 * What became of an export's download: every file checked; set aside (a
 * failure that may pass: a server error, a download that stopped arriving);
 * or refused, with why (Saxium refused the download, or the document is wrong).
 */
export type DownloadOutcome =
  | { kind: "checked" }
  | { kind: "aside"; reason: string }
  | { kind: "refused"; stage: "download" | "check"; reason: string };

/** One pass's downloads; see the module doc. */
export class Downloads {
  #ctx: PassContext;
  #report: PassReport;
  #calls: ExportCalls;
  #slots: Slots;

  /** Downloads for `ctx` (its `downloads` is how many at once), read through the pass's `calls`. */
  constructor(ctx: PassContext, options: { report: PassReport; calls: ExportCalls }) {
    this.#ctx = ctx;
    this.#report = options.report;
    this.#calls = options.calls;
    this.#slots = new Slots(ctx.downloads ?? DEFAULT_DOWNLOADS);
  }

  /**
   * Every file of an export into `Downloads\`, each checked as it arrives
   * (`lib/documents/document_check.ts`), then all moved to `ToImport\`; see
   * {@linkcode DownloadOutcome}. A wrong document is kept in `Errors\` with
   * its reason, through `moves`.
   */
  async fetchChecked(record: ExportRecord, moves: FolderMoves): Promise<DownloadOutcome> {
    const { folders } = this.#ctx;
    for (const { format } of record.files) {
      const part = downloadPath(folders, record.id, format);
      const answer = await this.#slots.run(() =>
        this.#calls.forExport(
          () => this.#ctx.client.downloadTo(record.id, { format, path: part }),
          { record, what: "téléchargement" },
        )
      );
      if (answer.outcome === "retry") return { kind: "aside", reason: answer.reason };
      if (answer.outcome !== "done") {
        const why = answer.outcome === "refused"
          ? answer.reason
          : "l'export n'existe plus dans Saxium.";
        return {
          kind: "refused",
          stage: "download",
          reason: `téléchargement du ${format.toUpperCase()} refusé : ${why}`,
        };
      }
      this.#report.debug(
        `Export ${
          describe(record)
        } : ${format.toUpperCase()} téléchargé (${answer.value.bytes} o).`,
      );
      this.#failpoint("after-download");
      const verdict = await checkDocumentFile(part, {
        format,
        documentType: record.documentType,
        reference: record.reference,
      });
      if (!verdict.ok) {
        await keepInErrors(part, {
          ...moves,
          name: `${record.baseName}.${format}`,
          reason: verdict.reason,
          exportId: record.id,
        });
        return { kind: "refused", stage: "check", reason: verdict.reason };
      }
      for (const warning of verdict.warnings) this.#report.warning(warning);
    }
    for (const { format } of record.files) {
      await moves.move(
        downloadPath(folders, record.id, format),
        toImportPath(folders, record.id, format),
      );
    }
    this.#failpoint("after-to-import");
    return { kind: "checked" };
  }

  #failpoint(name: string): void {
    this.#ctx.failpoint?.(name);
  }
}

/**
 * A fixed number of slots for work that must not all run at once: the
 * downloads of a pass share one link, and sixteen of them side by side each
 * get a sixteenth of it, so that none finishes in time. With a few slots,
 * each download gets its share and the others wait their turn, in order:
 * at most `size` tasks run at once, first come first served.
 */
export class Slots {
  #free: number;
  #waiting: (() => void)[] = [];

  /** `size` slots (at least one). */
  constructor(size: number) {
    this.#free = Math.max(1, size);
  }

  /** Runs `task` once a slot is free, and frees it after. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
