import assert from "node:assert/strict";
import nodePath from "node:path";
import { fileURLToPath } from "node:url";
import type { CommandResult, CommandRunner } from "../../lib/base/command_runner.ts";
import type { CommandContext } from "../../lib/base/context.ts";
import { installTaskCommand, taskAction } from "../../lib/cli/install_task.ts";
import { uninstallTaskCommand } from "../../lib/cli/uninstall_task.ts";
import { permissionFlags } from "../../lib/executable/permissions.ts";
import {
  installTask,
  queryTask,
  queryTaskXml,
  SCHTASKS,
  startTask,
  TASK_XML_FILE,
  TaskSchedulerError,
  uninstallTask,
} from "../../lib/windows/schtasks.ts";
import { windowsCommandLine } from "../../lib/windows/task_definition.ts";
import { ACL_BACKUP_FILE } from "../../lib/windows/acl.ts";
import { fakeContext } from "../support/context.ts";

const NAME = "Saxium Batigest Sync";
const OK: CommandResult = { code: 0, stdout: "SUCCESS\r\n", stderr: "" };
const DENIED_EN: CommandResult = { code: 1, stdout: "", stderr: "ERROR: Access is denied.\r\n" };
const DENIED_FR: CommandResult = {
  code: 1,
  stdout: "",
  stderr: "ERREUR : Acc\ufffds refus\ufffd.\r\n",
};
const MISSING_EN: CommandResult = {
  code: 1,
  stdout: "",
  stderr: "ERROR: The system cannot find the file specified.\r\n",
};
const MISSING_FR: CommandResult = {
  code: 1,
  stdout: "",
  stderr: "ERREUR : Le fichier sp\ufffdcifi\ufffd est introuvable.\r\n",
};

interface Call {
  command: string;
  args: string[];
  /** The XML file's bytes when schtasks ran, if it existed. */
  xmlBytes?: Uint8Array;
}

/** What `install-task` asks first, looking for the old script's task: no task at all. */
const NO_TASKS: CommandResult = {
  code: 0,
  stdout: '<?xml version="1.0" encoding="UTF-16"?>\r\n<Tasks>\r\n</Tasks>\r\n',
  stderr: "",
};

/** A runner answering `results` in turn and recording each call. */
function fakeRunner(...results: CommandResult[]): { runner: CommandRunner; calls: Call[] } {
  const calls: Call[] = [];
  const runner: CommandRunner = (command, args) => {
    const call: Call = { command, args: [...args] };
    const xml = args[args.indexOf("/XML") + 1];
    if (args.includes("/XML")) {
      try {
        call.xmlBytes = Deno.readFileSync(xml);
      } catch {
        call.xmlBytes = undefined;
      }
    }
    calls.push(call);
    return Promise.resolve(results.shift() ?? OK);
  };
  return { runner, calls };
}

/**
 * `install-task`'s look-ups for the old script's task (`schtasks /Query
 * /XML`) answered "no such task" and recorded in `lookups`; any other call
 * goes to `runner`.
 */
function withLookups(runner: CommandRunner): { runner: CommandRunner; lookups: string[][] } {
  const lookups: string[][] = [];
  return {
    lookups,
    runner: (command, args) => {
      if (command !== SCHTASKS || args[0] !== "/Query" || args[1] !== "/XML") {
        return runner(command, args);
      }
      lookups.push([...args]);
      return Promise.resolve(args[2] === "ONE" ? NO_TASKS : MISSING_EN);
    },
  };
}

