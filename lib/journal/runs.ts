/**
 * The runs of `sync`, as the journal keeps them, so that `status` tells the
 * truth about the last one even when it never ended: a run is written when it
 * begins, gives a sign of life while it works ({@linkcode LiveRun}: every few
 * seconds, with how far it is), and is finished with its exit code and, when
 * it failed, its cause. A run that began and never finished, and has given no
 * sign of life for {@linkcode STALE_MS}, was interrupted (killed, the server
 * rebooted); one that still gives signs of life is in progress. `status`
 * never takes the instance lock to know it (a `sync` starting meanwhile would
 * exit 4): the heartbeat says it.
 *
 * Kept apart from `journal.ts`, which tells where each export stands: the
 * two stories share the database, not their rules. The functions take a
 * statement preparer, so that they run on the journal's connection.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { Prepare } from "./history.ts";

/** How often a run in progress gives a sign of life (ms). */
export const HEARTBEAT_MS = 5_000;

/** A run without a sign of life for this long (ms) is not running any more: it was interrupted. */
export const STALE_MS = 60_000;

/** The table of runs, as created today (older journals are upgraded by {@linkcode upgradeRuns}). */
export const RUNS_SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  exit_code INTEGER,
  summary TEXT NOT NULL DEFAULT '{}',
  message TEXT,
  updated_at TEXT,
  done INTEGER NOT NULL DEFAULT 0,
  known INTEGER NOT NULL DEFAULT 0,
  progress_at TEXT
);
`;

/**
 * A journal whose runs were written only once finished (`finished_at` and
 * `exit_code` required, no sign of life): the table is rebuilt in today's
 * shape, its rows kept, their last sign of life their end.
 */
export function upgradeRuns(db: DatabaseSync): void {
  const columns = db.prepare("PRAGMA table_info(runs)").all() as { name: string }[];
  if (columns.some((c) => c.name === "updated_at")) return;
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec("ALTER TABLE runs RENAME TO runs_before_heartbeat");
    db.exec(RUNS_SCHEMA);
    db.exec(
      `INSERT INTO runs (id, started_at, finished_at, exit_code, summary, message, updated_at)
       SELECT id, started_at, finished_at, exit_code, summary, message, finished_at
       FROM runs_before_heartbeat`,
    );
    db.exec("DROP TABLE runs_before_heartbeat");
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

/** How far a run has come: exports done (synced, in error, replaced, acknowledged again) and known. */
export interface RunProgress {
  done: number;
  known: number;
}

/** How a run ended. */
export interface RunEnd {
  exitCode: number;
  summary: Record<string, number>;
  /** Why it failed (French, one line), when it did. */
  message?: string;
}

/** A run of `sync`, as `status` reads it. */
export interface RunRecord {
  id: number;
  /** ISO 8601, UTC, as every time the journal keeps. */
  startedAt: string;
  /** Absent: still running, or interrupted (see {@linkcode runIsAlive}). */
  finishedAt?: string;
  /** Absent while not finished. */
  exitCode?: number;
  summary: Record<string, number>;
  message?: string;
  /** The last sign of life (its end, once finished). */
  aliveAt: string;
  /** Exports done so far, and known so far. */
  done: number;
  known: number;
  /** When `done` last grew (absent: not yet). */
  progressAt?: string;
}

/** What the table has: today's shape, or the one before heartbeats (read-only, not upgraded). */
export type RunsShape = "current" | "finished-only" | "none";

interface RunRow {
  id: number;
  started_at: string;
  finished_at: string | null;
  exit_code: number | null;
  summary: string | null;
  message: string | null;
  updated_at?: string | null;
  done?: number | null;
  known?: number | null;
  progress_at?: string | null;
}

function fromRow(row: RunRow): RunRecord {
  let summary: Record<string, number> = {};
  try {
    summary = JSON.parse(row.summary ?? "{}") ?? {};
  } catch {
    // a summary that does not read is no reason to hide the run
  }
  return {
    id: row.id,
    startedAt: row.started_at,
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
    ...(row.exit_code === null ? {} : { exitCode: row.exit_code }),
    summary,
    ...(row.message === null ? {} : { message: row.message }),
    aliveAt: row.updated_at ?? row.finished_at ?? row.started_at,
    done: row.done ?? 0,
    known: row.known ?? 0,
    ...(row.progress_at ? { progressAt: row.progress_at } : {}),
  };
}

/** Whether a run that has not finished still gives signs of life at `now`. */
export function runIsAlive(run: RunRecord, now: Date): boolean {
  return run.finishedAt === undefined && now.getTime() - Date.parse(run.aliveAt) < STALE_MS;
}

/** The runs of the journal: begun, kept alive, finished, read back. */
export class RunBook {
  #prepare: Prepare;
  #now: () => Date;
  #shape: RunsShape;
  #wrote: () => void;

  /** `wrote` is told of every commit (the journal counts them). */
  constructor(
    prepare: Prepare,
    options: { now: () => Date; shape: RunsShape; wrote?: () => void },
  ) {
    this.#prepare = prepare;
    this.#now = options.now;
    this.#shape = options.shape;
    this.#wrote = options.wrote ?? (() => {});
  }

  /** Writes a run that begins now; returns its id. */
  begin(): number {
    const now = this.#now().toISOString();
    const result = this.#prepare(
      "INSERT INTO runs (started_at, updated_at, summary) VALUES (?, ?, '{}')",
    ).run(now, now);
    this.#wrote();
    return Number(result.lastInsertRowid);
  }

  /** A sign of life of run `id`, with how far it is (when `done` grows, its progress time moves). */
  alive(id: number, progress?: RunProgress): void {
    const now = this.#now().toISOString();
    if (progress) {
      this.#prepare(
        `UPDATE runs SET updated_at = ?, progress_at = CASE WHEN ? > done THEN ? ELSE progress_at END,
         done = ?, known = ? WHERE id = ? AND finished_at IS NULL`,
      ).run(now, progress.done, now, progress.done, progress.known, id);
    } else {
      this.#prepare("UPDATE runs SET updated_at = ? WHERE id = ? AND finished_at IS NULL")
        .run(now, id);
    }
    this.#wrote();
  }

  /** Finishes run `id` now, with its exit code, figures and cause. */
  finish(id: number, end: RunEnd, progress?: RunProgress): void {
    const now = this.#now().toISOString();
    this.#prepare(
      `UPDATE runs SET finished_at = ?, updated_at = ?, exit_code = ?, summary = ?, message = ?,
       done = COALESCE(?, done), known = COALESCE(?, known) WHERE id = ?`,
    ).run(
      now,
      now,
      end.exitCode,
      JSON.stringify(end.summary),
      end.message ?? null,
      progress?.done ?? null,
      progress?.known ?? null,
      id,
    );
    this.#wrote();
  }

  /** Writes a whole run at once, begun and finished (tests, and runs told after the fact). */
  record(run: { startedAt: string; finishedAt: string } & RunEnd): number {
    const result = this.#prepare(
      `INSERT INTO runs (started_at, finished_at, exit_code, summary, message, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(
      run.startedAt,
      run.finishedAt,
      run.exitCode,
      JSON.stringify(run.summary),
      run.message ?? null,
      run.finishedAt,
    );
    this.#wrote();
    return Number(result.lastInsertRowid);
  }

  /** The last `limit` runs, newest first (none in a journal older than runs). */
  recent(limit = 3): RunRecord[] {
    if (this.#shape === "none") return [];
    const columns = this.#shape === "current"
      ? "id, started_at, finished_at, exit_code, summary, message, updated_at, done, known, progress_at"
      : "id, started_at, finished_at, exit_code, summary, message";
    const rows = this.#prepare(`SELECT ${columns} FROM runs ORDER BY id DESC LIMIT ?`)
      .all(limit) as unknown as RunRow[];
    return rows.map(fromRow);
  }

  /** The last finished run, if any. */
  lastFinished(): RunRecord | undefined {
    if (this.#shape === "none") return undefined;
    const row = this.#prepare(
      `SELECT * FROM runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1`,
    ).get() as RunRow | undefined;
    return row ? fromRow(row) : undefined;
  }
}

