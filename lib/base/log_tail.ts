/**
 * Following a day's log as `tail -f` does: the last lines, filtered by level,
 * then each new line as it comes, onto the next day's file after midnight.
 * It takes the clock, a sleep and a writer, so tests drive a midnight
 * rollover without waiting for one. The line format is `log.ts`'s; the
 * UTF-8 BOM a day's file starts with is never shown.
 *
 * A day's log may grow to hundreds of megabytes (a DEBUG loop), and the
 * executable's heap is capped (`V8_FLAGS`): nothing here holds a whole file.
 * The last lines are found by reading backwards in chunks until enough lines
 * pass the filter; following reads the new bytes in chunks. Lines are cut at
 * LF bytes, which never occur inside a UTF-8 sequence, so each line decodes
 * on its own; a line longer than {@linkcode MAX_LINE_BYTES} is shown cut.
 *
 * @module
 */

import { levelPasses, localDate, logFilePath, type LogLevel, parseLogLine } from "./log.ts";

const POLL_MS = 500;
/** How much is read at a time, backwards or forwards. */
const CHUNK_BYTES = 256 * 1024;
/** The most of one line shown (a log line is a few hundred bytes). */
export const MAX_LINE_BYTES = 64 * 1024;
const LF = 0x0a;

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
  const fileOf = (day: string) => logFilePath(options.logsDir, day);
  let day = options.date ?? localDate(options.now());
  let cursor = newCursor(fileOf(day));
  const result = { path: cursor.path, found: false };

  const last = await lastLines(cursor.path, {
    lines: options.lines,
    level: options.level,
    partialLast: !options.follow,
  });
  result.found = last !== undefined;
  last?.lines.forEach(options.write);
  if (!options.follow) return result;
  if (!result.found) options.notice?.(`En attente du fichier de log ${cursor.path}…`);
  cursor.offset = last?.end ?? 0;

  const keep = levelFilter(options.level, last?.lastLevel);
  const emit = (line: string) => {
    if (keep(line)) options.write(line);
  };
  while (!options.signal.aborted) {
    await options.sleep(options.pollMs ?? POLL_MS);
    if (options.signal.aborted) break;
    await readNewLines(cursor, emit);
    const today = localDate(options.now());
    if (options.date === undefined && today !== day) {
      await readNewLines(cursor, emit);
      flush(cursor).forEach(emit);
      day = today;
      cursor = newCursor(fileOf(day));
      options.notice?.(`Nouveau jour : suite dans ${cursor.path}`);
      await readNewLines(cursor, emit);
    }
  }
  return result;
}

/** A stateful filter: a line without a level takes the level of the line before it. */
function levelFilter(threshold: LogLevel, start: LogLevel = "INFO"): (line: string) => boolean {
  let last = start;
  return (line) => {
    const level = parseLogLine(line)?.level;
    if (level) last = level;
    return levelPasses(last, threshold);
  };
}

/** The last lines of a file that pass a level, read from its end. */
export interface LastLines {
  /** Oldest first, without line breaks or BOM. */
  lines: string[];
  /** The offset just after the last line break (where following starts). */
  end: number;
  /** The level of the last line that has one, for the lines that follow. */
  lastLevel?: LogLevel;
}

/**
 * Reads a log backwards, in chunks, until `lines` lines of `level` or more
 * are found (a line without a level has the level of the line above it), or
 * the start of the file. With `partialLast`, a last line without its line
 * break counts (it is still being written). Undefined when the file does not
 * exist.
 */
export async function lastLines(
  path: string,
  options: { lines: number; level: LogLevel; partialLast: boolean },
): Promise<LastLines | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    const { size } = await file.stat();
    const end = await afterLastLineBreak(file, size);
    const want = Math.max(0, options.lines);
    /** Kept lines, newest first. */
    const kept: string[] = [];
    /** Lines without a level met since the last line with one (newest first). */
    let orphans: string[] = [];
    let lastLevel: LogLevel | undefined;
    let atStart = true;
    for await (const line of linesBackward(file, options.partialLast ? size : end)) {
      const level = parseLogLine(line)?.level;
      if (level === undefined) {
        if (orphans.length < want - kept.length) orphans.push(line);
        continue;
      }
      lastLevel ??= level;
      if (levelPasses(level, options.level)) {
        kept.push(...orphans.slice(0, want - kept.length));
        if (kept.length < want) kept.push(line);
      }
      orphans = [];
      if (kept.length >= want) {
        atStart = false;
        break;
      }
    }
    // At the start of the file, lines above any level count as INFO.
    if (atStart && levelPasses("INFO", options.level)) {
      kept.push(...orphans.slice(0, want - kept.length));
    }
    return { lines: kept.reverse(), end, lastLevel };
  } finally {
    file.close();
  }
}

/** The offset just after the last LF before `size` (0 when there is none). */
async function afterLastLineBreak(file: Deno.FsFile, size: number): Promise<number> {
  let position = size;
  while (position > 0) {
    const start = Math.max(0, position - CHUNK_BYTES);
    const chunk = await readAt(file, start, position - start);
    const i = chunk.lastIndexOf(LF);
    if (i >= 0) return start + i + 1;
    position = start;
  }
  return 0;
}

