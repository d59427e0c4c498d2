/**
 * The pipeline: how many exports a pass runs side by side, and when. One
 * export's steps are `export_steps.ts`'s; this file only schedules them, so
 * that Batigest never waits for the agent and the server's latency is
 * hidden, without changing what any one export goes through.
 *
 * Saxium's pending exports come as one flow (`PendingFeed`), asked for again
 * before the exports in hand run out. Each offered export is first matched
 * with the journal (`prepare`: new, offered again after an error, or already
 * imported and only acknowledged again); the next ones are downloaded and
 * checked ahead (`prefetch`) and copied into the import folder under their
 * temporary name (early staging); up to `window` published documents wait in
 * the import folder (`InFlight`); acknowledgements go out meanwhile.
 * Publication stays in the server's order, and each export still walks its
 * own journalled states, so overlap changes nothing to exactly-once.
 *
 * @module
 */

import type { ExportFile, ExportRecord, ExportState } from "./journal.ts";
import { type PendingExport, SaxiumError } from "../saxium/client.ts";
import type { ExportSteps } from "./export_steps.ts";
import { describe, ServerUnavailable } from "./failures.ts";
import { safeBaseName } from "./file_names.ts";
import type { PassContext } from "./pass_types.ts";
import type { PassReport } from "./pass_report.ts";

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

/** Waits for `promise` without ever rejecting: its value or its error. */
function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then((value) => ({ value }), (error) => ({ error }));
}

/** The value of a settled promise, or its error thrown again. */
function unwrap<T>(settled: Settled<T>): T {
  if ("error" in settled) throw settled.error;
  return settled.value;
}

/** What {@linkcode drainPending} works with besides the pass's context. */
export interface DrainOptions {
  /** Runs each export's steps. */
  steps: ExportSteps;
  /** The pass's log and tally. */
  report: PassReport;
  /** The pass's clock. */
  now: () => Date;
  /** Waits already running for documents an earlier run published (they resolve when each ends). */
  waiting?: readonly Promise<number>[];
}

/**
 * Takes pending exports, in the server's order, until nothing new is offered;
 * see the module doc for what overlaps. Everything started is finished before
 * it returns; a server-wide problem is thrown (`ServerUnavailable`) once it is.
 */
export async function drainPending(ctx: PassContext, options: DrainOptions): Promise<void> {
  const { steps, report, now } = options;
  const feed = new PendingFeed({
    list: () => listPending(ctx, report),
    limit: ctx.settings.batchSize,
    report,
  });
  const ahead = ctx.prefetch ?? DEFAULT_PREFETCH;
  const window = ctx.window ?? DEFAULT_WINDOW;
  const work = new InFlight(now);
  const early = new EarlyStages(steps);
  const prepared: Promise<Settled<ExportRecord | undefined>>[] = [];
  try {
    // Documents an earlier run left waiting take their places in the window first.
    for (const waiting of options.waiting ?? []) await work.addImport(waiting, window);
    for (let i = 0; !ctx.signal?.aborted && !steps.batigestInactive; i++) {
      work.rethrow();
      if (!(await feed.at(i, () => work.settled()))) break;
      const received = feed.received;
      while (prepared.length < Math.min(received.length, i + 1 + ahead)) {
        prepared.push(settle(prepare(received[prepared.length], { ctx, steps, report })));
      }
      // Ask for more while as many exports are left to start downloading
      // as are being downloaded: the answer, then the downloads it brings,
      // arrive before the exports in hand run out.
      if (received.length - prepared.length < ahead) feed.askAhead();
      for (let j = i + 1; j < Math.min(prepared.length, i + 1 + EARLY_STAGES); j++) {
        early.start(received[j].id, prepared[j]);
      }
      let record = unwrap(await prepared[i]);
      if (record?.state === "ready") record = await early.take(record);
      if (!record) continue;
      if (!DELIVERY.includes(record.state)) {
        work.add(steps.advance(record, FINISH));
        continue;
      }
      const published = await steps.advance(record, ["staged"]);
      if (!published) continue;
      // The document before it must have left the folder for its timeout to
      // start: waiting in line never eats into it.
      const inLine = work.lastImport;
      const imported = (async () => {
        await inLine; // its timeout starts once the one before it left
        const done = await steps.advance(published, ["delivered"]);
        if (done) work.add(steps.advance(done, FINISH));
        return now().getTime();
      })();
      await work.addImport(imported, window);
    }
  } finally {
    // Everything started is finished before the pass ends: downloads,
    // stagings (a document staged stays so, for the next pass to publish),
    // imports, acknowledgements, the list.
    await work.settled();
    await feed.close();
    const outcomes = await Promise.all(prepared);
    await early.settled();
    for (const outcome of outcomes) unwrap(outcome);
  }
  work.rethrow();
  if (ctx.signal?.aborted) report.info("Arrêt demandé : la passe s'arrête ici.");
}

