/**
 * The executable for real, end to end on Windows: what the `windows-latest`
 * CI job runs, and what anyone can run by hand in an administrator prompt:
 *
 *   deno run -A scripts/ci_windows_e2e.ts [--exe dist\e2e\agent.exe]
 *
 * It starts the two simulators and an SMTP and a webhook receiver
 * (`tests/support/`) on this machine, builds the executable for them
 * (`scripts/compile.ts`: Saxium on a fixed loopback port, the receivers as the
 * build's alert hosts, their secrets in `agent.json` only), then proves, each
 * step through the agent's own code:
 * - `sync --once` delivers two documents that Batigest imports and Saxium
 *   records as acknowledged; `tail-logs`; the day's log read back by Windows
 *   PowerShell 5.1 with its accents intact;
 * - Saxium refusing the agent: exit 3, and the alert goes out through every
 *   channel of the executable: the e-mail (nodemailer inside the executable),
 *   the webhook, and the Windows Event Log, written by `eventcreate` through
 *   `lib/windows/event_log.ts` and read back with `Get-WinEvent`, accents
 *   intact (ID 400); Saxium back: "retour à la normale" (ID 100);
 * - `install-task` locks the work folder itself: `icacls` read back, strictly
 *   (SYSTEM and Administrators only; a reading that cannot be matched fails,
 *   it is never taken for "locked");
 * - the task Task Scheduler registered from the agent's XML is read back
 *   (`schtasks /Query /XML`) and compared with `install-task --dry-run`, value
 *   by value; the trigger's children as Windows keeps them are printed;
 * - the task is started once (`schtasks /Run`) and runs `sync --once` as
 *   SYSTEM: its last result, read back, is 0;
 * - `status` shows it, `uninstall-task` removes it.
 *
 * On another system the agent runs through `deno run` with the executable's
 * permissions (no compile), and the Windows-only steps are skipped, each with
 * its reason printed.
 *
 * @module
 */

import nodePath from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { runCommand } from "../lib/base/command_runner.ts";
import { decodeConsoleOutput } from "../lib/base/console_text.ts";
import { type BuildConfig, entrySource } from "../lib/executable/build_config.ts";
import { permissionFlags, V8_FLAGS } from "../lib/executable/permissions.ts";
import { EVENT_SOURCE, EVENTS } from "../lib/windows/event_log.ts";
import { readAccess } from "../lib/windows/acl.ts";
import { queryTask, queryTaskXml, startTask } from "../lib/windows/schtasks.ts";
import {
  DEFAULT_TASK_NAME,
  describeLastResult,
  RESULT_NEVER_RUN,
  RESULT_RUNNING,
  type TaskInfo,
} from "../lib/windows/task_definition.ts";
import { readTaskDefinition, taskDefinitionDifferences } from "../lib/windows/task_readback.ts";
import { startSaxiumSimulator } from "../tests/support/saxium_simulator.ts";
import { startBatigestSimulator } from "../tests/support/batigest_simulator.ts";
import { startSmtpReceiver } from "../tests/support/smtp_receiver.ts";
import { startWebhookReceiver } from "../tests/support/webhook_receiver.ts";
import { orderXml, quoteXml } from "../tests/support/documents.ts";
import { runCompileScript } from "./compile.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WINDOWS = Deno.build.os === "windows";
/** Saxium's simulated port: baked into the executable, so fixed. */
const PORT = 48765;
const TOKEN = "sxm_e2e_0123456789abcdef";
const START_BOUNDARY = "Triggers/TimeTrigger/StartBoundary";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const failures: string[] = [];
function check(ok: boolean, what: string, detail = ""): void {
  console.log(`e2e: ${ok ? "ok" : "FAILED"}: ${what}${ok || !detail ? "" : `\n${detail}`}`);
  if (!ok) failures.push(what);
}
function skip(what: string, reason: string): void {
  console.log(`e2e: skipped on ${Deno.build.os}: ${what} (${reason})`);
}
function note(what: string): void {
  console.log(`e2e: note: ${what}`);
}

