/**
 * `tail-logs`: the last lines of a day's log, filtered by level, and
 * `--follow` that keeps reading, onto the next day's file after midnight.
 *
 * {@linkcode tailLog} is the core: it takes the clock, a sleep and a writer,
 * so tests drive a midnight rollover without waiting for one.
 *
 * @module
 */

import nodePath from "node:path";
import { ConfigError, type LogLevel, resolveWorkDir } from "../base/config.ts";
import type { CommandContext } from "../base/context.ts";
import { levelPasses, localDate } from "../base/log.ts";
import {
  abortableSleep,
  EXIT,
  loadSettings,
  type ParsedFlags,
  parseFlags,
  SETTING_OPTIONS,
  settingSources,
} from "./common.ts";

const DEFAULT_LINES = 20;
const MAX_LINES = 100_000;
const POLL_MS = 500;

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

/** What {@linkcode tailLog} reads and where it writes. */
export interface TailLogOptions {
  /** The `Logs` folder. */
  logsDir: string;
  /** How many lines to show first (after filtering). */
  lines: number;
  /** Lines of this level and more serious only. */
  level: LogLevel;
  /** `yyyy-MM-dd`; today by `now()` when absent (and only then does `follow` change day). */
  date?: string;
  /** Keep reading new lines until `signal` aborts. */
  follow: boolean;
  now: () => Date;
  /** Waits between two reads; should return early when `signal` aborts. */
  sleep: (ms: number) => Promise<void>;
  signal: AbortSignal;
  /** Receives each log line shown, without its line break. */
  write: (line: string) => void;
  /** Receives French notices: waiting for a file, switching to the next day's. */
  notice?: (message: string) => void;
  /** Milliseconds between two reads when following; 500 by default. */
  pollMs?: number;
}

/** Which file was read first, and whether it existed. */
export interface TailLogResult {
  path: string;
  found: boolean;
}

/**
 * Shows the last lines of a day's log, then, with `follow`, each new line as
 * it comes, moving to the new day's file after midnight (local time).
 */
export async function tailLog(options: TailLogOptions): Promise<TailLogResult> {
  const keep = levelFilter(options.level);
  const fileOf = (day: string) => nodePath.join(options.logsDir, `sync-${day}.log`);
  let day = options.date ?? localDate(options.now());
  let cursor = newCursor(fileOf(day));
  const result = { path: cursor.path, found: false };

  const first = await readNewLines(cursor);
  result.found = first !== undefined;
  const initial = first ?? [];
  if (!options.follow) initial.push(...flush(cursor));
  const shown = initial.filter(keep);
  if (options.lines > 0) shown.slice(-options.lines).forEach(options.write);
  if (!options.follow) return result;
  if (!result.found) options.notice?.(`En attente du journal ${cursor.path}…`);

  const emit = (lines: string[] | undefined) => lines?.filter(keep).forEach(options.write);
  while (!options.signal.aborted) {
    await options.sleep(options.pollMs ?? POLL_MS);
    if (options.signal.aborted) break;
    emit(await readNewLines(cursor));
    const today = localDate(options.now());
    if (options.date === undefined && today !== day) {
      emit(await readNewLines(cursor));
      emit(flush(cursor));
      day = today;
      cursor = newCursor(fileOf(day));
      options.notice?.(`Nouveau jour : suite dans ${cursor.path}`);
      emit(await readNewLines(cursor));
    }
  }
  return result;
}

const LINE_LEVEL = /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] \[(DEBUG|INFO|WARNING|ERROR)\]/;

/** A stateful filter: a line without a level takes the level of the line before it. */
function levelFilter(threshold: LogLevel): (line: string) => boolean {
  let last: LogLevel = "INFO";
  return (line) => {
    const level = LINE_LEVEL.exec(line)?.[1] as LogLevel | undefined;
    if (level) last = level;
    return levelPasses(last, threshold);
  };
}

interface Cursor {
  path: string;
  offset: number;
  decoder: TextDecoder;
  /** The end of the file after its last line break: a line still being written. */
  pending: string;
}

function newCursor(path: string): Cursor {
  return { path, offset: 0, decoder: new TextDecoder(), pending: "" };
}

function flush(cursor: Cursor): string[] {
  const rest = cursor.pending + cursor.decoder.decode();
  cursor.pending = "";
  return rest === "" ? [] : [rest.replace(/\r$/, "")];
}

/** The complete lines added since the last read; undefined when the file does not exist. */
async function readNewLines(cursor: Cursor): Promise<string[] | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(cursor.path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    const { size } = await file.stat();
    if (size < cursor.offset) {
      // Truncated or replaced: start again from the beginning.
      Object.assign(cursor, newCursor(cursor.path));
    }
    const buffer = new Uint8Array(size - cursor.offset);
    await file.seek(cursor.offset, Deno.SeekMode.Start);
    let read = 0;
    while (read < buffer.length) {
      const n = await file.read(buffer.subarray(read));
      if (n === null) break;
      read += n;
    }
    cursor.offset += read;
    const text = cursor.pending + cursor.decoder.decode(buffer.subarray(0, read), { stream: true });
    const parts = text.split("\n");
    cursor.pending = parts.pop() ?? "";
    return parts.map((line) => line.replace(/\r$/, ""));
  } finally {
    file.close();
  }
}
