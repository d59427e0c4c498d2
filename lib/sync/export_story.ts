/**
 * One export's story, in the order it happens:
 *
 * ```
 * (pipeline.ts) ─► download and check ─► stage ─► publish ─► await import ─► acknowledge ─► archive
 *                        │                         │              │
 *                        └──────────► refuse ◄──── replaced ◄─────┘ (report to Saxium)
 * ```
 *
 * Each step is a method named for what it does (`#steps`, by the journal
 * state it starts from); it does its work, makes it durable, then records the
 * new state: this module is the only caller of the journal's moves between
 * states (`lib/journal/states.ts`; records are opened at the door,
 * `pipeline.ts`, its `Offers`). A pass interrupted anywhere resumes where
 * it stopped; a document already in Batigest is acknowledged again, never
 * delivered again. The crash points (`after-download`, `after-rename`, …) sit
 * between a step's effect and its journal entry.
 *
 * The pipeline asks the story to {@linkcode ExportStory.advance} an export:
 * it runs the steps the export's state calls for until one where the
 * pipeline has a say ({@linkcode PIPELINE_DECIDES}) or its end. "Imported"
 * is decided by Batigest's watch (`lib/batigest/watch.ts`) and recorded as
 * the state `imported`, the word the log says. Anything about one export
 * concerns it alone (`failures.ts`, `aside.ts`); of two versions of one
 * document, the newest wins (`versions.ts`).
 *
 * @module
 */

import { DocumentDelivery, type FolderWatcher } from "../batigest/delivery.ts";
import { describe, type ExportRecord, type ExportState, isFinal } from "../journal/journal.ts";
import type { BatigestWatch } from "../batigest/watch.ts";
import { FolderUnusable } from "../batigest/folder_guard.ts";
import { awaitImport } from "../batigest/import_wait.ts";
import { plural } from "../base/french.ts";
import {
  goneLine,
  localFailure,
  LocalTrouble,
  localTrouble,
  type SaxiumCalls,
  stopsThePass,
} from "./failures.ts";
import type { AsideExports } from "./aside.ts";
import { judgeVersion, REPLACED_STAGE, versionLine, type VersionVerdict } from "./versions.ts";
import { publishedVersion, removeReceipt, writeReceipt } from "../journal/receipts.ts";
import { Downloads } from "./downloads.ts";
import type { PassContext } from "./pass_context.ts";
import type { PassReport } from "./pass_context.ts";
import {
  archiveExportFiles,
  archiveReplaced,
  type FolderMoves,
  folderMoves,
  keepExportFiles,
} from "../base/work_folders.ts";

/**
 * States where the story stops and the pipeline decides when the next step
 * runs: staging waits for a place among the early stagings, publication for
 * its turn and a place in the window, the wait for the document before it,
 * and what follows Batigest runs beside the next imports.
 */
export const PIPELINE_DECIDES: readonly ExportState[] = [
  "ready",
  "staged",
  "delivered",
  "imported",
  "failed",
];

/** What the story of a pass's exports shares besides its context. */
export interface ExportStoryOptions {
  /** The pass's log and tally. */
  report: PassReport;
  /** The pass's calls to Saxium about its exports. */
  calls: SaxiumCalls;
  /** The exports set aside. */
  aside: AsideExports;
  /** Wakes a wait when Batigest's import folder changes. */
  watcher: FolderWatcher;
  /** What the pass sees of Batigest: documents taken, evidence, inactivity. */
  watch: BatigestWatch;
  /** The pass's clock. */
  now: () => Date;
}

/** The story of each export of a pass, with what the pass remembers between its steps. */
export class ExportStory {
  #ctx: PassContext;
  #report: PassReport;
  #watcher: FolderWatcher;
  #watch: BatigestWatch;
  #now: () => Date;
  #publishedHere = new Set<string>();
  /** Exports staged by this pass (their temporary files cannot have been renamed yet). */
  #stagedHere = new Set<string>();
  /** Exports being walked through their steps now. */
  #inHand = new Set<string>();
  /** Exports walked in this pass, finished or not. */
  #walked = new Set<string>();
  /** Stages and publishes documents in the import folder. */
  #delivery: DocumentDelivery;
  /** The pass's calls to Saxium about its exports (acknowledgements, error reports). */
  #calls: SaxiumCalls;
  /** How the pass moves files between its folders. */
  #moves: FolderMoves;
  /** Exports set aside: by this pass, or waiting from an earlier one. */
  #aside: AsideExports;
  /** Downloads, a few at a time. */
  #downloads: Downloads;

