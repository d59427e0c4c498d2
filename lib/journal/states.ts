/**
 * The states an export walks through and the only moves allowed between
 * them, as the journal (`journal.ts`) enforces them:
 *
 * ```
 * downloading ─► ready ─► staged ─► delivered ─► imported ─► acknowledged ─► archived
 *      │           │                    │
 *      └───────────┴──────────┴─────────┴─► failed ─► reported
 * ```
 *
 * Plus what the journal keeps of one export (`ExportRecord`), and the one
 * place each state gets its French words ({@linkcode STATE_WORDS}): no
 * message, screen or log line shows a state's internal name. Pure data: no
 * SQLite here.
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

/** How a person reads a state: an export in it (singular, plural), and the step that reached it. */
export interface StateWords {
  /** `1 prêt à déposer`. */
  one: string;
  /** `3 prêts à déposer`. */
  many: string;
  /** What happened when an export reached it: `téléchargé et vérifié`. */
  reached: string;
}

/** Each state in French, for `status`, `history`, the log and the journal's own refusals. */
export const STATE_WORDS: Readonly<Record<ExportState, StateWords>> = {
  downloading: {
    one: "en téléchargement",
    many: "en téléchargement",
    reached: "proposé par Saxium, téléchargement commencé",
  },
  ready: { one: "prêt à déposer", many: "prêts à déposer", reached: "téléchargé et vérifié" },
  staged: {
    one: "en cours de dépôt",
    many: "en cours de dépôt",
    reached: "préparé dans le dossier d'import sous un nom temporaire",
  },
  delivered: {
    one: "déposé (en attente d'import)",
    many: "déposés (en attente d'import)",
    reached: "déposé dans le dossier d'import de Batigest",
  },
  imported: {
    one: "importé (pas encore confirmé à Saxium)",
    many: "importés (pas encore confirmés à Saxium)",
    reached: "importé par Batigest",
  },
  acknowledged: {
    one: "confirmé à Saxium (à archiver)",
    many: "confirmés à Saxium (à archiver)",
    reached: "import confirmé à Saxium",
  },
  archived: { one: "synchronisé", many: "synchronisés", reached: "archivé : synchronisé" },
  failed: {
    one: "en erreur (pas encore signalé à Saxium)",
    many: "en erreur (pas encore signalés à Saxium)",
    reached: "en erreur",
  },
  reported: {
    one: "en erreur (signalé à Saxium)",
    many: "en erreur (signalés à Saxium)",
    reached: "erreur signalée à Saxium",
  },
};

const MOVES: Record<ExportState, readonly ExportState[]> = {
  downloading: ["ready", "failed"],
  ready: ["staged", "failed"],
  // Failed only when a newer version replaces it while its files still bear
  // their temporary names (the story checks): Batigest never saw it.
  staged: ["delivered", "failed"],
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

/** A move the journal refuses: a bug, never a user's mistake. */
export class JournalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JournalError";
  }
}

/** Throws {@linkcode JournalError} unless `current` may move to `to`. */
export function checkMove(current: Pick<ExportRecord, "id" | "state">, to: ExportState): void {
  if (!canMove(current.state, to)) {
    throw new JournalError(
      `passage interdit pour l'export ${current.id} : de « ${
        STATE_WORDS[current.state].one
      } » à « ${STATE_WORDS[to].one} »`,
    );
  }
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
   * Why this export waits aside, in its state (French): something about it
   * alone failed (its download, its acknowledgement, its error report); it
   * is tried again at a later pass, never blocking the others.
   */
  aside?: Aside;
  /** How many times the agent started on it. */
  attempts: number;
  /** When Saxium generated it (ISO 8601), if it said: the newest version of a document wins. */
  generatedAt?: string;
  deliveredAt?: string;
  updatedAt: string;
}

/** An export set aside: why, until when, how many times in a row. */
export interface Aside {
  /** Why, in French, for the log, `status`, `history` and `doctor`. */
  reason: string;
  /**
   * `refused`: Saxium refused to hear about it (a person must act: counts as
   * an error); `retry`: a failure that may pass (a server error, a stalled
   * download, a file held), tried again after a delay.
   */
  kind: "refused" | "retry";
  /** Not tried again before (ISO 8601); unset: at the next pass. */
  until?: string;
  /** How many times in a row it was set aside (the delay grows with it). */
  count: number;
  /** When it was first set aside in this row (ISO 8601). */
  since: string;
}

/** A row of `exports`, as SQLite returns it. */
export interface Row {
  id: string;
  reference: string;
  document_type: string;
  base_name: string;
  state: string;
  files: string;
  error: string | null;
  error_stage: string | null;
  attempts: number;
  delivered_at: string | null;
  updated_at: string;
  aside: string | null;
  aside_kind?: string | null;
  aside_until?: string | null;
  aside_count?: number | null;
  aside_since?: string | null;
  generated_at?: string | null;
}

/**
 * The state column as read: a journal no run has upgraded yet (read-only)
 * may still say `consumed`, the former name of `imported`.
 */
export const STATE_READ = "CASE state WHEN 'consumed' THEN 'imported' ELSE state END";

/** The record a row of `exports` holds. */
export function fromRow(row: Row): ExportRecord {
  return {
    id: row.id,
    reference: row.reference,
    documentType: row.document_type,
    baseName: row.base_name,
    state: (row.state === "consumed" ? "imported" : row.state) as ExportState,
    files: JSON.parse(row.files),
    error: row.error ?? undefined,
    errorStage: row.error_stage ?? undefined,
    attempts: row.attempts,
    deliveredAt: row.delivered_at ?? undefined,
    updatedAt: row.updated_at,
    generatedAt: row.generated_at ?? undefined,
    aside: row.aside === null ? undefined : {
      reason: row.aside,
      // Set aside before kinds existed: Saxium had refused it.
      kind: row.aside_kind === "retry" ? "retry" : "refused",
      until: row.aside_until ?? undefined,
      count: row.aside_count ?? 1,
      since: row.aside_since ?? row.updated_at,
    },
  };
}

/** `DV-1730000000001 [7b599c58]`: the reference a person knows, and the id's start. */
export function describe(record: Pick<ExportRecord, "reference" | "id">): string {
  return `${record.reference.slice(0, 80)} [${record.id.slice(0, 8)}]`;
}
