/**
 * The Windows Event Log as an alert channel: the right event ID for each way a
 * pass fails, once per failure, "back to normal" once, off when `eventLog` is
 * false, and nothing but a DEBUG line where there is no Event Log.
 */

import assert from "node:assert/strict";
import type { CommandRunner } from "../../lib/base/command_runner.ts";
import { notifyAfterPass } from "../../lib/notify/after_pass.ts";
import { EXPORT_ERRORS, SUCCESS, UNREACHABLE, withBench } from "../support/notify_bench.ts";

function recorder(code = 0) {
  const calls: [string, string[]][] = [];
  const runner: CommandRunner = (command, args) => {
    calls.push([command, args]);
    return Promise.resolve({ code, stdout: "", stderr: code ? "ERREUR : Accès refusé." : "" });
  };
  const ids = () => calls.map(([, args]) => args[args.indexOf("/ID") + 1]);
  return { calls, runner, ids };
}

Deno.test("event log: one event per failure, its own ID, then back to normal", async () => {
  await withBench(async ({ folders, log, clock }) => {
    const { calls, runner, ids } = recorder();
    const settings = { agentId: "SRV-01", eventLog: true };
    const options = {
      settings,
      folders,
      log,
      now: () => clock.now,
      runCommand: runner,
      os: "windows",
    };
    await notifyAfterPass(EXPORT_ERRORS, options);
    await notifyAfterPass(EXPORT_ERRORS, options);
    assert.deepEqual(ids(), ["300"], "the same failure is written once");
    await notifyAfterPass(UNREACHABLE, options);
    assert.deepEqual(ids(), ["300", "400"], "another failure is another event");
    await notifyAfterPass(SUCCESS, options);
    await notifyAfterPass(SUCCESS, options);
    assert.deepEqual(ids(), ["300", "400", "100"]);
    assert.equal(calls[0][0], "eventcreate.exe");
    const args = calls[0][1];
    assert.deepEqual(args.slice(0, 6), [
      "/L",
      "APPLICATION",
      "/SO",
      "SaxiumBatigestAgent",
      "/T",
      "ERROR",
    ]);
    assert.match(args[9], /SRV-01 : 2 exports en erreur/);
    assert.deepEqual(calls[2][1].slice(4, 6), ["/T", "INFORMATION"]);
  });
});

Deno.test("event log: off with eventLog false, a DEBUG line off Windows, a warning when refused", async () => {
  await withBench(async ({ folders, log, clock, lines }) => {
    const off = recorder();
    await notifyAfterPass(EXPORT_ERRORS, {
      settings: { agentId: "SRV-01", eventLog: false },
      folders,
      log,
      now: () => clock.now,
      runCommand: off.runner,
      os: "windows",
    });
    assert.deepEqual(off.calls, []);
    const linux = recorder();
    await notifyAfterPass(EXPORT_ERRORS, {
      settings: { agentId: "SRV-01" },
      folders,
      log,
      now: () => clock.now,
      runCommand: linux.runner,
      os: "linux",
    });
    assert.deepEqual(linux.calls, []);
    assert.ok(lines.some((l) => /\[DEBUG\] Journal d'événements Windows : absent/.test(l)));
    const denied = recorder(1);
    await notifyAfterPass(UNREACHABLE, {
      settings: { agentId: "SRV-01" },
      folders,
      log,
      now: () => clock.now,
      runCommand: denied.runner,
      os: "windows",
    });
    assert.ok(
      lines.some((l) => /\[WARNING\] .*journal d'événements Windows .*accès refusé/.test(l)),
      lines.join("\n"),
    );
  });
});
