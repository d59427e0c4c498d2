/**
 * The states an export walks through and the only moves allowed between
 * them, as the journal (`journal.ts`) enforces them:
 *
 * ```
 * downloading ─► ready ─► staged ─► delivered ─► imported ─► acknowledged ─► archived
 *      │           │                    │
 *      └───────────┴────────────────────┴─► failed ─► reported
 * ```
 *
 * Plus what the journal keeps of one export (`ExportRecord`). Pure data:
 * no SQLite here.
 *
 * @module
 */

import { type DocumentFormat } from "../base/settings.ts";

/** Where an export stands. */
export type ExportState =
  | "downloading"
  | "ready"
  | "staged"
  | "delivered"
  | "imported"
  | "acknowledged"
  | "archived"
  | "failed"
  | "reported";

/** Every state, in the order of the happy path then the error path. */
export const EXPORT_STATES: readonly ExportState[] = [
  "downloading",
  "ready",
  "staged",
  "delivered",
  "imported",
  "acknowledged",
  "archived",
  "failed",
  "reported",
];

const MOVES: Record<ExportState, readonly ExportState[]> = {
  downloading: ["ready", "failed"],
  ready: ["staged", "failed"],
  staged: ["delivered"],
  delivered: ["imported", "failed"],
  imported: ["acknowledged"],
  acknowledged: ["archived"],
  archived: [],
  failed: ["reported"],
  reported: ["downloading"],
};

/**
 * States a record may be rebuilt from, by {@linkcode Journal.restore}: those
 * before publication, and the final error (a journal restored from a backup
 * made before a later attempt). A receipt says the document was published
 * since: the record must not start a delivery again.
 */
export const REBUILT_FROM: readonly ExportState[] = ["downloading", "ready", "reported"];

/** States a rebuilt record may start in: what the folders show of a published document. */
export const REBUILT_TO: readonly ExportState[] = ["staged", "delivered", "imported"];

/** Whether the journal allows moving from `from` to `to`. */
export function canMove(from: ExportState, to: ExportState): boolean {
  return MOVES[from].includes(to);
}

/** Whether nothing is left to do for an export in this state. */
export function isFinal(state: ExportState): boolean {
  return state === "archived" || state === "reported";
}

/** States in which an export still has a step to take. */
export const UNFINISHED_STATES: readonly ExportState[] = EXPORT_STATES.filter((s) => !isFinal(s));

/** One file of an export: its format and its name in Batigest's import folder. */
export interface ExportFile {
  format: DocumentFormat;
  /** The name in the import folder, chosen when staging (empty before). */
  importName: string;
}

/** What the journal knows of one export. */
export interface ExportRecord {
  id: string;
  reference: string;
  documentType: string;
  /** Safe file base name derived from the reference. */
  baseName: string;
  state: ExportState;
  files: ExportFile[];
  /** Why it failed (French, for mark-error and the administrator). */
  error?: string;
  /** The step that failed: download, check, delivery, import, … */
  errorStage?: string;
  /**
   * Why Saxium refused the acknowledgement or the error report of this export
   * (French): it waits aside, retried at the next passes, never blocking the others.
   */
  aside?: string;
  /** How many times the agent started on it. */
  attempts: number;
  deliveredAt?: string;
  updatedAt: string;
}
