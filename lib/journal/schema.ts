/**
 * Opening the journal's database and reading its rows: the pragmas (WAL,
 * how durable a commit is), the schema and its upgrades (events backfilled, the aside columns,
 * ids in lower case, the small state's table, `consumed` renamed `imported`, runs that give signs
 * of life, the steps of each export backfilled), and, on request, a check that the file can be
 * trusted.
 * Kept apart from `journal.ts`, which says what the records mean.
 *
 * A damaged database (not a database, malformed pages) is refused with
 * `JournalDamaged`: the agent never works from a journal it cannot trust.
 *
 * Only `sync` opens the journal to write (and creates or upgrades it);
 * `status`, `history` and `doctor` open it read-only and change nothing, not
 * even an empty file or another program's database (`NotAJournal`). A reader
 * of a journal in WAL mode shares SQLite's `-shm` index with the writer, and
 * creates it (with an empty `-wal`) when no writer left one: those two files
 * are SQLite's, never the journal's content.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { backfillEvents } from "./history.ts";
import { RUNS_SCHEMA, type RunsShape, upgradeRuns } from "./runs.ts";
import { SMALL_STATE_SCHEMA } from "./small_state.ts";
import { backfillSteps, STEPS_SCHEMA } from "./steps.ts";

/** The journal's file cannot be trusted (not a database, malformed pages). */
export class JournalDamaged extends Error {
  /** `detail` is SQLite's own text, for the DEBUG log. */
  constructor(readonly path: string, readonly detail: string) {
    super(`journal de l'agent endommagé (${path})`);
    this.name = "JournalDamaged";
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS exports (
  id TEXT PRIMARY KEY,
  reference TEXT NOT NULL,
  document_type TEXT NOT NULL,
  base_name TEXT NOT NULL,
  state TEXT NOT NULL,
  files TEXT NOT NULL,
  error TEXT,
  error_stage TEXT,
  attempts INTEGER NOT NULL DEFAULT 1,
  delivered_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS exports_state ON exports(state);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  export_id TEXT NOT NULL,
  reference TEXT NOT NULL,
  document_type TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL,
  attempt INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_at ON events(at);
`;

/**
 * The one French line about a damaged journal: what happened, what to do.
 * Rebuilding is safe: the receipts keep what was delivered.
 */
export function journalDamagedLine(path: string): string {
  return `Le journal de l'agent (${path}) est endommagé et n'est plus fiable : rien n'a été fait. ` +
    "Renommez-le (par exemple en journal-endommage.db) puis relancez : l'agent en crée un neuf " +
    "et se sert des reçus du dossier Receipts pour ne jamais redéposer un document.";
}

/** A file at the journal's place that holds no journal: empty, or another program's database. */
export class NotAJournal extends Error {
  /** `empty`: no table at all (a 0-byte file); `foreign`: tables, but not the agent's. */
  constructor(readonly path: string, readonly kind: "empty" | "foreign") {
    super(notAJournalLine(path, kind));
    this.name = "NotAJournal";
  }
}

/** The one French line about a file at the journal's place that is not a journal. */
export function notAJournalLine(path: string, kind: "empty" | "foreign"): string {
  return kind === "empty"
    ? `Le journal de l'agent (${path}) est un fichier vide : lancez sync --once, qui le remplira (status, history et doctor n'y écrivent jamais).`
    : `Le fichier ${path} n'est pas le journal de l'agent (base d'un autre programme), il n'a pas été modifié : déplacez-le hors du dossier State, puis lancez sync --once, qui créera le journal.`;
}

/** An opened database, and its write-ahead log when it has one. */
export interface OpenedDatabase {
  db: DatabaseSync;
  walPath?: string;
  /** The tables it holds (read-only: an older journal may lack some). */
  tables: ReadonlySet<string>;
  /** What its table of runs holds (read-only: an older journal's runs have no sign of life). */
  runs: RunsShape;
}

/**
 * Opens (and creates or upgrades) the journal's database at `path`. With
 * `verify`, SQLite's quick check runs first and a damaged file throws
 * `JournalDamaged`. With `readOnly`, nothing is created, upgraded or
 * written: the file must exist, and one without the agent's tables throws
 * `NotAJournal`.
 */
export function openDatabase(
  path: string,
  options: { verify: boolean; readOnly?: boolean },
): OpenedDatabase {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { readOnly: options.readOnly ?? false });
    if (options.verify) {
      const rows = db.prepare("PRAGMA quick_check(1)").all() as { quick_check: string }[];
      const verdict = rows.map((r) => Object.values(r)[0]).join(" ");
      if (verdict !== "ok") throw new JournalDamaged(path, verdict);
    }
    return options.readOnly ? inspect(db, path) : setUp(db, path);
  } catch (error) {
    db?.close();
    const text = error instanceof Error ? error.message : String(error);
    if (/not a database|malformed|SQLITE_CORRUPT|SQLITE_NOTADB/i.test(text)) {
      throw new JournalDamaged(path, text);
    }
    throw error;
  }
}

