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
import { type LogLevel, resolveWorkDir } from "../base/config.ts";
import type { CommandContext } from "../base/context.ts";
import { localDate } from "../base/log.ts";
import { tailLog } from "../base/log_tail.ts";
import { EXIT } from "./exit_codes.ts";
import {
  loadSettings,
  type ParsedFlags,
  parseFlags,
  SETTING_OPTIONS,
  settingSources,
} from "./flags.ts";
import { abortableSleep } from "../base/sleep.ts";

const DEFAULT_LINES = 20;
const MAX_LINES = 100_000;

const HELP = [
  "Usage : saxium-batigest-agent tail-logs [-n <lignes>] [--follow] [--level <niveau>] [--date aaaa-mm-jj]",
  "",
  "Affiche les dernières lignes du journal du jour (Logs\\sync-aaaa-mm-jj.log).",
  "",
  `  -n, --lines <n>     nombre de lignes (par défaut ${DEFAULT_LINES})`,
  "  -f, --follow        continue d'afficher les nouvelles lignes, y compris après minuit",
  "                      (Ctrl+C pour arrêter)",
  "  --level <niveau>    ERROR, WARNING, INFO ou DEBUG : ce niveau et les plus graves",
  "  --date aaaa-mm-jj   le journal d'un autre jour",
  "  --work-dir <dossier> dossier de travail (par défaut celui de la configuration)",
  "  -h, --help          cette aide",
];

const OPTIONS = {
  ...SETTING_OPTIONS,
  lines: { type: "string" as const, short: "n" },
  follow: { type: "boolean" as const, short: "f" },
  level: { type: "string" as const },
  date: { type: "string" as const },
};

/** Runs `tail-logs`; returns the exit code. */
export async function tailLogsCommand(args: string[], ctx: CommandContext): Promise<number> {
  try {
    const flags = parseFlags(args, OPTIONS);
    if (flags.values.help) {
      HELP.forEach((line) => ctx.stdout(line));
      return EXIT.ok;
    }
    const lines = parseLines(flags.values.lines);
    const level = parseLevel(flags.values.level);
    const date = parseDate(flags.values.date);
    const follow = flags.values.follow === true;
    if (follow && date !== undefined && date !== localDate(ctx.now())) {
      throw new ConfigError("date", "--follow ne suit que le journal du jour : retirez --date.");
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
      ctx.stderr(`Aucun journal pour ce jour : ${result.path} n'existe pas.`);
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
    const dir = resolveWorkDir(flags.values, settingSources(ctx));
    ctx.stderr(`Attention : ${error.message} (journaux lus dans ${dir})`);
    return dir;
  }
}

function parseLines(value: string | boolean | undefined): number {
  if (value === undefined) return DEFAULT_LINES;
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n > MAX_LINES) {
    throw new ConfigError(
      "lines",
      `Option -n invalide (« ${
        String(value).slice(0, 40)
      } ») : un nombre de lignes entre 0 et ${MAX_LINES} est attendu.`,
    );
  }
  return n;
}

function parseLevel(value: string | boolean | undefined): LogLevel {
  if (value === undefined) return "DEBUG";
  const upper = String(value).trim().toUpperCase();
  const level = upper === "WARN" ? "WARNING" : upper;
  if (level !== "DEBUG" && level !== "INFO" && level !== "WARNING" && level !== "ERROR") {
    throw new ConfigError(
      "level",
      `Option --level invalide (« ${
        String(value).slice(0, 40)
      } ») : attendu ERROR, WARNING, INFO ou DEBUG.`,
    );
  }
  return level;
}

function parseDate(value: string | boolean | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const date = match
    ? new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
    : undefined;
  if (!match || !date || localDate(date) !== text) {
    throw new ConfigError(
      "date",
      `Option --date invalide (« ${
        text.slice(0, 40)
      } ») : attendu une date aaaa-mm-jj, par exemple 2026-11-26.`,
    );
  }
  return text;
}
