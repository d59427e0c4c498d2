/**
 * One document, one version: what the other exports of a document mean for
 * one of them, as the story asks before Batigest sees it.
 */

import assert from "node:assert/strict";
import { isNewer, judgeVersion, REPLACED_STAGE, versionLine } from "../../lib/sync/versions.ts";
import type { ExportRecord, ExportState } from "../../lib/journal/journal.ts";

let n = 0;

/** An export of the document DV-1, generated at `at` (HH:MM on 5 Dec 2026), in `state`. */
function version(state: ExportState, at?: string, extra: Partial<ExportRecord> = {}): ExportRecord {
  n++;
  return {
    id: `0b4f3c1e-9d2a-4f6b-8c3d-2e1f0a9b8c${String(n).padStart(2, "0")}`,
    reference: "DV-1",
    documentType: "devis_client",
    baseName: "DV-1",
    state,
    files: [{ format: "xml", importName: "DV-1.xml" }],
    attempts: 1,
    generatedAt: at ? `2026-12-05T${at}:00.000Z` : undefined,
    updatedAt: "2026-12-05T12:00:00.000Z",
    ...extra,
  };
}

Deno.test("alone, or replaced by a newer version: the newest wins", () => {
  const older = version("ready", "09:00");
  const newer = version("downloading", "10:00");
  assert.deepEqual(judgeVersion(older, []), { kind: "alone" });
  assert.deepEqual(judgeVersion(older, [newer]), { kind: "replaced", by: newer });
  assert.deepEqual(judgeVersion(newer, [older]), { kind: "alone" });
});

Deno.test("a newer version that ended in error of its own replaces nothing; one itself replaced still does", () => {
  const older = version("ready", "09:00");
  const failed = version("reported", "10:00", { errorStage: "check" });
  assert.deepEqual(judgeVersion(older, [failed]), { kind: "alone" });
  const superseded = version("reported", "10:00", { errorStage: REPLACED_STAGE });
  assert.equal(judgeVersion(older, [superseded]).kind, "replaced");
});

Deno.test("an older version waiting in Batigest's folder, or staged on its way there: the newer waits for it", () => {
  for (const state of ["delivered", "staged"] as const) {
    const older = version(state, "09:00");
    const newer = version("ready", "10:00");
    assert.deepEqual(judgeVersion(newer, [older]), { kind: "after", older }, state);
  }
});

Deno.test("an older version already imported: the newer is a correction, said so", () => {
  const imported = version("archived", "09:00");
  const newer = version("ready", "10:00");
  const verdict = judgeVersion(newer, [imported]);
  assert.deepEqual(verdict, { kind: "correction", of: imported });
  assert.match(
    versionLine(verdict as Exclude<typeof verdict, { kind: "alone" }>),
    /C'est une correction du document/,
  );
});

Deno.test("without Saxium's dates, the version the agent met later is the newer", () => {
  const first = version("ready");
  const second = version("ready");
  assert.equal(isNewer(second, first, [first, second]), true);
  assert.equal(isNewer(first, second, [first, second]), false);
  assert.equal(isNewer(second, first, [first]), true, "the one being judged, not yet met, is last");
  // Dates win over the order met.
  const dated = version("ready", "08:00");
  const later = version("ready", "09:00");
  assert.equal(isNewer(later, dated, [later, dated]), true);
});

Deno.test("the replaced line names the newer export and its date, in French", () => {
  const newer = version("ready", "10:00");
  const line = versionLine({ kind: "replaced", by: newer });
  assert.match(
    line,
    /^Remplacé par une version plus récente du même document \(export DV-1 \[0b4f3c1e\]/,
  );
  assert.match(line, /générée le 05\/12\/2026/);
  assert.match(line, /cette version n'est pas déposée dans Batigest, rien à faire\.$/);
});

Deno.test("a newer version the journal forgot but the receipts remember as published still replaces; an older one is corrected", () => {
  const offered = version("ready", "09:00");
  const published = {
    id: "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
    generatedAt: "2026-12-05T10:00:00.000Z",
  };
  const verdict = judgeVersion(offered, [], { published });
  assert.equal(verdict.kind, "replaced");
  assert.equal((verdict as { by: ExportRecord }).by.id, published.id);
  const later = version("ready", "11:00");
  assert.equal(judgeVersion(later, [], { published }).kind, "correction");
  // Without Saxium's date on the offered one, the order is unknown: nothing assumed.
  assert.deepEqual(judgeVersion(version("ready"), [], { published }), { kind: "alone" });
  // Itself, or one the journal knows: nothing added.
  assert.deepEqual(judgeVersion(offered, [], { published: { ...published, id: offered.id } }), {
    kind: "alone",
  });
});
