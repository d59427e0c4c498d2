/**
 * The journal: where each export stands, durably, across crashes and reboots.
 *
 * SQLite through Deno's built-in `node:sqlite`, in WAL mode with
 * `synchronous=NORMAL`: every commit survives the process being killed, and
 * costs no flush to disk. Against a power cut, the two states that precede an
 * effect the folders cannot undo are followed by {@linkcode Journal.flush},
 * which makes them and every earlier commit durable: `staged`, before the
 * rename into Batigest's folder, and `failed`, before a withdrawal marker is
 * deleted. Any other state lost to a power cut is re-derived from the folders
 * on restart (see README, "How exactly-once holds"). The states and the only
 * moves allowed between them are `states.ts`'s.
 *
 * A record the journal lost (deleted, damaged, restored from an old backup)
 * is rebuilt from the receipt written before publication (`receipts.ts`),
 * never started again: from no record, `downloading`, `ready` or `reported`,
 * to `staged`, `delivered` or `imported`, whichever the folders show
 * ({@linkcode Journal.restore}, `REBUILT_FROM`, `REBUILT_TO`).
 *
 * An export Saxium refuses to hear about (its acknowledgement or error report
 * refused) stays in its state, set aside with the reason
 * ({@linkcode Journal.setAside}); the next pass retries that step.
 *
 * `archived` and `reported` are final. A state is written once the step that
 * leads to it is complete and durable, and every step can be repeated from
 * the state before it, looking at the folders: that is what makes a restart
 * safe.
 *
 * Every move also appends a step (`steps.ts`), and reaching a final state an
 * event (`history.ts`), in the same transaction: the record keeps where an
 * export stands now, the steps and events when it got there, for `history`
 * ({@linkcode Journal.trail}). The runs of `sync` ({@linkcode Journal.runs})
 * and the agent's small state ({@linkcode Journal.smallState}) share the
 * database.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import {
  JournalDamaged,
  journalDamagedLine,
  NotAJournal,
  notAJournalLine,
  openDatabase,
} from "./schema.ts";
import { appendEvent, type HistoryEvent, readHistory } from "./history.ts";
import { RunBook, type RunsShape } from "./runs.ts";
import { appendStep, type ExportStep, stepOf } from "./steps.ts";
import { Trail } from "./trail.ts";
import { Durability } from "./durability.ts";

import { adoptLegacyFiles, type SmallStateStore, smallStateStore } from "./small_state.ts";
import type { WorkFolders } from "../base/work_folders.ts";
import {
  type Aside,
  checkMove,
  EXPORT_STATES,
  type ExportFile,
  type ExportRecord,
  type ExportState,
  fromRow,
  isFinal,
  JournalError,
  REBUILT_FROM,
  REBUILT_TO,
  type Row,
  STATE_READ,
  STATE_WORDS,
} from "./states.ts";

export type { EventOutcome, HistoryEvent } from "./history.ts";
export type { RunEnd, RunProgress, RunRecord } from "./runs.ts";
export type { ExportStep, StepKind } from "./steps.ts";
export type { DocumentTrail, Trail } from "./trail.ts";
export type { SmallStateKey, SmallStateStore } from "./small_state.ts";
export * from "./states.ts";
export { JournalDamaged, journalDamagedLine, NotAJournal, notAJournalLine };

/** The journal, opened on a SQLite file (or `:memory:` in tests). */
export class Journal {
  #db: DatabaseSync;
  #now: () => Date;
  #tables: ReadonlySet<string>;
  #runsShape: RunsShape;
  #durability: Durability;

  /**
   * Opens (and creates if needed) the journal at `path`. With `verify`, a
   * damaged database is refused (`JournalDamaged`) before anything is read.
   * With `readOnly` (`status`, `history`, `doctor`), an existing journal is
   * only read, never created nor upgraded; an empty file or another
   * program's database is refused (`NotAJournal`), untouched.
   */
  constructor(
    path: string,
    options: { now?: () => Date; verify?: boolean; readOnly?: boolean } = {},
  ) {
    this.#now = options.now ?? (() => new Date());
    const opened = openDatabase(path, {
      verify: options.verify ?? false,
      readOnly: options.readOnly ?? false,
    });
    this.#db = opened.db;
    this.#durability = new Durability(opened.walPath);
    this.#tables = opened.tables;
    this.#runsShape = opened.runs;
  }

  #statements = new Map<string, StatementSync>();

