/**
 * One sync pass: the story of moving Saxium's pending exports into Batigest.
 *
 * Every export walks the journal's states (see `journal.ts`); each step below
 * does its work, makes it durable, then records the new state. A step can be
 * repeated from the state before it, so a pass interrupted anywhere (crash,
 * reboot, server gone) resumes where it stopped, and a document already in
 * Batigest is acknowledged again, never delivered again.
 *
 * @module
 */

import nodePath from "node:path";
import type { DocumentFormat, Settings } from "../base/config.ts";
import { checkDocumentFile } from "./document_check.ts";
import {
  FolderWatcher,
  NameTakenError,
  publish,
  stage,
  waitForConsumption,
  withdraw,
} from "./delivery.ts";
import { safeBaseName, uniqueFileName } from "./file_names.ts";
import { type FileOps, type RetryOptions, withTransientRetry } from "../base/fs_retry.ts";
import { type ExportRecord, type ExportState, type Journal, UNFINISHED_STATES } from "./journal.ts";
import type { Logger } from "../base/log.ts";
import { type PendingExport, SaxiumError } from "../saxium/client.ts";
import {
  archiveStamp,
  downloadPath,
  exists,
  freeName,
  stagingPath,
  toImportPath,
  withdrawnPath,
  type WorkFolders,
  writeErrorNote,
} from "../base/work_folders.ts";

/** The part of the Saxium client a pass uses. */
export interface SaxiumApi {
  listPending(limit: number): Promise<PendingExport[]>;
  downloadTo(
    id: string,
    options: { format: DocumentFormat; path: string },
  ): Promise<{ bytes: number }>;
  markSynced(id: string, body: { batigestReference: string; importedAt: string }): Promise<void>;
  markError(
    id: string,
    body: { errorMessage: string; stage?: string; code?: string },
  ): Promise<void>;
}

/** Everything a pass works with; tests pass their own. */
export interface PassContext {
  settings: Settings;
  client: SaxiumApi;
  journal: Journal;
  log: Logger;
  folders: WorkFolders;
  fileOps: FileOps;
  /** Backoff for transient file-system errors. */
  retry?: RetryOptions;
  /** Stop taking new exports (Ctrl-C); the one in hand is finished. */
  signal?: AbortSignal;
  /** Test-only crash points. */
  failpoint?: (name: string) => void;
  /** How many exports are downloaded ahead while Batigest imports (default 16). */
  prefetch?: number;
  /** How many published documents may wait in the import folder at once (default 2). */
  window?: number;
  now?: () => Date;
}

/** Counts of what a pass did. */
export interface PassSummary {
  /** Exports imported by Batigest and acknowledged on Saxium. */
  synced: number;
  /** Exports that ended in error (refused, not imported in time). */
  errors: number;
  /** Exports already in Batigest whose acknowledgement was sent again. */
  reacknowledged: number;
  /** Exports left half-way, to finish on the next pass. */
  unfinished: number;
}

/** How a pass ended. */
export interface PassResult {
  /** 0 all done, 1 some exports in error, 3 the server could not be reached. */
  exitCode: 0 | 1 | 3;
  summary: PassSummary;
  /** Why the pass stopped early, for the administrator. */
  message?: string;
}

/** The server cannot be used for now: stop the pass, lose nothing. */
class ServerUnavailable extends Error {}

/** Exports downloaded and checked ahead of delivery (hides the server's latency). */
const DEFAULT_PREFETCH = 16;
/** Documents waiting in Batigest's folder at once. */
const DEFAULT_WINDOW = 2;
/** Exports staged (under their temporary name in the import folder) ahead of publication. */
const EARLY_STAGES = 4;

/** From checked to imported: published one after the other, in the server's order. */
const DELIVERY: readonly ExportState[] = ["ready", "staged", "delivered"];
/** After Batigest: telling Saxium and archiving, which may overlap. */
const FINISH: readonly ExportState[] = ["consumed", "acknowledged", "failed"];

