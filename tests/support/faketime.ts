/**
 * The real agent run at another time than now, by `faketime` (libfaketime):
 * its wall clock moved (`+120` seconds later, or `@2026-11-20 09:00:00` and
 * running from there), its monotonic clock left alone, so that waits and
 * timeouts behave. Tests that need it are skipped, with the reason printed,
 * where `faketime` is not installed (`apt-get install faketime`).
 *
 * @module
 */

import {
  agentArgs,
  agentEnv,
  type AgentRun,
  type RunOptions,
  type World,
} from "./agent_process.ts";

/** Where Debian and Ubuntu install it. */
export const FAKETIME = "/usr/bin/faketime";

/** `ignore` for a test that needs `faketime`: true, with the reason printed, when it is missing. */
export function faketimeMissing(name: string): boolean {
  if (Deno.build.os === "linux") {
    try {
      Deno.statSync(FAKETIME);
      return false;
    } catch {
      // not installed
    }
  }
  console.log(`skipped: ${name} (needs ${FAKETIME}: apt-get install faketime)`);
  return true;
}

/** Runs the agent with `args` at `when` (`+120`: 2 minutes later; `@2026-11-20 09:00:00`). */
export async function runAgentAt(
  world: World,
  when: string,
  args: string[],
  options: RunOptions = {},
): Promise<AgentRun> {
  const env = { ...options.env, FAKETIME_DONT_FAKE_MONOTONIC: "1" };
  const output = await new Deno.Command(FAKETIME, {
    args: ["-f", when, Deno.execPath(), ...agentArgs(world, args, options)],
    env: agentEnv(world, { ...options, env }),
    clearEnv: true,
    cwd: world.root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
