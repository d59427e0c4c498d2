import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  formatLine,
  levelPasses,
  logFileName,
  Logger,
  pruneLogs,
  sanitize,
} from "../../lib/base/log.ts";

Deno.test("lines follow [yyyy-MM-dd HH:mm:ss] [LEVEL] message in local time", () => {
  const date = new Date(2026, 10, 26, 7, 5, 9);
  assert.equal(formatLine(date, "ERROR", "x"), "[2026-11-26 07:05:09] [ERROR] x");
  assert.equal(logFileName(date), "sync-2026-11-26.log");
});

Deno.test("server text cannot forge a line, and secrets are masked", () => {
  const evil = "refusé\r\n[2026-01-01 00:00:00] [INFO] tout va bien\u2028x\x1b[31m";
  const clean = sanitize(evil, ["tok-123"]);
  for (const c of ["\r", "\n", "\u2028", "\x1b"]) assert.ok(!clean.includes(c));
  assert.equal(sanitize("Bearer tok-123 ok", ["tok-123"]), "Bearer ******** ok");
});

Deno.test("levels filter, the file gets CRLF lines, the console mirrors them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const seen: string[] = [];
    const log = new Logger({
      dir,
      level: "INFO",
      retentionDays: 30,
      now: () => new Date(2026, 10, 26, 12, 0, 0),
      console: (line) => seen.push(line),
      secrets: ["s3cr3t"],
    });
    log.debug("caché");
    log.info("visible s3cr3t");
    log.error("problème\nsur deux lignes");
    const text = await Deno.readTextFile(nodePath.join(dir, "sync-2026-11-26.log"));
    assert.equal(
      text,
      "\uFEFF[2026-11-26 12:00:00] [INFO] visible ********\r\n" +
        "[2026-11-26 12:00:00] [ERROR] problème ⏎ sur deux lignes\r\n",
    );
    assert.equal(seen.length, 2);
    assert.ok(levelPasses("ERROR", "WARNING") && !levelPasses("INFO", "WARNING"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Writes a day's log in `dir`, last changed at noon that day. */
function writeLog(dir: string, day: Date, changed = day): string {
  const name = logFileName(day);
  const path = nodePath.join(dir, name);
  Deno.writeTextFileSync(path, "x");
  const noon = new Date(changed.getFullYear(), changed.getMonth(), changed.getDate(), 12);
  Deno.utimeSync(path, noon, noon);
  return name;
}

/** The day `n` days after `day`. */
function plusDays(day: Date, n: number): Date {
  return new Date(day.getFullYear(), day.getMonth(), day.getDate() + n);
}

const TODAY = new Date(2026, 10, 26, 9);

async function withLogs(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "log_retention_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("retention removes only daily logs older than the limit", async () => {
  await withLogs((dir) => {
    // Forty days of logs, and a file that is not a log.
    const names = Array.from({ length: 40 }, (_, i) => writeLog(dir, plusDays(TODAY, -i)));
    Deno.writeTextFileSync(nodePath.join(dir, "notes.txt"), "x");
    const { removed, held } = pruneLogs(dir, { retentionDays: 30, now: TODAY });
    assert.deepEqual(removed, names.slice(31).sort(), "more than 30 days before today");
    assert.deepEqual(held, []);
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(left, [...names.slice(0, 31), "notes.txt"].sort());
  });
});

Deno.test("retention: a clock 40 days ahead for one run deletes no recent log", async () => {
  await withLogs((dir) => {
    // The last 30 days' logs, then one run with the clock 40 days ahead.
    const names = Array.from({ length: 30 }, (_, i) => writeLog(dir, plusDays(TODAY, -i)));
    const ahead = plusDays(TODAY, 40);
    const log = new Logger({
      dir,
      level: "INFO",
      retentionDays: 30,
      now: () => ahead,
      console: () => {},
    });
    log.info("passe avec une horloge en avance");
    assert.deepEqual(log.prune(), [], "every log looks old by name and by date, none is deleted");
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(left, [...names, logFileName(ahead)].sort());
  });
});

Deno.test("retention: a log written recently under an old day's name is kept", async () => {
  await withLogs((dir) => {
    // A clock set 60 days back wrote this yesterday; then the clock was put right.
    const name = writeLog(dir, plusDays(TODAY, -60), plusDays(TODAY, -1));
    for (let i = 0; i < 31; i++) writeLog(dir, plusDays(TODAY, -i));
    assert.deepEqual(pruneLogs(dir, { retentionDays: 30, now: TODAY }).removed, []);
    assert.ok(Deno.statSync(nodePath.join(dir, name)).isFile);
  });
});

Deno.test("retention: an old log held open is one WARNING, and goes at the next pass", async () => {
  await withLogs((dir) => {
    const old = [writeLog(dir, plusDays(TODAY, -45)), writeLog(dir, plusDays(TODAY, -44))];
    for (let i = 0; i < 31; i++) writeLog(dir, plusDays(TODAY, -i));
    const lines: string[] = [];
    const log = new Logger({
      dir,
      level: "INFO",
      retentionDays: 30,
      now: () => TODAY,
      console: (line) => lines.push(line),
    });
    // As Windows refuses to delete a file an editor holds open (ERROR_SHARING_VIOLATION).
    const held = (path: string) => {
      if (path.endsWith(old[0])) {
        throw new Deno.errors.PermissionDenied(
          "The process cannot access the file because it is being used by another process. (os error 32)",
        );
      }
      Deno.removeSync(path);
    };
    assert.deepEqual(log.prune(held), [old[1]]);
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      new RegExp(
        `^\\[2026-11-26 09:00:00\\] \\[WARNING\\] Ancien fichier de log non supprimé \\(${
          old[0].replace(".", "\\.")
        } : [^)]+\\) : il est peut-être ouvert par un éditeur ou un antivirus ; nouvel essai à la prochaine passe\\.$`,
      ),
    );
    assert.doesNotMatch(lines[0], /process|os error/, "in French");
    // Next pass: the editor is closed.
    assert.deepEqual(log.prune(), [old[0]]);
    assert.equal(lines.length, 1, "no new warning");
  });
});

Deno.test("a log line shows a bidirectional override as ?, never as what it makes the line look", () => {
  assert.equal(sanitize("Export DV-1\u202Egpj.exe refusé"), "Export DV-1?gpj.exe refusé");
});
