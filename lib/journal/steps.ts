/**
 * When each export took each step: one row per move of its record (the state
 * reached, with the files delivered or the reason of an error), per time it
 * was set aside (with why), and per rebuild from its receipt, appended in the
 * same transaction as the move (`journal.ts`). The record of an export keeps
 * only where it stands now, and the events (`history.ts`) only how each
 * attempt ended; the steps keep when it was downloaded, delivered, imported
 * by Batigest and confirmed to Saxium, attempt by attempt, so that
 * `history <reference>` can follow one document through the whole journal
 * and `history` show the time Batigest imported a document, not only the
 * time it was confirmed.
 *
 * A journal written before steps existed gets, once, the steps its records
 * still tell (created, delivered, the state they are in, each at its time):
 * less than today's, never invented.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { Prepare } from "./history.ts";
import type { ExportRecord, ExportState } from "./states.ts";

/** A step: a state reached, set aside, or rebuilt from a receipt (the journal was lost). */
export type StepKind = ExportState | "aside" | "rebuilt";

/** One step of one export. */
export interface ExportStep {
  /** When (ISO 8601, UTC). */
  at: string;
  exportId: string;
  /** Which attempt of the agent on this export (1 the first time). */
  attempt: number;
  step: StepKind;
  /** The files delivered, the reason of an error or of a set-aside, the state rebuilt. */
  detail?: string;
}

/** The table, created with the journal's schema. */
export const STEPS_SCHEMA = `
CREATE TABLE IF NOT EXISTS steps (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  export_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  step TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS steps_export ON steps(export_id, id);
`;

/**
 * A journal written before steps existed: each record's known times become
 * its steps (its creation, its delivery, the state it is in at its last
 * change), so that `history <reference>` tells what it can after an upgrade.
 */
export function backfillSteps(db: DatabaseSync): void {
  db.exec(
    `INSERT INTO steps (at, export_id, attempt, step, detail)
     SELECT at, id, attempt, step, detail FROM (
       SELECT created_at AS at, id, 1 AS attempt, 'downloading' AS step, NULL AS detail, 1 AS o
       FROM exports WHERE attempts = 1
       UNION ALL
       SELECT delivered_at, id, attempts, 'delivered', NULL, 2
       FROM exports WHERE delivered_at IS NOT NULL
       UNION ALL
       SELECT updated_at, id, attempts,
              CASE state WHEN 'consumed' THEN 'imported' ELSE state END,
              CASE WHEN state IN ('failed', 'reported') THEN error END, 3
       FROM exports WHERE state NOT IN ('downloading', 'delivered')
     ) ORDER BY at, o`,
  );
}

/**
 * The step of a record that has just reached its state, at `at`: with the
 * files delivered, or the reason of an error.
 */
export function stepOf(
  record: Pick<ExportRecord, "id" | "attempts" | "state" | "files" | "error">,
  at: string,
): ExportStep {
  const step: ExportStep = {
    at,
    exportId: record.id,
    attempt: record.attempts,
    step: record.state,
  };
  if (record.state === "delivered") {
    step.detail = record.files.map((f) => f.importName).join(", ");
  } else if (record.state === "failed" && record.error) step.detail = record.error;
  return step;
}

/** Appends a step (inside the caller's transaction). */
export function appendStep(prepare: Prepare, step: ExportStep): void {
  prepare(
    "INSERT INTO steps (at, export_id, attempt, step, detail) VALUES (?, ?, ?, ?, ?)",
  ).run(step.at, step.exportId, step.attempt, step.step, step.detail ?? null);
}

/** The steps of the exports `ids`, in the order they were taken. */
export function readSteps(prepare: Prepare, ids: readonly string[]): ExportStep[] {
  const rows = inChunks(ids, (chunk, marks) =>
    prepare(
      `SELECT id, at, export_id, attempt, step, detail FROM steps WHERE export_id IN (${marks})`,
    ).all(...chunk) as unknown as {
      id: number;
      at: string;
      export_id: string;
      attempt: number;
      step: StepKind;
      detail: string | null;
    }[]);
  return rows.sort((a, b) => a.id - b.id).map((row) => ({
    at: row.at,
    exportId: row.export_id,
    attempt: row.attempt,
    step: row.step === ("consumed" as StepKind) ? "imported" : row.step,
    ...(row.detail === null ? {} : { detail: row.detail }),
  }));
}

/**
 * When each of `ids` last reached `step`, by export and attempt
 * (`<id>#<attempt>` → ISO time): the import time of the exports a day's
 * history shows.
 */
export function stepTimes(
  prepare: Prepare,
  options: { ids: readonly string[]; step: StepKind },
): Map<string, string> {
  const rows = inChunks(options.ids, (chunk, marks) =>
    prepare(
      `SELECT export_id, attempt, MAX(at) AS at FROM steps
       WHERE step = ? AND export_id IN (${marks}) GROUP BY export_id, attempt`,
    ).all(options.step, ...chunk) as unknown as {
      export_id: string;
      attempt: number;
      at: string;
    }[]);
  return new Map(rows.map((row) => [`${row.export_id}#${row.attempt}`, row.at]));
}

/** When each of `ids` last took a step (`id` → ISO time). */
export function lastStepTimes(prepare: Prepare, ids: readonly string[]): Map<string, string> {
  const rows = inChunks(ids, (chunk, marks) =>
    prepare(
      `SELECT export_id, MAX(at) AS at FROM steps WHERE export_id IN (${marks})
       GROUP BY export_id`,
    ).all(...chunk) as unknown as { export_id: string; at: string }[]);
  return new Map(rows.map((row) => [row.export_id, row.at]));
}

/** SQLite binds a bounded number of values: `ids` are asked for a few hundred at a time. */
function inChunks<T>(
  ids: readonly string[],
  query: (chunk: readonly string[], marks: string) => T[],
): T[] {
  const rows: T[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    rows.push(...query(chunk, chunk.map(() => "?").join(",")));
  }
  return rows;
}
