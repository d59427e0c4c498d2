import assert from "node:assert/strict";
import nodePath from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Journal } from "../../lib/journal/journal.ts";
import { readSmallState } from "../../lib/journal/read_only.ts";

async function withState(
  test: (state: string, path: string) => void | Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "small-state-" });
  try {
    await test(dir, nodePath.join(dir, "journal.db"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a small value kept in the journal survives closing and reopening it", async () => {
  await withState((state, path) => {
    const journal = new Journal(path);
    journal.smallState().set("batigest", '{"lastImportAt":"2026-12-01T08:00:00.000Z"}');
    journal.smallState().set("batigest", '{"lastImportAt":"2026-12-02T08:00:00.000Z"}');
    journal.close();
    assert.equal(
      readSmallState({ state }, "batigest", { journalPath: path }),
      '{"lastImportAt":"2026-12-02T08:00:00.000Z"}',
      "the last value, as a reader finds it",
    );
    assert.equal(readSmallState({ state }, "alerts", { journalPath: path }), undefined);
  });
});

Deno.test("the files of an earlier version are taken into the journal once, then removed", async () => {
  await withState(async (state, path) => {
    await Deno.writeTextFile(nodePath.join(state, "batigest.json"), '{"folderMark":"m"}');
    await Deno.writeTextFile(nodePath.join(state, "notify.json"), '{"failing":true}');
    // One id a line, a line break inside an id escaped as in JSON.
    await Deno.writeTextFile(nodePath.join(state, "skipped-ids.txt"), "not-a-uuid\nbad\\nid\n");
    assert.equal(
      readSmallState({ state }, "batigest", { journalPath: path }),
      '{"folderMark":"m"}',
      "before any run, a reader finds the old file",
    );

    const journal = new Journal(path);
    assert.deepEqual(journal.adoptLegacyState({ state }).sort(), [
      "batigest.json",
      "notify.json",
      "skipped-ids.txt",
    ]);
    const store = journal.smallState();
    assert.equal(store.get("batigest"), '{"folderMark":"m"}');
    assert.equal(store.get("alerts"), '{"failing":true}');
    assert.deepEqual(JSON.parse(store.get("skipped-ids")!), ["not-a-uuid", "bad\nid"]);
    assert.deepEqual(journal.adoptLegacyState({ state }), [], "nothing left to take");
    journal.close();
    const left = [...Deno.readDirSync(state)].map((e) => e.name).filter((n) => !/^journal/.test(n));
    assert.deepEqual(left, [], "the old files are gone");
  });
});

Deno.test("a value already in the journal wins over an old file found again", async () => {
  await withState(async (state, path) => {
    const journal = new Journal(path);
    journal.smallState().set("batigest", '{"folderMark":"new"}');
    await Deno.writeTextFile(nodePath.join(state, "batigest.json"), '{"folderMark":"old"}');
    journal.adoptLegacyState({ state });
    assert.equal(journal.smallState().get("batigest"), '{"folderMark":"new"}');
    journal.close();
  });
});

Deno.test("a reader of a journal no run has upgraded yet reads the old files, and writes nothing", async () => {
  await withState(async (state, path) => {
    const old = new DatabaseSync(path);
    old.exec(
      "CREATE TABLE exports (id TEXT PRIMARY KEY, reference TEXT, document_type TEXT, base_name TEXT, state TEXT, files TEXT, created_at TEXT, updated_at TEXT)",
    );
    old.close();
    await Deno.writeTextFile(nodePath.join(state, "batigest.json"), '{"folderMark":"m"}');
    const before = await Deno.readFile(path);
    assert.equal(
      readSmallState({ state }, "batigest", { journalPath: path }),
      '{"folderMark":"m"}',
    );
    assert.deepEqual(await Deno.readFile(path), before, "the journal is not touched");
  });
});
