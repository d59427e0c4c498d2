/**
 * The downloads of a pass: a few at a time (eight by default: enough to
 * hide Saxium's latency behind small documents, few enough that downloads
 * sharing one slow link still each make progress), each with
 * the client's inactivity limit (`downloadIdleSeconds`) rather than a
 * deadline for the whole body. A download that stops arriving while Saxium
 * answers is that export's problem: it waits for a later pass and the others
 * go on; two in a row are the link's, and stop the pass.
 *
 * @module
 */

import { type DocumentFormat } from "../base/settings.ts";
import { SaxiumError } from "../saxium/client.ts";
import { callServer, describe } from "./failures.ts";
import type { ExportRecord } from "../journal/journal.ts";
import type { PassReport } from "./pass_report.ts";
import type { PassContext } from "./pass_types.ts";
import { Slots } from "./slots.ts";

/** Downloads running at once by default. */
const DEFAULT_DOWNLOADS = 8;

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
