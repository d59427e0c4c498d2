/**
 * The refusal rule and the clock bound, as pure functions: when a document
 * is waited for, left for an inactive Batigest, or refused; and how much of
 * an earlier run's recorded time may count.
 */

import assert from "node:assert/strict";
import {
  earlierWait,
  judgeWait,
  quietSince,
  type WaitFacts,
} from "../../lib/batigest/import_rule.ts";

const T = 30_000;
const HOURS_72 = 72 * 3_600_000;

function facts(extra: Partial<WaitFacts>): WaitFacts {
  return {
    nowMs: 0,
    waitStartMs: 0,
    waitedBeforeMs: 0,
    timeoutMs: T,
    refusalMs: HOURS_72,
    ...extra,
  };
}

Deno.test("within the timeout a document is waited for, whatever else happened", () => {
  assert.equal(judgeWait(facts({ nowMs: T - 1 })), "wait");
  assert.equal(judgeWait(facts({ nowMs: T - 1, lastWorkMs: 10, passedByMs: 10 })), "wait");
});

Deno.test("nothing taken for a full timeout, no evidence: Batigest inactive, never refused", () => {
  assert.equal(judgeWait(facts({ nowMs: T })), "inactive");
  // Hours of silence in one run are still inactivity, not a refusal.
  assert.equal(judgeWait(facts({ nowMs: 10 * 3_600_000 })), "inactive");
});

Deno.test("Batigest working on other documents pushes inactivity back", () => {
  assert.equal(judgeWait(facts({ nowMs: T + 5_000, lastWorkMs: 10_000 })), "wait");
  assert.equal(judgeWait(facts({ nowMs: T + 10_000, lastWorkMs: 10_000 })), "inactive");
});

Deno.test("a later document taken while it stayed, then other work: refused a full timeout after, not before", () => {
  assert.equal(
    judgeWait(facts({ nowMs: 5_000 + T - 1, lastWorkMs: 9_000, passedByMs: 5_000 })),
    "wait",
  );
  assert.equal(
    judgeWait(facts({ nowMs: 5_000 + T, lastWorkMs: 9_000, passedByMs: 5_000 })),
    "refused",
  );
});

Deno.test("a later document taken, then nothing: Batigest closed (or works in name order), not refusing", () => {
  // Published A then B; a Batigest that lists its folder by name took B, then closed.
  assert.equal(
    judgeWait(facts({ nowMs: 5_000 + T, lastWorkMs: 5_000, passedByMs: 5_000 })),
    "inactive",
  );
  assert.equal(
    judgeWait(facts({ nowMs: 3_600_000, lastWorkMs: 5_000, passedByMs: 5_000 })),
    "inactive",
  );
});

Deno.test("waited batigestRefusalHours in all, and Batigest just took a later document and not it: refused a timeout after", () => {
  // Seen taking a later document at 1 s in this run; nothing else taken since.
  const seen = { passedByMs: 1_000, lastWorkMs: 1_000, waitedBeforeMs: HOURS_72 };
  assert.equal(judgeWait(facts({ ...seen, nowMs: 1_000 + T - 1 })), "wait");
  assert.equal(judgeWait(facts({ ...seen, nowMs: 1_000 + T })), "refused");
  // The same sighting, the document waiting one second short of the delay: Batigest closed after it.
  assert.equal(
    judgeWait(facts({ ...seen, waitedBeforeMs: HOURS_72 - T - 1_001, nowMs: 1_000 + T })),
    "inactive",
  );
});

Deno.test("waited batigestRefusalHours in all, no fresh sighting (Batigest closed since): never refused", () => {
  // Finding 5: an import seen four days ago is no sighting in this run; the watch drops it.
  assert.equal(judgeWait(facts({ nowMs: T, waitedBeforeMs: HOURS_72 })), "inactive");
  // Batigest reopened and took an earlier document: alive, but not past this one.
  assert.equal(
    judgeWait(facts({ nowMs: 5_000 + T - 1, lastWorkMs: 5_000, waitedBeforeMs: HOURS_72 })),
    "wait",
  );
});

Deno.test("a long weekend with Batigest closed (nothing imported since delivery): waiting, never refused", () => {
  // Friday 18:00 to Tuesday 08:00 is 86 h: more than the 72 h of batigestRefusalHours.
  assert.equal(
    judgeWait(facts({ nowMs: T, waitedBeforeMs: 86 * 3_600_000 })),
    "inactive",
  );
});

Deno.test("earlierWait: a delivery time recorded ahead (clock set back) counts as no wait at all", () => {
  const now = new Date("2025-03-01T10:00:00Z");
  assert.equal(earlierWait({ deliveredAt: "2025-03-01T12:00:00Z", now, capMs: HOURS_72 }), 0);
  assert.equal(earlierWait({ deliveredAt: "2025-03-01T09:59:00Z", now, capMs: HOURS_72 }), 60_000);
  assert.equal(
    earlierWait({ deliveredAt: "2024-01-01T00:00:00Z", now, capMs: HOURS_72 }),
    HOURS_72,
  );
  assert.equal(earlierWait({ deliveredAt: "pas une date", now, capMs: HOURS_72 }), 0);
  assert.equal(earlierWait({ deliveredAt: undefined, now, capMs: HOURS_72 }), 0);
});

Deno.test("a resumed wait, even with a delivery time 2 h ahead, ends within the timeout of its run", () => {
  const now = new Date("2025-03-01T10:00:00Z");
  const waitedBeforeMs = earlierWait({
    deliveredAt: new Date(now.getTime() + 2 * 3_600_000).toISOString(),
    now,
    capMs: HOURS_72,
  });
  // Monotonic time within the run: the verdict comes at the timeout, not 2 h later.
  assert.equal(judgeWait(facts({ nowMs: T, waitedBeforeMs })), "inactive");
});

Deno.test("quietSince: the later of the wait's start and the last import, never in the future", () => {
  const now = new Date("2025-03-01T18:32:00Z");
  assert.equal(
    quietSince({ now, nowMs: 1_800_000, waitStartMs: 0, lastWorkMs: undefined }).toISOString(),
    "2025-03-01T18:02:00.000Z",
  );
  assert.equal(
    quietSince({ now, nowMs: 1_800_000, waitStartMs: 0, lastWorkMs: 1_200_000 }).toISOString(),
    "2025-03-01T18:22:00.000Z",
  );
  assert.equal(
    quietSince({ now, nowMs: 1_000, waitStartMs: 5_000 }).toISOString(),
    now.toISOString(),
  );
});
