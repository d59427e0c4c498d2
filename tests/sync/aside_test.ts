/**
 * Exports set aside: how long each waits before it is tried again.
 */

import assert from "node:assert/strict";
import { asideDelayMs } from "../../lib/sync/aside.ts";

Deno.test("an export set aside is tried at the next pass, then waits longer each time, at most 6 hours", () => {
  const minutes = [1, 2, 3, 4, 5, 6, 7, 10].map((n) => asideDelayMs(n) / 60_000);
  assert.deepEqual(minutes, [0, 5, 15, 45, 135, 360, 360, 360]);
});
