/**
 * The switch from the old PowerShell script, end to end: the real agent as a
 * subprocess under the executable's permission set, a fake Task Scheduler
 * (`tests/support/fake_windows.ts`) holding the old script's task. Two
 * programs taking the same pending list import every document twice: the
 * agent refuses to run beside the old script before any request to Saxium,
 * `install-task` replaces it in one command, and what it left stays where it
 * is, never taken for the agent's own.
 *
 * @module
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { localDate } from "../../lib/base/log.ts";
import { quoteXml } from "../support/documents.ts";
import {
  listFiles,
  runAgent,
  unsupportedHere,
  withWorld,
  type World,
} from "../support/agent_process.ts";
import { fakeWindows, oldScriptRun, oldScriptTaskXml } from "../support/fake_windows.ts";

const SH = {
  runsOn: ["linux", "darwin"] as const,
  reason: "the fake schtasks.exe is a /bin/sh script",
};

async function oldScriptRanAt(world: World, at: Date, reference = "DV-1730000000001") {
  const logs = nodePath.join(world.workDir, "Logs");
  await Deno.mkdir(logs, { recursive: true });
  await Deno.writeFile(
    nodePath.join(logs, `sync-${localDate(at)}.log`),
    oldScriptRun(at, reference),
    {
      append: true,
    },
  );
}

function addQuote(world: World, reference: string) {
  return world.saxium.addExport({
    documentType: "devis_client",
    documentReference: reference,
    files: { xml: quoteXml(reference) },
  });
}

Deno.test("the old script's fresh log lines: sync exits 2 before any request to Saxium", async () => {
  await withWorld({}, async (world) => {
    addQuote(world, "DV-1730000000007");
    // Ten minutes ago, but today (tail-logs reads today's log): just after midnight, at 00:00:01.
    const midnight = new Date();
    midnight.setHours(0, 0, 1, 0);
    const at = new Date(
      Math.max(Date.now() - 10 * 60_000, Math.min(midnight.getTime(), Date.now())),
    );
    await oldScriptRanAt(world, at);
    const downloads = nodePath.join(world.workDir, "Downloads");
    await Deno.mkdir(downloads, { recursive: true });
    await Deno.writeTextFile(nodePath.join(downloads, "DV-1730000000001.xml"), "<Devis/>");

    const run = await runAgent(world, ["sync", "--once"]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(world.saxium.requests.length, 0, "no request to Saxium");
    assert.equal(run.stdout, "");
    const lines = run.stderr.trim().split("\n");
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0],
      /\[ERROR\] L'ancien script PowerShell \(batigest-sync-agent\.ps1\) a tourné dans ce dossier le \d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d \(Logs\\sync-\d{4}-\d\d-\d\d\.log\) : rien n'a été fait, pour ne pas importer deux fois les mêmes documents ; dans une invite de commandes administrateur, lancez « saxium-batigest-agent\.exe install-task » : il remplace l'ancienne tâche par celle de l'agent\.$/,
    );
    assert.deepEqual(await listFiles(world.importDir), []);
    assert.deepEqual(
      (await listFiles(world.workDir)).filter((f) => f.startsWith("Downloads/")),
      ["Downloads/DV-1730000000001.xml"],
      "its download is left where it is",
    );

    // Its lines read back as they were written (ANSI), beside the agent's; status is not thrown.
    const tail = await runAgent(world, ["tail-logs", "-n", "40"]);
    assert.equal(tail.code, 0, tail.stderr);
    assert.match(tail.stdout, /\[INFO\] DÉMARRAGE AGENT BATIGEST v1\.0\.0\n/);
    assert.match(tail.stdout, /\[INFO\] SYNCHRONISATION TERMINÉE\n/);
    assert.match(tail.stdout, /\[ERROR\] L'ancien script PowerShell/);
    const status = await runAgent(world, ["status"]);
    assert.ok([0, 1].includes(status.code), status.stdout + status.stderr);
    assert.doesNotMatch(status.stdout + status.stderr, /inattendue|\ufffd/);
  });
});

Deno.test("the old script's lines of two days ago are history: sync works", async () => {
  await withWorld({}, async (world) => {
    addQuote(world, "DV-1730000000008");
    await oldScriptRanAt(world, new Date(Date.now() - 49 * 3600_000));
    const run = await runAgent(world, ["sync", "--once"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(world.batigest.ledger.length, 1);
  });
});

Deno.test({
  name:
    "the old task is still scheduled: sync exits 2; install-task saves and replaces it; then sync works",
  ignore: unsupportedHere({ name: "install-task replaces the old task", ...SH }),
}, async () => {
  const windows = await fakeWindows();
  try {
    await withWorld({}, async (world) => {
      await windows.addTask("Saxium Batigest Sync", oldScriptTaskXml());
      await oldScriptRanAt(world, new Date(Date.now() - 3 * 60_000));
      const downloads = nodePath.join(world.workDir, "Downloads");
      await Deno.mkdir(downloads, { recursive: true });
      await Deno.writeTextFile(nodePath.join(downloads, "DV-1730000000005.xml"), "<Devis/>");
      addQuote(world, "DV-1730000000009");
      const options = { schtasks: "schtasks.exe", env: windows.env };
      const refused = await runAgent(world, ["sync", "--once"], options);
      assert.equal(refused.code, 2, refused.stderr);
      assert.equal(world.saxium.requests.length, 0);
      assert.match(
        refused.stderr,
        /L'ancien script PowerShell \(batigest-sync-agent\.ps1\) est encore planifié \(tâche « Saxium Batigest Sync »\) : rien n'a été fait/,
      );

      const install = await runAgent(world, ["install-task"], options);
      assert.equal(install.code, 0, install.stderr);
      const out = install.stdout.trim().split("\n");
      assert.match(
        out[0],
        /^Ancienne tâche « Saxium Batigest Sync » \(batigest-sync-agent\.ps1\) sauvegardée dans .*ancienne-tache-\d{4}-\d\d-\d\d-\d{6}\.xml, puis remplacée par celle de l'agent\.$/,
      );
      assert.match(out[1], /^Tâche planifiée « Saxium Batigest Sync » installée/);
      assert.match(
        out[2],
        /^Un fichier laissé par l'ancien script \(Downloads\\DV-1730000000005\.xml\) reste en place : l'agent n'y touche jamais/,
      );
      console.log([refused.stderr, install.stdout].join("\n"));
      const saved = (await listFiles(world.workDir)).filter((f) => f.startsWith("ancienne-tache-"));
      assert.equal(saved.length, 1);
      const bytes = await Deno.readFile(nodePath.join(world.workDir, saved[0]));
      assert.deepEqual(
        [...bytes.slice(0, 2)],
        [0xff, 0xfe],
        "UTF-16, as Task Scheduler imports it",
      );
      assert.match(new TextDecoder("utf-16le").decode(bytes.slice(2)), /batigest-sync-agent\.ps1/);
      const tasks = await windows.tasks();
      assert.deepEqual(Object.keys(tasks), ["Saxium Batigest Sync"]);
      assert.match(tasks["Saxium Batigest Sync"], /sync --once/);
      assert.doesNotMatch(tasks["Saxium Batigest Sync"], /batigest-sync-agent\.ps1/);

      const sync = await runAgent(world, ["sync", "--once"], options);
      assert.equal(sync.code, 0, sync.stderr);
      assert.equal(world.batigest.ledger.length, 1);
      assert.ok(
        (await listFiles(world.workDir)).includes("Downloads/DV-1730000000005.xml"),
        "the old script's download is never taken for the agent's own",
      );
      console.log(sync.stdout);
    });
  } finally {
    await windows.close();
  }
});