/** A read-only journal: its tables, without changing a byte; refused when it holds no journal. */
function inspect(db: DatabaseSync, path: string): OpenedDatabase {
  db.exec("PRAGMA busy_timeout = 5000;");
  const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
    name: string;
  }[];
  const tables = new Set(rows.map((r) => r.name));
  if (tables.size === 0) throw new NotAJournal(path, "empty");
  if (!tables.has("exports")) throw new NotAJournal(path, "foreign");
  let runs: RunsShape = "none";
  if (tables.has("runs")) {
    const columns = db.prepare("PRAGMA table_info(runs)").all() as { name: string }[];
    runs = columns.some((c) => c.name === "updated_at") ? "current" : "finished-only";
  }
  return { db, tables, runs };
}

function setUp(db: DatabaseSync, path: string): OpenedDatabase {
  let walPath: string | undefined;
  const { journal_mode } = db.prepare("PRAGMA journal_mode = WAL").get() as {
    journal_mode: string;
  };
  if (journal_mode === "wal") {
    walPath = `${path}-wal`;
    db.exec("PRAGMA synchronous = NORMAL;");
  } else {
    // No write-ahead log (in memory, or a file system without it): every
    // commit then reaches the disk by itself, and `flush` has nothing to do.
    db.exec("PRAGMA synchronous = FULL;");
  }
  db.exec("PRAGMA busy_timeout = 5000;");
  const had = (table: string) =>
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !==
      undefined;
  const [hadEvents, hadSteps] = [had("events"), had("steps")];
  db.exec(SCHEMA);
  db.exec(RUNS_SCHEMA);
  db.exec(SMALL_STATE_SCHEMA);
  db.exec(STEPS_SCHEMA);
  if (!hadEvents) backfillEvents(db);
  // Runs written only once finished, before they gave signs of life.
  upgradeRuns(db);
  const columns = db.prepare("PRAGMA table_info(exports)").all() as { name: string }[];
  for (const [column, type] of NEW_COLUMNS) {
    if (!columns.some((c) => c.name === column)) {
      db.exec(`ALTER TABLE exports ADD COLUMN ${column} ${type}`);
    }
  }
  db.exec("CREATE INDEX IF NOT EXISTS exports_document ON exports(document_type, reference)");
  // Ids are compared in lower case since issue 12; older records follow
  // (a record whose lower-case twin exists is left as it is).
  db.exec("UPDATE OR IGNORE exports SET id = lower(id) WHERE id <> lower(id)");
  // The state Batigest's import leads to was called `consumed` before it bore
  // the word the logs use.
  db.exec("UPDATE exports SET state = 'imported' WHERE state = 'consumed'");
  db.exec("CREATE INDEX IF NOT EXISTS exports_reference ON exports(reference COLLATE NOCASE)");
  // After the columns and names above: the steps an older journal's records still tell.
  if (!hadSteps) backfillSteps(db);
  return {
    db,
    walPath,
    tables: new Set(["exports", "events", "runs", "small_state", "steps"]),
    runs: "current",
  };
}

/** Columns added to `exports` after its first version, in order. */
const NEW_COLUMNS: readonly [string, string][] = [
  ["aside", "TEXT"],
  ["aside_kind", "TEXT"],
  ["aside_until", "TEXT"],
  ["aside_count", "INTEGER NOT NULL DEFAULT 0"],
  ["aside_since", "TEXT"],
  ["generated_at", "TEXT"],
];
