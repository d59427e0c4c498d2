/**
 * The agent's small state: what it remembers besides where each export
 * stands, as one key-value table of `journal.db` (`small_state`), so that
 * everything the agent keeps across runs lives in one database, backed up,
 * damaged or restored as one. Each key has one owner, which says what its
 * value means (a JSON text):
 *
 * - `batigest`: what the passes saw of Batigest and the import folder's mark
 *   (`lib/batigest/memory.ts`);
 * - `alerts`: which failure was announced when, on which channel
 *   (`lib/notify/memory.ts`);
 * - `skipped-ids`: ids Saxium should never send, reported once
 *   (`lib/sync/pending_feed.ts`).
 *
 * Before this table, each lived in a file of its own in `State\`; the first
 * run that writes the journal takes their content in and removes them
 * ({@linkcode adoptLegacyFiles}). A reader (`status`, `doctor`) of a journal
 * no run has upgraded yet reads those files instead (`read_only.ts`).
 *
 * The receipts stay apart, as files (`receipts.ts`): they are the journal's
 * backup, and must survive the journal.
 *
 * @module
 */

import nodePath from "node:path";
import type { WorkFolders } from "../base/work_folders.ts";
import type { Prepare } from "./history.ts";

/** The keys of the small state, each with its owner (see the module doc). */
export type SmallStateKey = "batigest" | "alerts" | "skipped-ids";

/** A place to keep small values by key: the journal's table, or a file when it cannot be used. */
export interface SmallStateStore {
  /** The value kept under `key`, or undefined. */
  get(key: SmallStateKey): string | undefined;
  /** Keeps `value` under `key` (committed at once). */
  set(key: SmallStateKey, value: string): void;
}

/** The table, created with the journal's schema. */
export const SMALL_STATE_SCHEMA = `
CREATE TABLE IF NOT EXISTS small_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`;

/** The value of `key` in the table. */
export function getValue(prepare: Prepare, key: SmallStateKey): string | undefined {
  const row = prepare("SELECT value FROM small_state WHERE key = ?").get(key) as
    | { value: string }
    | undefined;
  return row?.value;
}

/** Writes the value of `key` in the table. */
export function setValue(
  prepare: Prepare,
  entry: { key: SmallStateKey; value: string; at: string },
): void {
  prepare(
    `INSERT INTO small_state (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(entry.key, entry.value, entry.at);
}

/** The files in `State\` each key lived in before the table, and how their text reads as a value. */
const LEGACY: Record<
  SmallStateKey,
  { file: string; toValue: (text: string) => string; fileWins?: boolean }
> = {
  batigest: { file: "batigest.json", toValue: (text) => text },
  // Also written by a run whose journal could not be used: newer than the table's.
  alerts: { file: "notify.json", toValue: (text) => text, fileWins: true },
  "skipped-ids": {
    file: "skipped-ids.txt",
    // One id a line, its line breaks escaped as in a JSON string.
    toValue: (text) =>
      JSON.stringify(text.split(/\r?\n/).filter((line) => line !== "").map(unescapeLine)),
  },
};

function unescapeLine(line: string): string {
  try {
    return JSON.parse(`"${line}"`);
  } catch {
    return line;
  }
}

/** The value a legacy file holds for `key`, if the file is there. */
export function readLegacyValue(
  folders: Pick<WorkFolders, "state">,
  key: SmallStateKey,
): string | undefined {
  const legacy = LEGACY[key];
  try {
    return legacy.toValue(Deno.readTextFileSync(nodePath.join(folders.state, legacy.file)));
  } catch {
    return undefined;
  }
}

/**
 * Takes the content of the files the small state lived in before its table
 * into `store` (a value already in the table wins, but for the alerts'
 * memory, which a run whose journal could not be used keeps in its file),
 * then removes the files.
 * Returns the names of the files taken in.
 */
export function adoptLegacyFiles(
  folders: Pick<WorkFolders, "state">,
  store: SmallStateStore,
): string[] {
  const adopted: string[] = [];
  for (const key of Object.keys(LEGACY) as SmallStateKey[]) {
    const value = readLegacyValue(folders, key);
    if (value === undefined) continue;
    if (LEGACY[key].fileWins || store.get(key) === undefined) store.set(key, value);
    try {
      Deno.removeSync(nodePath.join(folders.state, LEGACY[key].file));
      adopted.push(LEGACY[key].file);
    } catch {
      // Read again at the next run, where the table's value wins: nothing lost.
    }
  }
  return adopted;
}

/**
 * The small state in a journal's table, or, for a read-only journal that no
 * run has upgraded yet, in the files it lived in before (in `folders`).
 */
export function smallStateStore(
  prepare: Prepare,
  options: {
    inTable: boolean;
    folders?: Pick<WorkFolders, "state">;
    now: () => Date;
    /** Told after each write (the journal's durability). */
    wrote: () => void;
  },
): SmallStateStore {
  const { inTable, folders } = options;
  return {
    get: (key) =>
      inTable ? getValue(prepare, key) : folders ? readLegacyValue(folders, key) : undefined,
    set: (key, value) => {
      setValue(prepare, { key, value, at: options.now().toISOString() });
      options.wrote();
    },
  };
}
