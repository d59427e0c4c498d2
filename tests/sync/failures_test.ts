import assert from "node:assert/strict";
import { Logger } from "../../lib/base/log.ts";
import { SaxiumError } from "../../lib/saxium/client.ts";
import { localTrouble, sendMark, ServerUnavailable } from "../../lib/sync/failures.ts";
import { JournalDamaged } from "../../lib/journal/schema.ts";
import { PassReport } from "../../lib/sync/pass_report.ts";
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

Deno.test("sendMark: what Saxium answered about one export stays with that export", async () => {
  const { report: r, lines } = report();
  const mark = (call: () => Promise<void>) =>
    sendMark(call, { record, what: "accusé de réception", report: r });
  assert.deepEqual(await mark(() => Promise.resolve()), { outcome: "done" });
  assert.deepEqual(await mark(refusal(409)), { outcome: "already" });
  assert.deepEqual(await mark(refusal(404, "not_found")), { outcome: "gone" });
  assert.deepEqual(await mark(refusal(410)), { outcome: "gone" });
  assert.deepEqual(await mark(refusal(422)), { outcome: "refused", reason: "HTTP 422" });
  assert.deepEqual(await mark(refusal(200)), { outcome: "refused", reason: "HTTP 200" });
  assert.ok(
    lines.some((l) => /\[WARNING\] L'export DV-1 \[0b4f3c1e\] n'existe plus dans Saxium/.test(l)),
  );
  // Saxium as a whole: the pass stops.
  await assert.rejects(mark(refusal(503)), ServerUnavailable);
  await assert.rejects(mark(refusal(401, "auth")), ServerUnavailable);
  await assert.rejects(mark(refusal(302, "redirect")), ServerUnavailable);
  await assert.rejects(mark(refusal(200, "protocol")), ServerUnavailable);
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