/** What a run in progress is told of the pass, written with its next sign of life. */
export interface LiveRunOptions {
  /** Between two signs of life (ms), {@linkcode HEARTBEAT_MS} by default. */
  heartbeatMs?: number;
  /** A sign of life that could not be written (never stops the run). */
  failed?: (error: unknown) => void;
}

/**
 * A run being recorded: begun when made, a sign of life every
 * {@linkcode HEARTBEAT_MS} with the latest progress (never more often,
 * however fast the pass moves), finished once. Disposing of it without
 * finishing stops the signs of life and leaves the run unfinished: `status`
 * then reads it as interrupted, which it was.
 */
export class LiveRun implements Disposable {
  readonly id: number;
  #book: RunBook;
  #timer?: ReturnType<typeof setInterval>;
  #progress?: RunProgress;
  #failed: (error: unknown) => void;
  #finished = false;

  constructor(book: RunBook, options: LiveRunOptions = {}) {
    this.#book = book;
    this.#failed = options.failed ?? (() => {});
    this.id = book.begin();
    const timer = setInterval(() => this.#beat(), options.heartbeatMs ?? HEARTBEAT_MS);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  /** How far the pass is; written with the next sign of life. */
  progress(progress: RunProgress): void {
    this.#progress = { ...progress };
  }

  #beat(): void {
    try {
      this.#book.alive(this.id, this.#progress);
    } catch (error) {
      this.#failed(error);
    }
  }

  /** Whether the run was finished. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Finishes the run (once; later calls change nothing). */
  finish(end: RunEnd): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#stop();
    this.#book.finish(this.id, end, this.#progress);
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  [Symbol.dispose](): void {
    this.#stop();
  }
}
