import assert from "node:assert/strict";
import nodePath from "node:path";
import { Logger } from "../../lib/base/log.ts";
import { tailLog, type TailLogOptions } from "../../lib/base/log_tail.ts";
import { tailLogsCommand } from "../../lib/cli/tail_logs.ts";
import { fakeContext } from "../support/context.ts";

const DAY1 = [
  "[2026-11-26 08:00:00] [INFO] Démarrage de la passe",
  "[2026-11-26 08:00:01] [DEBUG] GET /api/batigest/pending",
  "[2026-11-26 08:00:02] [WARNING] Nouvel essai dans 5 s",
  "[2026-11-26 08:00:03] [ERROR] Export DV-1 refusé : XML invalide",
  "[2026-11-26 08:00:04] [INFO] Passe terminée",
];

async function withLogs(fn: (logsDir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tail_logs_test_" });
  try {
    await Deno.mkdir(nodePath.join(dir, "Logs"));
    await fn(nodePath.join(dir, "Logs"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function append(logsDir: string, day: string, text: string): void {
  Deno.writeTextFileSync(nodePath.join(logsDir, `sync-${day}.log`), text, { append: true });
}

function crlf(lines: string[]): string {
  return lines.map((line) => `${line}\r\n`).join("");
}

/** Options for a one-shot read at 26 November 2026, 09:00 local time. */
function once(logsDir: string, out: string[], extra: Partial<TailLogOptions> = {}): TailLogOptions {
  return {
    logsDir,
    lines: 20,
    level: "DEBUG",
    follow: false,
    now: () => new Date(2026, 10, 26, 9, 0, 0),
    sleep: () => Promise.resolve(),
    signal: new AbortController().signal,
    write: (line) => out.push(line),
    ...extra,
  };
}

Deno.test("the last n lines of today's log", async () => {
  await withLogs(async (logsDir) => {
    append(logsDir, "2026-11-26", crlf(DAY1));
    const out: string[] = [];
    const result = await tailLog(once(logsDir, out, { lines: 2 }));
    assert.deepEqual(out, DAY1.slice(-2));
    assert.deepEqual(result, { path: nodePath.join(logsDir, "sync-2026-11-26.log"), found: true });

    const none: string[] = [];
    await tailLog(once(logsDir, none, { lines: 0 }));
    assert.deepEqual(none, []);
  });
});

Deno.test("--level keeps that level and the more serious ones", async () => {
  await withLogs(async (logsDir) => {
    append(logsDir, "2026-11-26", crlf([...DAY1, "suite sans en-tête de la ligne précédente"]));
    const levels = async (level: TailLogOptions["level"]) => {
      const out: string[] = [];
      await tailLog(once(logsDir, out, { level }));
      return out;
    };
    assert.deepEqual(await levels("ERROR"), [DAY1[3]]);
    assert.deepEqual(await levels("WARNING"), [DAY1[2], DAY1[3]]);
    assert.deepEqual(await levels("INFO"), [
      DAY1[0],
      DAY1[2],
      DAY1[3],
      DAY1[4],
      "suite sans en-tête de la ligne précédente",
    ]);
    assert.equal((await levels("DEBUG")).length, 6);
  });
});

Deno.test("--date reads another day; a missing file is reported, not an error", async () => {
  await withLogs(async (logsDir) => {
    append(logsDir, "2026-11-20", crlf(["[2026-11-20 10:00:00] [INFO] ancien"]));
    const out: string[] = [];
    await tailLog(once(logsDir, out, { date: "2026-11-20" }));
    assert.deepEqual(out, ["[2026-11-20 10:00:00] [INFO] ancien"]);
    const missing = await tailLog(once(logsDir, [], { date: "2026-11-21" }));
    assert.equal(missing.found, false);
  });
});

Deno.test("a last line without its line break is shown", async () => {
  await withLogs(async (logsDir) => {
    append(logsDir, "2026-11-26", `${DAY1[0]}\r\n${DAY1[1]}`);
    const out: string[] = [];
    await tailLog(once(logsDir, out));
    assert.deepEqual(out, DAY1.slice(0, 2));
  });
});

Deno.test("--follow keeps going across midnight onto the new day's file", async () => {
  await withLogs(async (logsDir) => {
    let now = new Date(2026, 10, 26, 23, 59, 58);
    append(logsDir, "2026-11-26", crlf(DAY1));
    const controller = new AbortController();
    const out: string[] = [];
    const notices: string[] = [];
    // Each sleep runs the next step of the night, then the clock moves on.
    const steps: Array<() => void> = [
      () => append(logsDir, "2026-11-26", "[2026-11-26 23:59:59] [ERROR] avant minuit\r\n"),
      () => {
        append(logsDir, "2026-11-26", "[2026-11-26 23:59:59] [INFO] encore la veille, tard");
        now = new Date(2026, 10, 27, 0, 0, 1);
      },
      () => {
        // The new day's file appears only after the switch.
        append(
          logsDir,
          "2026-11-27",
          "[2026-11-27 00:00:02] [ERROR] après minuit\r\n[2026-11-27 00:00",
        );
      },
      () => append(logsDir, "2026-11-27", ":03] [DEBUG] détail\r\n"),
      () => append(logsDir, "2026-11-27", "[2026-11-27 00:00:04] [INFO] Passe terminée\r\n"),
    ];
    const sleeps: number[] = [];
    const result = await tailLog({
      logsDir,
      lines: 1,
      level: "INFO",
      follow: true,
      now: () => now,
      sleep: (ms) => {
        sleeps.push(ms);
        const step = steps.shift();
        if (step) step();
        else controller.abort();
        return Promise.resolve();
      },
      signal: controller.signal,
      write: (line) => out.push(line),
      notice: (message) => notices.push(message),
    });
    assert.deepEqual(out, [
      "[2026-11-26 08:00:04] [INFO] Passe terminée",
      "[2026-11-26 23:59:59] [ERROR] avant minuit",
      "[2026-11-26 23:59:59] [INFO] encore la veille, tard",
      "[2026-11-27 00:00:02] [ERROR] après minuit",
      "[2026-11-27 00:00:04] [INFO] Passe terminée",
    ]);
    assert.deepEqual(notices, [
      `Nouveau jour : suite dans ${nodePath.join(logsDir, "sync-2026-11-27.log")}`,
    ]);
    assert.ok(sleeps.every((ms) => ms === 500));
    assert.equal(result.path, nodePath.join(logsDir, "sync-2026-11-26.log"));
  });
});

Deno.test("--follow waits for a file that does not exist yet, and survives truncation", async () => {
  await withLogs(async (logsDir) => {
    const controller = new AbortController();
    const out: string[] = [];
    const notices: string[] = [];
    const path = nodePath.join(logsDir, "sync-2026-11-26.log");
    const steps: Array<() => void> = [
      () => append(logsDir, "2026-11-26", crlf(DAY1.slice(0, 1))),
      () => Deno.writeTextFileSync(path, ""),
      () => append(logsDir, "2026-11-26", crlf(["[2026-11-26 09:00:00] [INFO] recommencé"])),
    ];
    await tailLog({
      ...once(logsDir, out),
      follow: true,
      pollMs: 10,
      signal: controller.signal,
      sleep: () => {
        const step = steps.shift();
        if (step) step();
        else controller.abort();
        return Promise.resolve();
      },
      notice: (message) => notices.push(message),
    });
    assert.deepEqual(out, [DAY1[0], "[2026-11-26 09:00:00] [INFO] recommencé"]);
    assert.deepEqual(notices, [`En attente du fichier de log ${path}…`]);
  });
});

// --- the command ----------------------------------------------------------

function context(workDir: string, buildDefaults = { apiUrl: "https://saxium.example.com" }) {
  const env: Record<string, string> = {
    SAXIUM_WORK_DIR: workDir,
    BATIGEST_IMPORT_PATH: `${workDir}-import`,
  };
  const { ctx, out, err } = fakeContext({
    env: (name) => env[name],
    hostname: () => "PC",
    now: () => new Date(2026, 10, 26, 9, 0, 0),
    buildDefaults,
    signal: AbortSignal.abort(),
  });
  return { ctx, out, err };
}

Deno.test("tail-logs: flags, work folder from the settings", async () => {
  await withLogs(async (logsDir) => {
    append(logsDir, "2026-11-26", crlf(DAY1));
    const workDir = nodePath.dirname(logsDir);
    const a = context(workDir);
    assert.equal(await tailLogsCommand(["-n", "3", "--level", "warning"], a.ctx), 0);
    assert.deepEqual(a.out, [DAY1[2], DAY1[3]]);
    assert.deepEqual(a.err, []);

    const b = context(workDir);
    assert.equal(await tailLogsCommand(["--date", "25/11/2026"], b.ctx), 0);
    assert.deepEqual(b.out, []);
    assert.match(
      b.err.join("\n"),
      /Aucun fichier de log pour ce jour : .*sync-2026-11-25\.log n'existe pas/,
    );

    const c = context(workDir);
    assert.equal(await tailLogsCommand(["--follow"], c.ctx), 0, "stops when aborted");
    assert.deepEqual(c.out, DAY1);

    const d = context(workDir);
    assert.equal(await tailLogsCommand(["-n", "3", "--level", "attention"], d.ctx), 0);
    assert.deepEqual(d.out, a.out, "French level names mean the same");
  });
});

Deno.test("tail-logs still reads the logs when the configuration is broken", async () => {
  await withLogs(async (logsDir) => {
    append(logsDir, "2026-11-26", crlf(DAY1));
    const { ctx, out, err } = context(nodePath.dirname(logsDir), {} as { apiUrl: string });
    assert.equal(await tailLogsCommand(["-n", "1"], ctx), 0);
    assert.deepEqual(out, [DAY1[4]]);
    assert.match(err.join("\n"), /^Attention : Paramètre/);
  });
});

Deno.test("tail-logs refuses bad flags with exit 2", async () => {
  await withLogs(async (logsDir) => {
    const workDir = nodePath.dirname(logsDir);
    for (
      const args of [
        ["-n", "beaucoup"],
        ["--level", "FATAL"],
        ["--date", "2026-02-30"],
        ["--date", "32/11/2026"],
        ["--batigest-import-dir", "x"],
        ["--follow", "--date", "2026-11-20"],
        ["--bogus"],
      ]
    ) {
      const { ctx, out, err } = context(workDir);
      assert.equal(await tailLogsCommand(args, ctx), 2, args.join(" "));
      assert.deepEqual(out, []);
      assert.equal(err.length, 1);
    }
    const tooMany = context(workDir);
    assert.equal(await tailLogsCommand(["-n", "100001"], tooMany.ctx), 2);
    assert.match(tooMany.err[0], /entre 0 et 100\u202f000 est attendu/);
    const help = context(workDir);
    assert.equal(await tailLogsCommand(["--help"], help.ctx), 0);
    assert.match(help.out[0], /^Utilisation : saxium-batigest-agent tail-logs/);
  });
});

Deno.test("reads what the agent's logger writes", async () => {
  await withLogs(async (logsDir) => {
    const now = new Date(2026, 10, 26, 10, 30, 0);
    const logger = new Logger({
      dir: logsDir,
      level: "DEBUG",
      retentionDays: 30,
      now: () => now,
      console: () => {},
    });
    logger.info("première ligne");
    logger.error("deuxième\nligne");
    const out: string[] = [];
    await tailLog(once(logsDir, out, { level: "ERROR" }));
    assert.deepEqual(out, ["[2026-11-26 10:30:00] [ERROR] deuxième ⏎ ligne"]);
  });
});