/** The folder flags for a work folder `dir` on this machine (the defaults are Windows paths). */
function folders(dir: string): string[] {
  return ["--work-dir", dir, "--batigest-import-dir", `${dir}-import`];
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "scheduled_task_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("install writes the XML in the work folder, registers it, removes it", async () => {
  await withTempDir(async (dir) => {
    const workDir = nodePath.join(dir, "Saxium & Co");
    const { runner, calls } = fakeRunner(OK);
    await installTask(runner, { name: NAME, workDir, xml: "<Task>é</Task>" });
    const xmlPath = nodePath.join(workDir, TASK_XML_FILE);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].command, "schtasks.exe");
    assert.deepEqual(calls[0].args, ["/Create", "/XML", xmlPath, "/TN", NAME, "/F"]);
    assert.deepEqual(
      [...calls[0].xmlBytes!],
      [0xff, 0xfe, ..."<Task>é</Task>".split("").flatMap((c) => [c.charCodeAt(0), 0])],
    );
    await assert.rejects(Deno.stat(xmlPath), Deno.errors.NotFound);
  });
});

Deno.test("install without administrator rights: a French message naming the elevated prompt", async () => {
  for (const denied of [DENIED_EN, DENIED_FR]) {
    await withTempDir(async (dir) => {
      const { runner } = fakeRunner(denied);
      const error = await installTask(runner, { name: NAME, workDir: dir, xml: "<Task/>" })
        .then(() => undefined, (e) => e);
      assert.ok(error instanceof TaskSchedulerError);
      assert.equal(error.kind, "access-denied");
      assert.match(error.message, /accès refusé/);
      assert.match(error.message, /« Invite de commandes \(administrateur\) »/);
      await assert.rejects(Deno.stat(nodePath.join(dir, TASK_XML_FILE)), Deno.errors.NotFound);
    });
  }
});

Deno.test("install: another schtasks failure is reported with its first line", async () => {
  await withTempDir(async (dir) => {
    const { runner } = fakeRunner({
      code: 1,
      stdout: "",
      stderr: "\r\nERROR: The task XML is malformed.\r\n(1,2)::\r\n",
    });
    await assert.rejects(
      installTask(runner, { name: NAME, workDir: dir, xml: "<Task/>" }),
      (e: unknown) =>
        e instanceof TaskSchedulerError && e.kind === "failed" &&
        e.message.includes("code 1 : ERROR: The task XML is malformed."),
    );
  });
});

