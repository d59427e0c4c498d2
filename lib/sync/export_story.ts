/**
 * One export's story, in the order it happens:
 *
 * ```
 * prepare ─► download and check ─► stage ─► publish ─► await import ─► acknowledge ─► archive
 *                   │                                        │
 *                   └──────────────► refuse ◄────────────────┘
 *                          (report the error to Saxium, keep the files in Errors\)
 * ```
 *
 * Each step is a method named for what it does ({@linkcode STEPS} lists them
 * by the journal state they start from); each does its work, makes it
 * durable, then records the new state. This module is the only caller of the
 * journal's moves (`lib/journal/states.ts`), so a pass interrupted anywhere
 * (crash, reboot, server gone) resumes where it stopped, and a document
 * already in Batigest is acknowledged again, never delivered again. The
 * named crash points (`after-download`, `after-rename`, …) sit between a
 * step's effect and its journal entry: the crash tests kill the agent at each
 * of them.
 *
 * The pipeline (`pipeline.ts`) decides how many exports run side by side and
 * when; it asks the story to {@linkcode ExportStory.advance} an export, and
 * the story runs the step the export's state calls for, then the next ones,
 * until the export reaches a state where the pipeline has a say
 * ({@linkcode PIPELINE_DECIDES}: before staging, before publication, before
 * the wait for Batigest, and once Batigest is done with it) or its end.
 *
 * "Imported" is Batigest's word, decided by the wait (`lib/batigest/import_wait.ts`):
 * the step records it as the journal state `imported`, and the log says so.
 *
 * Anything about one export (its download, its acknowledgement, its error
 * report) ends that export's step only; what an error means for the pass is
 * `failures.ts`'s.
 *
 * @module
 */

import { type DocumentFormat } from "../base/settings.ts";
import nodePath from "node:path";
import { checkDocumentFile } from "../documents/document_check.ts";
import { safeBaseName, uniqueFileName } from "../documents/file_names.ts";
import { type FolderWatcher, NameTakenError, publish, stage } from "../batigest/delivery.ts";
import type { BatigestWatch } from "../batigest/watch.ts";
import { FolderUnusable } from "../batigest/folder_guard.ts";
import { awaitImport } from "../batigest/import_wait.ts";
import { withTransientRetry } from "../base/fs_retry.ts";
import {
  type ExportFile,
  type ExportRecord,
  type ExportState,
  isFinal,
  REBUILT_FROM,
} from "../journal/journal.ts";
import { type PendingExport, SaxiumError } from "../saxium/client.ts";
import {
  archiveStamp,
  downloadPath,
  exists,
  freeName,
  stagingPath,
  toImportPath,
  withdrawnPath,
} from "../base/work_folders.ts";
import { describe, localFailure, LocalTrouble, localTrouble, stopsThePass } from "./failures.ts";
import { readReceipt, removeReceipt, stateFromFolders, writeReceipt } from "../journal/receipts.ts";
import { Downloads } from "./downloads.ts";
import { Acknowledgements } from "./acknowledgements.ts";
import type { PassContext } from "./pass_types.ts";
import type { PassReport } from "./pass_report.ts";
import { closeEarlierErrors, keepExportFiles, keepInErrors } from "./errors_folder.ts";

