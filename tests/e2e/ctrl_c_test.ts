/**
 * Ctrl-C outside sync: `tail-logs --follow` and `status` stop promptly and
 * say nothing of a pass (only sync has one to finish; its own Ctrl-C is
 * tested in saxium_answers_test.ts).
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { logFileName } from "../../lib/base/log.ts";
import { spawnAgent, withWorld, type World } from "../support/agent_process.ts";

/** Starts `args`, waits until `ready` is seen on standard output, sends Ctrl-C, and waits for the end. */
async function interrupt(
  world: World,
  args: string[],
  ready: (world: World, stdout: string) => boolean,
): Promise<{ code: number; signal: Deno.Signal | null; stderr: string }> {
  const child = spawnAgent(world, args);
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  let pending: Promise<ReadableStreamReadResult<string>> | undefined;
  while (!ready(world, stdout)) {
    pending ??= reader.read();
    const result = await Promise.race([
      pending,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 50)),
    ]);
    if (result === undefined) continue;
    pending = undefined;
    if (result.done) break;
    stdout += result.value;
  }
  child.kill("SIGINT");
  clearTimeout(killer);
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  const status = await child.status;
  clearTimeout(timer);
  await reader.cancel().catch(() => {});
  return { code: status.code, signal: status.signal, stderr: await stderr };
}

Deno.test("Ctrl-C on tail-logs --follow: it stops, without speaking of a pass", async () => {
  await withWorld({}, async (world) => {
    const logs = nodePath.join(world.workDir, "Logs");
    await Deno.mkdir(logs, { recursive: true });
    await Deno.writeTextFile(
      nodePath.join(logs, logFileName(new Date())),
      "[2026-11-27 10:00:00] [INFO] une ligne\r\n",
    );
    const run = await interrupt(
      world,
      ["tail-logs", "--follow"],
      (_, out) => /une ligne/.test(out),
    );
    assert.notEqual(run.signal, "SIGKILL", "still running 5 s after Ctrl-C");
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /passe/);
  });
});

Deno.test("Ctrl-C on status while Saxium does not answer: it stops at once, without speaking of a pass", async () => {
  await withWorld({}, async (world) => {
    world.saxium.addFault({ route: "any", fault: "hang" });
    const run = await interrupt(world, ["status"], (w) => w.saxium.requests.length > 0);
    assert.notEqual(run.signal, "SIGKILL", "still running 5 s after Ctrl-C");
    assert.doesNotMatch(run.stderr, /passe/);
  });
});
