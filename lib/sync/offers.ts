/**
 * What the pass does with each export Saxium offers, before its steps
 * (`export_story.ts`) go on: matched with what the agent knows of it, its
 * record opened in the journal (begun, restarted or rebuilt; the moves
 * between states are the story's).
 *
 * - one the journal lost but whose receipt says it was published is rebuilt
 *   from the receipt and the folders: never delivered again;
 * - one set aside waits for its time (`aside.ts`);
 * - one already archived is acknowledged again, never delivered again, and
 *   asked past until its delay runs out (Saxium still lists it);
 * - one reported in error and offered again starts a new attempt; a new one
 *   is recorded;
 * - then, unless a newer version of the same document replaces it
 *   (`versions.ts`), it is downloaded and checked.
 *
 * @module
 */

import { type ExportRecord, REBUILT_FROM } from "../journal/journal.ts";
import { readReceipt, stateFromFolders } from "../journal/receipts.ts";
import { safeBaseName } from "../documents/file_names.ts";
import type { PendingExport } from "../saxium/client.ts";
import type { AsideExports } from "./aside.ts";
import type { ExportStory } from "./export_story.ts";
import { describe, type SaxiumCalls } from "./failures.ts";
import type { PassReport } from "./pass_report.ts";
import type { PassContext } from "./pass_types.ts";

/** The exports Saxium offers, taken to the story's door; see the module doc. */
export class Offers {
  #ctx: PassContext;
  #story: ExportStory;
  #report: PassReport;
  #calls: SaxiumCalls;
  #aside: AsideExports;

  constructor(
    ctx: PassContext,
    options: { story: ExportStory; report: PassReport; calls: SaxiumCalls; aside: AsideExports },
  ) {
    this.#ctx = ctx;
    this.#story = options.story;
    this.#report = options.report;
    this.#calls = options.calls;
    this.#aside = options.aside;
  }

  /**
   * Takes an offered export as far as its download and check (see the
   * module doc): returns it ready (or refused, or replaced), or, for one an
   * earlier run left further on, as it stands; undefined when nothing more
   * is to be done with it in this pass.
   */
  async take(item: PendingExport): Promise<ExportRecord | undefined> {
    let record = this.#ctx.journal.get(item.id);
    if (!record || REBUILT_FROM.includes(record.state)) {
      record = await this.#fromReceipt(item) ?? record;
    }
    if (record && this.#aside.waiting(record)) return undefined;
    if (record?.state === "archived") {
      await this.#reacknowledge(record);
      return undefined;
    }
    if (record?.state === "reported") {
      this.#report.info(
        `L'export ${describe(record)} est de nouveau proposé par Saxium : nouvelle tentative.`,
      );
    }
    if (!record || record.state === "reported") record = this.#open(item, record);
    if (record.state === "downloading") {
      const version = this.#story.version(record);
      if (version.kind === "replaced") return await this.#story.replace(record, version.by);
      return await this.#story.advance(record);
    }
    // Left by an earlier run and being finished meanwhile: its walk goes on there.
    return this.#story.inHand(record.id) ? undefined : record;
  }

  /**
   * Rebuilds, before any of them is taken, the records of `items` the
   * journal lost but whose receipts say they were published: a newer version
   * listed first (Saxium lists newest first) must find the older one still
   * waiting in Batigest's folder, never be published beside it.
   */
  async rebuildFromReceipts(items: readonly PendingExport[]): Promise<void> {
    for (const item of items) {
      const record = this.#ctx.journal.get(item.id);
      if (!record || REBUILT_FROM.includes(record.state)) await this.#fromReceipt(item);
    }
  }

  /** The record rebuilt from the export's receipt, if it has one (see `receipts.ts`). */
  async #fromReceipt(item: PendingExport): Promise<ExportRecord | undefined> {
    const receipt = await readReceipt(this.#ctx.folders, item.id);
    if (!receipt) return undefined;
    this.#report.warning(
      `L'export ${describe(receipt)} a déjà été déposé dans Batigest (reçu du ${
        receipt.at.slice(0, 10)
      }) mais le journal de l'agent ne le savait plus (supprimé, endommagé ou restauré) : ` +
        `il est repris là où les dossiers le montrent, sans être redéposé.`,
    );
    // Saxium's date, which orders the versions of a document, from the receipt or the list.
    const evidence = { ...receipt, generatedAt: receipt.generatedAt ?? item.generatedAt };
    return this.#ctx.journal.restore(evidence, stateFromFolders(this.#ctx.folders, receipt));
  }

  /**
   * Records an export Saxium offers for the first time, or again after it
   * was reported in error (a new attempt): it starts with its download.
   */
  #open(item: PendingExport, previous?: ExportRecord): ExportRecord {
    const files = this.#ctx.settings.formats.map((format) => ({ format, importName: "" }));
    if (previous?.state === "reported") return this.#ctx.journal.retry(previous.id, files);
    return this.#ctx.journal.begin({
      id: item.id,
      reference: item.documentReference,
      documentType: item.documentType,
      baseName: safeBaseName(item.documentReference),
      files,
      generatedAt: item.generatedAt,
    });
  }

  /** A document Saxium lists again although it was confirmed: acknowledged again, never delivered again. */
  async #reacknowledge(record: ExportRecord): Promise<void> {
    const answer = await this.#calls.markSynced(record);
    if (answer.outcome === "refused" || answer.outcome === "retry") {
      this.#aside.set(record, {
        kind: answer.outcome,
        reason: `accusé de réception renvoyé refusé : ${answer.reason}`,
      });
      return;
    }
    this.#report.debug(
      `L'export ${
        describe(record)
      } est déjà importé dans Batigest mais Saxium le propose encore : accusé de réception renvoyé, document non redéposé.`,
    );
    this.#report.count("reacknowledged");
    this.#aside.relisted(record);
  }
}