  constructor(ctx: PassContext, options: ExportStoryOptions) {
    this.#ctx = ctx;
    this.#report = options.report;
    this.#watcher = options.watcher;
    this.#watch = options.watch;
    this.#now = options.now;
    this.#calls = options.calls;
    this.#downloads = new Downloads(ctx, { report: this.#report, calls: this.#calls });
    this.#delivery = new DocumentDelivery(ctx);
    this.#moves = folderMoves(ctx, this.#now);
    this.#aside = options.aside;
  }

  /** Whether this pass has walked export `id` (it does not try it again). */
  walked(id: string): boolean {
    return this.#walked.has(id);
  }

  /**
   * Batigest was found inactive in this pass and the window is full: nothing
   * more is published. (With a place left, one more document goes: if
   * Batigest takes it, it is alive, and passed by the one left.)
   */
  get batigestInactive(): boolean {
    return this.#watch.inactiveSince !== undefined &&
      this.#watch.waiting() >= (this.#ctx.window ?? 2);
  }

  /** Resolves when the published document of `record` is seen gone from the import folder. */
  left(record: ExportRecord): Promise<void> {
    return this.#watch.gone(record.id);
  }

  /** Whether export `id` is being walked through its steps now (by a wait an earlier run left). */
  inHand(id: string): boolean {
    return this.#inHand.has(id);
  }

  /**
   * Runs the step `record`'s state calls for, then the following ones, until
   * the export reaches a state where the pipeline decides
   * ({@linkcode PIPELINE_DECIDES}) or its end. Returns where it stands, or
   * undefined when it must wait for a later pass (the step left it where it
   * was) or a local problem stopped it (logged; the next pass resumes it). A
   * problem of the whole pass (Saxium unreachable, a full disk, a folder
   * unusable) is thrown.
   */
  async advance(start: ExportRecord): Promise<ExportRecord | undefined> {
    // One walk per export at a time: a document resumed from an earlier run
    // may be offered again by Saxium while it is still being waited for.
    if (this.#inHand.has(start.id)) return undefined;
    this.#inHand.add(start.id);
    this.#walked.add(start.id);
    let record = start;
    try {
      do {
        const before = record.state;
        record = await this.#step(record);
        if (record.state === before) return undefined; // must wait for a later pass
      } while (!isFinal(record.state) && !PIPELINE_DECIDES.includes(record.state));
      return record;
    } catch (error) {
      if (stopsThePass(error) || error instanceof FolderUnusable) throw error;
      const trouble = await localTrouble(error, this.#ctx.folders);
      if (trouble) {
        if (trouble instanceof LocalTrouble) {
          this.#report.error(`Export ${describe(record)} : ${trouble.message}`);
        }
        throw trouble;
      }
      const now = this.#ctx.journal.get(record.id) ?? record;
      this.#aside.set(now, { kind: "retry", reason: `erreur locale (${localFailure(error)}).` });
      return undefined;
    } finally {
      this.#inHand.delete(start.id);
    }
  }

  /**
   * Takes an export left by an earlier run through every step it has left,
   * one after the other (no pipeline: it is finished before new ones start).
   */
  async resume(start: ExportRecord): Promise<void> {
    let record: ExportRecord | undefined = start;
    while (record && !isFinal(record.state)) record = await this.advance(record);
  }

  /** The steps of the story, in order, by the state an export is in when it takes them. */
  #steps: Partial<Record<ExportState, (record: ExportRecord) => Promise<ExportRecord>>> = {
    downloading: (record) => this.#downloadAndCheck(record),
    ready: (record) => this.#stage(record),
    staged: (record) => this.#publish(record),
    delivered: (record) => this.#awaitImport(record),
    imported: (record) => this.#acknowledge(record),
    acknowledged: (record) => this.#archive(record),
    failed: (record) => this.#refuse(record),
  };

  #step(record: ExportRecord): Promise<ExportRecord> {
    return this.#steps[record.state]?.(record) ?? Promise.resolve(record);
  }

