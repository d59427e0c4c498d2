import assert from "node:assert/strict";
import { backoffDelay, parseRetryAfter } from "../../lib/saxium/errors.ts";

Deno.test("backoffDelay: full jitter below min(maxDelayMs, base * 2 ** attempt)", () => {
  const options = { baseDelayMs: 500, maxDelayMs: 30_000 };
  assert.equal(backoffDelay(0, { ...options, random: () => 0 }), 0);
  assert.equal(backoffDelay(0, { ...options, random: () => 0.5 }), 250);
  assert.equal(backoffDelay(3, { ...options, random: () => 0.5 }), 2000);
  assert.equal(backoffDelay(20, { ...options, random: () => 0.5 }), 15_000);
  assert.equal(backoffDelay(60, { ...options, random: () => 0.999999 }), 29_999);
  for (let attempt = 0; attempt < 12; attempt++) {
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(attempt, { ...options, random: Math.random });
      assert.ok(d >= 0 && d < Math.min(30_000, 500 * 2 ** attempt), `${attempt}: ${d}`);
    }
  }
});

Deno.test("parseRetryAfter reads seconds and HTTP dates", () => {
  const now = new Date("2025-10-14T10:00:00Z");
  assert.equal(parseRetryAfter(null, now), undefined);
  assert.equal(parseRetryAfter("0", now), 0);
  assert.equal(parseRetryAfter(" 5 ", now), 5000);
  assert.equal(parseRetryAfter("Tue, 14 Oct 2025 10:00:30 GMT", now), 30_000);
  assert.equal(parseRetryAfter("Tue, 14 Oct 2025 09:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter("-3", now), undefined);
  assert.equal(parseRetryAfter("1.5", now), undefined);
  assert.equal(parseRetryAfter("bientôt", now), undefined);
  assert.equal(parseRetryAfter("", now), undefined);
});
