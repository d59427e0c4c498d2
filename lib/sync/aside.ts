/**
 * Exports set aside. Anything about one export alone (its download, its
 * acknowledgement, its error report, a file of its held by another program)
 * that fails sets that export aside, in its state, with why and until when
 * (the journal's `Aside`): it is tried again after its own delay
 * ({@linkcode asideDelayMs}), and meanwhile the pass asks Saxium past
 * it, so that it never stops the others.
 *
 * What a person is told depends on what a person must do: a failure that may
 * pass is one WARNING line; a refusal by Saxium, or an export still aside
 * after a day ({@linkcode ASIDE_ERROR_MS}), is an ERROR (exit 1, an alert),
 * at every pass while it lasts (once per pass for all of them).
 * An export Saxium still lists although it was confirmed is asked past too,
 * and said once per pass.
 *
 * @module
 */

import { formatDateTime, frenchList, plural } from "../base/french.ts";
import { describe, type ExportRecord } from "../journal/journal.ts";
import type { PassReport } from "./pass_context.ts";
import type { PassContext } from "./pass_context.ts";

/** An export aside for this long is an error a person must see (exit 1, alert). */
export const ASIDE_ERROR_MS = 24 * 3_600_000;

/**
 * How long an export set aside `count` times in a row waits before it is
 * tried again: the first time, until the next pass; then 5 minutes, and
 * three times longer each time, at most 6 hours.
 *
 * @example
 * ```ts
 * asideDelayMs(1); // 0 (the next pass)
 * asideDelayMs(3); // 900_000 (15 min)
 * ```
 */
export function asideDelayMs(count: number): number {
  if (count <= 1) return 0;
  return Math.min(6 * 3_600_000, 300_000 * 3 ** (count - 2));
}

/** One pass's exports set aside; see the module doc. */
export class AsideExports {
  #ctx: PassContext;
  #report: PassReport;
  #now: () => Date;
  /** Exports the pass cannot take on: Saxium's list is asked past them. */
  #askedPast = new Set<string>();
  /** Exports confirmed and still listed, met in this pass. */
  #relisted: ExportRecord[] = [];
  /** Exports set aside by this pass (said already). */
  #setHere = new Set<string>();

  constructor(ctx: PassContext, options: { report: PassReport; now: () => Date }) {
    this.#ctx = ctx;
    this.#report = options.report;
    this.#now = options.now;
  }

  /** How many exports in hand the pass cannot take on (asked past in Saxium's list). */
  get askedPast(): number {
    return this.#askedPast.size;
  }

  /**
   * Whether `record` waits aside until later than now: it is not tried in
   * this pass, and Saxium's list is asked past it.
   */
  waiting(record: ExportRecord): boolean {
    const until = Date.parse(record.aside?.until ?? "");
    if (!(until > this.#now().getTime())) return false;
    this.#askedPast.add(record.id);
    this.#report.debug(
      `Export ${describe(record)} mis de côté jusqu'au ${formatDateTime(new Date(until))} : ${
        record.aside!.reason
      }`,
    );
    return true;
  }

  /**
   * Sets `record` aside, in its state: `refused` by Saxium (a person must
   * act) or a failure that may pass (`retry`); says so, and returns the
   * record as the journal now has it.
   */
  set(record: ExportRecord, aside: { kind: "refused" | "retry"; reason: string }): ExportRecord {
    const count = (record.aside?.count ?? 0) + 1;
    const until = new Date(this.#now().getTime() + asideDelayMs(count));
    const next = this.#ctx.journal.setAside(record.id, { ...aside, until: until.toISOString() });
    this.#askedPast.add(record.id);
    this.#setHere.add(record.id);
    this.#report.count("aside");
    const again = `Nouvel essai ${
      count === 1 ? "à la prochaine passe" : `à partir du ${formatDateTime(until)}`
    } ; les autres exports continuent.`;
    if (aside.kind === "refused") {
      this.#report.needsAttention();
      this.#report.error(
        `Export ${describe(record)} mis de côté : ${aside.reason} ${again} ` +
          "Ne le relancez pas dans Saxium : faites corriger la cause par l'administrateur de Saxium.",
      );
    } else {
      this.#report.warning(`Export ${describe(record)} mis de côté : ${aside.reason} ${again}`);
    }
    return next;
  }

  /**
   * An export Saxium lists again although it was confirmed: acknowledged
   * again once, then asked past until its delay runs out (said once for the
   * pass, by {@linkcode AsideExports.finish}).
   */
  relisted(record: ExportRecord): void {
    const count = (record.aside?.count ?? 0) + 1;
    const until = new Date(this.#now().getTime() + asideDelayMs(count));
    this.#ctx.journal.setAside(record.id, {
      kind: "retry",
      reason: "Saxium le liste encore alors qu'il a confirmé son import.",
      until: until.toISOString(),
    });
    this.#askedPast.add(record.id);
    this.#relisted.push(record);
  }

  /**
   * What the pass says at its end of the exports aside: those Saxium still
   * lists though confirmed (one WARNING), and those a person must see
   * (refused by Saxium, or aside for over a day: one ERROR, and exit 1).
   */
  finish(): void {
    if (this.#relisted.length > 0) {
      this.#report.warning(
        `Saxium liste encore ${
          plural(this.#relisted.length, "export déjà confirmé", "exports déjà confirmés")
        } (${
          names(this.#relisted)
        }) : ils ne bloquent pas les autres, l'agent passe outre ; signalez-le à l'administrateur de Saxium.`,
      );
    }
    const now = this.#now().getTime();
    const waiting = this.#ctx.journal.asideExports()
      .filter((record) => record.state !== "archived" && !this.#setHere.has(record.id));
    const refused = waiting.filter((record) => record.aside!.kind === "refused");
    const stuck = waiting.filter((record) =>
      record.aside!.kind === "retry" && now - Date.parse(record.aside!.since) >= ASIDE_ERROR_MS
    );
    if (refused.length > 0) {
      this.#report.needsAttention();
      this.#report.error(
        `${plural(refused.length, "export refusé", "exports refusés")} par Saxium ${
          refused.length > 1 ? "attendent" : "attend"
        } toujours (${names(refused)}) : ${
          refused[0].aside!.reason.replace(/\.$/, "")
        } ; « status » les montre, faites corriger la cause par l'administrateur de Saxium.`,
      );
    }
    if (stuck.length > 0) {
      this.#report.needsAttention();
      this.#report.error(
        `${
          plural(stuck.length, "export mis de côté", "exports mis de côté")
        } depuis plus de 24 h (${names(stuck)}) : Saxium échoue encore sur ${
          stuck.length > 1 ? "eux seuls" : "lui seul"
        } (${
          stuck[0].aside!.reason.replace(/\.$/, "")
        }) ; « status » les montre, prévenez l'administrateur de Saxium.`,
      );
    }
  }
}

function names(records: readonly ExportRecord[]): string {
  const shown = records.slice(0, 5).map(describe);
  return frenchList(records.length > 5 ? [...shown, "…"] : shown);
}
