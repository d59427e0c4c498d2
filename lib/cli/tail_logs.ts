/**
 * `tail-logs`: the last lines of a day's log, filtered by level, and
 * `--follow` that keeps reading, onto the next day's file after midnight.
 *
 * The follower itself is `lib/base/log_tail.ts`; this file parses the options.
 *
 * @module
 */

import { ConfigError } from "../base/config_error.ts";
import nodePath from "node:path";
import { formatCount, parseDay } from "../base/french.ts";
import type { CommandContext } from "../base/context.ts";
import { localDate, type LogLevel, parseLogLevel } from "../base/log.ts";
import { tailLog } from "../base/log_tail.ts";
import { EXIT } from "../base/exit_codes.ts";
import { loadSettings, type ParsedFlags, parseFlags, workDirOnly } from "./flags.ts";
import { printedHelp, renderHelp } from "./help.ts";
import { abortableSleep } from "../base/sleep.ts";

const DEFAULT_LINES = 20;
const MAX_LINES = 100_000;

const HELP = renderHelp({
  usage: "tail-logs [-n <lignes>] [--follow] [--level <niveau>] [--date <jour>]",
  about: [
    "Affiche les dernières lignes du fichier de log du jour (Logs\\sync-aaaa-mm-jj.log),",
    "et avec --follow chaque nouvelle ligne, y compris après minuit.",
  ],
  options: [
    { flag: "-n, --lines <n>", text: `nombre de lignes [${DEFAULT_LINES}]` },
    {
      flag: "-f, --follow",
      text: "continue d'afficher les nouvelles lignes (Ctrl+C pour arrêter)",
    },
    {
      flag: "--level <niveau>",
      text: "ce niveau et les plus graves : erreur, attention, info, debug [debug : tout]",
    },
    {
      flag: "--date <jour>",
      text: "le fichier de log d'un autre jour : 25/11/2026, 2026-11-25, hier",
    },
  ],
  settings: "work-dir",
  exitCodes: {
    codes: [EXIT.ok, EXIT.config, EXIT.localTrouble],
    meanings: {
      [EXIT.ok]: "lignes affichées (ou aucun fichier de log ce jour-là, ce qui est dit)",
      [EXIT.config]: "option invalide ou dossier de travail illisible",
    },
  },
});

/** The options `tail-logs` takes. */
export const OPTIONS = {
  "work-dir": { type: "string" as const },
  help: { type: "boolean" as const, short: "h" },
  lines: { type: "string" as const, short: "n" },
  follow: { type: "boolean" as const, short: "f" },
  level: { type: "string" as const },
  date: { type: "string" as const },
};

/** Runs `tail-logs`; returns the exit code. */
export async function tailLogsCommand(args: string[], ctx: CommandContext): Promise<number> {
  try {
    const flags = parseFlags(args, OPTIONS);
    if (printedHelp(flags, { help: HELP, out: ctx.stdout })) return EXIT.ok;
    const lines = parseLines(flags.values.lines);
    const level = parseLevel(flags.values.level);
    const date = parseDate(flags.values.date, ctx.now());
    const follow = flags.values.follow === true;
    if (follow && date !== undefined && date !== localDate(ctx.now())) {
      throw new ConfigError(
        "date",
        "--follow ne suit que le fichier de log du jour : retirez --date.",
      );
    }
    const logsDir = nodePath.join(workDir(ctx, flags), "Logs");
    const result = await tailLog({
      logsDir,
      lines,
      level,
      date,
      follow,
      now: ctx.now,
      sleep: (ms) => abortableSleep(ms, ctx.signal),
      signal: ctx.signal,
      write: ctx.stdout,
      notice: ctx.stderr,
    });
    if (!result.found && !follow) {
      ctx.stderr(`Aucun fichier de log pour ce jour : ${result.path} n'existe pas.`);
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ConfigError) {
      ctx.stderr(error.message);
      return EXIT.config;
    }
    throw error;
  }
}

/**
 * The work folder from the settings; when another setting is wrong, from the
 * work-folder sources alone, since logs are what one reads to find out why.
 */
function workDir(ctx: CommandContext, flags: ParsedFlags): string {
  try {
    return loadSettings(ctx, flags).workDir;
  } catch (error) {
    if (!(error instanceof ConfigError) || error.setting === "workDir") throw error;
    const dir = workDirOnly(ctx, flags);
    ctx.stderr(`Attention : ${error.message} (fichiers de log lus dans ${dir})`);
    return dir;
  }
}

function parseLines(value: string | boolean | undefined): number {
  if (value === undefined) return DEFAULT_LINES;
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n > MAX_LINES) {
    throw new ConfigError(
      "lines",
      `Option -n invalide (« ${String(value).slice(0, 40)} ») : un nombre de lignes entre 0 et ${
        formatCount(MAX_LINES)
      } est attendu.`,
    );
  }
  return n;
}

function parseLevel(value: string | boolean | undefined): LogLevel {
  if (value === undefined) return "DEBUG";
  const level = parseLogLevel(String(value));
  if (!level) {
    throw new ConfigError(
      "level",
      `Option --level invalide (« ${
        String(value).slice(0, 40)
      } ») : attendu erreur, attention, info ou debug (ou ERROR, WARNING, INFO, DEBUG).`,
    );
  }
  return level;
}

function parseDate(value: string | boolean | undefined, now: Date): string | undefined {
  if (value === undefined) return undefined;
  const day = parseDay(String(value), now);
  if (!day) {
    throw new ConfigError(
      "date",
      `Option --date invalide (« ${
        String(value).trim().slice(0, 40)
      } ») : indiquez un jour comme 25/11/2026, 2026-11-25 ou hier.`,
    );
  }
  return day;
}
