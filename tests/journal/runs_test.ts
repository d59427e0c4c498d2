/**
 * The runs of `sync` in the journal: written when they begin, kept alive with
 * their progress, finished with their exit code and cause; a journal whose
 * runs were written only once finished is upgraded, and read as it is by a
 * reader that may not upgrade it.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Journal } from "../../lib/journal/journal.ts";
import { LiveRun, runIsAlive, STALE_MS } from "../../lib/journal/runs.ts";

Deno.test("a run is written when it begins, moves with its progress, and ends with its code and cause", () => {
  let clock = new Date("2026-12-05T13:05:00Z");
  const journal = new Journal(":memory:", { now: () => clock });
  try {
    const runs = journal.runs;
    const id = runs.begin();
    let [run] = runs.recent();
    assert.equal(run.id, id);
    assert.equal(run.startedAt, "2026-12-05T13:05:00.000Z");
    assert.equal(run.finishedAt, undefined);
    assert.equal(run.exitCode, undefined);
    assert.ok(runIsAlive(run, clock));

    clock = new Date("2026-12-05T13:05:05Z");
    runs.alive(id, { done: 12, known: 40 });
    clock = new Date("2026-12-05T13:05:10Z");
    runs.alive(id, { done: 12, known: 41 });
    [run] = runs.recent();
    assert.deepEqual([run.done, run.known, run.aliveAt, run.progressAt], [
      12,
      41,
      "2026-12-05T13:05:10.000Z",
      "2026-12-05T13:05:05.000Z", // when `done` last grew
    ]);
    assert.ok(!runIsAlive(run, new Date(clock.getTime() + STALE_MS)), "silent for a minute");
    assert.equal(runs.lastFinished(), undefined);

    clock = new Date("2026-12-05T13:06:00Z");
    runs.finish(id, { exitCode: 2, summary: { synced: 0, errors: 0 }, message: "Dossier parti." });
    [run] = runs.recent();
    assert.equal(run.finishedAt, "2026-12-05T13:06:00.000Z");
    assert.equal(run.exitCode, 2);
    assert.equal(run.message, "Dossier parti.");
    assert.equal(run.done, 12, "the progress stays");
    assert.ok(!runIsAlive(run, clock), "finished is never alive");
    assert.equal(runs.lastFinished()?.id, id);
    runs.alive(id, { done: 99, known: 99 });
    assert.equal(runs.recent()[0].done, 12, "a finished run takes no more signs of life");
  } finally {
    journal.close();
  }
});

Deno.test("a live run gives signs of life with its latest progress, a few seconds apart, and stops once finished", async () => {
  const journal = new Journal(":memory:");
  try {
    const live = new LiveRun(journal.runs, { heartbeatMs: 20 });
    for (let done = 1; done <= 50; done++) live.progress({ done, known: 80 });
    await new Promise((r) => setTimeout(r, 80));
    const [running] = journal.runs.recent();
    assert.deepEqual([running.done, running.known], [50, 80]);
    live.finish({ exitCode: 0, summary: { synced: 50, errors: 0 } });
    live.finish({ exitCode: 6, summary: {} }); // once only
    const [done] = journal.runs.recent();
    assert.equal(done.exitCode, 0);
    const alive = done.aliveAt;
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(journal.runs.recent()[0].aliveAt, alive, "no sign of life after its end");
  } finally {
    journal.close();
  }
});

Deno.test("a live run disposed of without finishing stays unfinished: status reads it as interrupted", () => {
  const journal = new Journal(":memory:");
  try {
    {
      using _live = new LiveRun(journal.runs);
    }
    const [run] = journal.runs.recent();
    assert.equal(run.finishedAt, undefined);
    assert.equal(run.exitCode, undefined);
  } finally {
    journal.close();
  }
});

Deno.test("runs written only once finished: upgraded with their rows, read as they are by a reader", async () => {
  const dir = await Deno.makeTempDir({ prefix: "runs_test_" });
  try {
    const path = nodePath.join(dir, "journal.db");
    const old = new DatabaseSync(path);
    old.exec(
      `CREATE TABLE exports (id TEXT PRIMARY KEY, reference TEXT NOT NULL, document_type TEXT NOT NULL,
       base_name TEXT NOT NULL, state TEXT NOT NULL, files TEXT NOT NULL, error TEXT, error_stage TEXT,
       attempts INTEGER NOT NULL DEFAULT 1, delivered_at TEXT, created_at TEXT NOT NULL,
       updated_at TEXT NOT NULL);
       CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL,
       finished_at TEXT NOT NULL, exit_code INTEGER NOT NULL, summary TEXT NOT NULL, message TEXT);
       INSERT INTO runs (started_at, finished_at, exit_code, summary, message) VALUES
       ('2026-12-01T08:00:00.000Z', '2026-12-01T08:00:09.000Z', 0, '{"synced":21,"errors":0}', NULL);`,
    );
    old.close();

    const reader = new Journal(path, { readOnly: true });
    const [before] = reader.runs.recent();
    assert.equal(before.exitCode, 0);
    assert.equal(before.aliveAt, "2026-12-01T08:00:09.000Z");
    assert.equal(before.summary.synced, 21);
    reader.close();

    const writer = new Journal(path);
    const id = writer.runs.begin();
    const [latest, first] = writer.runs.recent();
    assert.equal(latest.id, id);
    assert.equal(latest.finishedAt, undefined);
    assert.equal(first.finishedAt, "2026-12-01T08:00:09.000Z");
    assert.equal(first.aliveAt, "2026-12-01T08:00:09.000Z");
    writer.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
