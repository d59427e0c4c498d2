/**
 * What a command receives from the outside world: output streams, the
 * environment, the clock, the external-command runner and the build's baked-in
 * defaults. `main.ts` builds the real one; tests build their own.
 *
 * @module
 */

import { type BuildDefaults } from "./settings.ts";
import type { CommandRunner } from "./command_runner.ts";
import type { FileOps } from "./fs_retry.ts";

/** The outside world as a command sees it. */
export interface CommandContext {
  /** Writes one line (without its newline) to standard output. */
  stdout: (line: string) => void;
  /** Writes one line (without its newline) to standard error. */
  stderr: (line: string) => void;
  /** Reads an environment variable; unset → undefined. */
  env: (name: string) => string | undefined;
  /** The machine's host name. */
  hostname: () => string;
  /** The current time. */
  now: () => Date;
  /** Runs an external program (`schtasks.exe`). */
  runCommand: CommandRunner;
  /** Values baked into the executable at build time. */
  buildDefaults: BuildDefaults;
  /** The path of the running executable, and whether it is a compiled one. */
  executable: { path: string; standalone: boolean };
  /** Aborted on Ctrl-C / stop: long commands finish what they hold, then return. */
  signal: AbortSignal;
  /** Test-only crash points; a no-op in every build. */
  failpoint: (name: string) => void;
  /** Test-only file operations (a refusing folder); the real ones when unset, in every build. */
  fileOps?: FileOps;
}
