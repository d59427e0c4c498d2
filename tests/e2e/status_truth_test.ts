/**
 * `status` tells the truth about the runs of `sync`, as an administrator
 * reads it on the server: while a pass runs (Batigest slow), after the agent
 * was killed mid-pass (a reboot), once the next run resumed, and after a run
 * that ended with code 2. The agent is the real subprocess under its
 * permission set, `schtasks.exe` a fake on PATH that answers like Windows;
 * the minutes that make a silent run an interrupted one pass under
 * `faketime` for `status` alone.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  type AgentRun,
  PROJECT_ROOT,
  runAgent,
  type RunOptions,
  spawnAgent,
  withWorld,
  type World,
} from "../support/agent_process.ts";
import { addQuotes, numbered } from "../support/documents.ts";
import { faketimeMissing, runAgentAt } from "../support/faketime.ts";

/** A fake `schtasks.exe` answering a query as Windows does, its last result 0. */
async function fakeSchtasks(world: World): Promise<RunOptions> {
  const bin = nodePath.join(world.root, "bin");
  await Deno.mkdir(bin);
  const [header, row] = (await Deno.readTextFile(
    nodePath.join(PROJECT_ROOT, "tests", "fixtures", "schtasks-query-en.csv"),
  )).trim().split(/\r?\n/);
  const cells = row.split('","');
  cells[6] = "0";
  const csv = nodePath.join(bin, "query.csv");
  await Deno.writeTextFile(csv, `${header}\r\n${cells.join('","')}\r\n`);
  const path = nodePath.join(bin, "schtasks.exe");
  await Deno.writeTextFile(path, `#!/bin/sh\ncat '${csv}'\n`);
  await Deno.chmod(path, 0o755);
  return {
    schtasks: "schtasks.exe",
    env: { PATH: `${bin}${nodePath.delimiter}${Deno.env.get("PATH") ?? ""}` },
  };
}

/** The latest run as the journal has it (read-only), once it has done at least `done` exports. */
async function runReached(world: World, done: number): Promise<void> {
  const path = nodePath.join(world.workDir, "State", "journal.db");
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        const row = db.prepare("SELECT done FROM runs ORDER BY id DESC LIMIT 1").get() as
          | { done: number }
          | undefined;
        if (row && row.done >= done) return;
      } finally {
        db.close();
      }
    } catch {
      // not created yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the run never reached ${done} exports done`);
}

const text = (run: AgentRun) => run.stdout + run.stderr;

Deno.test({
  name: "status during a pass, after the agent is killed mid-pass, and once the next run resumed",
  ignore: faketimeMissing("status after a kill"),
  async fn() {
    // Batigest takes 1.2 s a document: the pass lasts long enough to be read while it runs.
    await withWorld({ consumeDelayMs: 1_200 }, async (world) => {
      const options = await fakeSchtasks(world);
      addQuotes(world.saxium, numbered("DV-LONG", 12));
      const agent = spawnAgent(world, ["sync", "--once"], options);
      let during: AgentRun;
      try {
        await runReached(world, 2);
        during = await runAgent(world, ["status"], options);
        assert.match(
          during.stdout,
          /^Passe en cours +: en cours depuis \d\d:\d\d, \d+ exports traités sur 12$/m,
          text(during),
        );
        assert.match(during.stdout, /^Dernière passe +: aucune avant celle-ci$/m);
        assert.equal(during.code, 0, text(during));
        const json = JSON.parse((await runAgent(world, ["status", "--json"], options)).stdout);
        assert.equal(json.running.finishedAt, undefined);
        assert.ok(json.running.done >= 2 && json.running.known === 12, JSON.stringify(json));
      } finally {
        agent.kill("SIGKILL");
        await agent.status;
        await agent.stdout.cancel();
        await agent.stderr.cancel();
      }

      // Two minutes later, without a sign of life: interrupted, not "code 0 : OK".
      const after = await runAgentAt(world, "+120", ["status"], options);
      assert.equal(after.code, 1, text(after));
      assert.match(
        after.stdout,
        /^Dernière passe +: interrompue \(arrêt brutal, redémarrage \?\) le \d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d, commencée à \d\d:\d\d, \d+ exports? traités? sur 12 ; la suivante reprendra$/m,
      );
      assert.doesNotMatch(after.stdout, /Passe en cours/);
      assert.match(
        after.stdout,
        /À faire :\n {2}- La dernière passe a été interrompue .* rien n'est perdu/,
      );

      const next = await runAgent(world, ["sync", "--once"], options);
      assert.equal(next.code, 0, text(next));
      const resumed = await runAgent(world, ["status"], options);
      assert.match(
        resumed.stdout,
        /^Dernière passe +: \d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d \(à l'instant\), code 0 : OK ; \d+ synchronisés?, 0 en erreur.* ; elle a repris la passe interrompue le \d\d\/\d\d\/\d{4}/m,
        text(resumed),
      );
      assert.equal(resumed.code, 0, text(resumed));
    });
  },
});

Deno.test("status after a run that ended with code 2 shows that run and its cause, not the earlier OK", async () => {
  await withWorld({}, async (world) => {
    const options = await fakeSchtasks(world);
    addQuotes(world.saxium, numbered("DV-AVANT", 1));
    const ok = await runAgent(world, ["sync", "--once"], options);
    assert.equal(ok.code, 0, text(ok));
    assert.equal((await runAgent(world, ["status"], options)).code, 0);

    await Deno.rename(world.importDir, `${world.importDir}.ancien`);
    const failed = await runAgent(world, ["sync", "--once"], options);
    assert.equal(failed.code, 2, text(failed));
    const status = await runAgent(world, ["status"], options);
    assert.equal(status.code, 1, text(status));
    assert.match(
      status.stdout,
      /^Dernière passe +: \d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d \(à l'instant\), code 2 : problème de configuration, de permission ou de dossier/m,
    );
    assert.match(
      status.stdout,
      /^ {20}cause : Le dossier d'import de Batigest .* est introuvable/m,
    );
    assert.match(
      status.stdout,
      /- La dernière passe \(.*\) a fini avec le code 2 : .* \(cause ci-dessus\)\. Corrigez ce que dit la cause/,
    );
    assert.doesNotMatch(status.stdout, /code 0 : OK/);
    const json = JSON.parse((await runAgent(world, ["status", "--json"], options)).stdout);
    assert.equal(json.lastRun.outcome, "finished");
    assert.equal(json.lastRun.exitCode, 2);
    assert.match(json.lastRun.message, /introuvable/);
  });
});