  #failpoint(name: string): void {
    this.#ctx.failpoint?.(name);
  }

  /** Downloads every format into `Downloads\`, checks it, moves it to `ToImport\`. */
  async #downloadAndCheck(record: ExportRecord): Promise<ExportRecord> {
    const outcome = await this.#downloads.fetchChecked(record, this.#moves);
    if (outcome.kind === "aside") {
      return this.#aside.set(record, { kind: "retry", reason: outcome.reason });
    }
    if (outcome.kind === "refused") return this.#fail(record, outcome);
    const next = this.#ctx.journal.setState(record.id, "ready");
    this.#failpoint("after-journal-ready");
    return next;
  }

  /**
   * Writes each file into the import folder under a temporary name, durably,
   * and chooses the name it will be published under.
   */
  async #stage(record: ExportRecord): Promise<ExportRecord> {
    const version = this.version(record);
    if (version.kind === "replaced") return await this.replace(record, version.by);
    const files = await this.#delivery.stage(record);
    this.#failpoint("after-stage");
    // The receipt outlives the journal: written, on disk, before the document
    // can be published (here, off the path between two publications).
    await writeReceipt(this.#ctx.folders, { ...record, files, at: this.#now().toISOString() });
    const next = this.#ctx.journal.setState(record.id, "staged", { files });
    this.#stagedHere.add(record.id);
    this.#failpoint("after-journal-staged");
    return next;
  }

  /** Renames each staged file to its final name: from here Batigest sees it. */
  async #publish(start: ExportRecord): Promise<ExportRecord> {
    let record = start;
    if (this.batigestInactive) return record; // stays staged for a later pass
    const version = this.version(record);
    if (version.kind === "replaced" && this.#delivery.unpublished(record)) {
      return await this.replace(record, version.by);
    }
    if (version.kind === "after") {
      // The older one is taken back by its wait unless Batigest reads it; this
      // one goes at a later pass, once the older is gone.
      this.#watch.recall(version.older.id, record);
      this.#report.info(`Export ${describe(record)} : ${versionLine(version)}`);
      return record;
    }
    this.#watch.ensureMark({ documentsWaiting: false });
    // The journal must say `staged`, on disk, before a name Batigest sees,
    // and so must the receipt (written when staging; by an older agent, maybe not).
    await this.#ctx.journal.flush(record.id);
    if (!this.#stagedHere.has(record.id)) {
      await writeReceipt(this.#ctx.folders, { ...record, at: this.#now().toISOString() });
    }
    const outcome = await this.#delivery.publish(record, {
      stagedHere: this.#stagedHere.has(record.id),
      warn: (message) => this.#report.warning(`Export ${describe(record)} : ${message}`),
      renamed: () => this.#failpoint("after-rename"),
      // A name taken since staging: the next free one, on disk in the journal
      // and the receipt before any file bears it.
      rename: async (files) => {
        record = this.#ctx.journal.renameFiles(record.id, files);
        await this.#ctx.journal.flush(record.id);
        await writeReceipt(this.#ctx.folders, { ...record, at: this.#now().toISOString() });
        return record;
      },
    });
    if (outcome.kind === "name-taken") return record; // a folder that fills as fast: a later pass
    const next = this.#ctx.journal.setState(record.id, "delivered");
    this.#publishedHere.add(record.id);
    this.#watch.track(record);
    const names = record.files.map((f) => f.importName).join(", ");
    const correction = version.kind === "correction" ? ` ${versionLine(version)}` : "";
    this.#report[correction ? "info" : "debug"](
      `Export ${describe(record)} déposé dans Batigest : ${names}.${correction}`,
    );
    this.#failpoint("after-journal-delivered");
    return next;
  }

  /** What the other versions of `record`'s document mean for it (`versions.ts`). */
  version(record: ExportRecord): VersionVerdict {
    return judgeVersion(record, this.#ctx.journal.sameDocument(record), {
      published: publishedVersion(this.#ctx.folders, record),
    });
  }

  /**
   * A newer version of the document replaces `record` before Batigest saw
   * it: its copy archived, recorded as failed (replaced), reported to Saxium
   * as such by the next step; never delivered.
   */
  async replace(record: ExportRecord, by: ExportRecord): Promise<ExportRecord> {
    const reason = versionLine({ kind: "replaced", by });
    await archiveReplaced(record, this.#moves);
    this.#report.count("replaced");
    this.#report.info(`Export ${describe(record)} : ${reason}`);
    const next = this.#ctx.journal.setState(record.id, "failed", {
      error: reason,
      errorStage: REPLACED_STAGE,
    });
    await this.#ctx.journal.flush(record.id);
    await this.#delivery.removeLeftovers(next);
    await removeReceipt(this.#ctx.folders, record);
    return next;
  }

  /**
   * Waits for Batigest to take the files (`import_wait.ts`): imported, taken
   * back on evidence that Batigest refused it, or left waiting in the folder
   * for the next pass (Batigest inactive).
   */
  async #awaitImport(record: ExportRecord): Promise<ExportRecord> {
    const outcome = await awaitImport(record, {
      ...this.#ctx,
      watch: this.#watch,
      watcher: this.#watcher,
      now: this.#now,
      publishedHere: this.#publishedHere.has(record.id),
      warn: (message) => this.#report.warning(`Export ${describe(record)} : ${message}`),
    });
    // Still delivered (Batigest inactive, the file held, or Ctrl-C): the next pass waits again.
    if (outcome.kind === "waiting") return record;
    if (outcome.kind === "replaced") return await this.replace(record, outcome.by);
    if (outcome.kind === "refused") {
      return this.#fail(record, { stage: "import", reason: outcome.reason });
    }
    // Imported: the word Batigest's watch decided, and the one the log says.
    const next = this.#ctx.journal.setState(record.id, "imported");
    this.#report.debug(`Export ${describe(record)} importé par Batigest.`);
    this.#failpoint("after-journal-imported");
    return next;
  }

  /** Tells Saxium the document is in Batigest; a failure sets this export aside. */
  async #acknowledge(record: ExportRecord): Promise<ExportRecord> {
    const answer = await this.#calls.markSynced(record);
    if (answer.outcome === "refused" || answer.outcome === "retry") {
      return this.#aside.set(record, {
        kind: answer.outcome,
        reason: `accusé de réception refusé : ${answer.reason}`,
      });
    }
    if (answer.outcome === "already") {
      this.#report.info(`Saxium sait déjà que l'export ${describe(record)} est synchronisé.`);
    }
    if (answer.outcome === "gone") this.#report.warning(goneLine(record, "l'accusé de réception"));
    this.#failpoint("after-mark-synced");
    const next = this.#ctx.journal.setState(record.id, "acknowledged");
    this.#failpoint("after-journal-acknowledged");
    this.#report.count("synced");
    return next;
  }

  /** Moves the delivered copy to `Archive\` (`base/work_folders.ts`). */
  async #archive(record: ExportRecord): Promise<ExportRecord> {
    const failedVersions = this.#ctx.journal.sameDocument(record)
      .filter((other) => other.state === "failed" || other.state === "reported")
      .map((other) => other.id);
    const moved = await archiveExportFiles(record, { ...this.#moves, failedVersions });
    if (moved > 0) {
      this.#report.info(
        `Export ${describe(record)} : ${
          plural(moved, "fichier laissé", "fichiers laissés")
        } dans Errors par un essai précédent ${
          moved > 1 ? "sont rangés" : "est rangé"
        } dans Archive (le document est importé).`,
      );
    }
    this.#failpoint("after-archive");
    const next = this.#ctx.journal.setState(record.id, "archived");
    this.#report.info(
      `Export ${describe(record)} synchronisé : importé par Batigest (${
        record.files.map((f) => f.importName).join(", ")
      }), confirmé à Saxium, archivé.`,
    );
    return next;
  }

  /** Tells Saxium the export is in error, with the reason (its files are in `Errors\`). */
  async #refuse(record: ExportRecord): Promise<ExportRecord> {
    await this.#delivery.removeLeftovers(record); // left by a crash right after failing
    const answer = await this.#calls.markError(record);
    if (answer.outcome === "refused" || answer.outcome === "retry") {
      return this.#aside.set(record, {
        kind: answer.outcome,
        reason: `signalement d'erreur refusé : ${answer.reason}`,
      });
    }
    if (answer.outcome === "gone") {
      this.#report.warning(goneLine(record, "le signalement d'erreur"));
    }
    this.#failpoint("after-mark-error");
    return this.#ctx.journal.setState(record.id, "reported");
  }

  /** Records an export's failure; its files go to `Errors\` with the reason. */
  async #fail(
    record: ExportRecord,
    failure: { stage: string; reason: string },
  ): Promise<ExportRecord> {
    const { folders } = this.#ctx;
    await keepExportFiles(record, { ...this.#moves, reason: failure.reason });
    this.#report.count("errors");
    this.#report.error(`Export ${describe(record)} en erreur : ${failure.reason}`);
    const next = this.#ctx.journal.setState(record.id, "failed", {
      error: failure.reason,
      errorStage: failure.stage,
    });
    await this.#ctx.journal.flush(record.id); // durable before the withdrawal markers go
    this.#failpoint("after-journal-failed");
    await removeReceipt(folders, record); // taken back: a new attempt may deliver it
    await this.#delivery.removeLeftovers(record);
    return next;
  }
}