  /** A prepared statement, prepared once per journal (SQLite compiles it once). */
  #stmt(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Closes the database (also when a `using` block that holds it ends). */
  close(): void {
    this.#durability.close();
    if (this.#db.isOpen) this.#db.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Makes an export's changes so far durable against a power cut, with every
   * commit before them, without holding up the agent meanwhile (`durability.ts`).
   */
  flush(id: string): Promise<void> {
    return this.#durability.flush(id);
  }

  /** The record of an export, if the journal has one. */
  get(id: string): ExportRecord | undefined {
    const row = this.#stmt("SELECT * FROM exports WHERE id = ?").get(id) as
      | Row
      | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Exports in any of `states`, oldest change first. */
  inStates(states: readonly ExportState[]): ExportRecord[] {
    const marks = states.map(() => "?").join(",");
    const rows = this.#stmt(
      `SELECT * FROM exports WHERE state IN (${marks}) ORDER BY updated_at, id`,
    ).all(...states) as unknown as Row[];
    return rows.map(fromRow);
  }

  /** How many exports are in each state. */
  countByState(): Record<ExportState, number> {
    const counts = Object.fromEntries(EXPORT_STATES.map((s) => [s, 0])) as Record<
      ExportState,
      number
    >;
    const rows = this.#stmt(
      `SELECT ${STATE_READ} AS state, COUNT(*) AS n FROM exports GROUP BY 1`,
    ).all() as unknown as { state: ExportState; n: number }[];
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  /** Records a new export about to be downloaded (first attempt). */
  begin(
    record:
      & Pick<ExportRecord, "id" | "reference" | "documentType" | "baseName" | "files">
      & Partial<Pick<ExportRecord, "generatedAt">>,
  ) {
    const now = this.#now().toISOString();
    this.#transaction(() => {
      this.#stmt(
        `INSERT INTO exports (id, reference, document_type, base_name, state, files, generated_at,
         created_at, updated_at)
         VALUES (?, ?, ?, ?, 'downloading', ?, ?, ?, ?)`,
      ).run(
        record.id,
        record.reference,
        record.documentType,
        record.baseName,
        JSON.stringify(record.files),
        record.generatedAt ?? null,
        now,
        now,
      );
      this.#step({ at: now, exportId: record.id, attempt: 1, step: "downloading" });
    });
    this.#durability.committed(record.id);
    return this.get(record.id)!;
  }

  /** Starts a new attempt on a reported export the server offers again. */
  retry(id: string, files: ExportFile[]): ExportRecord {
    const current = this.#require(id);
    checkMove(current, "downloading");
    const now = this.#now().toISOString();
    this.#transaction(() => {
      this.#stmt(
        `UPDATE exports SET state = 'downloading', files = ?, error = NULL, error_stage = NULL,
         delivered_at = NULL, attempts = attempts + 1, updated_at = ?, aside = NULL,
         aside_kind = NULL, aside_until = NULL, aside_count = 0, aside_since = NULL WHERE id = ?`,
      ).run(JSON.stringify(files), now, id);
      this.#step({ at: now, exportId: id, attempt: current.attempts + 1, step: "downloading" });
    });
    this.#durability.committed(id);
    return this.get(id)!;
  }

  /**
   * Moves an export to `state` (committed: a killed process keeps it; see
   * {@linkcode Journal.flush} for a power cut), with optional changes to its
   * files or error. Refuses a move the state diagram does not allow.
   */
  setState(
    id: string,
    state: ExportState,
    changes: { files?: ExportFile[]; error?: string; errorStage?: string } = {},
  ): ExportRecord {
    const current = this.#require(id);
    checkMove(current, state);
    const now = this.#now().toISOString();
    const next: ExportRecord = {
      ...current,
      state,
      files: changes.files ?? current.files,
      error: changes.error ?? current.error,
      errorStage: changes.errorStage ?? current.errorStage,
      deliveredAt: state === "delivered" ? now : current.deliveredAt,
      updatedAt: now,
      aside: undefined,
    };
    const update = () =>
      this.#stmt(
        `UPDATE exports SET state = ?, files = ?, error = ?, error_stage = ?,
         delivered_at = ?, updated_at = ?, aside = NULL, aside_kind = NULL, aside_until = NULL,
         aside_count = 0, aside_since = NULL WHERE id = ?`,
      ).run(
        state,
        JSON.stringify(next.files),
        next.error ?? null,
        next.errorStage ?? null,
        next.deliveredAt ?? null,
        now,
        id,
      );
    this.#transaction(() => {
      update();
      this.#step(stepOf(next, now));
      if (isFinal(state)) appendEvent((sql) => this.#stmt(sql), next);
    });
    this.#durability.committed(id);
    return next;
  }

  /**
   * Puts an export aside, in its state (see {@linkcode Aside}): `count`
   * grows by one, `since` stays the first time of the row. Not a move: a
   * later pass retries the same step; any move clears it.
   */
  setAside(
    id: string,
    aside: Pick<Aside, "reason" | "kind" | "until">,
  ): ExportRecord {
    const current = this.#require(id);
    const now = this.#now().toISOString();
    this.#transaction(() => {
      this.#stmt(
        `UPDATE exports SET aside = ?, aside_kind = ?, aside_until = ?,
         aside_count = aside_count + 1, aside_since = COALESCE(aside_since, ?) WHERE id = ?`,
      ).run(aside.reason, aside.kind, aside.until ?? null, current.aside?.since ?? now, id);
      this.#step({ ...stepOf(current, now), step: "aside", detail: aside.reason });
    });
    this.#durability.committed(id);
    return this.get(id)!;
  }

  /** Exports set aside, oldest first. */
  asideExports(): ExportRecord[] {
    const rows = this.#stmt(
      "SELECT * FROM exports WHERE aside IS NOT NULL ORDER BY aside_since, id",
    ).all() as unknown as Row[];
    return rows.map(fromRow);
  }

  /** The other exports of the same document (same type and reference), oldest first. */
  sameDocument(record: Pick<ExportRecord, "id" | "documentType" | "reference">): ExportRecord[] {
    const rows = this.#stmt(
      `SELECT * FROM exports WHERE document_type = ? AND reference = ? AND id <> ?
       ORDER BY created_at, id`,
    ).all(record.documentType, record.reference, record.id) as unknown as Row[];
    return rows.map(fromRow);
  }

  /**
   * Gives a staged export's files other names in the import folder (the one
   * chosen is taken since): not a move, and recorded before any file bears
   * the new names.
   */
  renameFiles(id: string, files: ExportFile[]): ExportRecord {
    const current = this.#require(id);
    if (current.state !== "staged") {
      throw new JournalError(
        `changement de nom refusé pour l'export ${id}, ${STATE_WORDS[current.state].one}`,
      );
    }
    this.#stmt("UPDATE exports SET files = ?, updated_at = ? WHERE id = ?")
      .run(JSON.stringify(files), this.#now().toISOString(), id);
    this.#durability.committed(id);
    return this.get(id)!;
  }

  /**
   * Rebuilds the record of an export from the evidence the folders keep (its
   * receipt, written before publication), when the journal has no record of
   * it or an older one: the journal was deleted, damaged or restored from a
   * backup. Only from `REBUILT_FROM` (or no record), only to `REBUILT_TO`.
   */
  restore(
    evidence:
      & Pick<ExportRecord, "id" | "reference" | "documentType" | "baseName" | "files">
      & Partial<Pick<ExportRecord, "generatedAt">>,
    state: ExportState,
  ): ExportRecord {
    const current = this.get(evidence.id);
    if (current && !REBUILT_FROM.includes(current.state) || !REBUILT_TO.includes(state)) {
      throw new JournalError(
        `reconstruction interdite pour l'export ${evidence.id} : de « ${
          current ? STATE_WORDS[current.state].one : "inconnu"
        } » à « ${STATE_WORDS[state].one} »`,
      );
    }
    const now = this.#now().toISOString();
    this.#transaction(() => {
      this.#stmt(
        `INSERT OR REPLACE INTO exports (id, reference, document_type, base_name, state, files,
         attempts, generated_at, delivered_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        evidence.id,
        evidence.reference,
        evidence.documentType,
        evidence.baseName,
        state,
        JSON.stringify(evidence.files),
        current?.attempts ?? 1,
        evidence.generatedAt ?? current?.generatedAt ?? null,
        now,
        now,
        now,
      );
      const attempt = current?.attempts ?? 1;
      this.#step({ at: now, exportId: evidence.id, attempt, step: "rebuilt", detail: state });
    });
    this.#durability.committed(evidence.id);
    return this.get(evidence.id)!;
  }

  /**
   * The small state (see `small_state.ts`) in this journal's table; a
   * read-only journal that no run has upgraded yet reads the files it lived
   * in before, in `folders.state`.
   */
  smallState(folders?: Pick<WorkFolders, "state">): SmallStateStore {
    return smallStateStore((sql) => this.#stmt(sql), {
      inTable: this.#tables.has("small_state"),
      folders,
      now: this.#now,
      wrote: () => this.#durability.committed(),
    });
  }

  /**
   * Takes in the small state's files from `State\` (before its table), once
   * the journal can be written; returns the files taken in.
   */
  adoptLegacyState(folders: Pick<WorkFolders, "state">): string[] {
    return adoptLegacyFiles(folders, this.smallState());
  }

  /** Runs `work` as one SQLite transaction: all of it is committed, or none. */
  #transaction(work: () => void): void {
    // Prepared once: every move is a transaction (its step goes with it).
    this.#stmt("BEGIN IMMEDIATE").run();
    try {
      work();
      this.#stmt("COMMIT").run();
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** The events from `since` (included) to `until` (excluded), oldest first. */
  history(range: { since: Date; until: Date }): HistoryEvent[] {
    // A journal older than events, read-only: `sync` backfills them at its next run.
    if (!this.#tables.has("events")) return [];
    return readHistory((sql) => this.#stmt(sql), range);
  }

  /** The runs of `sync`: begun, kept alive, finished, read back (`runs.ts`). */
  get runs(): RunBook {
    return new RunBook((sql) => this.#stmt(sql), {
      now: this.#now,
      shape: this.#runsShape,
      wrote: () => this.#durability.committed(),
    });
  }

  /** What happened: one document's trail, when exports took their steps (`trail.ts`). */
  get trail(): Trail {
    return new Trail((sql) => this.#stmt(sql), this.#tables);
  }

  #step(step: ExportStep): void {
    appendStep((sql) => this.#stmt(sql), step);
  }

  #require(id: string): ExportRecord {
    const record = this.get(id);
    if (!record) throw new JournalError(`export inconnu du journal de l'agent : ${id}`);
    return record;
  }
}
