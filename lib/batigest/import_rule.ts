/**
 * When to stop waiting for Batigest, as a pure rule: a published document
 * is waited for, declared "Batigest inactive" (left where it is), or declared
 * refused (withdrawn and reported), from facts gathered by the wait. Kept
 * apart from the I/O so that the rule exactly-once rests on can be read in
 * one place and tested without a folder or a clock.
 *
 * The rule (README, "How exactly-once holds"):
 * - a document is refused only on evidence that Batigest is alive and
 *   passed it by: it took a document published after it while it stayed,
 *   then took something else again (a Batigest that works in name order and
 *   closes right after taking a later document is not refusing), and a full
 *   `importTimeoutSeconds` after the first sighting it still has not taken
 *   it; or it has waited `batigestRefusalHours` in all (earlier runs
 *   included) while Batigest imported other documents (a Batigest closed for
 *   a long weekend imports nothing, and refuses nothing);
 * - otherwise, once Batigest has taken nothing for `importTimeoutSeconds`
 *   while the document waited, Batigest is inactive: the document stays in
 *   the folder, nothing is in error, the next pass waits for it again.
 *
 * Time within a run is monotonic (`performance.now()`), so a clock corrected
 * while the agent waits changes nothing; a time recorded by an earlier run
 * (the journal's `deliveredAt`) only counts towards the long refusal delay,
 * and is capped by {@linkcode earlierWait}.
 *
 * @module
 */

/** What a wait decides. */
export type WaitVerdict = "wait" | "inactive" | "refused";

/** The facts of one document's wait; every `…Ms` time is monotonic, in ms. */
export interface WaitFacts {
  /** Now. */
  nowMs: number;
  /** When this document's timeout started in this run. */
  waitStartMs: number;
  /** When Batigest was last seen taking a document in this run, if it was. */
  lastWorkMs?: number;
  /** When a document published after this one was first seen gone while this one stayed. */
  passedByMs?: number;
  /** Whether Batigest took any document after this one was delivered (this run or an earlier one). */
  workedSinceDelivery: boolean;
  /** How long it had already waited before this run (see {@linkcode earlierWait}). */
  waitedBeforeMs: number;
  /** `importTimeoutSeconds`, in ms. */
  timeoutMs: number;
  /** `batigestRefusalHours`, in ms. */
  refusalMs: number;
}

/**
 * Judges one document's wait; see the module doc for the rule.
 *
 * @example
 * ```ts
 * judgeWait({ nowMs: 31_000, waitStartMs: 0, waitedBeforeMs: 0, timeoutMs: 30_000, refusalMs: 72 * 3_600_000, workedSinceDelivery: false });
 * // "inactive": nothing shows that Batigest works
 * ```
 */
export function judgeWait(facts: WaitFacts): WaitVerdict {
  const { nowMs, timeoutMs } = facts;
  if (passedByEvidence(facts)) return "refused";
  if (
    facts.workedSinceDelivery &&
    facts.waitedBeforeMs + (nowMs - facts.waitStartMs) >= facts.refusalMs
  ) return "refused";
  const quietSince = Math.max(facts.waitStartMs, facts.lastWorkMs ?? -Infinity);
  return nowMs - quietSince >= timeoutMs ? "inactive" : "wait";
}

/**
 * Whether Batigest demonstrably passed the document by: a later document
 * taken while it stayed, Batigest seen taking something again after that,
 * and a full timeout since the first sighting.
 */
export function passedByEvidence(
  facts: Pick<WaitFacts, "nowMs" | "timeoutMs" | "passedByMs" | "lastWorkMs">,
): boolean {
  const { passedByMs, lastWorkMs } = facts;
  return passedByMs !== undefined && lastWorkMs !== undefined && lastWorkMs > passedByMs &&
    facts.nowMs - passedByMs >= facts.timeoutMs;
}

/**
 * How long a document published by an earlier run had waited before this
 * one, from the time that run recorded: never negative (a clock set back, a
 * time recorded ahead) and never more than `capMs`.
 *
 * @example
 * ```ts
 * earlierWait({ deliveredAt: "2030-01-01T00:00:00Z", now: new Date("2025-01-01"), capMs: 1000 }); // 0
 * ```
 */
export function earlierWait(
  options: { deliveredAt: string | undefined; now: Date; capMs: number },
): number {
  const at = options.deliveredAt === undefined ? NaN : Date.parse(options.deliveredAt);
  if (!Number.isFinite(at)) return 0;
  return Math.min(options.capMs, Math.max(0, options.now.getTime() - at));
}

/**
 * The wall-clock time Batigest went quiet for a wait judged inactive: the
 * later of its start and the last import seen, read back from the monotonic
 * clock, and never in the future.
 */
export function quietSince(
  facts: Pick<WaitFacts, "nowMs" | "waitStartMs" | "lastWorkMs"> & { now: Date },
): Date {
  const quiet = Math.max(facts.waitStartMs, facts.lastWorkMs ?? -Infinity);
  const ago = Math.max(0, facts.nowMs - quiet);
  return new Date(facts.now.getTime() - ago);
}
