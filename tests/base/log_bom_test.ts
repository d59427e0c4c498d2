/**
 * Logs Windows tools read right: each day's file starts with a UTF-8 BOM
 * (Windows PowerShell 5.1 reads a file without one as ANSI), lines end with
 * CRLF, and the readers (`parseLogLine`, `tail-logs`) never show the BOM.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { Logger, parseLogLine } from "../../lib/base/log.ts";
import { tailLog } from "../../lib/base/log_tail.ts";

const BOM = [0xef, 0xbb, 0xbf];

/** A logger of INFO and above into `dir`, on the clock `now`, printing nothing. */
function quietLogger(dir: string, now: () => Date): Logger {
  return new Logger({ dir, level: "INFO", retentionDays: 30, now, console: () => {} });
}

async function withLogs(body: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "log-bom-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("log: a new day's file starts with one BOM, lines end with CRLF", async () => {
  await withLogs(async (dir) => {
    let now = new Date(2026, 10, 27, 8, 0, 0);
    const logger = quietLogger(dir, () => now);
    logger.info("Démarrage : reçu « DV-1 », déposé à l'import");
    logger.error("Échec : accès refusé");
    now = new Date(2026, 10, 28, 0, 0, 1);
    logger.info("Nouveau jour");
    for (const [name, lines] of [["sync-2026-11-27.log", 2], ["sync-2026-11-28.log", 1]] as const) {
      const bytes = await Deno.readFile(nodePath.join(dir, name));
      assert.deepEqual([...bytes.subarray(0, 3)], BOM, name);
      const rest = bytes.subarray(3);
      assert.ok(!rest.some((b, i) => b === 0xef && rest[i + 1] === 0xbb), "one BOM only");
      const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(rest);
      assert.equal(text.split("\r\n").length - 1, lines);
      assert.ok(!/[^\r]\n/.test(text), "every line ends with CRLF");
    }
    const first =
      (await Deno.readTextFile(nodePath.join(dir, "sync-2026-11-27.log"))).split("\r\n")[0];
    assert.ok(first.startsWith("\uFEFF"));
    assert.deepEqual(parseLogLine(first), {
      stamp: "2026-11-27 08:00:00",
      level: "INFO",
      message: "Démarrage : reçu « DV-1 », déposé à l'import",
    });
  });
});

Deno.test("log: a permission refusal is written in French", async () => {
  await withLogs(async (dir) => {
    const now = new Date(2026, 10, 27, 8, 0, 0);
    const logger = quietLogger(dir, () => now);
    logger.error('Échec (Requires read access to "/x", run again with the --allow-read flag)');
    const text = await Deno.readTextFile(nodePath.join(dir, "sync-2026-11-27.log"));
    assert.doesNotMatch(text, /Requires|--allow-|run again/);
    assert.match(text, /lecture de « \/x » refusée/);
  });
});

Deno.test("log: tail-logs never prints the BOM, first read or after a truncation", async () => {
  await withLogs(async (dir) => {
    const now = new Date(2026, 10, 27, 8, 0, 0);
    const logger = quietLogger(dir, () => now);
    logger.info("première ligne");
    logger.warning("deuxième ligne");
    const shown: string[] = [];
    await tailLog({
      logsDir: dir,
      lines: 10,
      level: "DEBUG",
      follow: false,
      now: () => now,
      sleep: () => Promise.resolve(),
      signal: new AbortController().signal,
      write: (line) => shown.push(line),
    });
    assert.deepEqual(shown, [
      "[2026-11-27 08:00:00] [INFO] première ligne",
      "[2026-11-27 08:00:00] [WARNING] deuxième ligne",
    ]);
  });
});
