import assert from "node:assert/strict";
import nodePath from "node:path";
import type { CommandResult } from "../../lib/base/command_runner.ts";
import { statusCommand } from "../../lib/cli/status.ts";
import { Journal } from "../../lib/journal/journal.ts";
import { fakeContext } from "../support/context.ts";
import { startSaxiumSimulator } from "../support/saxium_simulator.ts";

const TOKEN = "status-token-SECRET-42";
const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`../fixtures/${name}`, import.meta.url));

/** The English query output, with the last result set to `result`. */
function englishQuery(result: number): string {
  const [header, row] = fixture("schtasks-query-en.csv").trim().split(/\r?\n/);
  const cells = row.split('","');
  cells[6] = String(result);
  return `${header}\r\n${cells.join('","')}\r\n`;
}

interface Setup {
  apiUrl: string;
  workDir: string;
  importDir: string;
  schtasks: CommandResult;
}

async function status(setup: Setup, args: string[] = []) {
  const calls: string[][] = [];
  const env: Record<string, string> = {
    SAXIUM_API_URL: setup.apiUrl,
    SAXIUM_TOKEN: TOKEN,
    SAXIUM_WORK_DIR: setup.workDir,
    BATIGEST_IMPORT_PATH: setup.importDir,
  };
  const { ctx, lines } = fakeContext({
    env,
    runCommand: (command, a) => (calls.push([command, ...a]), Promise.resolve(setup.schtasks)),
  });
  const code = await statusCommand(args, ctx);
  return { code, text: lines.join("\n"), calls };
}

async function withSetup(body: (setup: Setup, journal: Journal) => Promise<void>) {
  const root = await Deno.makeTempDir();
  const sim = await startSaxiumSimulator({ token: TOKEN });
  const workDir = nodePath.join(root, "work");
  const importDir = nodePath.join(root, "import");
  await Deno.mkdir(nodePath.join(workDir, "State"), { recursive: true });
  await Deno.mkdir(nodePath.join(workDir, "Errors"), { recursive: true });
  await Deno.mkdir(importDir);
  const journal = new Journal(nodePath.join(workDir, "State", "journal.db"));
  try {
    await body({
      apiUrl: sim.url,
      workDir,
      importDir,
      schtasks: { code: 0, stdout: englishQuery(0), stderr: "" },
    }, journal);
  } finally {
    journal.close();
    await sim.close();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("healthy: exit 0, one screen, JSON for monitoring, token never shown", async () => {
  await withSetup(async (setup, journal) => {
    const now = new Date().toISOString();
    journal.runs.record({
      startedAt: now,
      finishedAt: now,
      exitCode: 0,
      summary: { synced: 3, errors: 0 },
    });
    const text = await status(setup);
    assert.equal(text.code, 0, text.text);
    assert.match(text.text, /: OK/);
    assert.match(text.text, /3 synchronisés, 0 en erreur/);
    assert.match(text.text, /Tâche planifiée\s+: /);
    assert.match(text.text, /Saxium\s+: joignable/);
    assert.ok(!text.text.includes(TOKEN));
    assert.deepEqual(text.calls[0], [
      "schtasks.exe",
      "/Query",
      "/TN",
      "Saxium Batigest Sync",
      "/V",
      "/FO",
      "CSV",
    ]);
    const json = await status(setup, ["--json"]);
    assert.equal(json.code, 0);
    const report = JSON.parse(json.text);
    assert.equal(report.healthy, true);
    assert.deepEqual(report.problems, []);
    assert.equal(report.lastRun.exitCode, 0);
    assert.equal(report.task.status, "ready");
    assert.equal(typeof report.server.pending, "number");
    assert.ok(!json.text.includes(TOKEN));
  });
});

Deno.test("unhealthy: failed last run, task missing, errors waiting", async () => {
  await withSetup(async (setup, journal) => {
    const now = new Date().toISOString();
    journal.runs.record({ startedAt: now, finishedAt: now, exitCode: 3, summary: {} });
    await Deno.writeTextFile(nodePath.join(setup.workDir, "Errors", "x-DV-1.xml"), "<Devis/>");
    setup.schtasks = {
      code: 1,
      stdout: "",
      stderr: "ERROR: The system cannot find the file specified.\r\n",
    };
    const result = await status({ ...setup, apiUrl: setup.apiUrl }, ["--json"]);
    assert.equal(result.code, 1);
    const report = JSON.parse(result.text);
    assert.equal(report.healthy, false);
    assert.equal(report.task, null);
    assert.equal(report.errorsFolder.files, 1);
    assert.ok(report.problems.some((p: string) => p.includes("code 3")));
    assert.ok(report.problems.some((p: string) => p.includes("install-task")));
    const text = await status(setup);
    assert.match(text.text, /À VÉRIFIER/);
    assert.match(text.text, /non installée/);
    assert.match(
      text.text,
      /Dossier Errors\s+: 1 fichier, le plus ancien du \d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d$/m,
    );
    // Dates inside French sentences are written the French way, never ISO.
    assert.match(text.text, /Dernière passe\s+: \d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d \(/);
    assert.doesNotMatch(text.text, /\d{4}-\d\d-\d\d/);
  });
});

Deno.test("a scheduled run that failed is a problem even if the local journal looks fine", async () => {
  await withSetup(async (setup, journal) => {
    const now = new Date().toISOString();
    journal.runs.record({ startedAt: now, finishedAt: now, exitCode: 0, summary: {} });
    setup.schtasks = { code: 0, stdout: englishQuery(4), stderr: "" };
    const result = await status(setup, ["--json"]);
    assert.equal(result.code, 1);
    assert.ok(JSON.parse(result.text).problems.some((p: string) => p.includes("code 4")));
    // The same judgement and fix as doctor's "Tâche planifiée" check.
    assert.ok(
      JSON.parse(result.text).problems.some((p: string) =>
        p.includes("code 4") && p.includes("restée bloquée")
      ),
    );
  });
});

Deno.test("server unreachable shows in status without a stack trace", async () => {
  await withSetup(async (setup, journal) => {
    const now = new Date().toISOString();
    journal.runs.record({ startedAt: now, finishedAt: now, exitCode: 0, summary: {} });
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const result = await status({ ...setup, apiUrl: `http://127.0.0.1:${port}` });
    assert.equal(result.code, 1);
    assert.match(result.text, /Saxium\s+: injoignable/);
    assert.ok(!/\n\s+at /.test(result.text));
  });
});

Deno.test("a token Saxium refuses shows as refused access, not as unreachable", async () => {
  const root = await Deno.makeTempDir();
  const sim = await startSaxiumSimulator({ token: "the-right-token" });
  try {
    const workDir = nodePath.join(root, "work");
    const importDir = nodePath.join(root, "import");
    await Deno.mkdir(importDir);
    const result = await status({
      apiUrl: sim.url,
      workDir,
      importDir,
      schtasks: { code: 0, stdout: englishQuery(0), stderr: "" },
    });
    assert.equal(result.code, 1);
    assert.match(result.text, /Saxium\s+: accès refusé : .*401/);
    assert.doesNotMatch(result.text, /injoignable/);
  } finally {
    await sim.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test('status --name "" is refused as install-task and uninstall-task refuse it', async () => {
  const { ctx, out } = fakeContext({});
  await assert.rejects(() => statusCommand(["--name", " "], ctx), /Nom de tâche invalide/);
  assert.deepEqual(out, []);
});
