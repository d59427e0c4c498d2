/**
 * One document, one command: `history <reference or export id>` follows a
 * document through the whole journal, whatever the day: when it was
 * downloaded, delivered into Batigest's folder, imported by Batigest and
 * confirmed to Saxium, or why not (the whole reason of a refusal, never cut),
 * with every export of its reference (versions: an older one may be
 * « remplacé ») and every attempt on each. Read from the journal's records,
 * steps and events (`lib/journal/trail.ts`), read-only; rendered for the
 * screen, for Excel (`--csv`) and for monitoring (`--json`, in UTC).
 *
 * @module
 */

import { formatDateTime, formatDay, formatTime, plural } from "../base/french.ts";
import { excelCsvLines } from "../base/excel_csv.ts";
import { printable } from "../base/text.ts";
import type { WorkFolders } from "../base/work_folders.ts";
import {
  type Aside,
  type DocumentTrail,
  type ExportRecord,
  type ExportState,
  type ExportStep,
  STATE_WORDS,
  type StepKind,
} from "../journal/journal.ts";
import { REPLACED_STAGE } from "../sync/versions.ts";
import { nextTry } from "./aside_checks.ts";
import { documentTypeName, readJournal, whole } from "./history.ts";

/** One step of one export, in French. */
export interface DocumentStep {
  /** ISO 8601, UTC. */
  at: string;
  attempt: number;
  step: StepKind;
  /** What happened, with the files or the whole reason. */
  text: string;
}

/** One export of the document, where it stands, and its steps. */
export interface DocumentExport {
  id: string;
  documentType: string;
  reference: string;
  /** How many attempts the agent made on it. */
  attempts: number;
  state: ExportState;
  /** Where it stands, in French (`synchronisé`, `remplacé`, `en erreur`…). */
  outcome: string;
  /** When Saxium generated it (ISO 8601, UTC), if it said. */
  generatedAt?: string;
  error?: string;
  aside?: Aside;
  steps: DocumentStep[];
}

/** What `history <reference>` found, as printed by `--json`. */
export interface DocumentReport {
  /** Every time below is ISO 8601 in UTC (`…Z`); the screen and `--csv` show local time. */
  timeZone: "UTC";
  /** What was asked for: a reference, or an export id (whole or its first 8 characters). */
  query: string;
  found: boolean;
  reference?: string;
  /** Where the newest export stands, in one French sentence. */
  summary?: string;
  /** Oldest first. */
  exports: DocumentExport[];
  /** References containing the query, when nothing was found. */
  suggestions: string[];
}

/**
 * Reads the document `query` names from the journal, read-only.
 *
 * @throws {NotAJournal} when the journal's file is another program's database.
 */
export function gatherDocument(
  folders: WorkFolders,
  options: { query: string; now: Date },
): DocumentReport {
  const query = options.query.trim();
  const empty = { trail: { exports: [], steps: [], events: [] }, suggestions: [] };
  const { trail, suggestions } = readJournal<{ trail: DocumentTrail; suggestions: string[] }>(
    folders,
    {
      empty,
      read: (journal) => {
        const trail = journal.trail.document(query);
        return {
          trail,
          suggestions: trail.exports.length ? [] : journal.trail.referencesLike(query),
        };
      },
    },
  );
  const exports = trail.exports.map((record) => exportView(record, trail));
  const newest = exports.at(-1);
  return {
    timeZone: "UTC",
    query,
    found: newest !== undefined,
    ...(newest ? { reference: newest.reference, summary: summaryOf(newest, options.now) } : {}),
    exports,
    suggestions,
  };
}

function exportView(record: ExportRecord, trail: DocumentTrail): DocumentExport {
  const replaced = new Set(
    trail.events.filter((e) => e.exportId === record.id && e.outcome === "replaced")
      .map((e) => e.attempt),
  );
  if (record.errorStage === REPLACED_STAGE) replaced.add(record.attempts);
  let steps = trail.steps.filter((s) => s.exportId === record.id);
  // A journal older than steps, read as it is: the ends of the attempts only.
  if (steps.length === 0) {
    steps = trail.events.filter((e) => e.exportId === record.id).map((e) => ({
      at: e.at,
      exportId: e.exportId,
      attempt: e.attempt,
      step: e.outcome === "synced" ? "archived" : "reported",
      detail: e.outcome === "synced" ? undefined : e.detail,
    }));
  }
  const outcome = record.state === "reported" || record.state === "failed"
    ? (replaced.has(record.attempts)
      ? "remplacé par une version plus récente"
      : STATE_WORDS[record.state].one)
    : STATE_WORDS[record.state].one;
  return {
    id: record.id,
    documentType: record.documentType,
    reference: record.reference,
    attempts: record.attempts,
    state: record.state,
    outcome,
    ...(record.generatedAt ? { generatedAt: record.generatedAt } : {}),
    ...(record.error ? { error: record.error } : {}),
    ...(record.aside ? { aside: record.aside } : {}),
    steps: collapseAside(steps).map((s) => ({
      at: s.at,
      attempt: s.attempt,
      step: s.step,
      text: stepText(s, replaced.has(s.attempt)),
    })),
  };
}

/** A step set aside again and again for the same reason: the first, how many times, the last. */
type Collapsed = ExportStep & { times?: number; lastAt?: string };

/** Set aside again and again for the same reason: one line, counted. */
function collapseAside(steps: readonly ExportStep[]): Collapsed[] {
  const out: Collapsed[] = [];
  for (const step of steps) {
    const last = out.at(-1);
    if (step.step === "aside" && last?.step === "aside" && last.detail === step.detail) {
      last.times = (last.times ?? 1) + 1;
      last.lastAt = step.at;
      continue;
    }
    out.push({ ...step });
  }
  return out;
}

