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

import { type ExportFile, type ExportRecord, type ExportState, REBUILT_FROM } from "./journal.ts";
import { type PendingExport, SaxiumError } from "../saxium/client.ts";
import type { ExportSteps } from "./export_steps.ts";
import { describe, PassStopped, ServerUnavailable } from "./failures.ts";
import { readReceipt, stateFromFolders } from "./receipts.ts";
import { loadSkippedIds, rememberSkippedId, skippedKey } from "./skipped_ids.ts";
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
    list: (limit) => listPending(ctx, { report, limit }),
    limit: ctx.settings.batchSize,
    report,
    skipped: new SkippedIds(ctx, report),
    aside: () => steps.asideCount,
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
      report.known(received.length);
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
      // start: waiting in line never eats into it. Taken before its turn (a
      // Batigest working by name, or passing the one before by), it is
      // imported, and its place in the window is free.
      const inLine = work.lastImport;
      const imported = (async () => {
        await Promise.race([inLine, steps.left(published)]);
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
}

/** Asks Saxium for its pending exports; a refusal of any kind stops the pass. */
async function listPending(
  ctx: PassContext,
  options: { report: PassReport; limit: number },
): Promise<PendingExport[]> {
  const { report } = options;
  try {
    return await ctx.client.listPending(options.limit);
  } catch (error) {
    if (!(error instanceof SaxiumError)) throw error;
    if (error.kind === "aborted") throw new PassStopped();
    report.error(`Impossible d'obtenir la liste des exports en attente : ${error.message}`);
    throw new ServerUnavailable(error.message);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Most exports asked for in one list, however many are passed over. */
const MAX_LIST = 1_000;

/**
 * The one form of an export's id: trimmed, lower case. Saxium's ids are
 * UUIDs, which it compares without case; the agent's memory (the journal,
 * the receipts, the file names) must do the same.
 */
export function normalizeId(id: string): string {
  return id.trim().toLowerCase();
}

/** Whether a (normalised) id is one Saxium should send: a UUID. */
export function isValidId(id: string): boolean {
  return UUID.test(id);
}

/**
 * Ids Saxium should never send: reported once (ERROR line, hence an alert),
 * remembered, and passed over quietly at the next passes.
 */
class SkippedIds {
  #ctx: PassContext;
  #report: PassReport;
  #known?: Set<string>;

  constructor(ctx: PassContext, report: PassReport) {
    this.#ctx = ctx;
    this.#report = report;
  }

  /** Notes an invalid id: reported the first time it is ever seen. */
  note(item: PendingExport): void {
    this.#known ??= loadSkippedIds(this.#ctx.folders);
    const key = skippedKey(item.id);
    const what = `identifiant « ${item.id.slice(0, 60)} » (référence « ${
      item.documentReference.slice(0, 60)
    } »)`;
    if (this.#known.has(key)) {
      this.#report.debug(`Export ignoré de nouveau : ${what} invalide.`);
      return;
    }
    this.#known.add(key);
    rememberSkippedId(this.#ctx.folders, item.id);
    this.#report.heldBack();
    this.#report.error(
      `Export ignoré : ${what} invalide (un UUID est attendu) ; signalez-le au support Saxium. ` +
        "Il ne sera plus signalé, et les exports suivants sont traités.",
    );
  }
}

/**
 * One offered export, up to the point where it is ready for delivery: new
 * ones are downloaded and checked, reported ones Saxium offers again start
 * over, archived ones are acknowledged again (never delivered again). One
 * the journal does not know as published but whose receipt says it was
 * (journal deleted, damaged, restored from a backup) is rebuilt from the
 * receipt and the folders, never delivered again.
 */
async function prepare(
  item: PendingExport,
  options: { ctx: PassContext; steps: ExportSteps; report: PassReport },
): Promise<ExportRecord | undefined> {
  const { ctx, steps, report } = options;
  const journal = ctx.journal;
  let record = journal.get(item.id);
  if (!record || REBUILT_FROM.includes(record.state)) {
    record = await fromReceipt(item, options) ?? record;
  }
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

/** The record rebuilt from the export's receipt, if it has one (see `receipts.ts`). */
async function fromReceipt(
  item: PendingExport,
  options: { ctx: PassContext; report: PassReport },
): Promise<ExportRecord | undefined> {
  const { ctx, report } = options;
  const receipt = await readReceipt(ctx.folders, item.id);
  if (!receipt) return undefined;
  const state = stateFromFolders(ctx.folders, receipt);
  report.warning(
    `L'export ${describe(receipt)} a déjà été déposé dans Batigest (reçu du ${
      receipt.at.slice(0, 10)
    }) mais le journal ne le savait plus (supprimé, endommagé ou restauré) : ` +
      `il est repris là où les dossiers le montrent, sans être redéposé.`,
  );
  return ctx.journal.restore(receipt, state);
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

  /**
   * Tracks an import, then waits while `window` of them are running: a slot
   * frees when any document leaves, not only the oldest (a Batigest that
   * takes documents by name, or passes one by, keeps working meanwhile).
   */
  async addImport(imported: Promise<number>, window: number): Promise<void> {
    this.lastImport = imported.catch(() => this.#now().getTime());
    this.add(imported);
    const running: Promise<unknown> = this.lastImport.finally(() => {
      this.#imports = this.#imports.filter((p) => p !== running);
    });
    this.#imports.push(running);
    while (this.#imports.length >= window) await Promise.race(this.#imports);
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
  #list: (limit: number) => Promise<PendingExport[]>;
  #limit: number;
  #report: PassReport;
  #skipped: SkippedIds;
  #aside: () => number;
  /** Invalid ids met in this pass: asked past, so they never starve the queue. */
  #passedOver = new Set<string>();
  #items: PendingExport[] = [];
  #seen = new Set<string>();
  #listing?: Promise<Settled<number>>;
  #exhausted = false;

  constructor(
    options: {
      list: (limit: number) => Promise<PendingExport[]>;
      limit: number;
      report: PassReport;
      skipped: SkippedIds;
      /** How many exports in hand wait aside (Saxium refused them): asked past too. */
      aside: () => number;
    },
  ) {
    this.#list = options.list;
    this.#limit = options.limit;
    this.#report = options.report;
    this.#skipped = options.skipped;
    this.#aside = options.aside;
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

  /**
   * Asks for one list, past the exports that cannot go on (invalid ids,
   * exports set aside); keeps the new ones, each id once, in one form.
   */
  async #fetch(): Promise<number> {
    const limit = Math.min(MAX_LIST, this.#limit + this.#passedOver.size + this.#aside());
    const page = await this.#list(limit);
    let fresh = 0;
    for (const raw of page) {
      const id = normalizeId(raw.id);
      if (this.#seen.has(id)) continue;
      this.#seen.add(id);
      if (!isValidId(id)) {
        this.#passedOver.add(id);
        this.#skipped.note(raw);
        continue;
      }
      this.#items.push({ ...raw, id });
      fresh++;
    }
    if (fresh > 0) {
      this.#report.debug(`${fresh} export(s) en attente reçus de Saxium.`);
    } else if (page.length < limit) this.#exhausted = true;
    return fresh;
  }
}
