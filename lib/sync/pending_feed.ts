/**
 * Saxium's pending exports, as the pass takes them: one flow, asked for
 * again before the exports in hand run out, each export once, its id in one
 * form (trimmed, lower case), ids that are not UUIDs and items the client
 * rejected (no usable id, reference or type) passed over (and reported once,
 * remembered in the journal's small state under `skipped-ids`:
 * {@linkcode SkippedIds}), exports that cannot go on asked past. A list too large
 * for the client's cap is asked again smaller; a list Saxium refuses stops
 * the pass.
 *
 * @module
 */

import type { PendingExport, PendingPage, RejectedItem } from "../saxium/client.ts";
import { SaxiumError } from "../saxium/client.ts";
import { callForThePass } from "./failures.ts";
import type { PassContext } from "./pass_context.ts";
import type { PassReport } from "./pass_context.ts";
import { settle, type Settled, unwrap } from "../base/settled.ts";
import { plural } from "../base/french.ts";
import type { SmallStateStore } from "../journal/journal.ts";

/** The largest list that fitted under the client's size cap, by pass (its report). */
const fitting = new WeakMap<PassReport, number>();

/**
 * Asks Saxium for its pending exports; a refusal of any kind stops the pass.
 * A list over the client's size cap is asked again with half the limit until
 * it fits, said once a pass (a WARNING naming `batchSize`), and the pass's
 * next lists are asked that small.
 */
export function listPending(
  ctx: PassContext,
  options: { report: PassReport; limit: number },
): Promise<PendingPage> {
  return callForThePass(() => listWithinCap(ctx, options), {
    report: options.report,
    what: "Impossible d'obtenir la liste des exports en attente",
  });
}

async function listWithinCap(
  ctx: PassContext,
  options: { report: PassReport; limit: number },
): Promise<PendingPage> {
  const { report } = options;
  const shrunk = fitting.get(report);
  let limit = Math.min(options.limit, shrunk ?? options.limit);
  let tooLarge: SaxiumError | undefined;
  while (true) {
    try {
      const page = await ctx.client.listPending(limit);
      if (tooLarge && shrunk === undefined) {
        report.warning(`${tooLarge.message} L'agent en demande ${limit} à la fois en attendant.`);
      }
      return page;
    } catch (error) {
      if (!(error instanceof SaxiumError) || error.kind !== "too_large" || limit <= 1) {
        throw error;
      }
      tooLarge ??= error;
      limit = Math.floor(limit / 2);
      fitting.set(report, limit);
    }
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
 * Saxium's pending exports as one flow, each export once. The server's list
 * has no pages: it offers the same exports until they are acknowledged, so
 * asking again mostly returns exports already in hand, which are skipped.
 */
export class PendingFeed {
  #list: (limit: number) => Promise<PendingPage>;
  #limit: number;
  #report: PassReport;
  #skipped: SkippedIds;
  #askedPast: () => number;
  /** Invalid ids and rejected items met in this pass: asked past, so they never starve the queue. */
  #passedOver = new Set<string>();
  #items: PendingExport[] = [];
  #seen = new Set<string>();
  #listing?: Promise<Settled<number>>;
  #exhausted = false;

  constructor(
    options: {
      list: (limit: number) => Promise<PendingPage>;
      limit: number;
      report: PassReport;
      skipped: SkippedIds;
      /**
       * How many exports in hand cannot go on in this pass (set aside, already
       * acknowledged and still listed, replaced): asked past too.
       */
      askedPast: () => number;
    },
  ) {
    this.#list = options.list;
    this.#limit = options.limit;
    this.#report = options.report;
    this.#skipped = options.skipped;
    this.#askedPast = options.askedPast;
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
    const limit = Math.min(MAX_LIST, this.#limit + this.#passedOver.size + this.#askedPast());
    const page = await this.#list(limit);
    let fresh = 0;
    for (const item of page.rejected) {
      const key = rejectedKey(item);
      if (this.#seen.has(key)) continue;
      this.#seen.add(key);
      this.#passedOver.add(key);
      this.#skipped.note(
        { key, id: item.id ?? "absent", documentReference: item.documentReference },
        `inutilisable : ${item.reason}`,
      );
    }
    for (const raw of page.items) {
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
      this.#report.debug(
        `${plural(fresh, "export en attente reçu", "exports en attente reçus")} de Saxium.`,
      );
    } else if (page.items.length + page.rejected.length < limit) this.#exhausted = true;
    return fresh;
  }
}

/** How a rejected item is remembered: its id, else its reference, else why. */
function rejectedKey(item: RejectedItem): string {
  if (item.id !== undefined) return normalizeId(item.id);
  return item.documentReference !== undefined
    ? `(sans id) ${item.documentReference}`
    : `(sans id) ${item.reason}`;
}

/**
 * Ids Saxium should never send (not a UUID) and items the client rejected:
 * reported once (an ERROR line, hence an alert), remembered in the small
 * state, and passed over quietly at the next passes, instead of failing every
 * run for ever. Losing the memory only means reporting them once more.
 */
export class SkippedIds {
  #store: SmallStateStore;
  #report: PassReport;
  #known?: Set<string>;

  constructor(store: SmallStateStore, report: PassReport) {
    this.#store = store;
    this.#report = report;
  }

  /**
   * Notes an item passed over (by default an invalid id; `why` says
   * otherwise), remembered by `key` (its id by default): reported the first
   * time it is ever seen.
   */
  note(
    item: { id: string; documentReference?: string; key?: string },
    why = "invalide (un UUID est attendu)",
  ): void {
    this.#known ??= this.#load();
    const key = item.key ?? item.id;
    const what = `identifiant « ${item.id.slice(0, 60)} » (référence « ${
      (item.documentReference ?? "absente").slice(0, 60)
    } »)`;
    if (this.#known.has(key)) {
      this.#report.debug(`Export ignoré de nouveau : ${what} ${why}.`);
      return;
    }
    this.#known.add(key);
    this.#store.set("skipped-ids", JSON.stringify([...this.#known]));
    this.#report.needsAttention();
    this.#report.error(
      `Export ignoré : ${what} ${why} ; signalez-le au support Saxium. ` +
        "Il ne sera plus signalé, et les exports suivants sont traités.",
    );
  }

  #load(): Set<string> {
    try {
      const value = JSON.parse(this.#store.get("skipped-ids") ?? "[]");
      return new Set(Array.isArray(value) ? value.filter((v) => typeof v === "string") : []);
    } catch {
      return new Set();
    }
  }
}
