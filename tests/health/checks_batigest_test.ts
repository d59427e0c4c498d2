/**
 * `status` and `doctor` on Batigest's imports: the same judgement, from
 * what the sync remembered, in the words an administrator reads.
 */

import assert from "node:assert/strict";
import { batigestActivity, checkBatigestImports } from "../../lib/health/checks_batigest.ts";

Deno.test("Batigest importing: OK, with the last import seen", () => {
  const activity = batigestActivity({ lastImportAt: "2025-03-01T17:55:00Z" });
  assert.match(
    activity.line,
    /^importe normalement \(dernier import vu le \d\d\/\d\d\/2025 \d\d:\d\d:\d\d\)$/,
  );
  assert.equal(activity.problem, undefined);
  assert.equal(checkBatigestImports({}).status, "OK");
});

Deno.test("Batigest inactive: since when, what to do, nothing lost", () => {
  const memory = { inactiveSince: "2025-03-01T18:02:00Z", lastImportAt: "2025-03-01T17:55:00Z" };
  const activity = batigestActivity(memory);
  assert.match(activity.line, /^n'importe plus depuis le \d\d\/0[23]\/2025 \d\d:\d\d:\d\d \(/);
  assert.match(activity.problem!, /vérifiez qu'il est ouvert .* rien n'est perdu/);
  const check = checkBatigestImports(memory);
  assert.equal(check.status, "WARNING");
  assert.match(check.fix!, /Ouvrez Batigest .* ne relancez rien dans Saxium/);
});
