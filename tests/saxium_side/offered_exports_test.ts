/** The statuses the pending list offers: those a generated export has, and no finished one. */

import assert from "node:assert/strict";
import { isOfferedToAgents, OFFERED_EXPORT_STATUSES } from "../../saxium_side/offered_exports.ts";

Deno.test("exports ready (as generated) and pending are offered; finished ones are not", () => {
  assert.deepEqual([...OFFERED_EXPORT_STATUSES], ["ready", "pending"]);
  assert.equal(isOfferedToAgents("ready"), true);
  assert.equal(isOfferedToAgents("pending"), true);
  for (const status of ["imported", "error", "downloaded", "READY", ""]) {
    assert.equal(isOfferedToAgents(status), false, status);
  }
});