/** A promise's outcome, kept so that no rejection goes unobserved. */
type Settled<T> = { value: T } | { error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then((value) => ({ value }), (error) => ({ error }));
}

function unwrap<T>(settled: Settled<T>): T {
  if ("error" in settled) throw settled.error;
  return settled.value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs one pass: finish what a previous run left in flight, then take the
 * pending exports until the server offers nothing new.
 */
export async function runSyncPass(ctx: PassContext): Promise<PassResult> {
  const pass = new Pass(ctx);
  const watcher = new FolderWatcher(ctx.folders.importDir);
  try {
    await pass.resumeInFlight(watcher);
    await pass.drainPending(watcher);
  } catch (error) {
    if (!(error instanceof ServerUnavailable)) throw error;
    pass.stoppedBy(error.message);
  } finally {
    await watcher.close();
  }
  return pass.result();
}

/**
 * The imports and acknowledgements a pass has running: at most `window`
 * documents waiting in Batigest's folder, acknowledgements unbounded (each is
 * one request). The first failure is kept and rethrown where the pass checks.
 */
class InFlight {
  #all: Promise<unknown>[] = [];
  #imports: Promise<unknown>[] = [];
  #failure?: { error: unknown };
  /** When the last published document left the import folder (epoch ms). */
  lastImport: Promise<number> = Promise.resolve(0);

  add(promise: Promise<unknown>): void {
    this.#all.push(promise.catch((error) => {
      this.#failure ??= { error };
    }));
  }

  /** Tracks an import, then waits while `window` of them are running. */
  async addImport(imported: Promise<number>, window: number): Promise<void> {
    this.lastImport = imported.catch(() => Date.now());
    this.add(imported);
    this.#imports.push(this.lastImport);
    if (this.#imports.length >= window) await this.#imports.shift();
  }

  /** Waits for everything running to end. */
  async settled(): Promise<void> {
    while (this.#all.length > 0) await Promise.all(this.#all.splice(0));
    this.#imports = [];
  }

  /** Throws the first failure of anything that ran. */
  rethrow(): void {
    if (this.#failure) throw this.#failure.error;
  }
}

/**
 * Saxium's pending exports as one flow, each export once. The server's list
 * has no pages: it offers the same exports until they are acknowledged, so
 * asking again mostly returns exports already in hand, which are skipped.
 */
class PendingFeed {
  #list: () => Promise<PendingExport[]>;
  #limit: number;
  #log: Logger;
  #items: PendingExport[] = [];
  #seen = new Set<string>();
  #listing?: Promise<Settled<number>>;
  #exhausted = false;

  constructor(options: { list: () => Promise<PendingExport[]>; limit: number; log: Logger }) {
    this.#list = options.list;
    this.#limit = options.limit;
    this.#log = options.log;
  }

  /** The exports received so far, in the server's order. */
  get received(): readonly PendingExport[] {
    return this.#items;
  }

  /** Asks for the list now, in the background, unless it is being asked already. */
  askAhead(): void {
    if (this.#exhausted || this.#listing) return;
    const listing = settle(this.#fetch());
    this.#listing = listing;
    // A list that brought exports lets the next ask go. One that brought
    // none (all in hand) or failed waits for `at`, which knows what to do.
    listing.then((outcome) => {
      if ("value" in outcome && outcome.value > 0 && this.#listing === listing) {
        this.#listing = undefined;
      }
    });
  }

  /**
   * The `i`-th export, asking the server as needed; undefined once it offers
   * nothing new. A full list of exports still in hand is asked for again only
   * once `inHandDone` has let them finish, and only once: an export the pass
   * cannot finish (waiting for an acknowledgement, say) never makes it loop.
   */
  async at(i: number, inHandDone: () => Promise<void>): Promise<PendingExport | undefined> {
    let waited = false;
    while (i >= this.#items.length && !this.#exhausted) {
      this.askAhead();
      const listing = this.#listing!;
      const fresh = unwrap(await listing);
      if (this.#listing === listing) this.#listing = undefined;
      if (fresh > 0 || this.#exhausted) continue;
      if (waited) this.#exhausted = true;
      else {
        await inHandDone();
        waited = true;
      }
    }
    return this.#items[i];
  }

  /** Waits for a list still being asked for. */
  async close(): Promise<void> {
    await this.#listing;
  }

  async #fetch(): Promise<number> {
    const page = await this.#list();
    const fresh = page.filter((e) => !this.#seen.has(e.id));
    for (const item of fresh) {
      this.#seen.add(item.id);
      this.#items.push(item);
    }
    if (fresh.length > 0) this.#log.debug(`${fresh.length} export(s) en attente reçus de Saxium.`);
    else if (page.length < this.#limit) this.#exhausted = true;
    return fresh.length;
  }
}

class Pass {
  #ctx: PassContext;
  #summary: PassSummary = { synced: 0, errors: 0, reacknowledged: 0, unfinished: 0 };
  #stopMessage?: string;
  #localTrouble = false;
  #clockStart = new Map<string, number>();
  #publishedHere = new Set<string>();
  /** Exports staged by this pass (their temporary files cannot have been renamed yet). */
  #stagedHere = new Set<string>();
  /** Exports staged while the ones before them were delivered. */
  #earlyStages = new Map<string, Promise<ExportRecord | undefined>>();
  /** Names chosen for documents staged in this pass and not yet published (lower case). */
  #reservedNames = new Set<string>();

  constructor(ctx: PassContext) {
    this.#ctx = ctx;
  }

  get #log(): Logger {
    return this.#ctx.log;
  }

  #now(): Date {
    return this.#ctx.now?.() ?? new Date();
  }

  #failpoint(name: string): void {
    this.#ctx.failpoint?.(name);
  }

  stoppedBy(message: string): void {
    this.#stopMessage = message;
  }

  result(): PassResult {
    this.#summary.unfinished = this.#ctx.journal.inStates(UNFINISHED_STATES).length;
    const exitCode = this.#stopMessage !== undefined
      ? 3
      : this.#summary.errors > 0 || this.#localTrouble
      ? 1
      : 0;
    return { exitCode, summary: this.#summary, message: this.#stopMessage };
  }

  /** Exports a previous run left between delivery and the end: finish them first. */
  async resumeInFlight(watcher: FolderWatcher): Promise<void> {
    const records = this.#ctx.journal.inStates([
      "staged",
      "delivered",
      "consumed",
      "acknowledged",
      "failed",
    ]);
    for (const record of records) {
      this.#log.info(
        `Reprise de ${
          describe(record)
        } (état « ${record.state} » laissé par l'exécution précédente).`,
      );
      await this.#advance(record, watcher);
    }
  }

  /**
   * Takes pending exports, in the server's order, until nothing new is offered.
   *
   * The work overlaps where it is safe to: the next exports are downloaded
   * and checked while Batigest imports (`prefetch`), and copied into the
   * import folder under their temporary name; up to `window` published
   * documents wait in the import folder so that Batigest never waits for the
   * agent; acknowledgements go out meanwhile; the list is asked for again
   * before the exports in hand run out. Each export still walks its own
   * journalled states, so overlap changes nothing to exactly-once;
   * publication stays in the server's order.
   */
  async drainPending(watcher: FolderWatcher): Promise<void> {
    const feed = new PendingFeed({
      list: () => this.#listPending(),
      limit: this.#ctx.settings.batchSize,
      log: this.#log,
    });
    const ahead = this.#ctx.prefetch ?? DEFAULT_PREFETCH;
    const window = this.#ctx.window ?? DEFAULT_WINDOW;
    const work = new InFlight();
    const prepared: Promise<Settled<ExportRecord | undefined>>[] = [];
    try {
      for (let i = 0; !this.#ctx.signal?.aborted; i++) {
        work.rethrow();
        if (!(await feed.at(i, () => work.settled()))) break;
        const received = feed.received;
        while (prepared.length < Math.min(received.length, i + 1 + ahead)) {
          prepared.push(settle(this.#prepare(received[prepared.length])));
        }
        // Ask for more while as many exports are left to start downloading
        // as are being downloaded: the answer, then the downloads it brings,
        // arrive before the exports in hand run out.
        if (received.length - prepared.length < ahead) feed.askAhead();
        for (let j = i + 1; j < Math.min(prepared.length, i + 1 + EARLY_STAGES); j++) {
          this.#stageEarly(received[j].id, prepared[j]);
        }
        let record = unwrap(await prepared[i]);
        if (record?.state === "ready") record = await this.#stageReady(record);
        if (!record) continue;
        if (!DELIVERY.includes(record.state)) {
          work.add(this.#advance(record, watcher, FINISH));
          continue;
        }
        const published = await this.#advance(record, watcher, ["staged"]);
        if (!published) continue;
        // The document before it must have left the folder for its timeout to
        // start: waiting in line never eats into it.
        const inLine = work.lastImport;
        const imported = (async () => {
          this.#clockStart.set(published.id, await inLine);
          const done = await this.#advance(published, watcher, ["delivered"]);
          if (done) work.add(this.#advance(done, watcher, FINISH));
          return Date.now();
        })();
        await work.addImport(imported, window);
      }
    } finally {
      // Everything started is finished before the pass ends: downloads,
      // stagings (a document staged stays so, for the next pass to publish),
      // imports, acknowledgements, the list.
      await work.settled();
      await feed.close();
      for (const outcome of await Promise.all(prepared)) unwrap(outcome);
      await Promise.all(this.#earlyStages.values());
    }
    work.rethrow();
    if (this.#ctx.signal?.aborted) this.#log.info("Arrêt demandé : la passe s'arrête ici.");
  }

  /**
   * Stages an export as soon as it is ready, while the ones before it are
   * delivered: the copy into the import folder, its flush to disk and the
   * journal's then cost Batigest no waiting, and one flush of the journal
   * covers several documents. Publication still waits for its turn.
   */
  #stageEarly(id: string, prepared: Promise<Settled<ExportRecord | undefined>>): void {
    if (this.#earlyStages.has(id)) return;
    this.#earlyStages.set(
      id,
      prepared.then((outcome) =>
        "value" in outcome && outcome.value?.state === "ready"
          ? this.#advance(outcome.value, undefined, ["ready"])
          : undefined
      ),
    );
  }

  /** Stages a ready export, or waits for the staging started early for it. */
  #stageReady(record: ExportRecord): Promise<ExportRecord | undefined> {
    const early = this.#earlyStages.get(record.id);
    this.#earlyStages.delete(record.id);
    return early ?? this.#advance(record, undefined, ["ready"]);
  }

  /** Copies a file of a ready export to its temporary name in the import folder, durably. */
  async #copyToStaging(id: string, format: DocumentFormat): Promise<void> {
    const { folders, fileOps, retry } = this.#ctx;
    const source = toImportPath(folders, id, format);
    const temp = stagingPath(folders, id, format);
    await withTransientRetry(() => stage(source, { stagingPath: temp, fileOps }), retry);
  }

  async #listPending(): Promise<PendingExport[]> {
    try {
      return await this.#ctx.client.listPending(this.#ctx.settings.batchSize);
    } catch (error) {
      if (!(error instanceof SaxiumError)) throw error;
      this.#log.error(`Impossible d'obtenir la liste des exports en attente : ${error.message}`);
      throw new ServerUnavailable(error.message);
    }
  }

  /**
   * One offered export, up to the point where it is ready for delivery: new
   * ones are downloaded and checked, reported ones Saxium offers again start
   * over, archived ones are acknowledged again (never delivered again).
   */
  async #prepare(item: PendingExport): Promise<ExportRecord | undefined> {
    if (!UUID.test(item.id)) {
      this.#log.error(
        `Export ignoré : identifiant « ${
          item.id.slice(0, 60)
        } » invalide (un UUID est attendu) ; signalez-le au support Saxium.`,
      );
      this.#localTrouble = true;
      return undefined;
    }
    const journal = this.#ctx.journal;
    let record = journal.get(item.id);
    if (record?.state === "archived") {
      await this.#reacknowledge(record);
      return undefined;
    }
    if (record?.state === "reported") {
      this.#log.info(
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
    return await this.#advance(record, undefined, ["downloading"]);
  }

  #plannedFiles() {
    return this.#ctx.settings.formats.map((format) => ({ format, importName: "" }));
  }

  /**
   * Walks an export through its states while it is in one of `phase`.
   * Returns where it stands, or undefined if a local problem stopped it (logged;
   * the next pass resumes it). A server-wide problem stops the pass.
   */
  async #advance(
    start: ExportRecord,
    watcher: FolderWatcher | undefined,
    phase: readonly ExportState[] = UNFINISHED_STATES,
  ): Promise<ExportRecord | undefined> {
    let record = start;
    try {
      while (phase.includes(record.state)) {
        const before = record.state;
        record = await this.#step(record, watcher!);
        if (record.state === before) return undefined; // must wait for a later pass
      }
      return record;
    } catch (error) {
      if (error instanceof ServerUnavailable) throw error;
      this.#localTrouble = true;
      this.#log.error(`Export ${describe(record)} : ${localFailure(error)}`);
      return undefined;
    }
  }

  #step(record: ExportRecord, watcher: FolderWatcher): Promise<ExportRecord> {
    switch (record.state) {
      case "downloading":
        return this.#download(record);
      case "ready":
        return this.#stage(record);
      case "staged":
        return this.#publish(record);
      case "delivered":
        return this.#awaitImport(record, watcher);
      case "consumed":
        return this.#acknowledge(record);
      case "acknowledged":
        return this.#archive(record);
      case "failed":
        return this.#reportError(record);
      default:
        return Promise.resolve(record);
    }
  }

  /** Downloads every format into `Downloads\`, checks it, moves it to `ToImport\`. */
  async #download(record: ExportRecord): Promise<ExportRecord> {
    const { folders, client } = this.#ctx;
    for (const { format } of record.files) {
      const part = downloadPath(folders, record.id, format);
      try {
        const { bytes } = await this.#server(
          `téléchargement de l'export ${describe(record)}`,
          () => client.downloadTo(record.id, { format, path: part }),
        );
        this.#log.debug(
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
        await this.#keepInErrors(part, `${record.baseName}.${format}`, verdict.reason);
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
    const next = this.#ctx.journal.setState(record.id, "staged", { files });
    this.#stagedHere.add(record.id);
    this.#failpoint("after-journal-staged");
    return next;
  }

  /** Renames each staged file to its final name: from here Batigest sees it. */
  async #publish(record: ExportRecord): Promise<ExportRecord> {
    const { folders, fileOps, retry } = this.#ctx;
    // The journal must say `staged`, on disk, before a name Batigest sees.
    await this.#ctx.journal.flush(record.id);
    for (const file of record.files) {
      const temp = stagingPath(folders, record.id, file.format);
      if (!exists(temp)) {
        // Staged by an earlier run: renamed before a crash. Staged by this
        // pass: someone deleted it while it waited its turn; copied again.
        if (!this.#stagedHere.has(record.id)) continue;
        this.#log.warning(
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
        this.#log.warning(
          `Export ${describe(record)} : ${error.message} ; nouvel essai à la prochaine passe.`,
        );
        this.#localTrouble = true;
        return record;
      }
      this.#failpoint("after-rename");
      this.#reservedNames.delete(file.importName.toLowerCase());
    }
    const next = this.#ctx.journal.setState(record.id, "delivered");
    this.#publishedHere.add(record.id);
    this.#log.debug(
      `Export ${describe(record)} déposé dans Batigest : ${
        record.files.map((f) => f.importName).join(", ")
      }.`,
    );
    this.#failpoint("after-journal-delivered");
    return next;
  }

  /** Waits for Batigest to take the files; withdraws them if it does not in time. */
  async #awaitImport(record: ExportRecord, watcher: FolderWatcher): Promise<ExportRecord> {
    const { folders, settings, fileOps, retry } = this.#ctx;
    const files = record.files.map((f) => ({
      name: f.importName,
      path: nodePath.join(folders.importDir, f.importName),
      withdrawnPath: withdrawnPath(folders, record.id, f.format),
    }));
    // A withdrawal interrupted by a crash left its marker: not imported.
    // (Only a document published by an earlier run can have one.)
    let timedOut = false;
    if (!this.#publishedHere.has(record.id)) {
      for (const file of files) timedOut ||= exists(file.withdrawnPath);
    }
    if (!timedOut) {
      const deliveredAt = Date.parse(record.deliveredAt ?? this.#now().toISOString());
      const clockStart = Math.max(deliveredAt, this.#clockStart.get(record.id) ?? 0);
      const outcome = await waitForConsumption(files.map((f) => f.path), {
        deadline: clockStart + settings.importTimeoutSeconds * 1000,
        watcher,
        now: () => this.#now().getTime(),
      });
      timedOut = outcome === "timeout";
    }
    if (timedOut) {
      const withdrawn: string[] = [];
      for (const file of files) {
        if (
          exists(file.withdrawnPath) ||
          (await withdraw(file.path, { withdrawnPath: file.withdrawnPath, fileOps, retry })) ===
            "withdrawn"
        ) {
          withdrawn.push(file.name);
          this.#failpoint("after-withdraw");
        }
      }
      if (withdrawn.length > 0) {
        const partial = withdrawn.length < files.length
          ? ` (les autres fichiers du document ont été importés)`
          : "";
        return this.#fail(record, {
          stage: "import",
          reason:
            `Batigest n'a pas importé ${
              withdrawn.join(", ")
            } en ${settings.importTimeoutSeconds} s${partial} : ` +
            `vérifiez que Batigest est ouvert et que son import automatique est actif, puis relancez l'export dans Saxium. ` +
            `Le fichier a été retiré du dossier d'import.`,
        });
      }
    }
    const next = this.#ctx.journal.setState(record.id, "consumed");
    this.#log.debug(`Export ${describe(record)} importé par Batigest.`);
    this.#failpoint("after-journal-consumed");
    return next;
  }

  /** Tells Saxium the document is in Batigest. */
  async #acknowledge(record: ExportRecord): Promise<ExportRecord> {
    await this.#mark(record, "accusé de réception", () =>
      this.#ctx.client.markSynced(record.id, {
        batigestReference: record.reference,
        importedAt: record.updatedAt,
      }));
    this.#failpoint("after-mark-synced");
    const next = this.#ctx.journal.setState(record.id, "acknowledged");
    this.#failpoint("after-journal-acknowledged");
    this.#summary.synced++;
    return next;
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
    this.#failpoint("after-archive");
    const next = this.#ctx.journal.setState(record.id, "archived");
    this.#log.info(
      `Export ${describe(record)} synchronisé : importé par Batigest (${
        record.files.map((f) => f.importName).join(", ")
      }), confirmé à Saxium, archivé.`,
    );
    return next;
  }

  /** Tells Saxium the export is in error, with the reason. */
  async #reportError(record: ExportRecord): Promise<ExportRecord> {
    await this.#removeWithdrawn(record); // left by a crash right after failing
    await this.#mark(record, "signalement d'erreur", () =>
      this.#ctx.client.markError(record.id, {
        errorMessage: record.error ?? "Erreur inconnue de l'agent.",
        stage: record.errorStage,
      }));
    this.#failpoint("after-mark-error");
    return this.#ctx.journal.setState(record.id, "reported");
  }

  /** A document Saxium still lists although it was imported: acknowledge it again. */
  async #reacknowledge(record: ExportRecord): Promise<void> {
    this.#log.warning(
      `L'export ${
        describe(record)
      } est déjà importé dans Batigest mais Saxium le propose encore : accusé de réception renvoyé, document non redéposé.`,
    );
    await this.#mark(record, "accusé de réception", () =>
      this.#ctx.client.markSynced(record.id, {
        batigestReference: record.reference,
        importedAt: record.updatedAt,
      }));
    this.#summary.reacknowledged++;
  }

  /**
   * Sends a mark-synced or mark-error. An export Saxium no longer knows (404)
   * is noted and let go; any other refusal stops the pass, to retry later.
   */
  async #mark(record: ExportRecord, what: string, call: () => Promise<void>): Promise<void> {
    try {
      await this.#server(`${what} de l'export ${describe(record)}`, call);
    } catch (error) {
      if (!(error instanceof SaxiumError)) throw error;
      if (error.kind === "not_found") {
        this.#log.warning(
          `L'export ${
            describe(record)
          } n'existe plus dans Saxium (${what} sans objet) ; rien d'autre à faire.`,
        );
        return;
      }
      this.#log.error(
        `Saxium a refusé le ${what} de l'export ${describe(record)} : ${error.message}`,
      );
      throw new ServerUnavailable(error.message);
    }
  }

  /** Records an export's failure; its files go to `Errors\` with the reason. */
  async #fail(
    record: ExportRecord,
    failure: { stage: string; reason: string },
  ): Promise<ExportRecord> {
    const { folders } = this.#ctx;
    for (const { format } of record.files) {
      for (
        const path of [
          downloadPath(folders, record.id, format),
          toImportPath(folders, record.id, format),
        ]
      ) {
        if (exists(path)) {
          await this.#keepInErrors(path, `${record.baseName}.${format}`, failure.reason);
        }
      }
    }
    this.#summary.errors++;
    this.#log.error(`Export ${describe(record)} en erreur : ${failure.reason}`);
    const next = this.#ctx.journal.setState(record.id, "failed", {
      error: failure.reason,
      errorStage: failure.stage,
    });
    await this.#ctx.journal.flush(record.id); // durable before the withdrawal markers go
    this.#failpoint("after-journal-failed");
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

  /** Moves a file to `Errors\` beside a `.erreur.txt` that says why. */
  async #keepInErrors(path: string, name: string, reason: string): Promise<void> {
    const { folders } = this.#ctx;
    const target = freeName(folders.errors, `${archiveStamp(this.#now())}-${name}`);
    await this.#moveFile(path, nodePath.join(folders.errors, target));
    await writeErrorNote(folders.errors, target, reason);
  }

  #moveFile(from: string, to: string): Promise<void> {
    return withTransientRetry(() => this.#ctx.fileOps.rename(from, to), this.#ctx.retry);
  }

  /**
   * Runs a server call. Errors that concern the server as a whole (network,
   * timeout, 5xx, authentication) stop the pass; others are the caller's.
   */
  async #server<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof SaxiumError && isServerWide(error)) {
        this.#log.error(`Saxium injoignable pendant : ${what}. ${error.message}`);
        throw new ServerUnavailable(error.message);
      }
      throw error;
    }
  }
}

/** Whether a client error concerns the whole server rather than one export. */
function isServerWide(error: SaxiumError): boolean {
  if (error.kind === "network" || error.kind === "timeout" || error.kind === "auth") return true;
  return (error.kind === "http" || error.kind === "protocol") &&
    (error.status === undefined || error.status >= 500 || error.status === 429);
}

/** `DV-1730000000001 [7b599c58]`: the reference a person knows, and the id's start. */
function describe(record: Pick<ExportRecord, "reference" | "id">): string {
  return `${record.reference.slice(0, 80)} [${record.id.slice(0, 8)}]`;
}

function localFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/os error 28|No space left|ENOSPC|disk full/i.test(message)) {
    return "disque plein : libérez de la place sur le disque du dossier de travail ou du dossier d'import ; rien n'a été déposé à moitié, l'export sera repris à la prochaine passe.";
  }
  return `erreur locale (${message}) ; l'export sera repris à la prochaine passe.`;
}
