/**
 * The exports set aside (the journal's `Aside`: something about one export
 * alone failed, its acknowledgement, its error report, its download), as
 * `status` and `doctor` show them: how many, the oldest, why each one, and
 * when it is tried next. A refusal by Saxium needs a person (its
 * administrator); a failure that may pass is retried by the agent, and needs
 * one only once it has lasted a day (`ASIDE_ERROR_MS`, as the pass judges
 * it). Pure: the facts are the records, read by `agent_checks.ts`'s probe.
 *
 * @module
 */

import { formatDateTime, plural } from "../base/french.ts";
import { describe, type ExportRecord } from "../journal/journal.ts";
import { ASIDE_ERROR_MS } from "../sync/aside.ts";
import { type CheckResult, verdicts } from "./check.ts";

/** An export set aside, as the facts hold it. */
export type AsideExport = Pick<ExportRecord, "id" | "reference" | "aside">;

/** How many lines `status` shows, one per export, oldest first. */
const SHOWN = 5;

/** When an export set aside is tried again: `à la prochaine passe`, or `le …`. */
export function nextTry(aside: { until?: string }, now: Date): string {
  const until = Date.parse(aside.until ?? "");
  return until > now.getTime() ? `le ${formatDateTime(new Date(until))}` : "à la prochaine passe";
}

/** One export set aside, in one line: since when, how many times, why, next try. */
export function asideLine(record: AsideExport, now: Date): string {
  const aside = record.aside!;
  const times = aside.count > 1 ? `, ${aside.count} fois de suite` : "";
  return `Export ${describe(record)} mis de côté depuis le ${
    formatDateTime(new Date(aside.since))
  }${times} : ${aside.reason.replace(/\.$/, "")} ; prochain essai ${nextTry(aside, now)}.`;
}

/** The lines `status` shows under « Mis de côté », oldest first: a count, then one line each. */
export function asideLines(records: readonly AsideExport[], now: Date): string[] {
  if (records.length === 0) return ["aucun export"];
  const oldest = records[0].aside!;
  const shown = records.slice(0, SHOWN).map((r) => asideLine(r, now));
  const more = records.length > SHOWN
    ? [
      `… et ${
        plural(records.length - SHOWN, "autre")
      } (doctor les compte, history <référence> détaille chacun).`,
    ]
    : [];
  return [
    `${plural(records.length, "export")}, le plus ancien depuis le ${
      formatDateTime(new Date(oldest.since))
    }`,
    ...shown,
    ...more,
  ];
}

/** What needs a person: refused by Saxium, or failing for over a day. */
function needsAPerson(records: readonly AsideExport[], now: Date): AsideExport[] {
  return records.filter((r) =>
    r.aside!.kind === "refused" || now.getTime() - Date.parse(r.aside!.since) >= ASIDE_ERROR_MS
  );
}

/** The line `status` adds under « À faire » when exports wait aside; none when none does. */
export function asideProblem(records: readonly AsideExport[], now: Date): string | undefined {
  if (records.length === 0) return undefined;
  const one = records.length === 1;
  const what = plural(records.length, "export mis de côté", "exports mis de côté");
  return needsAPerson(records, now).length > 0
    ? `${what} (voir ci-dessus) : Saxium refuse de ${
      one ? "l'enregistrer" : "les enregistrer"
    }, ou échoue sur ${
      one ? "lui seul" : "eux seuls"
    } depuis plus d'un jour ; faites corriger la cause par l'administrateur de Saxium, l'agent ${
      one ? "le" : "les"
    } repropose de lui-même.`
    : `${what} (voir ci-dessus) : l'agent ${
      one ? "le réessaie" : "les réessaie"
    } de lui-même ; si cela dure plus d'un jour, prévenez l'administrateur de Saxium.`;
}

/** `doctor`'s check « Exports mis de côté »: WARNING while one waits, ERROR when one needs a person. */
export function checkAside(records: readonly AsideExport[], now: Date): CheckResult {
  const verdict = verdicts("exports-aside", "Exports mis de côté");
  if (records.length === 0) return verdict.ok("aucun export mis de côté");
  const oldest = records[0];
  const detail = `${plural(records.length, "export")}, le plus ancien ${
    describe(oldest)
  } depuis le ${formatDateTime(new Date(oldest.aside!.since))} : ${
    oldest.aside!.reason.replace(/\.$/, "")
  }`;
  return needsAPerson(records, now).length > 0
    ? verdict.error(
      detail,
      "Faites corriger la cause par l'administrateur de Saxium (status montre chaque export et sa raison) ; l'agent les repropose de lui-même.",
    )
    : verdict.warning(
      detail,
      "Rien à faire tout de suite : l'agent les réessaie (status montre quand) ; si cela dure plus d'un jour, prévenez l'administrateur de Saxium.",
    );
}