function stepText(step: Collapsed, replaced: boolean): string {
  const detail = (step.detail ?? "").replace(/\.$/, "");
  switch (step.step) {
    case "downloading":
      return step.attempt > 1
        ? `proposé de nouveau par Saxium (tentative ${step.attempt}), téléchargement commencé`
        : STATE_WORDS.downloading.reached;
    case "delivered":
      return detail
        ? `${STATE_WORDS.delivered.reached} : ${detail}`
        : STATE_WORDS.delivered.reached;
    case "failed":
      return replaced ? `remplacé : ${detail}` : `en erreur : ${detail || "raison non notée"}`;
    case "reported":
      return replaced ? "remplacement signalé à Saxium" : STATE_WORDS.reported.reached;
    case "aside":
      return step.times && step.lastAt
        ? `mis de côté, ${step.times} fois de suite jusqu'au ${
          formatDateTime(new Date(step.lastAt))
        } : ${detail}`
        : `mis de côté : ${detail}`;
    case "rebuilt": {
      const state = STATE_WORDS[detail as ExportState]?.one ?? detail;
      return `reconstruit d'après son reçu (journal de l'agent perdu ou restauré) : ${state}`;
    }
    default:
      return STATE_WORDS[step.step].reached;
  }
}

/** When the export last reached `step` (in its latest attempt). */
function reached(view: DocumentExport, step: StepKind): string | undefined {
  const at = view.steps.filter((s) => s.step === step && s.attempt === view.attempts).at(-1)?.at;
  return at ? `le ${formatDateTime(new Date(at))}` : undefined;
}

/** Where the newest export stands, in one sentence: the four times, or why not. */
function summaryOf(view: DocumentExport, now: Date): string {
  const imported = reached(view, "imported") ?? "(heure non notée)";
  const delivered = reached(view, "delivered") ?? "";
  const files = view.steps.filter((s) => s.step === "delivered").at(-1)?.text.split(" : ")[1];
  let text: string;
  switch (view.state) {
    case "archived":
      text = `synchronisé : importé par Batigest ${imported}, confirmé à Saxium ${
        reached(view, "acknowledged") ?? reached(view, "archived") ?? "(heure non notée)"
      }.`;
      break;
    case "acknowledged":
      text = `importé par Batigest ${imported}, confirmé à Saxium ${
        reached(view, "acknowledged") ?? ""
      } (archivage à la prochaine passe).`;
      break;
    case "imported":
      text = `importé par Batigest ${imported}, pas encore confirmé à Saxium.`;
      break;
    case "delivered":
      text = `déposé dans le dossier d'import de Batigest ${delivered}${
        files ? ` (${files})` : ""
      }, pas encore importé par Batigest.`;
      break;
    case "failed":
    case "reported": {
      const told = view.state === "reported"
        ? ` (signalé à Saxium ${reached(view, "reported") ?? ""})`.replace(" )", ")")
        : " (pas encore signalé à Saxium)";
      text = view.outcome.startsWith("remplacé")
        ? `remplacé : ${(view.error ?? "").replace(/\.$/, "")}.`
        : `en erreur${told} : ${view.error ?? "raison non notée"}`;
      break;
    }
    default:
      text = `${STATE_WORDS[view.state].one}, pas encore déposé dans Batigest.`;
  }
  if (view.aside) {
    text += ` Mis de côté depuis le ${formatDateTime(new Date(view.aside.since))} : ${
      view.aside.reason.replace(/\.$/, "")
    } ; prochain essai ${nextTry(view.aside, now)}.`;
  }
  return text;
}

/** The screen: the document and where it stands, then each export with its steps. */
export function renderDocument(report: DocumentReport): string[] {
  if (!report.found) {
    const near = report.suggestions.length
      ? ` Références proches : ${report.suggestions.map((r) => printable(r, 60)).join(", ")}.`
      : "";
    return [
      `Aucun document « ${
        printable(report.query, 60)
      } » dans le journal de l'agent (ni référence, ni identifiant d'export).${near}`,
    ];
  }
  const newest = report.exports.at(-1)!;
  const lines = [
    `Document ${printable(report.reference ?? "")} (${
      documentTypeName(newest.documentType)
    }) : ${report.summary}`,
    `${plural(report.exports.length, "export")} de ce document dans le journal de l'agent${
      report.exports.length > 1 ? ", le plus ancien en premier" : ""
    } :`,
  ];
  for (const view of report.exports) {
    const generated = view.generatedAt
      ? `, généré par Saxium le ${formatDateTime(new Date(view.generatedAt))}`
      : "";
    const attempts = view.attempts > 1 ? `, ${view.attempts} tentatives` : "";
    lines.push("", `Export ${view.id}${generated}${attempts} : ${view.outcome}`);
    for (const step of view.steps) {
      lines.push(`  ${formatDateTime(new Date(step.at))}  ${whole(step.text)}`);
    }
  }
  return lines;
}

/** The steps for Excel (`--csv`): local dates and times, French headers. */
export function documentCsv(report: DocumentReport): string[] {
  return excelCsvLines(
    ["Date", "Heure", "Référence", "Type", "Export Saxium", "Tentative", "Étape"],
    report.exports.flatMap((view) =>
      view.steps.map((step) => [
        formatDay(new Date(step.at)),
        formatTime(new Date(step.at)),
        view.reference,
        documentTypeName(view.documentType),
        view.id,
        step.attempt,
        step.text,
      ])
    ),
  );
}
