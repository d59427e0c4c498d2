/**
 * Every command's `--help` is complete and consistent: each option the
 * command accepts is listed, with "Utilisation :" first, and every setting
 * the agent knows has its line.
 */

import { SETTING_FLAGS, settingRow } from "../../lib/base/setting_table.ts";
import { formatCount } from "../../lib/base/french.ts";
import assert from "node:assert/strict";
import * as doctor from "../../lib/cli/doctor.ts";
import { SETTING_DOCS } from "../../lib/cli/help.ts";
import * as history from "../../lib/cli/history.ts";
import * as installTask from "../../lib/cli/install_task.ts";
import * as status from "../../lib/cli/status.ts";
import * as sync from "../../lib/cli/sync.ts";
import * as tailLogs from "../../lib/cli/tail_logs.ts";
import * as uninstallTask from "../../lib/cli/uninstall_task.ts";
import type { CommandContext } from "../../lib/base/context.ts";
import { fakeContext } from "../support/context.ts";
import { EXIT_MEANINGS } from "../../lib/base/exit_codes.ts";

type Command = (args: string[], ctx: CommandContext) => Promise<number>;

const COMMANDS: [string, Command, Record<string, { type: string; short?: string }>][] = [
  ["sync", sync.syncCommand, sync.OPTIONS],
  ["status", status.statusCommand, status.OPTIONS],
  ["doctor", doctor.doctorCommand, doctor.OPTIONS],
  ["history", history.historyCommand, history.OPTIONS],
  ["tail-logs", tailLogs.tailLogsCommand, tailLogs.OPTIONS],
  ["install-task", installTask.installTaskCommand, installTask.OPTIONS],
  ["uninstall-task", uninstallTask.uninstallTaskCommand, uninstallTask.OPTIONS],
];

Deno.test("every command's --help lists each option it accepts, in one vocabulary", async () => {
  for (const [name, command, options] of COMMANDS) {
    const { ctx, out, err } = fakeContext();
    assert.equal(await command(["--help"], ctx), 0, name);
    assert.deepEqual(err, [], name);
    const text = out.join("\n");
    assert.match(out[0], new RegExp(`^Utilisation : saxium-batigest-agent ${name}`), name);
    assert.doesNotMatch(text, /Usage :/, name);
    for (const [option, spec] of Object.entries(options)) {
      assert.match(text, new RegExp(`--${option}\\b`), `${name} --help omits --${option}`);
      if (spec.short) assert.match(text, new RegExp(`-${spec.short},`), `${name}: -${spec.short}`);
    }
  }
});

Deno.test("every command's --help ends with the exit codes it returns, in the contract's words", async () => {
  for (const [name, command] of COMMANDS) {
    const { ctx, out } = fakeContext();
    await command(["--help"], ctx);
    const at = out.indexOf("Codes de sortie :");
    assert.ok(at > 0, `${name} --help lists no exit codes`);
    const codes = out.slice(at + 1).map((line) => /^ {2}(\d+) {2}\S/.exec(line)?.[1]);
    assert.ok(
      codes.length >= 2 && codes.every((c) => c !== undefined),
      `${name}: ${out.slice(at)}`,
    );
    assert.ok(codes.includes("0") && codes.includes("2"), name);
  }
  const { ctx, out } = fakeContext();
  await sync.syncCommand(["--help"], ctx);
  assert.ok(out.includes(`  2  ${EXIT_MEANINGS[2]}`));
  assert.deepEqual(
    out.slice(out.indexOf("Codes de sortie :") + 1).map((l) => l.trim().split(" ")[0]),
    Object.keys(EXIT_MEANINGS),
  );
});

Deno.test("the program's own --help lists the exit codes too", async () => {
  const { main } = await import("../../main.ts");
  const printed: string[] = [];
  const log = console.log;
  console.log = (text: string) => printed.push(text);
  try {
    assert.equal(await main(["--help"]), 0);
  } finally {
    console.log = log;
  }
  const text = printed.join("\n");
  assert.match(text, /^Codes de sortie :\n {2}0 {2}passe terminée/m);
  assert.match(text, /chaque commande donne les siens dans <commande> --help/);
});

Deno.test("every whole-number setting's help line gives its range, written the French way", () => {
  for (const [flag, setting] of Object.entries(SETTING_FLAGS)) {
    const range = settingRow(setting).range;
    if (!range) continue;
    const [min, max] = range.map(formatCount);
    assert.match(SETTING_DOCS[flag].text, new RegExp(`, de ${min} à ${max} \\[`), flag);
  }
});

Deno.test("every setting flag has its help line with its default, and no other", () => {
  assert.deepEqual(Object.keys(SETTING_DOCS).sort(), Object.keys(SETTING_FLAGS).sort());
  for (const [flag, doc] of Object.entries(SETTING_DOCS)) {
    assert.ok(doc.flag.startsWith(`--${flag}`), flag);
    assert.match(doc.text, /\[.+\]|obligatoire/, `${flag}: its default`);
  }
});
