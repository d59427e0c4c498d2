/**
 * The journal's memory of what happened: one event per final outcome of an
 * export (synced, or in error with the reason), appended in the same
 * transaction as the final state (see `Journal.setState`), and read back by
 * `history`; and one record per finished run of `sync`, for `status`. The record of an export keeps only where it stands now; these
 * events keep what happened and when.
 *
 * Kept apart from `journal.ts`, which tells where each export stands and
 * which moves are allowed: the two stories share the database, not their
 * rules. The functions here take a statement preparer, so that they run on
 * the journal's connection and its cache of compiled statements.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";

/** What happened to an export, as `history` tells it. */
export type EventOutcome = "synced" | "error" | "replaced";

/** One final outcome of an export, appended when it happened. */
export interface HistoryEvent {
  /** When (ISO 8601, UTC). */
  at: string;
  exportId: string;
  reference: string;
  documentType: string;
  outcome: EventOutcome;
  /** The files put into Batigest, or the reason of the error. */
  detail: string;
  /** Which attempt of the agent on this export it was (1 the first time). */
  attempt: number;
}

/** A finished run of `sync`, for `status`. */
export interface RunRecord {
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  summary: Record<string, number>;
  message?: string;
}

/** Prepares (or takes from a cache) a statement on the journal's connection. */
export type Prepare = (sql: string) => StatementSync;

/** The part of an export's record an event is made of. */
export interface EventSource {
  id: string;
  reference: string;
  documentType: string;
  /** `archived` is a sync; any other final state an error, or a replacement by a newer version. */
  state: string;
  /** The step that failed (`superseded`: a newer version replaced it). */
  errorStage?: string;
  files: readonly { importName: string }[];
  error?: string;
  attempts: number;
  updatedAt: string;
}

/**
 * A journal written before events existed: its finished exports become
 * events at the time of their last change, so `history` is not empty after
 * an upgrade.
 */
export function backfillEvents(db: DatabaseSync): void {
  db.exec(
    `INSERT INTO events (at, export_id, reference, document_type, outcome, detail, attempt)
     SELECT updated_at, id, reference, document_type,
            CASE state WHEN 'archived' THEN 'synced' ELSE 'error' END,
            CASE state WHEN 'archived' THEN files ELSE COALESCE(error, '') END, attempts
     FROM exports WHERE state IN ('archived', 'reported') ORDER BY updated_at`,
  );
}

/** Appends the event of a record that just reached a final state (inside the caller's transaction). */
export function appendEvent(prepare: Prepare, record: EventSource): void {
  const synced = record.state === "archived";
  const outcome: EventOutcome = synced
    ? "synced"
    : record.errorStage === "superseded"
    ? "replaced"
    : "error";
  prepare(
    `INSERT INTO events (at, export_id, reference, document_type, outcome, detail, attempt)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    record.updatedAt,
    record.id,
    record.reference,
    record.documentType,
    outcome,
    synced ? record.files.map((f) => f.importName).join(", ") : record.error ?? "",
    record.attempts,
  );
}

/** The events from `since` (included) to `until` (excluded), oldest first. */
export function readHistory(
  prepare: Prepare,
  range: { since: Date; until: Date },
): HistoryEvent[] {
  const rows = prepare(
    `SELECT at, export_id, reference, document_type, outcome, detail, attempt
     FROM events WHERE at >= ? AND at < ? ORDER BY at, id`,
  ).all(range.since.toISOString(), range.until.toISOString()) as unknown as {
    at: string;
    export_id: string;
    reference: string;
    document_type: string;
    outcome: EventOutcome;
    detail: string;
    attempt: number;
  }[];
  return rows.map((row) => ({
    at: row.at,
    exportId: row.export_id,
    reference: row.reference,
    documentType: row.document_type,
    outcome: row.outcome,
    detail: row.outcome === "synced" ? importNames(row.detail) : row.detail,
    attempt: row.attempt,
  }));
}

/** Import names from an event's detail: a list, or (backfilled) the files' JSON. */
function importNames(detail: string): string {
  if (!detail.startsWith("[")) return detail;
  try {
    return (JSON.parse(detail) as { importName: string }[]).map((f) => f.importName).join(", ");
  } catch {
    return detail;
  }
}

/** Records a finished run. */
export function recordRun(prepare: Prepare, run: RunRecord): void {
  prepare(
    `INSERT INTO runs (started_at, finished_at, exit_code, summary, message) VALUES (?, ?, ?, ?, ?)`,
  ).run(
    run.startedAt,
    run.finishedAt,
    run.exitCode,
    JSON.stringify(run.summary),
    run.message ?? null,
  );
}

/** The last finished run, if any. */
export function lastRun(prepare: Prepare): RunRecord | undefined {
  const row = prepare(
    "SELECT started_at, finished_at, exit_code, summary, message FROM runs ORDER BY id DESC LIMIT 1",
  ).get() as
    | {
      started_at: string;
      finished_at: string;
      exit_code: number;
      summary: string;
      message: string | null;
    }
    | undefined;
  if (!row) return undefined;
  return {
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    exitCode: row.exit_code,
    summary: JSON.parse(row.summary),
    message: row.message ?? undefined,
  };
}
