/**
 * Saxium's pending exports, as the pass takes them: one flow, asked for
 * again before the exports in hand run out, each export once, its id in one
 * form (trimmed, lower case), ids that are not UUIDs passed over (and
 * reported once, remembered in the journal's small state under
 * `skipped-ids`: {@linkcode SkippedIds}), exports that cannot go on asked past. A
 * list Saxium refuses stops the pass.
 *
 * @module
 */

import type { PendingExport } from "../saxium/client.ts";
import { callForThePass } from "./failures.ts";
import type { PassContext } from "./pass_types.ts";
import type { PassReport } from "./pass_report.ts";
import { settle, type Settled, unwrap } from "../base/settled.ts";
import type { SmallStateStore } from "../journal/journal.ts";

/** Asks Saxium for its pending exports; a refusal of any kind stops the pass. */
export function listPending(
  ctx: PassContext,
  options: { report: PassReport; limit: number },
): Promise<PendingExport[]> {
  return callForThePass(() => ctx.client.listPending(options.limit), {
    report: options.report,
    what: "Impossible d'obtenir la liste des exports en attente",
  });
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
  #list: (limit: number) => Promise<PendingExport[]>;
  #limit: number;
  #report: PassReport;
  #skipped: SkippedIds;
  #askedPast: () => number;
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

/**
 * Ids Saxium should never send (not a UUID): reported once (an ERROR line,
 * hence an alert), remembered in the small state, and passed over quietly at
 * the next passes, instead of failing every run for ever. Losing the memory
 * only means reporting them once more.
 */
export class SkippedIds {
  #store: SmallStateStore;
  #report: PassReport;
  #known?: Set<string>;

  constructor(store: SmallStateStore, report: PassReport) {
    this.#store = store;
    this.#report = report;
  }

  /** Notes an invalid id: reported the first time it is ever seen. */
  note(item: PendingExport): void {
    this.#known ??= this.#load();
    const what = `identifiant « ${item.id.slice(0, 60)} » (référence « ${
      item.documentReference.slice(0, 60)
    } »)`;
    if (this.#known.has(item.id)) {
      this.#report.debug(`Export ignoré de nouveau : ${what} invalide.`);
      return;
    }
    this.#known.add(item.id);
    this.#store.set("skipped-ids", JSON.stringify([...this.#known]));
    this.#report.needsAttention();
    this.#report.error(
      `Export ignoré : ${what} invalide (un UUID est attendu) ; signalez-le au support Saxium. ` +
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
