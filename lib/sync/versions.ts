/**
 * One document, one version. Saxium may export the same document (same
 * type, same reference) again, corrected, under a new export id, while the
 * first still waits. Batigest takes files by name: two versions in its
 * folder would be imported one after the other, the stale one perhaps last.
 * So, of the exports of one document, the newest wins:
 *
 * - an older version not yet in Batigest's folder never goes there: it is
 *   replaced (reported to Saxium as such, its copy archived);
 * - a newer version is published only once no older one waits in the
 *   folder: never two versions of one reference there;
 * - when an older version was already imported, the newer one is a
 *   correction, delivered and said so.
 *
 * "Newer" is Saxium's `generatedAt`; when one of the two lacks it, the export
 * the agent met later. An export that ended in error (and was not replaced)
 * replaces nothing: the one the administrator sends again is the one meant.
 *
 * Pure: the story (`export_story.ts`) asks, at each step before Batigest
 * sees a document, and acts.
 *
 * @module
 */

import { formatDateTime } from "../base/french.ts";
import { describe, type ExportRecord, type ExportState } from "../journal/journal.ts";
import type { PublishedVersion } from "../journal/receipts.ts";

/** What the other versions of a document mean for one of its exports. */
export type VersionVerdict =
  /** No other version stands in its way. */
  | { kind: "alone" }
  /** A newer version exists: this one must not reach Batigest. */
  | { kind: "replaced"; by: ExportRecord }
  /** An older version waits in Batigest's folder (or is on its way there): this one is published once it is gone. */
  | { kind: "after"; older: ExportRecord }
  /** An older version was imported: this one, delivered, corrects it. */
  | { kind: "correction"; of: ExportRecord };

/** States of an export Batigest has taken. */
const IMPORTED: readonly ExportState[] = ["imported", "acknowledged", "archived"];

/** The step a document was refused at when a newer version replaced it. */
export const REPLACED_STAGE = "superseded";

/**
 * What the other exports of the same document (`known`, as the journal
 * returns them: the order the agent met them) mean for `record`, with the
 * newest version the receipts say was `published`; see the module doc.
 */
export function judgeVersion(
  record: ExportRecord,
  known: readonly ExportRecord[],
  options: { published?: PublishedVersion } = {},
): VersionVerdict {
  const others = [...known, ...forgotten(record, known, options.published)];
  const newer = others.find((other) => isNewer(other, record, others) && !endedInError(other));
  if (newer) return { kind: "replaced", by: newer };
  const older = others.filter((other) => isNewer(record, other, others));
  // Staged counts too: a crash between the renames of its files may have
  // published part of it already; unpublished, it is replaced at its own step.
  const waiting = older.find((other) => other.state === "delivered" || other.state === "staged");
  if (waiting) return { kind: "after", older: waiting };
  const imported = older.filter((other) => IMPORTED.includes(other.state)).at(-1);
  return imported ? { kind: "correction", of: imported } : { kind: "alone" };
}

/**
 * The newest version the receipts say was published, as an imported export,
 * when the journal no longer knows it (a journal lost, and Saxium no longer
 * listing it once acknowledged). Only with Saxium's dates on both sides:
 * the order the agent met them in is lost with the journal.
 */
function forgotten(
  record: ExportRecord,
  known: readonly ExportRecord[],
  published: PublishedVersion | undefined,
): ExportRecord[] {
  if (!published || !record.generatedAt || published.id === record.id) return [];
  if (known.some((other) => other.id === published.id)) return [];
  return [{
    id: published.id,
    reference: record.reference,
    documentType: record.documentType,
    baseName: record.baseName,
    state: "imported",
    files: [],
    attempts: 1,
    generatedAt: published.generatedAt,
    updatedAt: published.generatedAt,
  }];
}

/**
 * Whether `a` is a newer version than `b`: generated later by Saxium, or,
 * when either date is missing, met later by the agent (its place in `met`).
 */
export function isNewer(
  a: Pick<ExportRecord, "id" | "generatedAt">,
  b: Pick<ExportRecord, "id" | "generatedAt">,
  met: readonly Pick<ExportRecord, "id">[] = [],
): boolean {
  const at = (r: Pick<ExportRecord, "generatedAt">) => Date.parse(r.generatedAt ?? "");
  if (Number.isFinite(at(a)) && Number.isFinite(at(b)) && at(a) !== at(b)) return at(a) > at(b);
  const order = (id: string) => {
    const i = met.findIndex((r) => r.id === id);
    return i === -1 ? Infinity : i; // not in `met`: the one being judged, met last
  };
  return order(a.id) > order(b.id);
}

/** Whether an export ended in error of its own (not replaced by another version). */
function endedInError(record: ExportRecord): boolean {
  return (record.state === "failed" || record.state === "reported") &&
    record.errorStage !== REPLACED_STAGE;
}

/** What the log, `Errors\` and Saxium read of a verdict that is not `alone`. */
export function versionLine(verdict: Exclude<VersionVerdict, { kind: "alone" }>): string {
  switch (verdict.kind) {
    case "replaced":
      return `Remplacé par une version plus récente du même document (export ${
        describe(verdict.by)
      }${
        verdict.by.generatedAt
          ? `, générée le ${formatDateTime(new Date(verdict.by.generatedAt))}`
          : ""
      }) : cette version n'est pas déposée dans Batigest, rien à faire.`;
    case "after":
      return `la version précédente du document (export ${
        describe(verdict.older)
      }) attend encore dans le dossier d'import de Batigest : elle en est retirée si Batigest ne la lit pas, et celle-ci est déposée à la passe suivante ; jamais deux versions à la fois.`;
    case "correction":
      return `C'est une correction du document, dont la version précédente (export ${
        describe(verdict.of)
      }) a déjà été importée.`;
  }
}
