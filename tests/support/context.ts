/**
 * A fake {@linkcode CommandContext} for running a command in process: what
 * it prints is captured line by line, the rest has test defaults that each
 * test overrides where it matters (environment, clock, `schtasks`).
 *
 * @module
 */

import type { CommandContext } from "../../lib/base/context.ts";

/** What a test may set; the output streams are always captured. */
export interface FakeContextOptions
  extends Partial<Omit<CommandContext, "stdout" | "stderr" | "env">> {
  /** The environment variables, or a reader of them; none by default. */
  env?: Record<string, string> | CommandContext["env"];
}

/** The context and what the command printed. */
export interface FakeContext {
  ctx: CommandContext;
  /** Lines written to standard output. */
  out: string[];
  /** Lines written to standard error. */
  err: string[];
  /** Both, in the order they were written. */
  lines: string[];
}

/**
 * A context with host `SRV-TEST`, the real clock, no build defaults, a
 * standalone `agent.exe`, a signal never aborted, and a command runner that
 * fails (a test that expects `schtasks` gives its own).
 *
 * @example
 * ```ts
 * const { ctx, out } = fakeContext({ env: { SAXIUM_WORK_DIR: dir } });
 * const code = await statusCommand(["--json"], ctx);
 * ```
 */
export function fakeContext(options: FakeContextOptions = {}): FakeContext {
  const out: string[] = [];
  const err: string[] = [];
  const lines: string[] = [];
  const { env = {}, ...rest } = options;
  const ctx: CommandContext = {
    hostname: () => "SRV-TEST",
    now: () => new Date(),
    runCommand: () => Promise.reject(new Error("no command expected")),
    buildDefaults: {},
    executable: { path: "agent.exe", standalone: true },
    signal: new AbortController().signal,
    failpoint: () => {},
    ...rest,
    env: typeof env === "function" ? env : (name) => env[name],
    stdout: (line) => (out.push(line), lines.push(line)),
    stderr: (line) => (err.push(line), lines.push(line)),
  };
  return { ctx, out, err, lines };
}
