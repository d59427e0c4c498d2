import assert from "node:assert/strict";
import nodePath from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  EXPORT_STATES,
  Journal,
  JournalError,
  UNFINISHED_STATES,
} from "../../lib/journal/journal.ts";

import { EXPORT_ID as ID, NEW_EXPORT as start } from "../support/records.ts";

/** A journal in memory holding one export walked to `state` by the happy path. */
function journalAt(state: "ready" | "staged" | "delivered" | "imported" | "acknowledged") {
  const journal = new Journal(":memory:");
  journal.begin(start);
  for (const next of ["ready", "staged", "delivered", "imported", "acknowledged"] as const) {
    journal.setState(ID, next);
    if (next === state) break;
  }
  return journal;
}

Deno.test("an export walks the happy path to archived, and the error path to reported", () => {
  const journal = journalAt("acknowledged");
  assert.equal(journal.setState(ID, "archived").state, "archived");
  assert.equal(journal.get(ID)!.state, "archived");
  journal.close();
  const failing = new Journal(":memory:");
  failing.begin(start);
  failing.setState(ID, "failed", { error: "refusé", errorStage: "check" });
  assert.equal(failing.setState(ID, "reported").state, "reported");
  assert.equal(failing.retry(ID, []).state, "downloading", "a retry asked in Saxium starts over");
  failing.close();
});

Deno.test("once Batigest may have the document, nothing moves it back towards delivery", () => {
  for (const state of ["delivered", "imported", "acknowledged"] as const) {
    const journal = journalAt(state);
    for (const back of ["downloading", "ready", "staged"] as const) {
      assert.throws(() => journal.setState(ID, back), JournalError, `${state} → ${back}`);
      assert.equal(journal.get(ID)!.state, state, "the refused move changed nothing");
    }
    journal.close();
  }
});

Deno.test("a staged document is published, or replaced before it is: it never goes back", () => {
  const journal = journalAt("staged");
  for (const back of ["downloading", "ready"] as const) {
    assert.throws(() => journal.setState(ID, back), JournalError);
  }
  assert.equal(journal.setState(ID, "failed", { error: "remplacé" }).state, "failed");
  journal.close();
});

Deno.test("archived and reported are final: no step is left, nothing moves them", () => {
  const journal = journalAt("acknowledged");
  journal.setState(ID, "archived");
  assert.deepEqual(journal.inStates(UNFINISHED_STATES), [], "nothing left to do");
  for (const to of EXPORT_STATES) assert.throws(() => journal.setState(ID, to), JournalError);
  journal.close();
});

Deno.test("a journal written before « imported » had its name reads it as imported, and is upgraded", async () => {
  const dir = await Deno.makeTempDir();
  const path = nodePath.join(dir, "journal.db");
  try {
    const journal = new Journal(path);
    journal.begin(start);
    journal.close();
    const old = new DatabaseSync(path);
    old.exec(`UPDATE exports SET state = 'consumed' WHERE id = '${ID}'`);
    old.close();
    const reader = new Journal(path, { readOnly: true });
    assert.equal(reader.get(ID)!.state, "imported", "a reader sees the new word");
    assert.equal(reader.countByState().imported, 1);
    reader.close();
    const writer = new Journal(path);
    assert.deepEqual(writer.inStates(["imported"]).map((r) => r.id), [ID], "upgraded in place");
    assert.equal(writer.setState(ID, "acknowledged").state, "acknowledged");
    writer.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("states survive closing and reopening the database", async () => {
  const dir = await Deno.makeTempDir();
  const path = nodePath.join(dir, "journal.db");
  try {
    const journal = new Journal(path);
    journal.begin(start);
    journal.setState(ID, "ready");
    journal.setState(ID, "staged", { files: [{ format: "xml", importName: "DV-1.xml" }] });
    await journal.flush(ID);
    journal.setState(ID, "delivered");
    await journal.flush(ID); // the log file is opened once, flushed as often as needed
    journal.close();
    const again = new Journal(path);
    const record = again.get(ID)!;
    assert.equal(record.state, "delivered");
    assert.deepEqual(record.files, [{ format: "xml", importName: "DV-1.xml" }]);
    assert.ok(record.deliveredAt, "the delivery time is kept for the timeout");
    assert.equal(again.countByState().delivered, 1);
    assert.deepEqual(again.inStates(["delivered"]).map((r) => r.id), [ID]);
    again.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a journal in memory has nothing to flush", async () => {
  const journal = new Journal(":memory:");
  journal.begin(start);
  await journal.flush(ID);
  assert.equal(journal.get(ID)!.state, "downloading");
  journal.close();
});

Deno.test("a refused move throws and leaves the state unchanged", () => {
  const journal = new Journal(":memory:");
  journal.begin(start);
  assert.throws(() => journal.setState(ID, "delivered"), JournalError);
  assert.equal(journal.get(ID)!.state, "downloading");
  assert.throws(() => journal.setState("unknown", "ready"), JournalError);
  journal.close();
});

Deno.test("errors are kept with their stage; a retry clears them and counts the attempt", () => {
  const journal = new Journal(":memory:");
  journal.begin(start);
  journal.setState(ID, "failed", { error: "Le total ne correspond pas", errorStage: "check" });
  const failed = journal.setState(ID, "reported");
  assert.equal(failed.error, "Le total ne correspond pas");
  assert.equal(failed.errorStage, "check");
  const retried = journal.retry(ID, start.files);
  assert.equal(retried.state, "downloading");
  assert.equal(retried.error, undefined);
  assert.equal(retried.attempts, 2);
  journal.close();
});
