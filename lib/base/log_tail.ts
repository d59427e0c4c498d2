/**
 * Following a day's log as `tail -f` does: the last lines, filtered by level,
 * then each new line as it comes, onto the next day's file after midnight.
 * It takes the clock, a sleep and a writer, so tests drive a midnight
 * rollover without waiting for one. The line format is `log.ts`'s; the
 * UTF-8 BOM a day's file starts with is never shown.
 *
 * @module
 */

import { levelPasses, localDate, logFilePath, type LogLevel, parseLogLine } from "./log.ts";

const POLL_MS = 500;

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
  const fileOf = (day: string) => logFilePath(options.logsDir, day);
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

/** A stateful filter: a line without a level takes the level of the line before it. */
function levelFilter(threshold: LogLevel): (line: string) => boolean {
  let last: LogLevel = "INFO";
  return (line) => {
    const level = parseLogLine(line)?.level;
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
  // ignoreBOM: false (the default, said explicitly): the decoder drops the BOM
  // at the start of the file, the only place log.ts writes one.
  return { path, offset: 0, decoder: new TextDecoder("utf-8", { ignoreBOM: false }), pending: "" };
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
    return parts.map((line) => line.replace(/\r$/, "").replace(/^\uFEFF/, ""));
  } finally {
    file.close();
  }
}
