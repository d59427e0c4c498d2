/**
 * When to stop waiting for Batigest, as a pure rule: a published document
 * is waited for, declared "Batigest inactive" (left where it is), or declared
 * refused (withdrawn and reported), from facts gathered by the wait. Kept
 * apart from the I/O so that the rule exactly-once rests on can be read in
 * one place and tested without a folder or a clock.
 *
 * The rule (README, "How exactly-once holds"):
 * - a document is refused only on evidence: Batigest took a document
 *   published after it while it stayed, and a full `importTimeoutSeconds`
 *   later it still has not taken it; or it has waited `batigestRefusalHours`
 *   in all (earlier runs included);
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
 * judgeWait({ nowMs: 31_000, waitStartMs: 0, waitedBeforeMs: 0, timeoutMs: 30_000, refusalMs: 72 * 3_600_000 });
 * // "inactive": nothing shows that Batigest works
 * ```
 */
export function judgeWait(facts: WaitFacts): WaitVerdict {
  const { nowMs, timeoutMs } = facts;
  if (facts.passedByMs !== undefined && nowMs - facts.passedByMs >= timeoutMs) return "refused";
  if (facts.waitedBeforeMs + (nowMs - facts.waitStartMs) >= facts.refusalMs) return "refused";
  const quietSince = Math.max(facts.waitStartMs, facts.lastWorkMs ?? -Infinity);
  return nowMs - quietSince >= timeoutMs ? "inactive" : "wait";
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
