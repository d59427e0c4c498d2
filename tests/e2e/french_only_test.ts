/**
 * No English reaches an administrator: every command's failure paths, run as
 * the administrator would run them (subprocess, real permission set), and
 * everything they print or log is scanned for the system's English (network,
 * TLS, file system, SQLite, SMTP, Deno's permission messages). The original
 * texts are allowed at DEBUG only, which these runs do not ask for.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  type AgentRun,
  listFiles,
  makeWorld,
  runAgent,
  type World,
} from "../support/agent_process.ts";
import { closedPort } from "../support/smtp_receiver.ts";

/** Words and phrases of system English that have no business in a French line. */
const ENGLISH = new RegExp(
  [
    "\\bthe\\b",
    "\\b(?:error|errors)\\b(?! \\(|\\])",
    "\\bfailed\\b",
    "\\bdenied\\b",
    "\\brefused\\b",
    "\\bnot found\\b",
    "\\bconnection\\b",
    "\\brequests?\\b",
    "\\bblocked\\b",
    "\\breceived\\b",
    "\\bcorrupt\\b",
    "\\binvalid\\b",
    "\\boperation\\b",
    "\\btimed out\\b",
    "\\bunable\\b",
    "\\bcannot\\b",
    "\\bunexpected\\b",
    "\\bexpected\\b",
    "os error",
    "Requires",
    "--allow-",
    "run again",
    "\\bat position\\b",
    "\\bsending\\b",
    "\\bcertificate\\b",
    "\\bmessage of type\\b",
  ].join("|"),
  "i",
);

/** What may look English by design: the contract's level and folder names, URLs. */
function scrub(text: string): string {
  return text
    .replace(/\b(DEBUG|INFO|WARNING|ERROR)\b/g, "")
    .replace(/\b(Downloads|ToImport|Archive|Errors|Logs|State)\b/g, "")
    .replace(/https?:\/\/\S+/g, "URL");
}

function assertFrench(label: string, text: string): void {
  for (const line of scrub(text).split("\n")) {
    assert.doesNotMatch(line, ENGLISH, `${label} : anglais dans « ${line.trim()} »`);
  }
}

async function logsOf(world: World): Promise<string> {
  const files = (await listFiles(world.workDir)).filter((f) => f.startsWith("Logs/"));
  const texts = await Promise.all(
    files.map((f) => Deno.readTextFile(nodePath.join(world.workDir, f))),
  );
  return texts.join("\n");
}

async function check(world: World, label: string, args: string[], options = {}): Promise<AgentRun> {
  const run = await runAgent(world, args, options);
  assertFrench(`${label} (sortie)`, run.stdout + "\n" + run.stderr);
  return run;
}

Deno.test("no English in what any command prints or logs when things go wrong", async () => {
  const world = await makeWorld();
  try {
    world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-EN-1",
      files: { xml: "<Devis><Reference>DV-EN-1</Devis>" },
    });
    const port = closedPort();
    const saxiumPort = new URL(world.saxium.url).port;

    await check(world, "sync, document refusé", ["sync", "--once"]);
    await check(world, "sync, port fermé", [
      "sync",
      "--once",
      "--api-url",
      `http://127.0.0.1:${port}`,
    ]);
    await check(world, "sync, https vers un serveur http", [
      "sync",
      "--once",
      "--api-url",
      `https://127.0.0.1:${saxiumPort}`,
    ]);
    await check(world, "sync, jeton refusé", ["sync", "--once"], {
      env: { SAXIUM_TOKEN: "mauvais-jeton-0123456789" },
    });
    await check(world, "sync, dossier d'import absent", ["sync", "--once"], {
      env: { BATIGEST_IMPORT_PATH: nodePath.join(world.root, "absent") },
    });
    await check(world, "sync, option inconnue", ["sync", "--bavard"]);
    await check(world, "sync, intervalle refusé", ["sync", "--poll-interval", "5"]);
    await Deno.writeTextFile(
      nodePath.join(world.workDir, "agent.json"),
      '{ "batigestImportDir": "C:\\Sage\\Import" }',
    );
    await check(world, "sync, agent.json mal écrit", ["sync", "--once"]);
    await Deno.writeTextFile(
      nodePath.join(world.workDir, "agent.json"),
      JSON.stringify({ notify: { webhookUrl: `http://127.0.0.1:${port}/hook` } }),
    );
    await check(world, "sync, webhook fermé", [
      "sync",
      "--once",
      "--api-url",
      `http://127.0.0.1:${port}`,
    ], {
      extraNetHosts: [`127.0.0.1:${port}`],
    });
    await Deno.remove(nodePath.join(world.workDir, "agent.json"));

    await check(world, "status, Saxium fermé", ["status", "--api-url", `http://127.0.0.1:${port}`]);
    await check(world, "status, jeton refusé", ["status"], {
      env: { SAXIUM_TOKEN: "mauvais-jeton-0123456789" },
    });
    await check(world, "doctor, Saxium fermé", ["doctor", "--api-url", `http://127.0.0.1:${port}`]);
    await check(world, "history, date impossible", ["history", "--date", "31/02/2026"]);
    await check(world, "tail-logs, niveau inconnu", ["tail-logs", "--level", "bavard"]);
    await check(world, "install-task, intervalle refusé", ["install-task", "--every", "0"]);
    await check(world, "uninstall-task sans Planificateur", ["uninstall-task"]);
    await check(world, "commande inconnue", ["synchro"]);

    assertFrench("journaux", await logsOf(world));
  } finally {
    await world.close();
  }
});
