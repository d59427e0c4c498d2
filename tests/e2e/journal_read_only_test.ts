/**
 * `history`, `status` and `doctor` only read the journal: an empty
 * `State\journal.db` stays 0 bytes, another program's SQLite file gets no
 * table of the agent's, and each says so in one French line. They used to
 * open it read-write and create the agent's schema in it.
 *
 * @module
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { DatabaseSync } from "node:sqlite";
import { runAgent, withWorld } from "../support/agent_process.ts";
import { quoteXml } from "../support/documents.ts";

const COMMANDS = [["history"], ["status"], ["doctor"]];

Deno.test("read-only commands never change an empty journal file", async () => {
  await withWorld({}, async (world) => {
    const state = nodePath.join(world.workDir, "State");
    await Deno.mkdir(state, { recursive: true });
    const path = nodePath.join(state, "journal.db");
    await Deno.writeFile(path, new Uint8Array());
    const said: Record<string, string> = {};
    for (const args of COMMANDS) {
      const run = await runAgent(world, args);
      assert.notEqual(run.code, 6, run.stderr);
      said[args[0]] = run.stdout + run.stderr;
      assert.equal((await Deno.stat(path)).size, 0, `${args[0]} wrote the journal`);
    }
    assert.deepEqual([...Deno.readDirSync(state)].map((e) => e.name), ["journal.db"]);
    assert.match(said.history, /Aucun export synchronisé ni refusé/);
    assert.match(said.status, /est un fichier vide : lancez sync --once, qui le remplira/);
    assert.match(said.doctor, /journal\.db est un fichier vide/);
  });
});

Deno.test("read-only commands leave another program's database as it is", async () => {
  await withWorld({}, async (world) => {
    const state = nodePath.join(world.workDir, "State");
    await Deno.mkdir(state, { recursive: true });
    const path = nodePath.join(state, "journal.db");
    const other = new DatabaseSync(path);
    other.exec("CREATE TABLE clients (nom TEXT); INSERT INTO clients VALUES ('Dupont')");
    other.close();
    const before = await Deno.readFile(path);
    for (const args of COMMANDS) {
      const run = await runAgent(world, args);
      const said = run.stdout + run.stderr;
      assert.match(said, /n'est pas le journal de l'agent/, args[0]);
      assert.ok(run.code === 1 || run.code === 2, `${args[0]}: ${run.code} ${run.stderr}`);
      assert.deepEqual(await Deno.readFile(path), before, `${args[0]} changed the file`);
    }
    const check = new DatabaseSync(path, { readOnly: true });
    const tables = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    check.close();
    assert.deepEqual(tables.map((t) => t.name), ["clients"]);
  });
});

Deno.test("after a real pass, status and history read the journal read-only", async () => {
  await withWorld({}, async (world) => {
    world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-RO",
      files: { xml: quoteXml("DV-RO") },
    });
    const sync = await runAgent(world, ["sync", "--once"]);
    assert.equal(sync.code, 0, sync.stderr);
    const history = await runAgent(world, ["history"]);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /DV-RO/);
    const status = await runAgent(world, ["status", "--json"]);
    assert.equal(JSON.parse(status.stdout).lastRun.exitCode, 0, status.stderr);
  });
});
