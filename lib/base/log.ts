/**
 * Logs: one file a day, `Logs\sync-yyyy-MM-dd.log`, lines
 * `[yyyy-MM-dd HH:mm:ss] [LEVEL] message` in local time (administrators
 * already `Select-String "ERROR"` them), mirrored on the console, kept
 * `logRetentionDays` days (by name, by date of last change, and never fewer
 * than the most recent ones a right clock keeps: a wrong clock deletes
 * nothing recent). Secrets are masked and CR/LF neutralised before a
 * line is written, so nothing from the server can forge a log line.
 *
 * Each day's file starts with a UTF-8 byte order mark and every line ends with
 * CRLF: Windows PowerShell 5.1 (`Get-Content`, `Select-String`) reads a file
 * without a BOM as ANSI and garbles the accents. Readers strip the BOM
 * (`parseLogLine` tolerates it, `log_tail.ts` never prints it).
 *
 * Deno's permission refusals are turned into French before a line is written
 * (`permission_text.ts`), so no developer English reaches the log.
 *
 * Stands in for `@std/log`: the format and rotation are the contract's, not a
 * library's.
 *
 * @module
 */

import nodePath from "node:path";
import { redact, showInvisible, twoDigits } from "./text.ts";
import { frenchPermissionText } from "./permission_text.ts";
import { describeSystemError } from "./system_errors.ts";
import type { LogLevel } from "./settings.ts";

/** The UTF-8 byte order mark each day's log file starts with. */
export const UTF8_BOM = "\uFEFF";

const ORDER: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40 };

/** The levels in increasing order of importance. */
export const LOG_LEVELS: readonly LogLevel[] = ["DEBUG", "INFO", "WARNING", "ERROR"];

// deno-lint-ignore no-control-regex
const CONTROL_CHARACTERS = /[\x00-\x1f\x7f]/g;

export type { LogLevel } from "./settings.ts";

/** Level names a person may type, French or English, to their level. */
const LEVEL_NAMES: Record<string, LogLevel> = {
  debug: "DEBUG",
  "débogage": "DEBUG",
  debogage: "DEBUG",
  detail: "DEBUG",
  "détail": "DEBUG",
  info: "INFO",
  information: "INFO",
  warning: "WARNING",
  warn: "WARNING",
  attention: "WARNING",
  avertissement: "WARNING",
  error: "ERROR",
  erreur: "ERROR",
};

/** The level a person typed (`erreur`, `ATTENTION`, `warning`…), or undefined. */
export function parseLogLevel(text: string): LogLevel | undefined {
  return LEVEL_NAMES[text.trim().toLowerCase()];
}

/** Whether a message of `level` passes a `threshold`. */
export function levelPasses(level: LogLevel, threshold: LogLevel): boolean {
  return ORDER[level] >= ORDER[threshold];
}

/** `yyyy-MM-dd` of a date, in local time. */
export function localDate(date: Date): string {
  return `${date.getFullYear()}-${twoDigits(date.getMonth() + 1)}-${twoDigits(date.getDate())}`;
}

/** `yyyy-MM-dd HH:mm:ss` of a date, in local time. */
export function localDateTime(date: Date): string {
  return `${localDate(date)} ${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}:${
    twoDigits(date.getSeconds())
  }`;
}

/** The log file name of a day (a date, or `yyyy-MM-dd`): `sync-yyyy-MM-dd.log`. */
export function logFileName(day: Date | string): string {
  return `sync-${typeof day === "string" ? day : localDate(day)}.log`;
}

/** The log file of a day in the `Logs` folder. */
export function logFilePath(logsDir: string, day: Date | string): string {
  return nodePath.join(logsDir, logFileName(day));
}

/** Whether a file name is a day's log. */
export function isLogFileName(name: string): boolean {
  return /^sync-\d{4}-\d{2}-\d{2}\.log$/.test(name);
}

/** A log line read back: its local time stamp (`yyyy-MM-dd HH:mm:ss`), level and message. */
export interface LogLine {
  stamp: string;
  level: LogLevel;
  message: string;
}

const LINE = /^\uFEFF?\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\] \[(DEBUG|INFO|WARNING|ERROR)\] ?(.*)$/;

/** Reads one line written by {@linkcode formatLine}; undefined for anything else. */
export function parseLogLine(line: string): LogLine | undefined {
  const m = LINE.exec(line.replace(/\r$/, ""));
  return m ? { stamp: m[1], level: m[2] as LogLevel, message: m[3] } : undefined;
}

/**
 * Makes a message safe for one log line: secrets masked, CR, LF and other
 * control characters shown as a visible `⏎` or `?`, invisible format
 * characters (a bidirectional override) as `?`.
 */
export function sanitize(message: string, secrets: readonly string[] = []): string {
  const text = frenchPermissionText(redact(message, secrets))
    .replace(/\r\n|[\r\n\u2028\u2029\u0085]/g, " ⏎ ")
    .replace(/\t/g, " ")
    .replace(CONTROL_CHARACTERS, "?");
  return showInvisible(text);
}

/** One log line, without its newline. */
export function formatLine(date: Date, level: LogLevel, message: string): string {
  return `[${localDateTime(date)}] [${level}] ${message}`;
}

/** Where and how a {@linkcode Logger} writes. */
export interface LoggerOptions {
  /** The `Logs` folder; created if missing. */
  dir: string;
  level: LogLevel;
  retentionDays: number;
  now?: () => Date;
  /** Mirrors each written line to the console; stderr for warnings and errors by default. */
  console?: (line: string, level: LogLevel) => void;
  /** Values never to write (the token, passwords). */
  secrets?: readonly string[];
}

