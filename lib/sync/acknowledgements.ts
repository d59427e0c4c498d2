/**
 * Telling Saxium about one export and living with its answer: the
 * acknowledgement (mark-synced), sent once or again, the error report
 * (mark-error), and the exports Saxium
 * refuses to hear about, which wait aside in their state (journalled with the
 * reason, an ERROR line, shown by `status`) and are proposed again at the
 * next pass, never blocking the others. What each answer means is
 * `failures.ts`'s `sendMark`; the steps around it are `export_story.ts`'s.
 *
 * @module
 */

import { describe, type MarkVerdict, sendMark } from "./failures.ts";
import type { ExportRecord } from "../journal/journal.ts";
import type { PassReport } from "./pass_report.ts";
import type { PassContext } from "./pass_types.ts";

/** One pass's acknowledgements and exports set aside. */
export class Acknowledgements {
  #ctx: PassContext;
  #report: PassReport;
  /** Exports Saxium refused to hear about in this pass: not asked again before the next. */
  #asideHere = new Set<string>();

  /** For `ctx`'s client and journal, told through `report`. */
  constructor(ctx: PassContext, options: { report: PassReport }) {
    this.#ctx = ctx;
    this.#report = options.report;
  }

  /** A document Saxium still lists although it was imported: acknowledge it again. */
  async reacknowledge(record: ExportRecord): Promise<void> {
    if (this.isAside(record.id)) return;
    this.#report.warning(
      `L'export ${
        describe(record)
      } est déjà importé dans Batigest mais Saxium le propose encore : accusé de réception renvoyé, document non redéposé.`,
    );
    const verdict = await this.markSynced(record);
    if (verdict.outcome === "refused") {
      this.setAside(record, verdict.reason);
      return;
    }
    this.#report.count("reacknowledged");
  }

  /** The one mark-synced of the pass, for a first acknowledgement or a repeated one. */
  markSynced(record: ExportRecord): Promise<MarkVerdict> {
    return sendMark(
      () =>
        this.#ctx.client.markSynced(record.id, {
          batigestReference: record.reference,
          importedAt: record.updatedAt,
        }),
      { record, what: "accusé de réception", report: this.#report },
    );
  }

  /** The error report (mark-error) of a failed export, with its reason and step. */
  markError(record: ExportRecord): Promise<MarkVerdict> {
    return sendMark(
      () =>
        this.#ctx.client.markError(record.id, {
          errorMessage: record.error ?? "Erreur inconnue de l'agent.",
          stage: record.errorStage,
        }),
      { record, what: "signalement d'erreur", report: this.#report },
    );
  }

  /**
   * Saxium refused to hear about this export (not about the agent): it
   * waits aside in its state, said once per pass, retried at the next one;
   * the other exports go on.
   */
  setAside(record: ExportRecord, reason: string): ExportRecord {
    this.#asideHere.add(record.id);
    this.#ctx.journal.setAside(record.id, reason);
    this.#report.heldBack();
    this.#report.error(
      `Export ${
        describe(record)
      } mis de côté : ${reason} Il sera proposé de nouveau à Saxium à chaque passe ; les autres exports continuent.`,
    );
    return record;
  }

  /** Whether export `id` was set aside in this pass (not asked about again before the next). */
  isAside(id: string): boolean {
    return this.#asideHere.has(id);
  }

  /** Exports set aside in this pass (Saxium refused to hear about them). */
  get asideCount(): number {
    return this.#asideHere.size;
  }
}