/** Runs a program; its output decoded as the agent decodes Windows programs'. */
async function exec(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Run> {
  const out = await new Deno.Command(command, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  return {
    code: out.code,
    stdout: decodeConsoleOutput(out.stdout),
    stderr: decodeConsoleOutput(out.stderr),
  };
}

/** Windows PowerShell 5.1 (`powershell.exe`) runs `script`; what it wrote to $env:E2E_OUT, as UTF-8. */
async function powershell(
  script: string,
  env: Record<string, string>,
  out: string,
): Promise<{ run: Run; lines: string[] }> {
  const run = await exec(
    "powershell.exe",
    ["-NoProfile", "-NonInteractive", "-Command", script],
    { ...env, E2E_OUT: out },
  );
  const text = await Deno.readTextFile(out).catch(() => "");
  return { run, lines: text.replace(/^\uFEFF/, "").split(/\r?\n/).filter((l) => l !== "") };
}

/** How to run the agent built for this world. */
async function prepareAgent(
  world: { root: string; config: BuildConfig },
  exe: string | undefined,
): Promise<(args: string[]) => Promise<Run>> {
  const { config } = world;
  if (WINDOWS) {
    const output = exe ?? nodePath.join(ROOT, "dist", "e2e", "saxium-batigest-agent-e2e.exe");
    if (!exe) {
      const buildJson = nodePath.join(world.root, "build.json");
      await Deno.writeTextFile(buildJson, JSON.stringify(config));
      const compile = await runCompileScript({ config: buildJson, output });
      check(compile.success, `compile the executable for the simulators (${output})`);
      if (!compile.success) throw new Error("compile failed");
    }
    return (args) => exec(output, args);
  }
  skip(
    "deno compile",
    "the executable is Windows'; the agent runs with deno run and its permissions",
  );
  const entry = nodePath.join(world.root, "entry.ts");
  await Deno.writeTextFile(
    entry,
    entrySource(config, pathToFileURL(nodePath.join(ROOT, "main.ts")).href),
  );
  const flags = permissionFlags({
    ...config,
    extraNetHosts: [config.notify?.smtpHost, config.notify?.webhookHost]
      .filter((h) => h !== undefined),
    schtasks: "schtasks",
  });
  return (args) =>
    exec(Deno.execPath(), [
      "run",
      "--quiet",
      "--no-check",
      V8_FLAGS,
      `--config=${nodePath.join(ROOT, "deno.json")}`,
      ...flags,
      entry,
      ...args,
    ]);
}

async function run(args: string[]): Promise<number> {
  const flags = parseArgs({
    args,
    options: { exe: { type: "string" } },
    strict: true,
  }).values;
  const root = await Deno.makeTempDir({ prefix: "saxium-win-e2e-" });
  const workDir = nodePath.join(root, "work");
  const importDir = nodePath.join(root, "import");
  await Deno.mkdir(workDir);
  await Deno.mkdir(importDir);
  const saxium = await startSaxiumSimulator({ token: TOKEN, port: PORT });
  const batigest = startBatigestSimulator({ dir: importDir, consumeDelayMs: 50 });
  const smtp = await startSmtpReceiver();
  const webhook = startWebhookReceiver({ path: "/webhookb2/e2e-cle-secrete" });
  // The secrets (token, the webhook's full address) live in agent.json only.
  await Deno.writeTextFile(
    nodePath.join(workDir, "agent.json"),
    JSON.stringify({
      token: TOKEN,
      notify: {
        smtp: {
          host: "127.0.0.1",
          port: smtp.port,
          security: "none",
          from: "agent@e2e.local",
          to: ["compta@e2e.local"],
        },
        webhookUrl: webhook.url,
      },
    }),
  );
  const config: BuildConfig = {
    apiUrl: saxium.url,
    workDir,
    batigestImportDir: importDir,
    notify: { smtpHost: `127.0.0.1:${smtp.port}`, webhookHost: `127.0.0.1:${webhook.port}` },
  };
  let taskInstalled = false;
  try {
    const agent = await prepareAgent({ root, config }, flags.exe);
    const version = await agent(["--version"]);
    check(
      version.code === 0 && version.stdout.includes(saxium.url) &&
        version.stdout.includes(`127.0.0.1:${smtp.port} (SMTP)`),
      "--version names the build and its alert hosts",
      version.stdout + version.stderr,
    );

    await syncDelivers(agent, saxium, batigest);
    const tail = await agent(["tail-logs", "-n", "50"]);
    check(
      tail.code === 0 && /synchronisé/.test(tail.stdout),
      "tail-logs shows the pass, accents intact",
      tail.stdout,
    );
    check(!tail.stdout.includes("\uFEFF"), "tail-logs does not print the BOM");
    await checkLogFile(workDir);
    await checkAlerts(agent, { saxium, smtp, webhook, root });

    if (WINDOWS) {
      const install = await agent(["install-task", "--every", "5"]);
      taskInstalled = install.code === 0;
      check(taskInstalled, "install-task registers the task", install.stdout + install.stderr);
      await checkAcl(workDir);
      await checkRegisteredTask(agent);
      await checkTaskRun();
      const status = await agent(["status"]);
      check(
        status.stdout.includes(DEFAULT_TASK_NAME),
        "status shows the scheduled task",
        status.stdout,
      );
      const json = await agent(["status", "--json"]);
      let parsed = false;
      try {
        JSON.parse(json.stdout);
        parsed = true;
      } catch { /* reported below */ }
      check(parsed, "status --json is JSON", json.stdout);
      const uninstall = await agent(["uninstall-task"]);
      taskInstalled = uninstall.code !== 0;
      check(
        uninstall.code === 0,
        "uninstall-task removes the task",
        uninstall.stdout + uninstall.stderr,
      );
      const query = await exec("schtasks.exe", ["/Query", "/TN", DEFAULT_TASK_NAME]);
      check(query.code !== 0, "the task is gone from Task Scheduler");
    } else {
      skip(
        "install-task, the task read back and run, uninstall-task",
        "Task Scheduler is Windows'",
      );
      skip("the work folder's ACL", "icacls is Windows'");
    }
  } catch (error) {
    check(false, "the run went to its end", String(error));
  } finally {
    if (taskInstalled) await exec("schtasks.exe", ["/Delete", "/TN", DEFAULT_TASK_NAME, "/F"]);
    await batigest.close();
    await saxium.close();
    await smtp.close();
    await webhook.close();
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
  console.log(
    `e2e: ${failures.length === 0 ? "all steps passed" : `${failures.length} step(s) failed`}`,
  );
  return failures.length === 0 ? 0 : 1;
}

/** `sync --once` delivers two documents, Batigest imports them, Saxium records both. */
async function syncDelivers(
  agent: (args: string[]) => Promise<Run>,
  saxium: Awaited<ReturnType<typeof startSaxiumSimulator>>,
  batigest: ReturnType<typeof startBatigestSimulator>,
): Promise<void> {
  for (const ref of ["DV-1730000000001", "BC-1730000000002"]) {
    saxium.addExport({
      documentType: ref.startsWith("DV") ? "devis_client" : "bon_commande",
      documentReference: ref,
      files: { xml: ref.startsWith("DV") ? quoteXml(ref) : orderXml(ref) },
    });
  }
  const sync = await agent(["sync", "--once"]);
  check(sync.code === 0, "sync --once exits 0", sync.stdout + sync.stderr);
  check(batigest.ledger.length === 2, "Batigest imported the two documents");
  const states = [...saxium.exports.values()].map((e) => e.status);
  check(
    states.every((s) => s === "imported"),
    "Saxium recorded both as acknowledged",
    states.join(", "),
  );
}

/**
 * Saxium refuses the agent: exit 3, and one alert by e-mail, webhook and
 * Event Log; Saxium back: the recovery, in the Event Log too.
 */
async function checkAlerts(
  agent: (args: string[]) => Promise<Run>,
  world: {
    saxium: Awaited<ReturnType<typeof startSaxiumSimulator>>;
    smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
    webhook: ReturnType<typeof startWebhookReceiver>;
    root: string;
  },
): Promise<void> {
  const { saxium, smtp, webhook } = world;
  saxium.addFault({ route: "any", fault: { status: 401 } });
  const refused = await agent(["sync", "--once"]);
  saxium.clearFaults();
  check(refused.code === 3, "Saxium refusing the agent: exit 3", refused.stdout + refused.stderr);
  const headline = "Saxium injoignable ou accès refusé";
  check(
    smtp.messages.some((m) => m.subject.includes(headline)),
    "the alert went out by e-mail (nodemailer inside the executable)",
    smtp.messages.map((m) => m.subject).join("\n"),
  );
  check(
    webhook.received.some((h) => JSON.stringify(h.body).includes(headline)),
    "the alert went out to the webhook",
    JSON.stringify(webhook.received.map((h) => h.body)),
  );
  const back = await agent(["sync", "--once"]);
  check(back.code === 0, "Saxium back: exit 0", back.stdout + back.stderr);
  if (!WINDOWS) {
    return skip("the alerts in the Windows Event Log", "the Event Log is Windows'");
  }
  // Read back as supervision tools read it; written to a UTF-8 file, so no console code page.
  const { run, lines } = await powershell(
    `Get-WinEvent -FilterHashtable @{ LogName = 'Application'; ProviderName = '${EVENT_SOURCE}' } ` +
      // Single quotes only: double quotes would go through two command-line parsers.
      "-MaxEvents 20 | ForEach-Object { ('{0}' + [char]9 + '{1}') -f $_.Id, " +
      "($_.Message -replace '\\s+', ' ') } | " +
      "Out-File -LiteralPath $env:E2E_OUT -Encoding utf8",
    {},
    nodePath.join(world.root, "events.txt"),
  );
  check(run.code === 0, "Get-WinEvent read the Application log", run.stderr);
  const event = (id: number, text: string) =>
    lines.some((line) => line.startsWith(`${id}\t`) && line.includes(text));
  check(
    event(EVENTS.serverUnavailable.id, headline),
    `event ${EVENTS.serverUnavailable.id} « ${headline} » read back with its accents`,
    lines.join("\n"),
  );
  check(
    event(EVENTS.recovered.id, "retour à la normale"),
    `event ${EVENTS.recovered.id} « retour à la normale » read back with its accents`,
    lines.join("\n"),
  );
}

/** The day's log: a BOM, CRLF lines, and Windows PowerShell 5.1 reads the accents right. */
async function checkLogFile(workDir: string): Promise<void> {
  const logs = nodePath.join(workDir, "Logs");
  const name = [...Deno.readDirSync(logs)].map((e) => e.name).find((n) => n.endsWith(".log"));
  if (!name) return check(false, "a log file was written");
  const path = nodePath.join(logs, name);
  const bytes = await Deno.readFile(path);
  check(
    bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf,
    "the log starts with a UTF-8 BOM",
  );
  const text = new TextDecoder().decode(bytes); // drops the BOM
  check(!/[^\r]\n/.test(text), "every log line ends with CRLF");
  const expected = text.split("\r\n").filter((l) =>
    l.includes("[INFO]") && /[\u0080-\uffff]/.test(l)
  );
  check(expected.length > 0, "the log has accented INFO lines to read back");
  if (!WINDOWS) {
    return skip("reading the log with Windows PowerShell 5.1", "powershell.exe is Windows'");
  }
  const { run, lines } = await powershell(
    "Get-Content -LiteralPath $env:E2E_LOG | Select-String -SimpleMatch '[INFO]' | " +
      "ForEach-Object { $_.Line } | Out-File -LiteralPath $env:E2E_OUT -Encoding utf8",
    { E2E_LOG: path },
    nodePath.join(workDir, "..", "powershell-read.txt"),
  );
  check(run.code === 0, "powershell.exe Get-Content | Select-String ran", run.stderr);
  const missing = expected.filter((line) => !lines.includes(line));
  check(missing.length === 0, "PowerShell 5.1 read the accented lines intact", missing.join("\n"));
}

/**
 * install-task locked the work folder itself: `agent.json` (the token) and
 * the folder, read back with `icacls`, for SYSTEM and Administrators only. A
 * reading the agent cannot match is a failure, never "locked".
 */
async function checkAcl(workDir: string): Promise<void> {
  for (const path of [nodePath.join(workDir, "agent.json"), workDir]) {
    const result = await exec("icacls.exe", [path]);
    const access = readAccess({ stdout: result.stdout, path });
    check(
      result.code === 0 && access.kind === "restricted",
      `install-task left ${nodePath.basename(path)} readable by SYSTEM and Administrators only`,
      `${JSON.stringify(access)}\n${result.stdout}${result.stderr}`,
    );
  }
}

/** What Task Scheduler registered is the agent's XML, value by value. */
async function checkRegisteredTask(agent: (args: string[]) => Promise<Run>): Promise<void> {
  const dryRun = await agent(["install-task", "--dry-run", "--every", "5"]);
  const sent = dryRun.stdout.split(/\r?\n/).filter((l) => !l.startsWith("Attention")).join("\n");
  const registered = await queryTaskXml(runCommand, DEFAULT_TASK_NAME);
  if (registered === undefined) return check(false, "schtasks /Query /XML finds the task");
  const differences = taskDefinitionDifferences(sent, registered, { ignore: [START_BOUNDARY] });
  check(
    differences.length === 0,
    "Task Scheduler kept the agent's task definition, value by value",
    `${differences.join("\n")}\n--- registered:\n${registered}`,
  );
  const ours = readTaskDefinition(sent);
  const theirs = readTaskDefinition(registered);
  const start = (values: Map<string, string>) => Date.parse(values.get(START_BOUNDARY) ?? "");
  check(
    Math.abs(start(ours.values) - start(theirs.values)) < 10 * 60_000,
    "the registered start boundary is install-task's",
    `${ours.values.get(START_BOUNDARY)} / ${theirs.values.get(START_BOUNDARY)}`,
  );
  note(
    `the trigger's children: sent ${ours.triggerChildren.join(", ")}; ` +
      `Task Scheduler keeps ${theirs.triggerChildren.join(", ")}`,
  );
}

/**
 * `schtasks /Run` starts the task once; it runs `sync --once` as SYSTEM and
 * ends with 0. A run Task Scheduler started by itself at registration (its
 * start boundary is now) is waited for first, so the result read is ours.
 */
async function checkTaskRun(): Promise<void> {
  const settle = async (done: (info: TaskInfo | undefined) => boolean) => {
    const deadline = Date.now() + 120_000;
    let info = await queryTask(runCommand, DEFAULT_TASK_NAME);
    while (Date.now() < deadline && !done(info)) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      info = await queryTask(runCommand, DEFAULT_TASK_NAME);
    }
    return info;
  };
  const before = await settle((info) => info?.status !== "running");
  await startTask(runCommand, DEFAULT_TASK_NAME);
  const after = await settle((info) =>
    info !== undefined && info.status !== "running" &&
    info.lastRunTime !== undefined && info.lastRunTime !== before?.lastRunTime &&
    info.lastResult !== undefined && info.lastResult !== RESULT_NEVER_RUN &&
    info.lastResult !== RESULT_RUNNING
  );
  check(
    after?.lastRunTime !== before?.lastRunTime && after?.lastResult === 0,
    "the task, started once (schtasks /Run), ran sync --once as SYSTEM: last result 0",
    after?.lastResult === undefined
      ? JSON.stringify(after)
      : `${describeLastResult(after.lastResult)} (${JSON.stringify(after)})`,
  );
}

if (import.meta.main) Deno.exit(await run(Deno.args));
