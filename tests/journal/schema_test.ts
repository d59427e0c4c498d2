/**
 * Opening the journal read-only (`status`, `history`, `doctor`): nothing is
 * created, upgraded or written, an empty file or another program's database
 * is refused untouched, and a journal `sync` is writing in WAL mode still
 * reads, commits included.
 *
 * @module
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Journal, JournalDamaged, NotAJournal } from "../../lib/journal/journal.ts";

import { EXPORT_ID as ID, NEW_EXPORT as start } from "../support/records.ts";

async function withDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "journal_schema_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test("read-only: an empty file is refused as empty, and stays 0 bytes", () =>
  withDir((dir) => {
    const path = nodePath.join(dir, "journal.db");
    Deno.writeFileSync(path, new Uint8Array());
    for (const verify of [true, false]) {
      assert.throws(
        () => new Journal(path, { readOnly: true, verify }),
        (error) => error instanceof NotAJournal && error.kind === "empty",
      );
    }
    assert.equal(Deno.statSync(path).size, 0);
    assert.deepEqual(names(dir), ["journal.db"]);
  }));

Deno.test("read-only: another program's database is refused, not changed", () =>
  withDir((dir) => {
    const path = nodePath.join(dir, "journal.db");
    const other = new DatabaseSync(path);
    other.exec("CREATE TABLE clients (nom TEXT); INSERT INTO clients VALUES ('Dupont')");
    other.close();
    const before = Deno.readFileSync(path);
    assert.throws(
      () => new Journal(path, { readOnly: true, verify: true }),
      (error) =>
        error instanceof NotAJournal && error.kind === "foreign" &&
        /n'est pas le journal de l'agent/.test(error.message),
    );
    assert.deepEqual(Deno.readFileSync(path), before);
    assert.deepEqual(names(dir), ["journal.db"]);
  }));

Deno.test("read-only: a damaged file is still JournalDamaged", () =>
  withDir((dir) => {
    const path = nodePath.join(dir, "journal.db");
    Deno.writeTextFileSync(path, "garbage, not a database at all");
    assert.throws(() => new Journal(path, { readOnly: true, verify: true }), JournalDamaged);
  }));

Deno.test("read-only: reads a WAL journal while sync writes it, and after", () =>
  withDir((dir) => {
    const path = nodePath.join(dir, "journal.db");
    const writer = new Journal(path, { verify: true });
    writer.begin(start);
    writer.setState(ID, "ready");
    assert.ok(names(dir).includes("journal.db-wal"), "the writer is in WAL mode");

    const reader = new Journal(path, { readOnly: true, verify: true });
    assert.equal(reader.get(ID)?.state, "ready", "commits still in the WAL are read");
    writer.setState(ID, "failed", { error: "XML invalide", errorStage: "check" });
    writer.setState(ID, "reported");
    assert.equal(reader.get(ID)?.state, "reported");
    const day = { since: new Date(Date.now() - 60_000), until: new Date(Date.now() + 60_000) };
    assert.equal(reader.history(day).length, 1);
    assert.throws(() => reader.begin({ ...start, id: ID.replace("0b", "0c") }), /readonly/);
    reader.close();
    writer.close();

    // Alone: nothing of the journal's content changes.
    const before = Deno.readFileSync(path);
    const alone = new Journal(path, { readOnly: true, verify: true });
    assert.equal(alone.countByState().reported, 1);
    alone.close();
    assert.deepEqual(Deno.readFileSync(path), before);
  }));

Deno.test("read-only: a journal older than events and runs reads as nothing yet, unchanged", () =>
  withDir((dir) => {
    const path = nodePath.join(dir, "journal.db");
    const old = new DatabaseSync(path);
    old.exec(
      `CREATE TABLE exports (id TEXT PRIMARY KEY, reference TEXT NOT NULL, document_type TEXT NOT NULL,
       base_name TEXT NOT NULL, state TEXT NOT NULL, files TEXT NOT NULL, error TEXT, error_stage TEXT,
       attempts INTEGER NOT NULL DEFAULT 1, delivered_at TEXT, created_at TEXT NOT NULL,
       updated_at TEXT NOT NULL)`,
    );
    old.close();
    const before = Deno.readFileSync(path);
    const journal = new Journal(path, { readOnly: true, verify: true });
    assert.deepEqual(journal.history({ since: new Date(0), until: new Date() }), []);
    assert.deepEqual(journal.runs.recent(), []);
    assert.deepEqual(journal.inStates(["ready"]), []);
    journal.close();
    assert.deepEqual(Deno.readFileSync(path), before);
  }));

Deno.test("a journal from before steps: read as it is by a reader, given the steps its records tell once upgraded", () =>
  withDir((dir) => {
    const path = nodePath.join(dir, "journal.db");
    const old = new DatabaseSync(path);
    old.exec(
      `CREATE TABLE exports (id TEXT PRIMARY KEY, reference TEXT NOT NULL, document_type TEXT NOT NULL,
       base_name TEXT NOT NULL, state TEXT NOT NULL, files TEXT NOT NULL, error TEXT, error_stage TEXT,
       attempts INTEGER NOT NULL DEFAULT 1, delivered_at TEXT, created_at TEXT NOT NULL,
       updated_at TEXT NOT NULL);
       INSERT INTO exports VALUES ('${ID}', 'DV-1', 'devis_client', 'DV-1', 'archived',
       '[{"format":"xml","importName":"DV-1.xml"}]', NULL, NULL, 1, '2026-11-20T09:00:05.000Z',
       '2026-11-20T09:00:00.000Z', '2026-11-20T09:00:09.000Z');`,
    );
    old.close();
    const reader = new Journal(path, { readOnly: true });
    const before = reader.trail.document("DV-1");
    assert.deepEqual(before.exports.map((r) => r.state), ["archived"]);
    assert.deepEqual(before.steps, [], "no steps table yet, nothing invented");
    reader.close();

    const writer = new Journal(path);
    assert.deepEqual(
      writer.trail.document("dv-1").steps.map((s) => [s.at, s.step]),
      [
        ["2026-11-20T09:00:00.000Z", "downloading"],
        ["2026-11-20T09:00:05.000Z", "delivered"],
        ["2026-11-20T09:00:09.000Z", "archived"],
      ],
    );
    assert.equal(writer.history({ since: new Date(0), until: new Date() }).length, 1);
    writer.close();
  }));