/** Asks Saxium for its pending exports; a refusal of any kind stops the pass. */
async function listPending(ctx: PassContext, report: PassReport): Promise<PendingExport[]> {
  try {
    return await ctx.client.listPending(ctx.settings.batchSize);
  } catch (error) {
    if (!(error instanceof SaxiumError)) throw error;
    report.error(`Impossible d'obtenir la liste des exports en attente : ${error.message}`);
    throw new ServerUnavailable(error.message);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One offered export, up to the point where it is ready for delivery: new
 * ones are downloaded and checked, reported ones Saxium offers again start
 * over, archived ones are acknowledged again (never delivered again).
 */
async function prepare(
  item: PendingExport,
  options: { ctx: PassContext; steps: ExportSteps; report: PassReport },
): Promise<ExportRecord | undefined> {
  const { ctx, steps, report } = options;
  if (!UUID.test(item.id)) {
    report.error(
      `Export ignoré : identifiant « ${
        item.id.slice(0, 60)
      } » invalide (un UUID est attendu) ; signalez-le au support Saxium.`,
    );
    report.heldBack();
    return undefined;
  }
  const journal = ctx.journal;
  let record = journal.get(item.id);
  if (record?.state === "archived") {
    await steps.reacknowledge(record);
    return undefined;
  }
  if (record?.state === "reported") {
    report.info(
      `L'export ${describe(record)} est de nouveau proposé par Saxium : nouvelle tentative.`,
    );
    record = journal.retry(record.id, plannedFiles(ctx));
  }
  record ??= journal.begin({
    id: item.id,
    reference: item.documentReference,
    documentType: item.documentType,
    baseName: safeBaseName(item.documentReference),
    files: plannedFiles(ctx),
  });
  return await steps.advance(record, ["downloading"]);
}

/** The files a new attempt will download: one per configured format, not named yet. */
function plannedFiles(ctx: PassContext): ExportFile[] {
  return ctx.settings.formats.map((format) => ({ format, importName: "" }));
}

/**
 * Exports staged as soon as they are ready, while the ones before them are
 * delivered: the copy into the import folder, its flush to disk and the
 * journal's then cost Batigest no waiting, and one flush of the journal
 * covers several documents. Publication still waits for its turn.
 */
class EarlyStages {
  #steps: ExportSteps;
  #stages = new Map<string, Promise<ExportRecord | undefined>>();

  constructor(steps: ExportSteps) {
    this.#steps = steps;
  }

  /** Stages export `id` once it is prepared, if it is then ready. */
  start(id: string, prepared: Promise<Settled<ExportRecord | undefined>>): void {
    if (this.#stages.has(id)) return;
    const staging = prepared.then((outcome) =>
      "value" in outcome && outcome.value?.state === "ready"
        ? this.#steps.advance(outcome.value, ["ready"])
        : undefined
    );
    staging.catch(() => {}); // a folder that stops the pass: seen by `take` or `settled`
    this.#stages.set(id, staging);
  }

  /** Stages a ready export, or waits for the staging started early for it. */
  take(record: ExportRecord): Promise<ExportRecord | undefined> {
    const early = this.#stages.get(record.id);
    this.#stages.delete(record.id);
    return early ?? this.#steps.advance(record, ["ready"]);
  }

  /** Waits for every staging started and not taken. */
  async settled(): Promise<void> {
    await Promise.all(this.#stages.values());
  }
}

/**
 * The imports and acknowledgements a pass has running: at most `window`
 * documents waiting in Batigest's folder, acknowledgements unbounded (each is
 * one request). The first failure is kept and rethrown where the pass checks.
 */
class InFlight {
  #now: () => Date;
  #all: Promise<unknown>[] = [];
  #imports: Promise<unknown>[] = [];
  #failure?: { error: unknown };
  /** When the last published document left the import folder (epoch ms). */
  lastImport: Promise<number> = Promise.resolve(0);

  constructor(now: () => Date) {
    this.#now = now;
  }

  add(promise: Promise<unknown>): void {
    this.#all.push(promise.catch((error) => {
      this.#failure ??= { error };
    }));
  }

  /** Tracks an import, then waits while `window` of them are running. */
  async addImport(imported: Promise<number>, window: number): Promise<void> {
    this.lastImport = imported.catch(() => this.#now().getTime());
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
  #report: PassReport;
  #items: PendingExport[] = [];
  #seen = new Set<string>();
  #listing?: Promise<Settled<number>>;
  #exhausted = false;

  constructor(
    options: { list: () => Promise<PendingExport[]>; limit: number; report: PassReport },
  ) {
    this.#list = options.list;
    this.#limit = options.limit;
    this.#report = options.report;
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
    if (fresh.length > 0) {
      this.#report.debug(`${fresh.length} export(s) en attente reçus de Saxium.`);
    } else if (page.length < this.#limit) this.#exhausted = true;
    return fresh.length;
  }
}
