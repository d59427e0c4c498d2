/**
 * Running external programs (`schtasks.exe`, `icacls.exe`, `eventcreate.exe`)
 * through one small seam, so that tests can inject a fake runner and check the
 * exact argument lists. Their output is read as Windows' console programs
 * write it (`console_text.ts`: the OEM code page when it is not UTF-8).
 *
 * @module
 */

import { decodeConsoleOutput } from "./console_text.ts";

/** What a finished external command left behind. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command` with `args` and returns its exit code and output. */
export type CommandRunner = (command: string, args: string[]) => Promise<CommandResult>;

/**
 * The real runner, on `Deno.Command`; each output is decoded by
 * {@linkcode decodeConsoleOutput} (UTF-8 if valid, else code page 850).
 */
export async function runCommand(command: string, args: string[]): Promise<CommandResult> {
  const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  return {
    code: output.code,
    stdout: decodeConsoleOutput(output.stdout),
    stderr: decodeConsoleOutput(output.stderr),
  };
}
