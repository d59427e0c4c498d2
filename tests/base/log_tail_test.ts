/**
 * `log_tail.ts` reads a log from its end, in chunks: the lines it finds must
 * be those a whole-file read would find, whatever falls on a chunk's edge
 * (an accent's bytes, a CR before its LF, a line above its level's line).
 *
 * @module
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { lastLines, MAX_LINE_BYTES, tailLog } from "../../lib/base/log_tail.ts";
import { levelPasses, type LogLevel, parseLogLine } from "../../lib/base/log.ts";

const LEVELS: LogLevel[] = ["DEBUG", "INFO", "WARNING", "ERROR"];

/** What a whole-file read shows: the reference the chunked reader must match. */
function wholeFileTail(bytes: Uint8Array, lines: number, threshold: LogLevel): string[] {
  const text = new TextDecoder().decode(bytes);
  const all = text.split("\n").map((l) => l.replace(/\r$/, ""));
  if (all.at(-1) === "") all.pop();
  let last: LogLevel = "INFO";
  const shown = all.filter((line) => {
    const level = parseLogLine(line)?.level;
    if (level) last = level;
    return levelPasses(last, threshold);
  });
  return lines === 0 ? [] : shown.slice(-lines);
}

/** A log of about `size` bytes, with accents, lines without a level, and varied lengths. */
function sampleLog(size: number, seed: number): Uint8Array {
  let state = seed;
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const parts = ["\uFEFF"];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const line = random(7) === 0
      ? `suite sans en-tête ${"à".repeat(random(40))}`
      : `[2026-11-26 08:00:00] [${LEVELS[random(4)]}] ligne ${i} ${"é€".repeat(random(300))}`;
    parts.push(`${line}\r\n`);
    length += line.length * 2;
  }
  return new TextEncoder().encode(parts.join(""));
}

async function withFile(bytes: Uint8Array, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "log_tail_test_" });
  try {
    const path = nodePath.join(dir, "sync-2026-11-26.log");
    await Deno.writeFile(path, bytes);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the last lines read backwards in chunks are those of a whole-file read", async () => {
  for (const seed of [1, 2, 3]) {
    const bytes = sampleLog(700_000, seed);
    await withFile(bytes, async (path) => {
      for (const level of LEVELS) {
        for (const lines of [0, 1, 7, 2_000, 100_000]) {
          const found = await lastLines(path, { lines, level, partialLast: true });
          assert.deepEqual(
            found?.lines,
            wholeFileTail(bytes, lines, level),
            `${seed} ${level} ${lines}`,
          );
          assert.equal(found?.end, bytes.length);
        }
      }
    });
  }
});

Deno.test("a line still being written: shown once, or left for --follow", async () => {
  const text = "\uFEFF[2026-11-26 08:00:00] [INFO] une\r\n[2026-11-26 08:00:01] [ERROR] en cours";
  const bytes = new TextEncoder().encode(text);
  await withFile(bytes, async (path) => {
    const once = await lastLines(path, { lines: 5, level: "DEBUG", partialLast: true });
    assert.deepEqual(once?.lines, [
      "[2026-11-26 08:00:00] [INFO] une",
      "[2026-11-26 08:00:01] [ERROR] en cours",
    ]);
    const follow = await lastLines(path, { lines: 5, level: "DEBUG", partialLast: false });
    assert.deepEqual(follow?.lines, ["[2026-11-26 08:00:00] [INFO] une"]);
    assert.equal(
      follow?.end,
      bytes.indexOf(0x0a) + 1,
      "following starts after the last line break",
    );
    assert.equal(follow?.lastLevel, "INFO");
  });
  assert.equal(
    await lastLines("/nonexistent/sync.log", { lines: 1, level: "DEBUG", partialLast: true }),
    undefined,
  );
});

Deno.test("a line longer than the limit is shown cut, read or followed", async () => {
  const long = `[2026-11-26 08:00:00] [INFO] ${"x".repeat(MAX_LINE_BYTES * 5)}`;
  const bytes = new TextEncoder().encode(`${long}\r\n[2026-11-26 08:00:01] [INFO] fin\r\n`);
  await withFile(bytes, async (path) => {
    const found = await lastLines(path, { lines: 2, level: "DEBUG", partialLast: true });
    assert.equal(found?.lines.length, 2);
    assert.equal(found?.lines[0], `${long.slice(0, MAX_LINE_BYTES)}…`);

    // Followed: the file grows by the long line while tail-logs --follow runs.
    const shown = await follow(path, {
      lines: 0,
      level: "DEBUG",
      grow: () => Deno.writeFileSync(path, bytes, { append: true }),
    });
    assert.equal(shown.length, 2);
    assert.equal(shown[0], `${long.slice(0, MAX_LINE_BYTES)}…`);
    assert.equal(shown[1], "[2026-11-26 08:00:01] [INFO] fin");
  });
});

Deno.test("--follow reads a large addition in chunks, lines whole across their edges", async () => {
  const bytes = sampleLog(900_000, 9);
  await withFile(new Uint8Array(), async (path) => {
    const shown = await follow(path, {
      lines: 10,
      level: "WARNING",
      grow: () => Deno.writeFileSync(path, bytes),
    });
    assert.deepEqual(shown, wholeFileTail(bytes, 1_000_000, "WARNING"));
  });
});

/** `tail-logs --follow` on the log at `path`: it grows once (`grow`), then Ctrl-C. */
async function follow(
  path: string,
  options: { lines: number; level: "DEBUG" | "WARNING"; grow: () => void },
): Promise<string[]> {
  const controller = new AbortController();
  const shown: string[] = [];
  const steps = [options.grow];
  await tailLog({
    logsDir: nodePath.dirname(path),
    lines: options.lines,
    level: options.level,
    date: "2026-11-26",
    follow: true,
    now: () => new Date(2026, 10, 26, 9),
    sleep: () => {
      const step = steps.shift();
      if (step) step();
      else controller.abort();
      return Promise.resolve();
    },
    signal: controller.signal,
    write: (line) => shown.push(line),
  });
  return shown;
}
