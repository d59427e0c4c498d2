/**
 * A day's log of 150 MB (a DEBUG loop, a disk left to fill) read by the
 * agent under the executable's heap cap (`V8_FLAGS`, 96 MB): `tail-logs`
 * reads only the end of the file, `doctor --bundle` copies only the last
 * megabytes. Reading the whole file used to end in V8's "out of memory"
 * (exit 133).
 *
 * @module
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { unzipSync } from "fflate";
import { formatLine, logFileName } from "../../lib/base/log.ts";
import { runAgent, withWorld } from "../support/agent_process.ts";

const LOG_BYTES = 150 * 1024 * 1024;

/** Writes today's log: a BOM, an ERROR near the start, then DEBUG lines (with accents) up to `bytes`. */
async function writeBigLog(logsDir: string, now: Date, bytes: number): Promise<string[]> {
  await Deno.mkdir(logsDir, { recursive: true });
  const encoder = new TextEncoder();
  const line = `${
    formatLine(now, "DEBUG", `réponse reçue ${"é".repeat(50)}${"x".repeat(120)}`)
  }\r\n`;
  const block = encoder.encode(line.repeat(Math.ceil((1024 * 1024) / line.length)));
  const file = await Deno.open(nodePath.join(logsDir, logFileName(now)), {
    write: true,
    create: true,
    truncate: true,
  });
  try {
    await file.write(encoder.encode(`\uFEFF${formatLine(now, "ERROR", "la seule erreur")}\r\n`));
    for (let written = 0; written < bytes; written += block.length) await file.write(block);
    const last = [
      formatLine(now, "INFO", "avant-dernière ligne, accentuée : déjà"),
      formatLine(now, "WARNING", "dernière ligne"),
    ];
    await file.write(encoder.encode(last.map((l) => `${l}\r\n`).join("")));
    return last;
  } finally {
    file.close();
  }
}

Deno.test("a 150 MB log: tail-logs and doctor --bundle read its end, under the heap cap", async () => {
  await withWorld({}, async (world) => {
    const now = new Date();
    const logsDir = nodePath.join(world.workDir, "Logs");
    const last = await writeBigLog(logsDir, now, LOG_BYTES);

    const tail = await runAgent(world, ["tail-logs", "-n", "2"]);
    assert.equal(tail.code, 0, tail.stderr.slice(-500));
    assert.deepEqual(tail.stdout.trimEnd().split("\n"), last);

    const errors = await runAgent(world, ["tail-logs", "-n", "1", "--level", "erreur"]);
    assert.equal(errors.code, 0, errors.stderr.slice(-500));
    assert.equal(errors.stdout.trimEnd(), formatLine(now, "ERROR", "la seule erreur"));

    const bundle = await runAgent(world, ["doctor", "--bundle", "support.zip"]);
    assert.ok(bundle.code === 0 || bundle.code === 1, bundle.stderr.slice(-500));
    const files = unzipSync(await Deno.readFile(nodePath.join(world.workDir, "support.zip")));
    const copy = new TextDecoder().decode(files[`logs/${logFileName(now)}`]);
    const lines = copy.trimEnd().split("\r\n");
    assert.match(
      lines[0],
      /^\[Copie tronquée : ce fichier de log fait 150,\d Mo, seules ses dernières lignes/,
    );
    assert.deepEqual(lines.slice(-2), last);
    assert.ok(copy.length < 5 * 1024 * 1024);
  });
});
