/**
 * The journal's memory of how each attempt on an export ended: one event per
 * final outcome (synced, in error with the reason, replaced by a newer
 * version), appended in the same transaction as the final state (see
 * `Journal.setState`), and read back by `history`. The record of an export
 * keeps only where it stands now; these events keep what happened and when
 * (`steps.ts` keeps each step on the way, `runs.ts` the runs of `sync`).
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
    `SELECT id, at, export_id, reference, document_type, outcome, detail, attempt
     FROM events WHERE at >= ? AND at < ? ORDER BY at, id`,
  ).all(range.since.toISOString(), range.until.toISOString()) as unknown as EventRow[];
  return rows.map(fromEventRow);
}

/** Every event of the exports `ids`, oldest first. */
export function readEvents(prepare: Prepare, ids: readonly string[]): HistoryEvent[] {
  const rows: EventRow[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    rows.push(
      ...prepare(
        `SELECT id, at, export_id, reference, document_type, outcome, detail, attempt
         FROM events WHERE export_id IN (${chunk.map(() => "?").join(",")})`,
      ).all(...chunk) as unknown as EventRow[],
    );
  }
  return rows.sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id).map(fromEventRow);
}

interface EventRow {
  id: number;
  at: string;
  export_id: string;
  reference: string;
  document_type: string;
  outcome: EventOutcome;
  detail: string;
  attempt: number;
}

function fromEventRow(row: EventRow): HistoryEvent {
  return {
    at: row.at,
    exportId: row.export_id,
    reference: row.reference,
    documentType: row.document_type,
    outcome: row.outcome,
    detail: row.outcome === "synced" ? importNames(row.detail) : row.detail,
    attempt: row.attempt,
  };
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
