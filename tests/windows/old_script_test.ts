/**
 * Recognising the old PowerShell script from its task, its log lines and
 * its files, and judging when it runs beside the agent (pure parts).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  isOldScriptDocument,
  isOldScriptErrorFile,
  judgeOldScript,
  oldLineKind,
  oldScriptExec,
  type OldScriptFacts,
  type OldTask,
  oldTaskBackupName,
  readOldRuns,
  readTaskFacts,
  refusalLine,
  splitTaskList,
} from "../../lib/windows/old_script.ts";
import { taskXml } from "../../lib/windows/task_definition.ts";
import { formatDateTime } from "../../lib/base/french.ts";
import { oldScriptTaskXml } from "../support/fake_windows.ts";

const AGENT_TASK = taskXml({
  command: "C:\\SaxiumBatigest\\saxium-batigest-agent.exe",
  arguments: "sync --once --work-dir C:\\SaxiumBatigest",
  workingDirectory: "C:\\SaxiumBatigest",
  everyMinutes: 5,
  startBoundary: "2026-12-05T14:00:00",
});

Deno.test("the old script's task is known by what it runs, whatever the path, case or name", () => {
  const old = readTaskFacts(oldScriptTaskXml());
  assert.equal(old.enabled, true);
  assert.equal(oldScriptExec(old)?.command.endsWith("powershell.exe"), true);
  assert.equal(readTaskFacts(oldScriptTaskXml({ enabled: false })).enabled, false);
  const upper = oldScriptTaskXml().replace(
    /<Arguments>.*<\/Arguments>/,
    "<Arguments>-NoProfile -File &quot;D:\\Scripts\\BATIGEST-SYNC-AGENT.PS1&quot;</Arguments>",
  ).replace(/<Command>.*<\/Command>/, "<Command>POWERSHELL</Command>");
  assert.ok(oldScriptExec(readTaskFacts(upper)));
  // The agent's own task, of the same default name, is not the old script's.
  const agent = readTaskFacts(AGENT_TASK);
  assert.equal(agent.enabled, true);
  assert.equal(oldScriptExec(agent), undefined);
});

Deno.test("schtasks /Query /XML ONE: each task under the comment that names it", () => {
  const listing = [
    '<?xml version="1.0" encoding="UTF-16"?>',
    "<Tasks>",
    "  <!-- \\Microsoft\\Windows\\Defrag\\ScheduledDefrag -->",
    '  <Task version="1.4"><Actions><Exec><Command>defrag.exe</Command></Exec></Actions></Task>',
    "  <!-- \\Saxium Batigest Sync -->",
    oldScriptTaskXml().replace(/^<\?xml[^\n]*\n/, ""),
    "</Tasks>",
  ].join("\r\n");
  const tasks = splitTaskList(listing);
  assert.deepEqual(tasks.map((t) => t.name), [
    "Microsoft\\Windows\\Defrag\\ScheduledDefrag",
    "Saxium Batigest Sync",
  ]);
  assert.ok(oldScriptExec(readTaskFacts(tasks[1].xml)));
  assert.deepEqual(splitTaskList("SUCCESS"), []);
});

Deno.test("the old script's log lines, in ANSI (read with �) or in UTF-8; never the agent's", () => {
  assert.equal(oldLineKind("D\ufffdMARRAGE AGENT BATIGEST v1.0.0"), "start");
  assert.equal(oldLineKind("DÉMARRAGE AGENT BATIGEST v1.0.0"), "start");
  assert.equal(oldLineKind("SYNCHRONISATION TERMIN\ufffdE"), "end");
  assert.equal(oldLineKind("Aucun export en attente"), "end");
  assert.equal(oldLineKind("R\ufffdcup\ufffdration des exports en attente..."), "other");
  assert.equal(oldLineKind("Traitement export: DV-1 (Type: devis_client)"), "other");
  for (
    const ours of [
      "Début de la synchronisation (agent 2.0.0, https://saxium.client.fr).",
      "Fin de la synchronisation : 1 synchronisé, 0 en erreur en 0 s.",
      "Export DV-1 [61e69d9b] synchronisé : importé par Batigest (DV-1.xml), confirmé à Saxium, archivé.",
    ]
  ) assert.equal(oldLineKind(ours), undefined, ours);
});

Deno.test("its runs: when the last one started, its last line, whether it ended", () => {
  const line = (stamp: string, message: string) => ({
    file: "sync-2026-12-05.log",
    stamp,
    message,
  });
  const runs = readOldRuns([
    line("2026-12-05 09:00:00", "DÉMARRAGE AGENT BATIGEST v1.0.0"),
    line("2026-12-05 09:00:01", "Aucun export en attente"),
    line("2026-12-05 09:04:00", "Début de la synchronisation (agent 2.0.0, https://x)."),
    line("2026-12-05 09:05:00", "DÉMARRAGE AGENT BATIGEST v1.0.0"),
    line("2026-12-05 09:05:02", "Traitement export: DV-1 (Type: devis_client)"),
  ]);
  assert.deepEqual(runs, {
    file: "sync-2026-12-05.log",
    lastStart: new Date(2026, 11, 5, 9, 5, 0),
    lastLine: new Date(2026, 11, 5, 9, 5, 2),
    ended: false,
  });
  assert.equal(readOldRuns([line("2026-12-05 09:04:00", "Agent démarré")]), undefined);
});

Deno.test("its files are named after references; the agent's after export ids, or noted", () => {
  assert.ok(isOldScriptDocument("DV-1730000000001.xml"));
  assert.ok(isOldScriptDocument("BC-2025_0042.csv"));
  assert.ok(!isOldScriptDocument("61e69d9b-1c2d-4e5f-8a9b-0c1d2e3f4a5b.xml"));
  assert.ok(!isOldScriptDocument("61e69d9b-1c2d-4e5f-8a9b-0c1d2e3f4a5b.xml.part"));
  assert.ok(isOldScriptErrorFile("DV-1.xml", false));
  assert.ok(!isOldScriptErrorFile("2026-12-05-140102-DV-1.xml", false));
  assert.ok(!isOldScriptErrorFile("DV-1.xml", true));
  assert.equal(
    oldTaskBackupName(new Date(2026, 11, 5, 14, 3, 9)),
    "ancienne-tache-2026-12-05-140309.xml",
  );
});

const NOW = new Date(2026, 11, 5, 14, 0, 0);
const at = (h: number, m = 0) => new Date(2026, 11, 5, h, m, 0);
const task = (enabled: boolean): OldTask => ({ name: "Saxium Batigest Sync", enabled, xml: "" });
const facts = (more: Partial<OldScriptFacts>): OldScriptFacts => ({ files: [], ...more });
const runs = (start: Date, last: Date, ended: boolean) => ({
  file: "/w/Logs/sync-2026-12-05.log",
  lastStart: start,
  lastLine: last,
  ended,
});

Deno.test("running: its task enabled, or a run started in the last 24 h and after the replacement", () => {
  const judged = judgeOldScript(facts({ tasks: [task(true)] }), NOW);
  assert.equal(judged.state === "running" && judged.sign.kind, "task");
  const started = judgeOldScript(facts({ runs: runs(at(13, 55), at(13, 55), true) }), NOW);
  assert.equal(started.state === "running" && started.sign.kind, "started");
  assert.equal(
    refusalLine(started.state === "running" ? started.sign : { kind: "task", task: task(true) }, {
      formatDate: formatDateTime,
    }),
    "L'ancien script PowerShell (batigest-sync-agent.ps1) a tourné dans ce dossier le 05/12/2026 13:55:00 (Logs\\sync-2026-12-05.log) : rien n'a été fait, pour ne pas importer deux fois les mêmes documents ; dans une invite de commandes administrateur, lancez « saxium-batigest-agent.exe install-task » : il remplace l'ancienne tâche par celle de l'agent.",
  );
  // Started again after install-task replaced it: something else still starts it.
  const again = judgeOldScript(
    facts({ runs: runs(at(13, 55), at(13, 55), true), replacedAt: at(13, 30) }),
    NOW,
  );
  assert.ok(again.state === "running");
  assert.match(
    refusalLine(again.sign, { replacedAt: at(13, 30), formatDate: formatDateTime }),
    /quelque chose le lance encore après son remplacement/,
  );
  const fresh = judgeOldScript(
    facts({ files: [{ folder: "Downloads", name: "DV-1.xml", path: "", modified: at(12) }] }),
    NOW,
  );
  assert.equal(fresh.state === "running" && fresh.sign.kind, "file");
});

Deno.test("after the replacement: a run still going is waited for; an ended one is a leftover", () => {
  const going = judgeOldScript(
    facts({ runs: runs(at(13, 50), at(13, 58), false), replacedAt: at(13, 55) }),
    NOW,
  );
  assert.equal(going.state === "running" && going.sign.kind, "in-progress");
  assert.ok(going.state === "running");
  assert.match(
    refusalLine(going.sign, { formatDate: formatDateTime }),
    /attendez qu'elle se termine/,
  );
  const ended = judgeOldScript(
    facts({ runs: runs(at(13, 50), at(13, 58), true), replacedAt: at(13, 55) }),
    NOW,
  );
  assert.equal(ended.state, "leftovers");
  // A run that died without its end an hour ago is over too.
  const died = judgeOldScript(
    facts({ runs: runs(at(12, 0), at(12, 10), false), replacedAt: at(12, 30) }),
    NOW,
  );
  assert.equal(died.state, "leftovers");
  assert.equal(judgeOldScript(facts({ tasks: [task(false)] }), NOW).state, "leftovers");
  assert.equal(judgeOldScript(facts({ tasks: [] }), NOW).state, "none");
  assert.equal(judgeOldScript(facts({}), NOW).state, "none");
});
