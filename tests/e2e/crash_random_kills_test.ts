/**
 * Exactly once under random kills: the agent is killed with SIGKILL from
 * outside at random moments (downloads, deliveries, acknowledgements) while
 * the server fails 20 % of requests, answers oddly, journals are deleted
 * between runs and Batigest closes and reopens; restarted until each pass
 * completes, every world is checked against Batigest's ledger and Saxium's
 * record (see `support/crash_harness.ts`). Apart from `crash_test.ts` so the
 * two long runs go side by side.
 */

import assert from "node:assert/strict";
import { formatReport, runRandomKills } from "../support/crash_harness.ts";

// The suite's share of the random kills, kept short so the suite stays quick;
// `deno task soak` runs the same harness with 1,000.
Deno.test("30 random SIGKILLs, 20 % of requests failing, odd answers, Batigest closing and reopening: no duplicate, no loss", async () => {
  const report = await runRandomKills({
    kills: 30,
    faultRate: 0.2,
    audit: true,
    batigestFlaps: 0.2,
  });
  console.log(formatReport(report));
  assert.ok(report.randomKills >= 24, `only ${report.randomKills} kills landed`);
  // Kills land where the time goes: mostly deliveries (Batigest's pace). With 30
  // of them, one phase may get none by chance (acknowledgements are short); the
  // failpoints of crash_test.ts cover every phase deterministically.
  const during = ["download", "delivery", "acknowledgement"].map((p) => report.phases[p] ?? 0);
  assert.ok(during.filter((n) => n > 0).length >= 2, formatReport(report));
  assert.ok(during.reduce((a, b) => a + b) >= report.randomKills / 4, formatReport(report));
  assert.ok(report.retries > 0, "the server faults never fired");
  assert.deepEqual(report.problems, []);
  assert.equal(report.duplicates, 0);
  assert.equal(report.losses, 0);
});
