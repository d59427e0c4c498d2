/**
 * The downloads of a pass: each export's files from Saxium into
 * `Downloads\`, checked before anything else may happen to them, a few at a
 * time ({@linkcode Slots}: eight by default, enough to hide Saxium's latency
 * behind small documents, few enough that downloads sharing one slow link
 * still each make progress), each with the client's inactivity limit
 * (`downloadIdleSeconds`) rather than a deadline for the whole body. A
 * download that stops arriving while Saxium answers is that export's
 * problem: it waits for a later pass and the others go on; two in a row are
 * the link's, and stop the pass.
 *
 * @module
 */

import { type DocumentFormat } from "../base/settings.ts";
import { downloadPath, toImportPath } from "../base/work_folders.ts";
import { checkDocumentFile } from "../documents/document_check.ts";
import type { ExportRecord } from "../journal/journal.ts";
import { SaxiumError } from "../saxium/client.ts";
import { type FolderMoves, keepInErrors } from "./kept_files.ts";
import { callServer, describe } from "./failures.ts";
import type { PassReport } from "./pass_report.ts";
import type { PassContext } from "./pass_types.ts";

/** Downloads running at once by default. */
const DEFAULT_DOWNLOADS = 8;

/** What became of an export's download: every file checked, later, or refused with why. */
export type DownloadOutcome =
  | { kind: "checked" }
  | { kind: "later" }
  | { kind: "refused"; stage: "download" | "check"; reason: string };

/** One pass's downloads; see the module doc. */
export class Downloads {
  #ctx: PassContext;
  #report: PassReport;
  #slots: Slots;
  /** Downloads in a row that stopped arriving. */
  #stalls = 0;

  /** Downloads for `ctx` (its `downloads` is how many at once), told through `report`. */
  constructor(ctx: PassContext, options: { report: PassReport }) {
    this.#ctx = ctx;
    this.#report = options.report;
    this.#slots = new Slots(ctx.downloads ?? DEFAULT_DOWNLOADS);
  }

  /**
   * Every file of an export into `Downloads\`, each checked as it arrives
   * (`lib/documents/document_check.ts`), then all moved to `ToImport\`:
   * `checked`; `later` when a download stopped arriving; `refused` when
   * Saxium refused the download or the document is wrong (kept in `Errors\`
   * with its reason, through `moves`).
   */
  async fetchChecked(record: ExportRecord, moves: FolderMoves): Promise<DownloadOutcome> {
    for (const { format } of record.files) {
      const part = downloadPath(this.#ctx.folders, record.id, format);
      try {
        const bytes = await this.fetch(record, { format, part });
        if (bytes === undefined) return { kind: "later" };
        this.#report.debug(
          `Export ${describe(record)} : ${format.toUpperCase()} téléchargé (${bytes} o).`,
        );
      } catch (error) {
        if (!(error instanceof SaxiumError)) throw error;
        return {
          kind: "refused",
          stage: "download",
          reason: `téléchargement du ${format.toUpperCase()} refusé : ${error.message}`,
        };
      }
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
    }
    for (const { format } of record.files) {
      const { folders } = this.#ctx;
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

  /**
   * One file of an export from Saxium into `Downloads\`; its size, or
   * undefined when it stopped arriving (slow or cut link) although Saxium
   * answers: that export waits for a later pass, the others go on. Twice in
   * a row with no download between them is the link, not the export: the
   * pass stops (`ServerUnavailable`).
   */
  fetch(
    record: ExportRecord,
    file: { format: DocumentFormat; part: string },
  ): Promise<number | undefined> {
    return this.#slots.run(() => this.#fetch(record, file));
  }

  async #fetch(
    record: ExportRecord,
    file: { format: DocumentFormat; part: string },
  ): Promise<number | undefined> {
    const what = `téléchargement de l'export ${describe(record)}`;
    try {
      const { bytes } = await this.#ctx.client.downloadTo(record.id, {
        format: file.format,
        path: file.part,
      });
      this.#stalls = 0;
      return bytes;
    } catch (error) {
      const stalled = error instanceof SaxiumError &&
        (error.kind === "timeout" || error.kind === "network");
      if (stalled && ++this.#stalls < 2) {
        this.#report.heldBack();
        this.#report.error(
          `Export ${
            describe(record)
          } : ${error.message} Il sera repris à la prochaine passe ; les autres exports continuent.`,
        );
        return undefined;
      }
      // Anything else is read as for any other call: the server, or this export.
      return await callServer(() => Promise.reject(error), { what, report: this.#report });
    }
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