/**
 * The lines of the file's first `limit` bytes, last first; the empty rest
 * after a final line break is not a line.
 */
async function* linesBackward(file: Deno.FsFile, limit: number): AsyncGenerator<string> {
  if (limit === 0) return;
  let lineEnd = limit;
  let position = limit;
  let chunk: Uint8Array = new Uint8Array(0);
  let chunkStart = limit;
  while (position > 0) {
    chunkStart = Math.max(0, position - CHUNK_BYTES);
    chunk = await readAt(file, chunkStart, position - chunkStart);
    for (let i = chunk.length - 1; i >= 0; i--) {
      if (chunk[i] !== LF) continue;
      const lineStart = chunkStart + i + 1;
      if (lineStart !== limit) yield await lineAt(file, { chunk, chunkStart, lineStart, lineEnd });
      lineEnd = chunkStart + i;
    }
    position = chunkStart;
  }
  yield await lineAt(file, { chunk, chunkStart, lineStart: 0, lineEnd });
}

/** One line's text: from the chunk in hand, or read again (at most MAX_LINE_BYTES) when longer. */
async function lineAt(
  file: Deno.FsFile,
  at: { chunk: Uint8Array; chunkStart: number; lineStart: number; lineEnd: number },
): Promise<string> {
  const { chunk, chunkStart, lineStart, lineEnd } = at;
  const length = lineEnd - lineStart;
  const bytes = lineEnd <= chunkStart + chunk.length
    ? chunk.subarray(lineStart - chunkStart, lineEnd - chunkStart)
    : await readAt(file, lineStart, Math.min(length, MAX_LINE_BYTES));
  const text = decodeLine(bytes).replace(/\r$/, "").replace(/^\uFEFF/, "");
  return length > MAX_LINE_BYTES ? `${text}…` : text;
}

/**
 * A line's text: UTF-8, or, when it is not valid UTF-8, Windows-1252: the
 * old PowerShell script appended its lines to the same files in the ANSI
 * code page (`Add-Content`), and `DÉMARRAGE` should not read `D�MARRAGE`.
 */
function decodeLine(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder("windows-1252").decode(bytes);
  }
}

/** Up to `length` bytes of `file` from `offset` (fewer at its end). */
export async function readAt(
  file: Deno.FsFile,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  await file.seek(offset, Deno.SeekMode.Start);
  let read = 0;
  while (read < length) {
    const n = await file.read(buffer.subarray(read));
    if (n === null) break;
    read += n;
  }
  return buffer.subarray(0, read);
}

interface Cursor {
  path: string;
  offset: number;
  decoder: TextDecoder;
  /** The end of the file after its last line break: a line still being written. */
  pending: string;
  /** Inside a line longer than MAX_LINE_BYTES, already shown cut: dropped up to its end. */
  skipping: boolean;
}

function newCursor(path: string): Cursor {
  // ignoreBOM: false (the default, said explicitly): the decoder drops the BOM
  // at the start of the file, the only place log.ts writes one.
  return {
    path,
    offset: 0,
    decoder: new TextDecoder("utf-8", { ignoreBOM: false }),
    pending: "",
    skipping: false,
  };
}

function flush(cursor: Cursor): string[] {
  const rest = cursor.pending + cursor.decoder.decode();
  cursor.pending = "";
  if (cursor.skipping) {
    cursor.skipping = false;
    return [];
  }
  return rest === "" ? [] : [rest.replace(/\r$/, "")];
}

/**
 * Passes each complete line added since the last read to `emit`, reading at
 * most a chunk at a time; false when the file does not exist.
 */
async function readNewLines(cursor: Cursor, emit: (line: string) => void): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(cursor.path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  try {
    const { size } = await file.stat();
    if (size < cursor.offset) {
      // Truncated or replaced: start again from the beginning.
      Object.assign(cursor, newCursor(cursor.path));
    }
    while (cursor.offset < size) {
      const chunk = await readAt(file, cursor.offset, Math.min(CHUNK_BYTES, size - cursor.offset));
      if (chunk.length === 0) break;
      cursor.offset += chunk.length;
      const text = cursor.pending + cursor.decoder.decode(chunk, { stream: true });
      const parts = text.split("\n");
      cursor.pending = parts.pop() ?? "";
      if (cursor.skipping && parts.length > 0) {
        parts.shift();
        cursor.skipping = false;
      }
      if (cursor.skipping) cursor.pending = "";
      else if (cursor.pending.length > MAX_LINE_BYTES) {
        // A line without end: its start is shown now, the rest dropped up to its line break.
        parts.push(`${cursor.pending.slice(0, MAX_LINE_BYTES)}…`);
        cursor.pending = "";
        cursor.skipping = true;
      }
      for (const line of parts) emit(line.replace(/\r$/, "").replace(/^\uFEFF/, ""));
    }
    return true;
  } finally {
    file.close();
  }
}
