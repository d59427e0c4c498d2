import assert from "node:assert/strict";
import { Logger } from "../../lib/base/log.ts";
import { SaxiumError } from "../../lib/saxium/client.ts";
import {
  FAILURES_IN_A_ROW,
  localTrouble,
  PassStopped,
  SaxiumCalls,
  ServerUnavailable,
} from "../../lib/sync/failures.ts";
import { JournalDamaged } from "../../lib/journal/schema.ts";
import { PassReport } from "../../lib/sync/pass_context.ts";
import type { SaxiumApi } from "../../lib/sync/pass_context.ts";
import { isValidId, normalizeId } from "../../lib/sync/pending_feed.ts";
import { Slots } from "../../lib/sync/downloads.ts";

const record = { id: "0b4f3c1e-9d2a-4f6b-8c3d-2e1f0a9b8c7d", reference: "DV-1" };

function report(): { report: PassReport; lines: string[] } {
  const lines: string[] = [];
  const log = new Logger({
    dir: Deno.makeTempDirSync({ prefix: "saxium-failures-" }),
    level: "DEBUG",
    retentionDays: 1,
    console: (line) => lines.push(line),
  });
  return { report: new PassReport(log, { secrets: [] }), lines };
}

function refusal(status: number, kind: SaxiumError["kind"] = "http"): () => Promise<void> {
  return () => Promise.reject(new SaxiumError(`HTTP ${status}`, { kind, status }));
}

Deno.test("a call about one export: what Saxium answered stays with that export", async () => {
  const { report: r } = report();
  const calls = new SaxiumCalls({} as SaxiumApi, r);
  const call = (c: () => Promise<void>) =>
    calls.forExport(c, { record, what: "accusé de réception", repeatable: true });
  assert.deepEqual(await call(() => Promise.resolve()), { outcome: "done", value: undefined });
  assert.deepEqual(await call(refusal(409)), { outcome: "already" });
  assert.deepEqual(
    await calls.forExport(refusal(409), { record, what: "téléchargement" }),
    { outcome: "refused", reason: "HTTP 409" },
    "a conflict about a download is a refusal",
  );
  assert.deepEqual(await call(refusal(404, "not_found")), { outcome: "gone" });
  assert.deepEqual(await call(refusal(410)), { outcome: "gone" });
  assert.deepEqual(await call(refusal(422)), { outcome: "refused", reason: "HTTP 422" });
  assert.deepEqual(await call(refusal(200)), { outcome: "refused", reason: "HTTP 200" });
  assert.deepEqual(await call(refusal(302, "redirect")), {
    outcome: "refused",
    reason: "HTTP 302",
  });
  assert.deepEqual(await call(refusal(200, "too_large")), {
    outcome: "refused",
    reason: "HTTP 200",
  });
  // A failure that may pass is that export's, until several in a row.
  assert.deepEqual(await call(refusal(500)), { outcome: "retry", reason: "HTTP 500" });
  assert.deepEqual(await call(refusal(503)), { outcome: "retry", reason: "HTTP 503" });
  assert.deepEqual(await call(() => Promise.resolve()), { outcome: "done", value: undefined });
  assert.deepEqual(await call(refusal(500, "timeout")), { outcome: "retry", reason: "HTTP 500" });
});

Deno.test("several exports failing in a row is Saxium as a whole: the pass stops", async () => {
  const { report: r, lines } = report();
  const calls = new SaxiumCalls({} as SaxiumApi, r);
  const call = (c: () => Promise<void>) => calls.forExport(c, { record, what: "téléchargement" });
  for (let i = 1; i < FAILURES_IN_A_ROW; i++) {
    assert.equal((await call(refusal(500))).outcome, "retry");
  }
  await assert.rejects(call(refusal(500)), ServerUnavailable);
  assert.ok(
    lines.some((l) =>
      /\[ERROR\] Saxium injoignable pendant : téléchargement de l'export DV-1/.test(l)
    ),
  );
});

Deno.test("exports already set aside that fail again are theirs alone: never counted against Saxium", async () => {
  const { report: r } = report();
  const calls = new SaxiumCalls({} as SaxiumApi, r);
  const aside = {
    ...record,
    aside: { reason: "HTTP 500", kind: "retry" as const, count: 2, since: "2026-12-05T08:00:00Z" },
  };
  for (let i = 0; i < FAILURES_IN_A_ROW * 3; i++) {
    const answer = await calls.forExport(refusal(500), { record: aside, what: "téléchargement" });
    assert.equal(answer.outcome, "retry");
  }
  // The fresh ones still count: Saxium failing them all is Saxium.
  const fresh = (c: () => Promise<void>) => calls.forExport(c, { record, what: "téléchargement" });
  for (let i = 1; i < FAILURES_IN_A_ROW; i++) {
    assert.equal((await fresh(refusal(500))).outcome, "retry");
  }
  await assert.rejects(fresh(refusal(500)), ServerUnavailable);
});

Deno.test("what concerns Saxium as a whole stops the pass at once, whichever export it was about", async () => {
  const { report: r } = report();
  const calls = new SaxiumCalls({} as SaxiumApi, r);
  const call = (c: () => Promise<void>) =>
    calls.forExport(c, { record, what: "accusé de réception" });
  await assert.rejects(call(refusal(401, "auth")), ServerUnavailable);
  const wait = new SaxiumError("HTTP 429", { kind: "http", status: 429, retryAfterMs: 120_000 });
  await assert.rejects(call(() => Promise.reject(wait)), ServerUnavailable);
  await assert.rejects(call(refusal(0, "aborted")), PassStopped);
});

Deno.test("localTrouble: a full disk (the OS's or SQLite's) is named with the free space of both folders", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const folders = { root: dir, importDir: dir };
    for (
      const error of [
        new Error("No space left on device (os error 28)"),
        new Error("database or disk is full"),
      ]
    ) {
      const trouble = await localTrouble(error, folders);
      assert.ok(trouble);
      assert.match(trouble.message, /^disque plein \(.+ libres dans .+\) : libérez de la place/);
    }
    assert.equal(
      await localTrouble(new Error("Operation not permitted (os error 1)"), folders),
      undefined,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("localTrouble: a journal SQLite finds damaged is JournalDamaged, to be thrown like a full disk", async () => {
  const folders = { root: "/srv/agent", importDir: "/srv/import" };
  const trouble = await localTrouble(new Error("database disk image is malformed"), folders);
  assert.ok(trouble instanceof JournalDamaged);
  const again = new JournalDamaged(folders.root, "file is not a database");
  assert.equal(await localTrouble(again, folders), again, "already told: the same trouble");
});

Deno.test("ids: one form (trimmed, lower case), and only UUIDs are valid", () => {
  assert.equal(normalizeId(" 0B4F3C1E-9D2A-4F6B-8C3D-2E1F0A9B8C7D "), record.id);
  assert.ok(isValidId(record.id));
  for (const bad of ["pas-un-uuid", "", "../etc", `${record.id}x`]) assert.ok(!isValidId(bad), bad);
});

Deno.test("Slots: at most N tasks at once, the others in line", async () => {
  const slots = new Slots(2);
  let running = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 6 }, () =>
      slots.run(async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      })),
  );
  assert.equal(most, 2);
});
