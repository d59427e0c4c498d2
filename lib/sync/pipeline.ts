/**
 * The pipeline: how many exports a pass runs side by side, and when. One
 * export's steps are `export_story.ts`'s; this file only says when each
 * export may take its next one (it asks the story to advance it), so
 * that Batigest never waits for the agent and the server's latency is
 * hidden, without changing what any one export goes through.
 *
 * Saxium's pending exports come as one flow (`pending_feed.ts`), asked for again
 * before the exports in hand run out. Each offered export is first matched
 * with the journal (the story's `prepare`: new, offered again after an
 * error, or already imported and only acknowledged again); the next ones are downloaded and
 * checked ahead (`prefetch`) and copied into the import folder under their
 * temporary name (early staging); up to `window` published documents wait in
 * the import folder (`InFlight`); acknowledgements go out meanwhile.
 * Publication stays in the server's order, and each export still walks its
 * own journalled states, so overlap changes nothing to exactly-once.
 *
 * What each offered export is to the agent is {@linkcode Offers}'s to say,
 * before its steps (`export_story.ts`) go on: matched with what the agent
 * knows of it, its record opened in the journal (begun, restarted or
 * rebuilt; the moves between states are the story's):
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

import { describe, type ExportRecord, type ExportState, REBUILT_FROM } from "../journal/journal.ts";
import { readReceipt, stateFromFolders } from "../journal/receipts.ts";
import { safeBaseName } from "../documents/file_names.ts";
import type { PendingExport } from "../saxium/client.ts";
import { settle, type Settled, unwrap } from "../base/settled.ts";
import type { ExportStory } from "./export_story.ts";
import type { AsideExports } from "./aside.ts";
import { listPending, PendingFeed, SkippedIds } from "./pending_feed.ts";
import type { ExportCalls, PassContext, PassReport } from "./pass_context.ts";

/** Exports downloaded and checked ahead of delivery (hides the server's latency). */
const DEFAULT_PREFETCH = 16;
/** Documents waiting in Batigest's folder at once. */
const DEFAULT_WINDOW = 2;
/** Exports staged (under their temporary name in the import folder) ahead of publication. */
const EARLY_STAGES = 4;

/** From checked to imported: published one after the other, in the server's order. */
const DELIVERY: readonly ExportState[] = ["ready", "staged", "delivered"];

/** What {@linkcode drainPending} works with besides the pass's context. */
export interface DrainOptions {
  /** Runs each export's steps. */
  story: ExportStory;
  /** Takes each offered export to the story's door. */
  offers: Offers;
  /** The exports set aside (asked past in Saxium's list). */
  aside: AsideExports;
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
  const { story, offers, report, now } = options;
  const feed = new PendingFeed({
    list: (limit) => listPending(ctx, { report, limit }),
    limit: ctx.settings.batchSize,
    report,
    skipped: new SkippedIds(ctx.journal.smallState(), report),
    askedPast: () => options.aside.askedPast,
  });
  const ahead = ctx.prefetch ?? DEFAULT_PREFETCH;
  const window = ctx.window ?? DEFAULT_WINDOW;
  const work = new InFlight(now);
  const early = new EarlyStages(story);
  const prepared: Promise<Settled<ExportRecord | undefined>>[] = [];
  /** How many received exports had their lost records rebuilt from receipts. */
  let rebuilt = 0;
  try {
    // Documents an earlier run left waiting take their places in the window first.
    for (const waiting of options.waiting ?? []) await work.addImport(waiting, window);
    for (let i = 0; !ctx.signal?.aborted && !story.batigestInactive; i++) {
      work.rethrow();
      if (!(await feed.at(i, () => work.settled()))) break;
      const received = feed.received;
      report.known(received.length);
      if (received.length > rebuilt) {
        await offers.rebuildFromReceipts(received.slice(rebuilt));
        rebuilt = received.length;
      }
      while (prepared.length < Math.min(received.length, i + 1 + ahead)) {
        prepared.push(settle(offers.take(received[prepared.length])));
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
        work.add(story.advance(record)); // Batigest is done with it: tell Saxium, archive
        continue;
      }
      // Published in its turn (one an earlier run published waits as it is).
      const published = record.state === "staged" ? await story.advance(record) : record;
      if (!published) continue;
      // The document before it must have left the folder for its timeout to
      // start: waiting in line never eats into it. Taken before its turn (a
      // Batigest working by name, or passing the one before by), it is
      // imported, and its place in the window is free.
      const inLine = work.lastImport;
      const imported = (async () => {
        await Promise.race([inLine, story.left(published)]);
        const done = await story.advance(published);
        if (done) work.add(story.advance(done));
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

/**
 * Exports staged as soon as they are ready, while the ones before them are
 * delivered: the copy into the import folder, its flush to disk and the
 * journal's then cost Batigest no waiting, and one flush of the journal
 * covers several documents. Publication still waits for its turn.
 */
class EarlyStages {
  #story: ExportStory;
  #stages = new Map<string, Promise<ExportRecord | undefined>>();

  constructor(story: ExportStory) {
    this.#story = story;
  }

  /** Stages export `id` once it is prepared, if it is then ready. */
  start(id: string, prepared: Promise<Settled<ExportRecord | undefined>>): void {
    if (this.#stages.has(id)) return;
    const staging = prepared.then((outcome) =>
      "value" in outcome && outcome.value?.state === "ready"
        ? this.#story.advance(outcome.value)
        : undefined
    );
    staging.catch(() => {}); // a folder that stops the pass: seen by `take` or `settled`
    this.#stages.set(id, staging);
  }

  /** Stages a ready export, or waits for the staging started early for it. */
  take(record: ExportRecord): Promise<ExportRecord | undefined> {
    const early = this.#stages.get(record.id);
    this.#stages.delete(record.id);
    return early ?? this.#story.advance(record);
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

// ---------------------------------------------------------------------------
// The offers

/** The exports Saxium offers, taken to the story's door; see the module doc. */
export class Offers {
  #ctx: PassContext;
  #story: ExportStory;
  #report: PassReport;
  #calls: ExportCalls;
  #aside: AsideExports;

  constructor(
    ctx: PassContext,
    options: { story: ExportStory; report: PassReport; calls: ExportCalls; aside: AsideExports },
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
   * is to be done with it in this pass. Its page went through
   * {@linkcode Offers.rebuildFromReceipts} first: what the journal lost is
   * back in it.
   */
  async take(item: PendingExport): Promise<ExportRecord | undefined> {
    let record = this.#ctx.journal.get(item.id);
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

  /** Rebuilds the record of `item` from its receipt, if it has one (see `receipts.ts`). */
  async #fromReceipt(item: PendingExport): Promise<void> {
    const receipt = await readReceipt(this.#ctx.folders, item.id);
    if (!receipt) return;
    this.#report.warning(
      `L'export ${describe(receipt)} a déjà été déposé dans Batigest (reçu du ${
        receipt.at.slice(0, 10)
      }) mais le journal de l'agent ne le savait plus (supprimé, endommagé ou restauré) : ` +
        `il est repris là où les dossiers le montrent, sans être redéposé.`,
    );
    // Saxium's date, which orders the versions of a document, from the receipt or the list.
    const evidence = { ...receipt, generatedAt: receipt.generatedAt ?? item.generatedAt };
    this.#ctx.journal.restore(evidence, stateFromFolders(this.#ctx.folders, receipt));
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