/** The agent's logger. Every call writes through to the file: a crash loses nothing. */
export class Logger {
  #options: Required<LoggerOptions>;
  #encoder = new TextEncoder();

  constructor(options: LoggerOptions) {
    this.#options = {
      now: () => new Date(),
      console: defaultConsole,
      secrets: [],
      ...options,
    };
    Deno.mkdirSync(options.dir, { recursive: true });
  }

  /** Detailed progress, written with `--verbose` or `logLevel: DEBUG`. */
  debug(message: string): void {
    this.write("DEBUG", message);
  }
  /** Normal progress. */
  info(message: string): void {
    this.write("INFO", message);
  }
  /** Something went wrong but was handled or will be retried. */
  warning(message: string): void {
    this.write("WARNING", message);
  }
  /** Something needs a person. */
  error(message: string): void {
    this.write("ERROR", message);
  }

  /** Writes one line at `level` if it passes the threshold. */
  write(level: LogLevel, message: string): void {
    if (!levelPasses(level, this.#options.level)) return;
    const now = this.#options.now();
    const line = formatLine(now, level, sanitize(message, this.#options.secrets));
    const path = logFilePath(this.#options.dir, now);
    try {
      appendLine(path, this.#encoder.encode(`${line}\r\n`));
    } catch {
      // A log that cannot be written must not stop the sync; the console still has it.
    }
    this.#options.console(line, level);
  }

  /**
   * Deletes `sync-*.log` files older than the retention ({@linkcode pruneLogs});
   * returns their names. Housekeeping never stops a pass: a log that cannot be
   * deleted is one WARNING line, and tried again at the next pass.
   */
  prune(remove?: (path: string) => void): string[] {
    let result: PruneResult;
    try {
      result = pruneLogs(this.#options.dir, {
        retentionDays: this.#options.retentionDays,
        now: this.#options.now(),
        remove,
      });
    } catch (error) {
      this.warning(
        `Nettoyage des anciens fichiers de log impossible (${
          describeSystemError(error).cause
        }) : nouvel essai à la prochaine passe.`,
      );
      return [];
    }
    if (result.held.length > 0) {
      const one = result.held.length === 1;
      const list = result.held.map((h) => `${h.name} : ${h.cause}`).join(" ; ");
      this.warning(
        `${
          one ? "Ancien fichier de log non supprimé" : "Anciens fichiers de log non supprimés"
        } (${list}) : ${
          one ? "il est peut-être ouvert" : "ils sont peut-être ouverts"
        } par un éditeur ou un antivirus ; nouvel essai à la prochaine passe.`,
      );
    }
    return result.removed;
  }
}

const BOM_BYTES = new TextEncoder().encode(UTF8_BOM);

/**
 * Appends one encoded line; a new day's file is created with the BOM first,
 * atomically (`createNew`), so two processes never both write one.
 */
function appendLine(path: string, bytes: Uint8Array): void {
  try {
    const first = new Uint8Array(BOM_BYTES.length + bytes.length);
    first.set(BOM_BYTES);
    first.set(bytes, BOM_BYTES.length);
    Deno.writeFileSync(path, first, { createNew: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    Deno.writeFileSync(path, bytes, { append: true });
  }
}

function defaultConsole(line: string, level: LogLevel): void {
  if (ORDER[level] >= ORDER.WARNING) console.error(line);
  else console.log(line);
}

/** A day's log that retention could not delete, and why (French). */
export interface HeldLog {
  name: string;
  cause: string;
}

/** What {@linkcode pruneLogs} did. */
export interface PruneResult {
  /** The logs deleted, in name order. */
  removed: string[];
  /** The logs due for deletion that could not be deleted (held open): tried again next time. */
  held: HeldLog[];
}

/** What {@linkcode pruneLogs} needs. */
export interface PruneOptions {
  retentionDays: number;
  now: Date;
  /** Deletes one file; `Deno.removeSync` by default (tests make it fail). */
  remove?: (path: string) => void;
}

/**
 * Deletes the daily logs older than `retentionDays`, never trusting the
 * clock alone. A log goes only when all three hold:
 * - its day (from its name) is more than `retentionDays` before `now`;
 * - its own last change is too (a clock set back wrote recent days under old names);
 * - it is not one of the `retentionDays + 1` most recent logs (as many as a
 *   right clock keeps: today's and the `retentionDays` days' before): a clock
 *   set 40 days ahead for one run makes every log look old by name and by
 *   date, and would otherwise delete them all.
 *
 * A log that cannot be deleted (held open by an editor or an antivirus) is
 * left and reported in `held`; nothing here throws for one file.
 */
export function pruneLogs(dir: string, options: PruneOptions): PruneResult {
  const remove = options.remove ?? ((path: string) => Deno.removeSync(path));
  const cutoff = new Date(options.now);
  cutoff.setDate(cutoff.getDate() - options.retentionDays);
  const limit = logFileName(cutoff);
  const names = [...Deno.readDirSync(dir)]
    .filter((entry) => entry.isFile && isLogFileName(entry.name))
    .map((entry) => entry.name)
    .sort();
  // A right clock keeps today's log and the `retentionDays` days' before it.
  const kept = options.retentionDays + 1;
  const candidates = names.slice(0, Math.max(0, names.length - kept));
  const result: PruneResult = { removed: [], held: [] };
  for (const name of candidates) {
    if (name >= limit) continue;
    const path = nodePath.join(dir, name);
    try {
      const changed = Deno.statSync(path).mtime;
      if (changed && changed >= cutoff) continue;
      remove(path);
      result.removed.push(name);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue; // gone meanwhile
      result.held.push({ name, cause: describeSystemError(error).cause });
    }
  }
  return result;
}
