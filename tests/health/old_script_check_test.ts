/**
 * `doctor`'s check of the old PowerShell script: ERROR while it runs beside
 * the agent, WARNING for what it left, OK for its history or nothing, and
 * its probe against a real work folder and a fake Task Scheduler.
 *
 * @module
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { workFolders } from "../../lib/base/work_folders.ts";
import { checkOldScript, probeOldScript } from "../../lib/health/old_script_check.ts";
import type { OldScriptFacts } from "../../lib/windows/old_script.ts";
import { oldScriptRun, oldScriptTaskXml } from "../support/fake_windows.ts";

const NOW = new Date(2026, 11, 5, 14, 0, 0);
const at = (h: number, m = 0) => new Date(2026, 11, 5, h, m, 0);
const check = (facts: Partial<OldScriptFacts>, tasksUnknown?: string) =>
  checkOldScript({ facts: { files: [], ...facts }, tasksUnknown }, NOW);

Deno.test("doctor: the old script still scheduled or running here is an ERROR with the one fix", () => {
  const scheduled = check({ tasks: [{ name: "Saxium Batigest Sync", enabled: true, xml: "" }] });
  assert.equal(scheduled.status, "ERROR");
  assert.equal(
    scheduled.detail,
    "L'ancien script PowerShell (batigest-sync-agent.ps1) est encore planifié (tâche « Saxium Batigest Sync ») : il importerait les mêmes documents que l'agent",
  );
  assert.equal(
    scheduled.fix,
    "Dans une invite de commandes administrateur, lancez « saxium-batigest-agent.exe install-task » : il remplace l'ancienne tâche par celle de l'agent.",
  );
  const ran = check({
    runs: {
      file: "/w/Logs/sync-2026-12-05.log",
      lastStart: at(13, 55),
      lastLine: at(13, 56),
      ended: true,
    },
  });
  assert.equal(ran.status, "ERROR");
  assert.match(
    ran.detail,
    /a tourné dans ce dossier le 05\/12\/2026 13:55:00 \(Logs\\sync-2026-12-05\.log\)/,
  );
});

Deno.test("doctor: what it left is a WARNING saying what to do; its log lines alone are history", () => {
  const left = check({
    tasks: [{ name: "Ancienne synchro", enabled: false, xml: "" }],
    files: [{ folder: "Downloads", name: "DV-1.xml", path: "", modified: at(8) }],
    replacedAt: at(10),
  });
  assert.equal(left.status, "WARNING");
  assert.equal(
    left.detail,
    "restes de batigest-sync-agent.ps1 (remplacé par l'agent le 05/12/2026 10:00:00) : tâche « Ancienne synchro » (désactivée) ; 1 fichier à son nom dans le dossier de travail (Downloads\\DV-1.xml)",
  );
  assert.match(
    left.fix!,
    /install-task » la sauvegarde puis la supprime\. L'agent ne touche jamais/,
  );
  const history = check({
    runs: {
      file: "/w/Logs/sync-2026-12-05.log",
      lastStart: at(9),
      lastLine: at(9, 1),
      ended: true,
    },
    replacedAt: at(10),
  });
  assert.equal(history.status, "OK");
  assert.match(
    history.detail,
    /^remplacé par l'agent le 05\/12\/2026 10:00:00 ; ses lignes restent/,
  );
  const none = check({ tasks: [] });
  assert.deepEqual([none.status, none.detail], ["OK", "aucune trace de batigest-sync-agent.ps1"]);
  assert.match(check({}, "schtasks.exe introuvable").detail, /tâches planifiées non vérifiées$/);
});

Deno.test("doctor's probe: the old task under any name, its lines, its files; the agent's ignored", async () => {
  const root = await Deno.makeTempDir({ prefix: "old_script_check_" });
  try {
    const folders = workFolders({ workDir: nodePath.join(root, "work"), batigestImportDir: root });
    await Deno.mkdir(folders.logs, { recursive: true });
    await Deno.mkdir(folders.downloads, { recursive: true });
    const now = new Date();
    const day = (d: Date) =>
      `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${
        String(d.getDate()).padStart(2, "0")
      }`;
    await Deno.writeFile(
      nodePath.join(folders.logs, `sync-${day(now)}.log`),
      oldScriptRun(new Date(now.getTime() - 60_000)),
    );
    await Deno.writeTextFile(nodePath.join(folders.downloads, "BC-9.xml"), "<Commande/>");
    await Deno.writeTextFile(
      nodePath.join(folders.downloads, "61e69d9b-1c2d-4e5f-8a9b-0c1d2e3f4a5b.xml.part"),
      "",
    );
    const listing =
      `<?xml version="1.0" encoding="UTF-16"?>\r\n<Tasks>\r\n  <!-- \\Synchro Batigest -->\r\n${
        oldScriptTaskXml({ enabled: false }).replace(/^<\?xml[^\n]*\n/, "")
      }</Tasks>\r\n`;
    const calls: string[][] = [];
    const probe = await probeOldScript((_, args) => {
      calls.push(args);
      return Promise.resolve({ code: 0, stdout: listing, stderr: "" });
    }, { folders, now, taskName: "Saxium Batigest Sync" });
    assert.deepEqual(calls, [["/Query", "/XML", "ONE"]]);
    assert.deepEqual(probe.facts.tasks?.map((t) => [t.name, t.enabled]), [[
      "Synchro Batigest",
      false,
    ]]);
    assert.deepEqual(probe.facts.files.map((f) => `${f.folder}/${f.name}`), ["Downloads/BC-9.xml"]);
    assert.equal(probe.facts.runs?.ended, true);
    const result = checkOldScript(probe, now);
    assert.equal(result.status, "ERROR", "a run a minute ago, never replaced");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
