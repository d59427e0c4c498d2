/**
 * Every command's `--help`, built one way: "Utilisation :", what the command
 * does, each option with its default, the settings it reads with theirs, the
 * exit codes it returns (`base/exit_codes.ts`). The settings' lines are their rows in the settings table
 * (`base/setting_table.ts`), so a new setting with an option cannot be
 * missing from the help.
 *
 * @module
 */

import { SETTING_FLAGS, SETTING_KEYS, type SettingRow, settingRow } from "../base/setting_table.ts";
import { AGENT_NAME } from "../base/version.ts";
import { type ExitCodeDoc, exitCodeLines } from "../base/exit_codes.ts";

/** One option as the help shows it: `--every <minutes>` and what it does (with its default). */
export interface OptionDoc {
  flag: string;
  text: string;
}

/** What a command's help says. */
export interface CommandDoc {
  /** The command and its arguments after the program's name: `sync [--once] [options]`. */
  usage: string;
  /** What the command does, a few lines. */
  about: string[];
  /** The command's own options. */
  options: OptionDoc[];
  /** Which settings it reads: all of them, the work folder only, or none. */
  settings: "all" | "work-dir" | "none";
  /** The exit codes it returns (every --help lists them, last). */
  exitCodes: ExitCodeDoc;
  /** Lines after the options, before the exit codes. */
  footer?: string[];
}

/** A setting's line in `--help`, from its row: `--batch-size <n>` and its text. */
export function settingDoc<T>(key: string, row: SettingRow<T>): OptionDoc | undefined {
  if (!row.flag) return undefined;
  return { flag: `--${row.flag.name} ${row.flag.value}`, text: row.flag.help({ ...row, key }) };
}

/** The line of each setting flag, its variable, its range and its default, from the table. */
export const SETTING_DOCS: Readonly<Record<string, OptionDoc>> = Object.fromEntries(
  SETTING_KEYS.flatMap((key) => {
    const row = settingRow(key);
    const doc = settingDoc(key, row);
    return doc && row.flag ? [[row.flag.name, doc]] : [];
  }),
);

const VERBOSE: OptionDoc = { flag: "--verbose", text: "fichier de log détaillé (niveau DEBUG)" };
const HELP: OptionDoc = { flag: "-h, --help", text: "cette aide" };

/** The help's lines. */
export function renderHelp(doc: CommandDoc): string[] {
  const settings = doc.settings === "all"
    ? [...Object.keys(SETTING_FLAGS).map((flag) => SETTING_DOCS[flag]), VERBOSE]
    : doc.settings === "work-dir"
    ? [SETTING_DOCS["work-dir"]]
    : [];
  const width = Math.max(...[...doc.options, ...settings, HELP].map((o) => o.flag.length)) + 2;
  const line = (o: OptionDoc) => `  ${o.flag.padEnd(width)}${o.text}`;
  const lines = [`Utilisation : ${AGENT_NAME} ${doc.usage}`, "", ...doc.about, ""];
  if (doc.options.length > 0) lines.push("Options :", ...doc.options.map(line), "");
  if (doc.settings === "all") {
    lines.push(
      "Paramètres (sinon variable d'environnement, agent.json, valeur de construction ;",
      "défaut entre crochets) :",
      ...settings.map(line),
      "  Le jeton se donne par SAXIUM_TOKEN ou « token » dans agent.json, jamais en option.",
      "",
    );
  } else if (doc.settings === "work-dir") {
    lines.push(...settings.map(line));
  }
  lines.push(line(HELP));
  if (doc.footer) lines.push("", ...doc.footer);
  lines.push("", ...exitCodeLines(doc.exitCodes));
  return lines;
}

/** Prints `help` when the flags ask for it (`-h`, `--help`); true when it did. */
export function printedHelp(
  flags: { values: Record<string, unknown> },
  options: { help: readonly string[]; out: (line: string) => void },
): boolean {
  if (!flags.values.help) return false;
  options.help.forEach((line) => options.out(line));
  return true;
}
