/**
 * What the journal tells of the past, beyond where each export stands: one
 * document's trail (every export of its reference, every step each took,
 * every attempt's end), the exports still on their way after their delivery,
 * and when exports reached a step. `history` reads it; nothing here writes.
 *
 * Kept apart from `journal.ts`, which moves the records: this module only
 * reads the steps (`steps.ts`), the events (`history.ts`) and the records.
 * A read-only journal older than steps or events reads as having none.
 *
 * @module
 */

import { type HistoryEvent, type Prepare, readEvents } from "./history.ts";

import { type ExportRecord, type ExportState, fromRow, type Row } from "./states.ts";
import { type ExportStep, lastStepTimes, readSteps, type StepKind, stepTimes } from "./steps.ts";

/** Every export of one document, with their steps and the end of each attempt. */
export interface DocumentTrail {
  /** Oldest first. */
  exports: ExportRecord[];
  /** In the order they were taken. */
  steps: ExportStep[];
  /** Oldest first. */
  events: HistoryEvent[];
}

/** An export on its way after its delivery, in error not yet signalled, or set aside; when it last moved. */
export interface UnfinishedExport {
  record: ExportRecord;
  /** Its last step (ISO 8601, UTC). */
  at: string;
}

/** States past delivery, or in error, in which an export is not finished yet. */
export const ON_THE_WAY: readonly ExportState[] = [
  "delivered",
  "imported",
  "acknowledged",
  "failed",
];

/** The journal's past, read on its connection. */
export class Trail {
  #prepare: Prepare;
  #tables: ReadonlySet<string>;

  /** `tables`: those the journal has (an older one, read-only, may lack steps or events). */
  constructor(prepare: Prepare, tables: ReadonlySet<string>) {
    this.#prepare = prepare;
    this.#tables = tables;
  }

  /**
   * Every export of a document, found by its reference (in any case) or by
   * one of its export ids (whole, or its first 8 characters at least), with
   * their steps and events; empty when the journal knows none.
   */
  document(query: string): DocumentTrail {
    const wanted = query.trim();
    const byId = /^[0-9a-f-]{8,36}$/i.test(wanted)
      ? this.#prepare("SELECT DISTINCT reference FROM exports WHERE id LIKE ? || '%'")
        .all(wanted.toLowerCase()) as unknown as { reference: string }[]
      : [];
    const references = byId.length > 0 ? byId.map((r) => r.reference) : [wanted];
    const exports = references.flatMap((reference) =>
      (this.#prepare(
        "SELECT * FROM exports WHERE reference = ? COLLATE NOCASE ORDER BY created_at, id",
      ).all(reference) as unknown as Row[]).map(fromRow)
    );
    const ids = exports.map((r) => r.id);
    return {
      exports,
      steps: this.#tables.has("steps") ? readSteps(this.#prepare, ids) : [],
      events: this.#tables.has("events") ? readEvents(this.#prepare, ids) : [],
    };
  }

  /** References that contain `text` (in any case), for a search that found nothing. */
  referencesLike(text: string, limit = 10): string[] {
    const rows = this.#prepare(
      `SELECT DISTINCT reference FROM exports WHERE instr(lower(reference), lower(?)) > 0
       ORDER BY reference LIMIT ?`,
    ).all(text.trim(), limit) as unknown as { reference: string }[];
    return rows.map((r) => r.reference);
  }

  /**
   * The exports delivered and not yet confirmed, confirmed and not yet
   * archived, in error and not yet signalled to Saxium, or set aside (in any
   * state), whose last step falls in `[since, until)`: what a day's history
   * shows besides the ends.
   */
  unfinished(range: { since: Date; until: Date }): UnfinishedExport[] {
    const marks = ON_THE_WAY.map(() => "?").join(",");
    const records = (this.#prepare(
      `SELECT * FROM exports WHERE state IN (${marks}) OR aside IS NOT NULL`,
    ).all(...ON_THE_WAY) as unknown as Row[]).map(fromRow);
    const last = this.stepTimes(records.map((r) => r.id));
    const [since, until] = [range.since.toISOString(), range.until.toISOString()];
    return records
      .map((record) => ({ record, at: last.get(record.id) ?? record.updatedAt }))
      .filter(({ at }) => at >= since && at < until)
      .sort((a, b) => a.at.localeCompare(b.at));
  }

  /**
   * When the exports `ids` last reached `step`, by export and attempt
   * (`<id>#<attempt>`), or last took any step (by `<id>`, `step` unset).
   */
  stepTimes(ids: readonly string[], step?: StepKind): Map<string, string> {
    if (!this.#tables.has("steps")) return new Map();
    return step ? stepTimes(this.#prepare, { ids, step }) : lastStepTimes(this.#prepare, ids);
  }
}
