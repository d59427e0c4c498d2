/**
 * `history`: what was synced or refused, from the agent's own journal —
 * today by default, `--date`, `--days N`, `--errors`, `--json`.
 *
 * @module
 */

import { ConfigError } from "../base/config_error.ts";
import type { CommandContext } from "../base/context.ts";
import { parseDay } from "../base/french.ts";
import { localDate } from "../base/log.ts";
import { journalPath, workFolders } from "../base/work_folders.ts";
import { gatherHistory, type HistoryRequest, renderHistory } from "../health/history.ts";
import { JournalDamaged, journalDamagedLine, NotAJournal } from "../journal/journal.ts";
import { describeSystemError } from "../base/system_errors.ts";
import { EXIT } from "../base/exit_codes.ts";
import { parseFlags, workDirOnly } from "./flags.ts";
import { printedHelp, renderHelp } from "./help.ts";

const MAX_DAYS = 366;

const HELP = renderHelp({
  usage: "history [--date <jour>] [--days <n>] [--errors] [--json]",
  about: [
    "Liste les exports synchronisés ou refusés, d'après le journal de l'agent",
    "(sans interroger Saxium).",
  ],
  options: [
    {
      flag: "--date <jour>",
      text: "le dernier jour affiché : 25/11/2026, 2026-11-25, hier [aujourd'hui]",
    },
    { flag: "--days <n>", text: `les n jours jusqu'à --date inclus, de 1 à ${MAX_DAYS} [1]` },
    { flag: "--errors", text: "seulement les exports en erreur" },
    { flag: "--json", text: "sortie JSON (supervision, tableur)" },
  ],
  settings: "work-dir",
  exitCodes: {
    codes: [EXIT.ok, EXIT.config, EXIT.localTrouble],
    meanings: {
      [EXIT.ok]: "historique affiché (même vide)",
      [EXIT.config]:
        "option invalide, journal de l'agent endommagé ou fichier d'un autre programme à sa place",
    },
  },
});

/** The options `history` takes. */
export const OPTIONS = {
  "work-dir": { type: "string" as const },
  help: { type: "boolean" as const, short: "h" },
  date: { type: "string" as const },
  days: { type: "string" as const },
  errors: { type: "boolean" as const },
  json: { type: "boolean" as const },
};

/** Runs `history`; returns the exit code. */
export function historyCommand(args: string[], ctx: CommandContext): Promise<number> {
  const flags = parseFlags(args, OPTIONS);
  if (printedHelp(flags, { help: HELP, out: ctx.stdout })) return Promise.resolve(EXIT.ok);
  const request: HistoryRequest = {
    lastDay: day(flags.values.date, ctx.now()),
    days: days(flags.values.days),
    errorsOnly: flags.values.errors === true,
  };
  // The work folder alone: the history must stay readable when another setting is wrong.
  const workDir = workDirOnly(ctx, flags);
  const folders = workFolders({ workDir, batigestImportDir: workDir });
  let report;
  try {
    report = gatherHistory(folders, request);
  } catch (error) {
    // Another program's database at the journal's place: said, and left as it is.
    if (error instanceof NotAJournal) {
      ctx.stderr(error.message);
      return Promise.resolve(EXIT.config);
    }
    // The same line and exit code as sync, status and doctor give.
    const damaged = error instanceof JournalDamaged ||
      describeSystemError(error).kind === "journal-damaged";
    if (!damaged) throw error;
    ctx.stderr(journalDamagedLine(journalPath(folders)));
    return Promise.resolve(EXIT.config);
  }
  if (flags.values.json) ctx.stdout(JSON.stringify(report, null, 2));
  else renderHistory(report, request).forEach((line) => ctx.stdout(line));
  return Promise.resolve(EXIT.ok);
}

function day(value: string | boolean | undefined, now: Date): string {
  if (value === undefined) return localDate(now);
  const parsed = parseDay(String(value), now);
  if (!parsed) {
    throw new ConfigError(
      "--date",
      `Option --date invalide (« ${
        String(value).slice(0, 40)
      } ») : indiquez un jour comme 25/11/2026, 2026-11-25 ou hier.`,
    );
  }
  return parsed;
}

function days(value: string | boolean | undefined): number {
  if (value === undefined) return 1;
  const n = /^\s*\d+\s*$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_DAYS) {
    throw new ConfigError(
      "--days",
      `Option --days invalide (« ${
        String(value).slice(0, 40)
      } ») : un nombre de jours entre 1 et ${MAX_DAYS} est attendu.`,
    );
  }
  return n;
}
