import assert from "node:assert/strict";
import nodePath from "node:path";
import { Journal } from "../../lib/journal/journal.ts";

import { EXPORT_ID as ID, NEW_EXPORT as start } from "../support/records.ts";

function walk(journal: Journal, id: string, states: string[]): void {
  for (const state of states) journal.setState(id, state as never);
}

Deno.test("history: reaching a final state appends an event; a retry that succeeds adds another", () => {
  let clock = new Date("2026-11-25T08:00:00Z");
  const journal = new Journal(":memory:", { now: () => clock });
  try {
    journal.begin(start);
    journal.setState(ID, "failed", { error: "XML mal formé", errorStage: "check" });
    journal.setState(ID, "reported");
    clock = new Date("2026-11-25T09:30:00Z");
    journal.retry(ID, [{ format: "xml", importName: "" }]);
    walk(journal, ID, ["ready"]);
    journal.setState(ID, "staged", { files: [{ format: "xml", importName: "DV-1.xml" }] });
    walk(journal, ID, ["delivered", "imported", "acknowledged"]);
    assert.equal(journal.history({ since: new Date(0), until: clock }).length, 1, "not yet");
    journal.setState(ID, "archived");
    const events = journal.history({
      since: new Date("2026-11-25T00:00:00Z"),
      until: new Date("2026-11-26T00:00:00Z"),
    });
    assert.deepEqual(events.map((e) => [e.at, e.outcome, e.detail, e.attempt]), [
      ["2026-11-25T08:00:00.000Z", "error", "XML mal formé", 1],
      ["2026-11-25T09:30:00.000Z", "synced", "DV-1.xml", 2],
    ]);
    assert.equal(events[0].reference, "DV-1");
    assert.equal(events[0].documentType, "devis_client");
    assert.deepEqual(
      journal.history({
        since: new Date("2026-11-25T09:00:00Z"),
        until: new Date("2026-11-25T10:00:00Z"),
      }).map((e) => e.outcome),
      ["synced"],
    );
  } finally {
    journal.close();
  }
});

Deno.test("history: a journal written before events existed is backfilled once", async () => {
  const dir = await Deno.makeTempDir();
  const path = nodePath.join(dir, "journal.db");
  try {
    const { DatabaseSync } = await import("node:sqlite");
    const old = new DatabaseSync(path);
    old.exec(`CREATE TABLE exports (id TEXT PRIMARY KEY, reference TEXT NOT NULL,
      document_type TEXT NOT NULL, base_name TEXT NOT NULL, state TEXT NOT NULL,
      files TEXT NOT NULL, error TEXT, error_stage TEXT, attempts INTEGER NOT NULL DEFAULT 1,
      delivered_at TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);`);
    const insert = old.prepare(
      `INSERT INTO exports VALUES (?, ?, 'devis_client', ?, ?, ?, ?, NULL, 1, NULL, ?, ?)`,
    );
    const files = JSON.stringify([{ format: "xml", importName: "DV-A.xml" }]);
    insert.run(
      "a",
      "DV-A",
      "DV-A",
      "archived",
      files,
      null,
      "2026-11-20T10:00:00Z",
      "2026-11-20T10:00:00Z",
    );
    insert.run(
      "b",
      "DV-B",
      "DV-B",
      "reported",
      files,
      "refusé",
      "2026-11-20T11:00:00Z",
      "2026-11-20T11:00:00Z",
    );
    insert.run(
      "c",
      "DV-C",
      "DV-C",
      "delivered",
      files,
      null,
      "2026-11-20T12:00:00Z",
      "2026-11-20T12:00:00Z",
    );
    old.close();
    for (let open = 0; open < 2; open++) {
      const journal = new Journal(path);
      const events = journal.history({ since: new Date(0), until: new Date("2100-01-01") });
      journal.close();
      assert.deepEqual(events.map((e) => [e.reference, e.outcome, e.detail]), [
        ["DV-A", "synced", "DV-A.xml"],
        ["DV-B", "error", "refusé"],
      ]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