/** The steps of the story, by the state an export is in when it takes them, in order. */
export const STEPS: Readonly<Partial<Record<ExportState, string>>> = {
  downloading: "download and check",
  ready: "stage",
  staged: "publish",
  delivered: "await import",
  imported: "acknowledge",
  acknowledged: "archive",
  failed: "refuse",
};

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
  /** Names chosen for documents staged in this pass and not yet published (lower case). */
  #reservedNames = new Set<string>();
  /** What Saxium answers about acknowledgements, and the exports set aside. */
  #acks: Acknowledgements;
  /** Downloads, a few at a time. */
  #downloads: Downloads;

  /** The story of exports in `ctx`'s folders, journal and server. */
  constructor(ctx: PassContext, options: ExportStoryOptions) {
    this.#ctx = ctx;
    this.#report = options.report;
    this.#watcher = options.watcher;
    this.#watch = options.watch;
    this.#now = options.now;
    this.#downloads = new Downloads(ctx, { report: this.#report });
    this.#acks = new Acknowledgements(ctx, { report: this.#report });
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

  /**
   * The export Saxium offers, matched with the journal: a new one is
   * recorded, one reported in error and offered again starts a new attempt,
   * one the journal lost but whose receipt says it was published is rebuilt
   * from the receipt and the folders (never delivered again), one already
   * archived is acknowledged again. Then downloaded and checked: returns it
   * ready (or refused), or undefined when nothing more is to be done with it
   * in this pass.
   */
  async prepare(item: PendingExport): Promise<ExportRecord | undefined> {
    const journal = this.#ctx.journal;
    let record = journal.get(item.id);
    if (!record || REBUILT_FROM.includes(record.state)) {
      record = await this.#fromReceipt(item) ?? record;
    }
    if (record?.state === "archived") {
      await this.#acks.reacknowledge(record);
      return undefined;
    }
    if (record?.state === "reported") {
      this.#report.info(
        `L'export ${describe(record)} est de nouveau proposé par Saxium : nouvelle tentative.`,
      );
      record = journal.retry(record.id, this.#plannedFiles());
    }
    record ??= journal.begin({
      id: item.id,
      reference: item.documentReference,
      documentType: item.documentType,
      baseName: safeBaseName(item.documentReference),
      files: this.#plannedFiles(),
    });
    if (record.state === "downloading") return await this.advance(record);
    this.#walked.add(record.id);
    // Left by an earlier run and being finished meanwhile: its walk goes on there.
    return this.#inHand.has(record.id) ? undefined : record;
  }

  /** The record rebuilt from the export's receipt, if it has one (see `receipts.ts`). */
  async #fromReceipt(item: PendingExport): Promise<ExportRecord | undefined> {
    const receipt = await readReceipt(this.#ctx.folders, item.id);
    if (!receipt) return undefined;
    const state = stateFromFolders(this.#ctx.folders, receipt);
    this.#report.warning(
      `L'export ${describe(receipt)} a déjà été déposé dans Batigest (reçu du ${
        receipt.at.slice(0, 10)
      }) mais le journal ne le savait plus (supprimé, endommagé ou restauré) : ` +
        `il est repris là où les dossiers le montrent, sans être redéposé.`,
    );
    return this.#ctx.journal.restore(receipt, state);
  }

  /** The files a new attempt will download: one per configured format, not named yet. */
  #plannedFiles(): ExportFile[] {
    return this.#ctx.settings.formats.map((format) => ({ format, importName: "" }));
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
      this.#report.heldBack();
      this.#report.error(`Export ${describe(record)} : ${localFailure(error)}`);
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

  #step(record: ExportRecord): Promise<ExportRecord> {
    switch (record.state) {
      case "downloading":
        return this.#downloadAndCheck(record);
      case "ready":
        return this.#stage(record);
      case "staged":
        return this.#publish(record);
      case "delivered":
        return this.#awaitImport(record);
      case "imported":
        return this.#acknowledge(record);
      case "acknowledged":
        return this.#archive(record);
      case "failed":
        return this.#refuse(record);
      default:
        return Promise.resolve(record);
    }
  }

  #failpoint(name: string): void {
    this.#ctx.failpoint?.(name);
  }

  /** Downloads every format into `Downloads\`, checks it, moves it to `ToImport\`. */
  async #downloadAndCheck(record: ExportRecord): Promise<ExportRecord> {
    const { folders } = this.#ctx;
    for (const { format } of record.files) {
      const part = downloadPath(folders, record.id, format);
      try {
        const bytes = await this.#downloads.fetch(record, { format, part });
        if (bytes === undefined) return record; // waits for a later pass
        this.#report.debug(
          `Export ${describe(record)} : ${format.toUpperCase()} téléchargé (${bytes} o).`,
        );
      } catch (error) {
        if (!(error instanceof SaxiumError)) throw error;
        return this.#fail(record, {
          stage: "download",
          reason: `téléchargement du ${format.toUpperCase()} refusé : ${error.message}`,
        });
      }
      this.#failpoint("after-download");
      const verdict = await checkDocumentFile(part, {
        format,
        documentType: record.documentType,
        reference: record.reference,
      });
      if (!verdict.ok) {
        await keepInErrors(part, {
          ...this.#moves(),
          name: `${record.baseName}.${format}`,
          reason: verdict.reason,
          exportId: record.id,
        });
        return this.#fail(record, { stage: "check", reason: verdict.reason });
      }
    }
    for (const { format } of record.files) {
      await this.#moveFile(
        downloadPath(folders, record.id, format),
        toImportPath(folders, record.id, format),
      );
    }
    this.#failpoint("after-to-import");
    const next = this.#ctx.journal.setState(record.id, "ready");
    this.#failpoint("after-journal-ready");
    return next;
  }

  /**
   * Writes each file into the import folder under a temporary name, durably,
   * and chooses the name it will be published under.
   */
  async #stage(record: ExportRecord): Promise<ExportRecord> {
    const { folders } = this.#ctx;
    // A temporary file left by an interrupted run is simply overwritten.
    for (const { format } of record.files) await this.#copyToStaging(record.id, format);
    const files = [];
    // Names compared without case, as NTFS does; a document staged before
    // this one but not published yet has its name kept.
    const present = new Set(this.#reservedNames);
    for (const entry of Deno.readDirSync(folders.importDir)) {
      present.add(entry.name.toLowerCase());
    }
    for (const file of record.files) {
      const importName = uniqueFileName(record.baseName, {
        extension: file.format,
        isTaken: (name) => present.has(name),
      });
      present.add(importName.toLowerCase());
      this.#reservedNames.add(importName.toLowerCase());
      files.push({ format: file.format, importName });
    }
    this.#failpoint("after-stage");
    // The receipt outlives the journal: written, on disk, before the document
    // can be published (here, off the path between two publications).
    await writeReceipt(folders, { ...record, files, at: this.#now().toISOString() });
    const next = this.#ctx.journal.setState(record.id, "staged", { files });
    this.#stagedHere.add(record.id);
    this.#failpoint("after-journal-staged");
    return next;
  }

  /** Copies a file of a ready export to its temporary name in the import folder, durably. */
  async #copyToStaging(id: string, format: DocumentFormat): Promise<void> {
    const { folders, fileOps, retry } = this.#ctx;
    const source = toImportPath(folders, id, format);
    const temp = stagingPath(folders, id, format);
    await withTransientRetry(() => stage(source, { stagingPath: temp, fileOps }), retry);
  }

  /** Renames each staged file to its final name: from here Batigest sees it. */
  async #publish(record: ExportRecord): Promise<ExportRecord> {
    const { folders, fileOps, retry } = this.#ctx;
    if (this.batigestInactive) return record; // stays staged for a later pass
    this.#watch.ensureMark({ documentsWaiting: false });
    // The journal must say `staged`, on disk, before a name Batigest sees,
    // and so must the receipt (written when staging; by an older agent, maybe not).
    await this.#ctx.journal.flush(record.id);
    if (!this.#stagedHere.has(record.id)) {
      await writeReceipt(folders, { ...record, at: this.#now().toISOString() });
    }
    for (const file of record.files) {
      const temp = stagingPath(folders, record.id, file.format);
      if (!exists(temp)) {
        // Staged by an earlier run: renamed before a crash. Staged by this
        // pass: someone deleted it while it waited its turn; copied again.
        if (!this.#stagedHere.has(record.id)) continue;
        this.#report.warning(
          `Export ${describe(record)} : le fichier temporaire ${
            nodePath.basename(temp)
          } a disparu du dossier d'import avant son dépôt (supprimé à la main ?) ; il est recopié.`,
        );
        await this.#copyToStaging(record.id, file.format);
      }
      const finalPath = nodePath.join(folders.importDir, file.importName);
      try {
        await publish(temp, { finalPath, fileOps, retry });
      } catch (error) {
        if (!(error instanceof NameTakenError)) throw error;
        // Someone put a file of that name there since staging: keep waiting, never overwrite.
        this.#report.warning(
          `Export ${describe(record)} : ${error.message} ; nouvel essai à la prochaine passe.`,
        );
        this.#report.heldBack();
        return record;
      }
      this.#failpoint("after-rename");
      this.#reservedNames.delete(file.importName.toLowerCase());
    }
    const next = this.#ctx.journal.setState(record.id, "delivered");
    this.#publishedHere.add(record.id);
    this.#watch.track(record);
    this.#report.debug(
      `Export ${describe(record)} déposé dans Batigest : ${
        record.files.map((f) => f.importName).join(", ")
      }.`,
    );
    this.#failpoint("after-journal-delivered");
    return next;
  }

  /**
   * Waits for Batigest to take the files (`import_wait.ts`): imported, taken
   * back on evidence that Batigest refused it, or left waiting in the folder
   * for the next pass (Batigest inactive).
   */
  async #awaitImport(record: ExportRecord): Promise<ExportRecord> {
    const { folders, settings, fileOps, retry } = this.#ctx;
    const outcome = await awaitImport(record, {
      settings,
      folders,
      fileOps,
      retry,
      watch: this.#watch,
      watcher: this.#watcher,
      now: this.#now,
      publishedHere: this.#publishedHere.has(record.id),
      warn: (message) => this.#report.warning(`Export ${describe(record)} : ${message}`),
      failpoint: this.#ctx.failpoint,
      signal: this.#ctx.signal,
    });
    // Still delivered (Batigest inactive, the file held, or Ctrl-C): the next pass waits again.
    if (outcome.kind === "waiting") return record;
    if (outcome.kind === "refused") {
      return this.#fail(record, { stage: "import", reason: outcome.reason });
    }
    // Imported: the word Batigest's watch decided, and the one the log says.
    const next = this.#ctx.journal.setState(record.id, "imported");
    this.#report.debug(`Export ${describe(record)} importé par Batigest.`);
    this.#failpoint("after-journal-imported");
    return next;
  }

  /** Tells Saxium the document is in Batigest; a refusal sets this export aside. */
  async #acknowledge(record: ExportRecord): Promise<ExportRecord> {
    if (this.#acks.isAside(record.id)) return record;
    const verdict = await this.#acks.markSynced(record);
    if (verdict.outcome === "refused") return this.#acks.setAside(record, verdict.reason);
    if (verdict.outcome === "already") {
      this.#report.info(`Saxium sait déjà que l'export ${describe(record)} est synchronisé.`);
    }
    this.#failpoint("after-mark-synced");
    const next = this.#ctx.journal.setState(record.id, "acknowledged");
    this.#failpoint("after-journal-acknowledged");
    this.#report.count("synced");
    return next;
  }

  /** Exports set aside in this pass (Saxium refused to hear about them). */
  get asideCount(): number {
    return this.#acks.asideCount;
  }

  /** Moves the delivered copy to `Archive\yyyy-MM-dd-HHmmss-<name>`. */
  async #archive(record: ExportRecord): Promise<ExportRecord> {
    const { folders } = this.#ctx;
    const stamp = archiveStamp(this.#now());
    for (const file of record.files) {
      const source = toImportPath(folders, record.id, file.format);
      const name = freeName(folders.archive, `${stamp}-${file.importName}`);
      try {
        await this.#moveFile(source, nodePath.join(folders.archive, name));
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error; // archived before a crash
      }
    }
    await this.#closeEarlierErrors(record);
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
    if (this.#acks.isAside(record.id)) return record;
    await this.#removeWithdrawn(record); // left by a crash right after failing
    const verdict = await this.#acks.markError(record);
    if (verdict.outcome === "refused") return this.#acks.setAside(record, verdict.reason);
    this.#failpoint("after-mark-error");
    return this.#ctx.journal.setState(record.id, "reported");
  }

  /** Records an export's failure; its files go to `Errors\` with the reason. */
  async #fail(
    record: ExportRecord,
    failure: { stage: string; reason: string },
  ): Promise<ExportRecord> {
    const { folders } = this.#ctx;
    await keepExportFiles(record, { ...this.#moves(), reason: failure.reason });
    this.#report.count("errors");
    this.#report.error(`Export ${describe(record)} en erreur : ${failure.reason}`);
    const next = this.#ctx.journal.setState(record.id, "failed", {
      error: failure.reason,
      errorStage: failure.stage,
    });
    await this.#ctx.journal.flush(record.id); // durable before the withdrawal markers go
    this.#failpoint("after-journal-failed");
    await removeReceipt(folders, record.id); // taken back: a new attempt may deliver it
    await this.#removeWithdrawn(record);
    return next;
  }

  /** Deletes withdrawal markers once their copy is safe in `Errors\`. */
  async #removeWithdrawn(record: ExportRecord): Promise<void> {
    for (const { format } of record.files) {
      await this.#removeIfPresent(withdrawnPath(this.#ctx.folders, record.id, format));
    }
  }

  async #removeIfPresent(path: string): Promise<void> {
    try {
      await withTransientRetry(() => this.#ctx.fileOps.remove(path), this.#ctx.retry);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  /** Files an earlier, failed attempt left in `Errors\` join the archive once it is imported. */
  async #closeEarlierErrors(record: ExportRecord): Promise<void> {
    if (record.attempts < 2) return;
    const moved = await closeEarlierErrors(record.id, this.#moves());
    if (moved > 0) {
      this.#report.info(
        `Export ${
          describe(record)
        } : ${moved} fichier(s) de l'essai précédent déplacé(s) de Errors vers Archive.`,
      );
    }
  }

  #moves() {
    return {
      folders: this.#ctx.folders,
      move: (from: string, to: string) => this.#moveFile(from, to),
      now: this.#now,
    };
  }

  #moveFile(from: string, to: string): Promise<void> {
    return withTransientRetry(() => this.#ctx.fileOps.rename(from, to), this.#ctx.retry);
  }
}
