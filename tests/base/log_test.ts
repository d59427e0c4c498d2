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

Deno.test("retention removes only daily logs older than the limit", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const name of [
        "sync-2026-10-01.log",
        "sync-2026-10-27.log",
        "sync-2026-11-26.log",
        "notes.txt",
      ]
    ) {
      await Deno.writeTextFile(nodePath.join(dir, name), "x");
    }
    const removed = pruneLogs(dir, { retentionDays: 30, now: new Date(2026, 10, 26, 9) });
    assert.deepEqual(removed, ["sync-2026-10-01.log"]);
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(left, ["notes.txt", "sync-2026-10-27.log", "sync-2026-11-26.log"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