Deno.test("no schtasks.exe (not Windows): a French error, not a crash", async () => {
  const runner: CommandRunner = () => Promise.reject(new Deno.errors.NotFound("entity not found"));
  await assert.rejects(
    queryTask(runner, NAME),
    (e: unknown) => e instanceof TaskSchedulerError && /schtasks\.exe introuvable/.test(e.message),
  );
  await withTempDir(async (dir) => {
    await assert.rejects(
      installTask(runner, { name: NAME, workDir: dir, xml: "<Task/>" }),
      TaskSchedulerError,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("uninstall: removed, or there was none", async () => {
  const removed = fakeRunner(OK);
  assert.equal(await uninstallTask(removed.runner, NAME), true);
  assert.deepEqual(removed.calls.map((c) => [c.command, c.args]), [
    ["schtasks.exe", ["/Delete", "/TN", NAME, "/F"]],
  ]);
  for (const missing of [MISSING_EN, MISSING_FR]) {
    assert.equal(await uninstallTask(fakeRunner(missing).runner, NAME), false);
  }
  await assert.rejects(
    uninstallTask(fakeRunner(DENIED_FR).runner, NAME),
    (e: unknown) => e instanceof TaskSchedulerError && e.kind === "access-denied",
  );
});

Deno.test("query: parsed, absent, refused, unreadable", async () => {
  const csv = Deno.readTextFileSync(new URL("../fixtures/schtasks-query-fr.csv", import.meta.url));
  const found = fakeRunner({ code: 0, stdout: csv, stderr: "" });
  const info = await queryTask(found.runner, NAME);
  assert.deepEqual(found.calls.map((c) => [c.command, c.args]), [
    ["schtasks.exe", ["/Query", "/TN", NAME, "/V", "/FO", "CSV"]],
  ]);
  assert.equal(info?.status, "running");
  assert.equal(info?.lastResult, 267009);

  assert.equal(await queryTask(fakeRunner(MISSING_EN).runner, NAME), undefined);
  assert.equal(await queryTask(fakeRunner(MISSING_FR).runner, NAME), undefined);
  await assert.rejects(
    queryTask(fakeRunner(DENIED_EN).runner, NAME),
    (e: unknown) =>
      e instanceof TaskSchedulerError && e.kind === "access-denied" &&
      e.message.includes("Invite de commandes (administrateur)"),
  );
  await assert.rejects(
    queryTask(fakeRunner({ code: 0, stdout: "garbage", stderr: "" }).runner, NAME),
    (e: unknown) => e instanceof TaskSchedulerError && e.kind === "failed",
  );
});

Deno.test("the task's definition read back, and started once", async () => {
  const xml = '<?xml version="1.0" encoding="UTF-16"?>\r\n<Task version="1.2"></Task>\r\n';
  const found = fakeRunner({ code: 0, stdout: xml, stderr: "" }, OK);
  assert.equal(await queryTaskXml(found.runner, NAME), xml);
  await startTask(found.runner, NAME);
  assert.deepEqual(found.calls.map((c) => c.args), [
    ["/Query", "/XML", "/TN", NAME],
    ["/Run", "/TN", NAME],
  ]);
  assert.equal(await queryTaskXml(fakeRunner(MISSING_FR).runner, NAME), undefined);
  await assert.rejects(
    startTask(fakeRunner(DENIED_FR).runner, NAME),
    (e: unknown) =>
      e instanceof TaskSchedulerError && e.kind === "access-denied" &&
      e.message.startsWith("Impossible de lancer la tâche planifiée « Saxium Batigest Sync »"),
  );
});

// --- the commands ---------------------------------------------------------

interface Harness {
  ctx: CommandContext;
  out: string[];
  err: string[];
  calls: Call[];
  lookups: string[][];
}

function harness(
  options: {
    results?: CommandResult[];
    env?: Record<string, string>;
    standalone?: boolean;
    executable?: string;
  } = {},
): Harness {
  const fake = fakeRunner(...(options.results ?? []));
  const { runner, lookups } = withLookups(fake.runner);
  const calls = fake.calls;
  const { ctx, out, err } = fakeContext({
    env: options.env ?? {},
    hostname: () => "SRV-COMPTA",
    now: () => new Date(2026, 10, 26, 14, 5, 0),
    runCommand: runner,
    buildDefaults: { apiUrl: "https://saxium.example.com" },
    executable: {
      path: options.executable ?? "C:\\Saxium\\saxium-batigest-agent.exe",
      standalone: options.standalone ?? true,
    },
  });
  return { ctx, out, err, calls, lookups };
}

/** The text of `<name>…</name>` in printed XML lines. */
function element(lines: string[], name: string): string | undefined {
  const line = lines.find((l) => l.trim().startsWith(`<${name}>`));
  return line?.trim().slice(name.length + 2, -(name.length + 3));
}

Deno.test("install-task --dry-run prints the XML and registers nothing", async () => {
  await withTempDir(async (dir) => {
    const h = harness();
    const code = await installTaskCommand(["--dry-run", ...folders(dir), "--every", "15"], h.ctx);
    assert.equal(code, 0);
    assert.equal(h.calls.length, 0);
    assert.equal(h.out[0], '<?xml version="1.0" encoding="UTF-16"?>');
    assert.equal(element(h.out, "Command"), "C:\\Saxium\\saxium-batigest-agent.exe");
    assert.equal(
      element(h.out, "Arguments"),
      `sync --once --work-dir ${dir} --batigest-import-dir ${dir}-import`,
    );
    assert.equal(element(h.out, "WorkingDirectory"), dir);
    assert.equal(element(h.out, "Interval"), "PT15M");
    assert.equal(element(h.out, "StartBoundary"), "2026-11-26T14:05:00");
    assert.equal(element(h.out, "UserId"), "S-1-5-18");
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing written");
  });
});

/** The icacls calls that save the ACL of `dir`, then lock it down. */
function lockDownCalls(dir: string): [string, string[]][] {
  const backup = nodePath.join(dir, ACL_BACKUP_FILE);
  return [
    ["icacls.exe", [dir, "/save", backup, "/T", "/Q"]],
    ["icacls.exe", [dir, "/reset", "/T", "/C", "/Q"]],
    [
      "icacls.exe",
      [
        dir,
        "/inheritance:r",
        "/grant:r",
        "*S-1-5-18:(OI)(CI)F",
        "*S-1-5-32-544:(OI)(CI)F",
        "/C",
        "/Q",
      ],
    ],
  ];
}

Deno.test("install-task locks the work folder, then registers the task, and says so", async () => {
  await withTempDir(async (dir) => {
    const h = harness();
    const code = await installTaskCommand([...folders(dir), "--name", "Saxium Test"], h.ctx);
    assert.equal(code, 0, h.err.join("\n"));
    // The work folder (and the token in agent.json) for SYSTEM and Administrators only, then the task.
    assert.deepEqual(h.calls.map((c) => [c.command, c.args]), [
      ...lockDownCalls(dir),
      [
        SCHTASKS,
        ["/Create", "/XML", nodePath.join(dir, "task.xml"), "/TN", "Saxium Test", "/F"],
      ],
    ]);
    // First, the old script's task looked for: among all tasks, then by name when none is read.
    assert.deepEqual(h.lookups, [
      ["/Query", "/XML", "ONE"],
      ["/Query", "/XML", "/TN", "Saxium Batigest Sync"],
      ["/Query", "/XML", "/TN", "Saxium Test"],
    ]);
    const xml = new TextDecoder("utf-16le").decode(h.calls[3].xmlBytes!.slice(2));
    assert.match(xml, /<Interval>PT5M<\/Interval>/);
    assert.deepEqual(h.err, []);
    assert.match(h.out.join("\n"), /Tâche planifiée « Saxium Test » installée .* 5 minutes/);
  });
});

Deno.test("install-task without administrator rights: exit 2, the elevated prompt, nothing registered", async () => {
  await withTempDir(async (dir) => {
    const h = harness({ results: [DENIED_FR] });
    assert.equal(await installTaskCommand(folders(dir), h.ctx), 2);
    assert.equal(h.err.length, 1);
    assert.match(h.err[0], /rien n'a été modifié\. .*Invite de commandes \(administrateur\)/);
    assert.deepEqual(h.calls.map((c) => c.command), ["icacls.exe"]);
    assert.deepEqual(h.out, []);
  });
});

Deno.test("install-task: icacls refused half way: the ACL put back, no task registered, one line", async () => {
  await withTempDir(async (dir) => {
    const refused = { code: 5, stdout: "", stderr: "Accès refusé.\r\n" };
    const h = harness({ results: [OK, refused] });
    assert.equal(await installTaskCommand(folders(dir), h.ctx), 2);
    assert.deepEqual(h.calls.map((c) => [c.command, c.args]), [
      ...lockDownCalls(dir).slice(0, 2),
      ["icacls.exe", [
        nodePath.dirname(dir),
        "/restore",
        nodePath.join(dir, ACL_BACKUP_FILE),
        "/C",
        "/Q",
      ]],
    ]);
    assert.equal(h.err.length, 1);
    assert.match(
      h.err[0],
      /^Impossible de restreindre l'accès au dossier de travail .* \(icacls, code 5 : Accès refusé\.\) : ses droits d'origine ont été rétablis, aucune tâche n'a été installée\. Droits administrateur nécessaires/,
    );
    assert.deepEqual(h.out, []);
  });
});

Deno.test("install-task: Task Scheduler refuses: the work folder's ACL is put back", async () => {
  await withTempDir(async (dir) => {
    const malformed = { code: 1, stdout: "", stderr: "ERROR: The task XML is malformed.\r\n" };
    const h = harness({ results: [OK, OK, OK, malformed] });
    // What icacls /save would have written, to be removed once restored.
    Deno.writeTextFileSync(nodePath.join(dir, ACL_BACKUP_FILE), "saved");
    assert.equal(await installTaskCommand(folders(dir), h.ctx), 2);
    assert.deepEqual(h.calls.map((c) => [c.command, c.args[0], c.args[1]]), [
      ["icacls.exe", dir, "/save"],
      ["icacls.exe", dir, "/reset"],
      ["icacls.exe", dir, "/inheritance:r"],
      [SCHTASKS, "/Create", "/XML"],
      ["icacls.exe", nodePath.dirname(dir), "/restore"],
    ]);
    assert.deepEqual(h.calls[4].args.slice(2), [nodePath.join(dir, ACL_BACKUP_FILE), "/C", "/Q"]);
    assert.deepEqual(h.err, [
      "Impossible de créer la tâche planifiée « Saxium Batigest Sync » : schtasks a échoué (code 1 : ERROR: The task XML is malformed.).",
    ]);
    assert.deepEqual([...Deno.readDirSync(dir)], [], "neither the saved ACL nor task.xml left");

    // And when the ACL cannot be put back either, the one line says both.
    const worse = harness({
      results: [OK, OK, OK, malformed, { code: 5, stdout: "", stderr: "" }],
    });
    assert.equal(await installTaskCommand(folders(dir), worse.ctx), 2);
    assert.equal(worse.err.length, 1);
    assert.match(
      worse.err[0],
      /^Impossible de créer la tâche .*\. Les droits d'origine du dossier de travail .* n'ont pas pu être rétablis \(icacls, code 5\) : il reste réservé à SYSTEM et aux Administrateurs/,
    );
  });
});

Deno.test("install-task on a system without icacls: a French line, nothing registered", async () => {
  await withTempDir(async (dir) => {
    const h = harness();
    h.ctx.runCommand = withLookups((command, args) => {
      h.calls.push({ command, args });
      return Promise.reject(new Deno.errors.NotFound("entity not found"));
    }).runner;
    assert.equal(await installTaskCommand(folders(dir), h.ctx), 2);
    assert.deepEqual(h.err, [
      `Impossible de restreindre l'accès au dossier de travail ${dir} (icacls, icacls.exe introuvable) : rien n'a été modifié. Les droits de dossier et la tâche planifiée ne se règlent que sous Windows.`,
    ]);
    assert.deepEqual(h.calls.map((c) => c.command), ["icacls.exe"]);
  });
});

Deno.test("install-task refuses a bad --every or --name before touching anything", async () => {
  await withTempDir(async (dir) => {
    for (const args of [["--every", "0"], ["--every", "cinq"], ["--name", "a|b"], ["extra"]]) {
      const h = harness();
      assert.equal(await installTaskCommand([...folders(dir), ...args], h.ctx), 2);
      assert.equal(h.calls.length, 0);
      assert.equal(h.err.length, 1);
    }
  });
});

Deno.test("install-task passes its setting flags on to the task", async () => {
  await withTempDir(async (dir) => {
    const h = harness();
    h.ctx.buildDefaults = {};
    const args = ["--dry-run", ...folders(dir), "--api-url", "https://autre.example.com"];
    assert.equal(await installTaskCommand(args, h.ctx), 0);
    assert.equal(
      element(h.out, "Arguments"),
      `sync --once --api-url https://autre.example.com --work-dir ${dir} --batigest-import-dir ${dir}-import`,
    );
  });
});

Deno.test("install-task warns when the settings come from this session only", async () => {
  await withTempDir(async (dir) => {
    const h = harness({ env: { SAXIUM_API_URL: "https://saxium.example.com" } });
    h.ctx.buildDefaults = {};
    assert.equal(await installTaskCommand(folders(dir), h.ctx), 0);
    assert.match(h.err.join("\n"), /SYSTEM.*SAXIUM_API_URL.*agent\.json/);
    assert.deepEqual(h.calls.map((c) => c.command), [
      "icacls.exe",
      "icacls.exe",
      "icacls.exe",
      SCHTASKS,
    ]);
  });
});

Deno.test("install-task under deno run: Deno with the agent's permissions and main.ts", async () => {
  await withTempDir(async (dir) => {
    const h = harness({ standalone: false, executable: "/usr/bin/deno" });
    assert.equal(await installTaskCommand(["--dry-run", ...folders(dir)], h.ctx), 0);
    const main = fileURLToPath(new URL("../../main.ts", import.meta.url));
    const expected = windowsCommandLine([
      "run",
      ...permissionFlags({
        apiUrl: "https://saxium.example.com",
        workDir: dir,
        batigestImportDir: `${dir}-import`,
        schtasks: "schtasks.exe",
      }),
      main,
      "sync",
      "--once",
      "--work-dir",
      dir,
      "--batigest-import-dir",
      `${dir}-import`,
    ]);
    assert.equal(element(h.out, "Command"), "/usr/bin/deno");
    assert.equal(
      element(h.out, "Arguments"),
      expected.replace(/&/g, "&amp;").replace(/"/g, "&quot;"),
    );
  });
});

Deno.test("task action: compiled executable, Windows paths with spaces", () => {
  const action = taskAction({
    executable: { path: "C:\\Program Files\\Saxium\\saxium-batigest-agent.exe", standalone: true },
    settings: {
      apiUrl: "https://saxium.example.com",
      agentId: "PC",
      workDir: "D:\\Saxium Batigest",
      batigestImportDir: "D:\\Batigest\\Import",
      formats: ["xml"],
      pollIntervalSeconds: 300,
      batchSize: 50,
      importTimeoutSeconds: 30,
      batigestRefusalHours: 72,
      logRetentionDays: 30,
      logLevel: "INFO",
    },
  });
  assert.deepEqual(action, {
    command: "C:\\Program Files\\Saxium\\saxium-batigest-agent.exe",
    arguments: 'sync --once --work-dir "D:\\Saxium Batigest"',
    workingDirectory: "D:\\Saxium Batigest",
  });
});

Deno.test("uninstall-task: removed, none, refused", async () => {
  const removed = harness();
  assert.equal(await uninstallTaskCommand([], removed.ctx), 0);
  assert.deepEqual(removed.calls.map((c) => c.args), [["/Delete", "/TN", NAME, "/F"]]);
  assert.deepEqual(removed.out, [`Tâche planifiée « ${NAME} » supprimée.`]);

  const none = harness({ results: [MISSING_FR] });
  assert.equal(await uninstallTaskCommand(["--name", "Autre"], none.ctx), 0);
  assert.deepEqual(none.calls.map((c) => c.args), [["/Delete", "/TN", "Autre", "/F"]]);
  assert.deepEqual(none.out, ["Aucune tâche planifiée « Autre » : il n'y avait rien à supprimer."]);

  const denied = harness({ results: [DENIED_EN] });
  assert.equal(await uninstallTaskCommand([], denied.ctx), 2);
  assert.match(denied.err.join("\n"), /Invite de commandes \(administrateur\)/);
});

Deno.test("uninstall-task works even when the configuration is incomplete", async () => {
  const h = harness();
  h.ctx.buildDefaults = {};
  assert.equal(await uninstallTaskCommand([], h.ctx), 0);
  assert.equal(h.calls.length, 1);
});

Deno.test("--help in French, nothing run", async () => {
  for (const command of [installTaskCommand, uninstallTaskCommand]) {
    const h = harness();
    assert.equal(await command(["--help"], h.ctx), 0);
    assert.match(h.out[0], /^Utilisation : saxium-batigest-agent/);
    assert.equal(h.calls.length, 0);
  }
});
