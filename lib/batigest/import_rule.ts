/**
 * When to stop waiting for Batigest, as a pure rule: a published document
 * is waited for, declared "Batigest inactive" (left where it is), or declared
 * refused (withdrawn and reported), from facts gathered by the wait. Kept
 * apart from the I/O so that the rule exactly-once rests on can be read in
 * one place and tested without a folder or a clock. (A document Batigest
 * refused with a trace, `DV-1.xml.err` say, is decided before this rule is
 * asked: `traces.ts`, `watch.ts`.)
 *
 * The rule (README, "Batigest's side"):
 * - a document is refused only on fresh evidence that Batigest is alive and
 *   passed it by, that is, it was seen taking a document published after it,
 *   and named after it, while it stayed ("a sighting": whether Batigest takes
 *   files by name or by arrival, it would have taken this one first), in
 *   this run or recorded by an earlier
 *   run less than {@linkcode FRESH_EVIDENCE_MS} ago, and then:
 *   - it took something else again (a Batigest that works in name order and
 *     closes right after taking a later document is not refusing), and a
 *     full `importTimeoutSeconds` after the sighting it still has not taken
 *     it; or
 *   - it has waited `batigestRefusalHours` in all (earlier runs included),
 *     and a full `importTimeoutSeconds` after the sighting Batigest still has
 *     not taken it;
 * - otherwise, once Batigest has taken nothing for `importTimeoutSeconds`
 *   while the document waited, Batigest is inactive: the document stays in
 *   the folder, nothing is in error, the next pass waits for it again.
 *
 * "Fresh" is what keeps a Batigest closed for days from refusing anything: a
 * Batigest that took one later document, then stayed closed four days, shows
 * at the end of them only a sighting four days old, which no longer counts;
 * the document waits until Batigest, open again, passes it by again. An
 * import of an *earlier* document, or any import remembered from days ago,
 * is no evidence at all: after a long closure Batigest takes the oldest
 * documents first, and the others a moment later.
 *
 * Time within a run is monotonic (`performance.now()`), so a clock corrected
 * while the agent waits changes nothing; a time recorded by an earlier run
 * (the journal's `deliveredAt`, a sighting) only counts towards the long
 * refusal delay and the freshness of a sighting, is capped
 * ({@linkcode earlierWait}) and never counted in the future
 * ({@linkcode rememberedSighting}).
 *
 * @module
 */

/**
 * How long a sighting recorded by an earlier run stays evidence: the
 * scheduled task runs a pass every 5 minutes by default, so a Batigest at
 * work past a document is seen again by the next pass or the one after;
 * a sighting older than that may be followed by a closure (a night, a
 * holiday), and proves nothing of Batigest now.
 */
export const FRESH_EVIDENCE_MS = 15 * 60_000;

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
  /**
   * When a document published after this one was first seen gone while this
   * one stayed (a sighting of this run, or a fresh one of an earlier run).
   */
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
  if (passedByEvidence(facts) || waitedTooLong(facts)) return "refused";
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
 * Whether the document has waited `batigestRefusalHours` in all and
 * Batigest, freshly seen passing it by, has not taken it a full timeout
 * after: the long rule (see the module doc).
 */
export function waitedTooLong(
  facts: Pick<
    WaitFacts,
    "nowMs" | "waitStartMs" | "waitedBeforeMs" | "timeoutMs" | "refusalMs" | "passedByMs"
  >,
): boolean {
  const { nowMs, passedByMs } = facts;
  return passedByMs !== undefined && nowMs - passedByMs >= facts.timeoutMs &&
    facts.waitedBeforeMs + (nowMs - facts.waitStartMs) >= facts.refusalMs;
}

/**
 * How long ago (ms, never negative) an earlier run saw Batigest pass a
 * document by, when that sighting is still fresh evidence: recorded at
 * `seen` (ISO 8601), at most `freshMs` ({@linkcode FRESH_EVIDENCE_MS}) before
 * `now`, or ahead of it by no more (a clock set back a little); undefined
 * otherwise.
 *
 * @example
 * ```ts
 * const now = new Date("2025-03-05T09:00:00Z");
 * rememberedSighting({ seen: "2025-03-05T08:55:00Z", now, freshMs: FRESH_EVIDENCE_MS }); // 300000
 * rememberedSighting({ seen: "2025-03-01T17:55:00Z", now, freshMs: FRESH_EVIDENCE_MS }); // undefined
 * ```
 */
export function rememberedSighting(
  options: { seen: string | undefined; now: Date; freshMs: number },
): number | undefined {
  const at = options.seen === undefined ? NaN : Date.parse(options.seen);
  if (!Number.isFinite(at)) return undefined;
  const ago = options.now.getTime() - at;
  return Math.abs(ago) <= options.freshMs ? Math.max(0, ago) : undefined;
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
