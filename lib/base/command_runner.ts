/**
 * Running external programs (`schtasks.exe`) through one small seam, so that
 * tests can inject a fake runner and check the exact argument lists.
 *
 * @module
 */

/** What a finished external command left behind. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command` with `args` and returns its exit code and output. */
export type CommandRunner = (command: string, args: string[]) => Promise<CommandResult>;

/** The real runner, on `Deno.Command`; output is decoded as UTF-8. */
export async function runCommand(command: string, args: string[]): Promise<CommandResult> {
  const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
