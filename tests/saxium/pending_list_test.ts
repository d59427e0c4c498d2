import assert from "node:assert/strict";
import { readPendingList } from "../../lib/saxium/pending_list.ts";

const ID = "7b599c58-3f0e-4b8a-9a43-2c1d0e5f6a7b";

function item(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: ID,
    documentType: "devis_client",
    documentReference: "DV-1730000000001",
    xmlFileUrl: `/api/batigest/exports/${ID}/download?format=xml`,
    csvFileUrl: null,
    exportData: { metadata: { source: "Saxium" } },
    generatedAt: "2026-12-01T09:30:00.000Z",
    retryCount: 0,
    ...overrides,
  };
}

function page(...items: unknown[]) {
  const read = readPendingList({ success: true, data: items, timestamp: "2026-12-01T10:00:00Z" });
  assert.ok("page" in read, JSON.stringify(read));
  return read.page;
}

Deno.test("a real list item is read, extra fields ignored, generatedAt kept", () => {
  assert.deepEqual(page(item()), {
    items: [{
      id: ID,
      documentType: "devis_client",
      documentReference: "DV-1730000000001",
      generatedAt: "2026-12-01T09:30:00.000Z",
      retryCount: 0,
    }],
    rejected: [],
  });
  // A bare array is a list too.
  const bare = readPendingList([item()]);
  assert.ok("page" in bare && bare.page.items.length === 1);
});

Deno.test("informational fields are lenient: retryCount null is 0, generatedAt null is absent", () => {
  const [read] = page(item({ retryCount: null, generatedAt: null })).items;
  assert.equal(read.retryCount, 0);
  assert.ok(!("generatedAt" in read));
  for (const retryCount of [undefined, "2", -1, 1.5]) {
    assert.equal(page(item({ retryCount })).items[0].retryCount, 0, String(retryCount));
  }
  assert.equal(page(item({ retryCount: 3 })).items[0].retryCount, 3);
});

Deno.test("an item that cannot be used is set apart with a French reason; the others are kept", () => {
  const good = item({ id: crypto.randomUUID(), documentReference: "DV-BON" });
  const read = page(
    item({ documentReference: null }),
    good,
    item({ id: 42, documentReference: "BC-42" }),
    item({ id: undefined, documentType: "" }),
    "pas un objet",
  );
  assert.deepEqual(read.items.map((e) => e.documentReference), ["DV-BON"]);
  assert.deepEqual(read.rejected, [
    { id: ID, reason: "la référence du document (documentReference) vaut null" },
    {
      id: "42",
      documentReference: "BC-42",
      reason: "l'identifiant (id) est un nombre (42)",
    },
    {
      documentReference: "DV-1730000000001",
      reason: "l'identifiant (id) est absent, le type de document (documentType) est vide",
    },
    { reason: "l'élément de la liste est un texte au lieu d'un objet" },
  ]);
  for (const r of read.rejected) assert.doesNotMatch(r.reason, /Invalid|expected|received/);
});

Deno.test("a rejected item's id and reference are put on one line, capped", () => {
  const [rejected] = page(
    item({ id: "a\r\nb", documentReference: "R\u2028".repeat(100), documentType: null }),
  ).rejected;
  assert.equal(rejected.id, "a b");
  assert.ok(rejected.documentReference!.length <= 80);
  assert.doesNotMatch(rejected.documentReference!, /[\r\n\u2028]/);
});

Deno.test("an answer with no list is an issue, in French", () => {
  assert.deepEqual(readPendingList({ success: true, data: null }), {
    issue: "la liste (data) vaut null au lieu d'un tableau",
  });
  assert.deepEqual(readPendingList({ success: true }), {
    issue: "la liste (data) est absente au lieu d'un tableau",
  });
});
