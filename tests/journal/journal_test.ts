import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  canMove,
  EXPORT_STATES,
  isFinal,
  Journal,
  JournalError,
} from "../../lib/journal/journal.ts";

import { EXPORT_ID as ID, NEW_EXPORT as start } from "../support/records.ts";

Deno.test("the happy path and the error path are the only moves allowed", () => {
  const happy = [
    "downloading",
    "ready",
    "staged",
    "delivered",
    "consumed",
    "acknowledged",
    "archived",
  ];
  for (let i = 0; i + 1 < happy.length; i++) {
    assert.ok(canMove(happy[i] as never, happy[i + 1] as never), `${happy[i]} → ${happy[i + 1]}`);
  }
  for (const from of ["downloading", "ready", "delivered"] as const) {
    assert.ok(canMove(from, "failed"));
  }
  assert.ok(canMove("failed", "reported"));
  assert.ok(canMove("reported", "downloading"), "a retry asked in Saxium starts over");
  // Nothing ever goes back towards delivery once Batigest may have the document.
  for (const from of ["delivered", "consumed", "acknowledged", "archived"] as const) {
    for (const to of ["downloading", "ready", "staged"] as const) assert.ok(!canMove(from, to));
  }
  assert.ok(!canMove("staged", "failed"), "a staged file is published, then judged");
  assert.deepEqual(EXPORT_STATES.filter(isFinal), ["archived", "reported"]);
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
