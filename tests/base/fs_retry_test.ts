import assert from "node:assert/strict";
import { isTransient, withTransientRetry } from "../../lib/base/fs_retry.ts";

function busy(): Error {
  return Object.assign(new Error("EBUSY: resource busy"), { code: "EBUSY" });
}

Deno.test("sharing errors are retried with growing delays until the operation passes", async () => {
  const delays: number[] = [];
  let calls = 0;
  const result = await withTransientRetry(() => {
    calls++;
    if (calls < 5) throw calls % 2 ? busy() : new Deno.errors.PermissionDenied("EPERM");
    return Promise.resolve("ok");
  }, { sleep: (ms) => (delays.push(ms), Promise.resolve()) });
  assert.equal(result, "ok");
  assert.deepEqual(delays, [10, 20, 40, 80]);
});

Deno.test("the retry gives up after the time budget with the last error", async () => {
  let waited = 0;
  await assert.rejects(
    withTransientRetry(() => Promise.reject(busy()), {
      maxMs: 60_000,
      sleep: (ms) => (waited += ms, Promise.resolve()),
    }),
    /EBUSY/,
  );
  assert.equal(waited, 60_000);
});

Deno.test("other errors are not retried", async () => {
  let calls = 0;
  await assert.rejects(
    withTransientRetry(() => {
      calls++;
      return Promise.reject(new Deno.errors.NotFound("gone"));
    }, { sleep: () => Promise.resolve() }),
    Deno.errors.NotFound,
  );
  assert.equal(calls, 1);
  assert.ok(isTransient(new Deno.errors.Busy("x")));
  assert.ok(!isTransient(new Error("ENOSPC")));
});
