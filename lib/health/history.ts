/**
 * What was synced or refused, day by day: the answer to an administrator's
 * "what happened today?", read from the journal's events and steps, so it
 * needs no server: how each attempt ended (a synced export at the time
 * Batigest imported it), and the exports delivered but not confirmed yet.
 * This module turns a request (days, errors only) into a range, gathers the
 * events and renders them for the screen, for Excel (`--csv`) and for
 * monitoring (`--json`, in UTC); one document's whole story is
 * `document_history.ts`'s. `lib/cli/history.ts` parses flags.
 *
 * @module
 */

import { formatDateTime, formatDay, formatTime, plural } from "../base/french.ts";
import { localDate } from "../base/log.ts";
import { excelCsvLines } from "../base/excel_csv.ts";
import { oneLine, printable } from "../base/text.ts";
import { exists, journalPath, type WorkFolders } from "../base/work_folders.ts";
import {
  type ExportState,
  type HistoryEvent,
  Journal,
  NotAJournal,
  STATE_WORDS,
} from "../journal/journal.ts";
import { nextTry } from "./aside_checks.ts";

/** Which days and which outcomes to show. */
export interface HistoryRequest {
  /** The last day shown, `yyyy-MM-dd` (local time). */
  lastDay: string;
  /** How many days, ending on `lastDay` (1 = that day only). */
  days: number;
  /** Only exports in error. */
  errorsOnly: boolean;
}

/** How an attempt ended, with when Batigest imported it (synced exports). */
export type DayEvent = HistoryEvent & {
  /** When Batigest imported it (ISO 8601, UTC), when the journal noted it. */
  importedAt?: string;
};

/** An export delivered and not confirmed yet, in error not yet signalled to Saxium, or set aside. */
export interface DayUnfinished {
  /** Its last step (ISO 8601, UTC). */
  at: string;
  exportId: string;
  reference: string;
  documentType: string;
  attempt: number;
  state: ExportState;
  /** Where it stands, in French, with the files or the reason, and why it waits aside. */
  detail: string;
  /**
   * Set aside: why, whether Saxium refused it (a person must act) or it is
   * retried, and until when (ISO 8601, UTC; none: the next pass).
   */
  aside?: { reason: string; kind: "refused" | "retry"; until?: string };
}

/** What `history` found, as printed by `--json`. */
export interface HistoryReport {
  /** Every time below is ISO 8601 in UTC (`…Z`); the screen and `--csv` show local time. */
  timeZone: "UTC";
  /** The first and last day, `yyyy-MM-dd` (local time). */
  from: string;
  to: string;
  synced: number;
  errors: number;
  /** How each attempt ended, oldest first. */
  events: DayEvent[];
  /** Exports on their way after their delivery, in error and not yet signalled, or set aside. */
  unfinished: DayUnfinished[];
}

/** The local-time range `[since, until)` of a request. */
export function historyRange(request: Pick<HistoryRequest, "lastDay" | "days">): {
  since: Date;
  until: Date;
} {
  const [y, m, d] = request.lastDay.split("-").map(Number);
  return { since: new Date(y, m - 1, d - request.days + 1), until: new Date(y, m - 1, d + 1) };
}

/**
 * Opens the journal read-only for `read`, or gives `empty` when the agent
 * never ran, or its journal is still an empty file.
 *
 * @throws {NotAJournal} when the journal's file is another program's database.
 */
export function readJournal<T>(
  folders: WorkFolders,
  options: { read: (journal: Journal) => T; empty: T },
): T {
  if (!exists(journalPath(folders))) return options.empty;
  let journal: Journal | undefined;
  try {
    journal = new Journal(journalPath(folders), { readOnly: true });
    return options.read(journal);
  } catch (error) {
    if (error instanceof NotAJournal && error.kind === "empty") return options.empty;
    throw error;
  } finally {
    journal?.close();
  }
}

/**
 * Reads the events of a request from the journal, read-only, with the time
 * Batigest imported each synced export, and the exports still on their way.
 *
 * @throws {NotAJournal} when the journal's file is another program's database.
 */
export function gatherHistory(
  folders: WorkFolders,
  request: HistoryRequest,
  now: Date = new Date(),
): HistoryReport {
  const range = historyRange(request);
  const { events, unfinished } = readJournal(folders, {
    empty: { events: [] as DayEvent[], unfinished: [] as DayUnfinished[] },
    read: (journal) => {
      const ends = journal.history(range);
      const imports = journal.trail.stepTimes(
        [...new Set(ends.filter((e) => e.outcome === "synced").map((e) => e.exportId))],
        "imported",
      );
      return {
        events: ends.map((e): DayEvent => {
          const importedAt = imports.get(`${e.exportId}#${e.attempt}`);
          return importedAt ? { ...e, importedAt } : e;
        }),
        unfinished: journal.trail.unfinished(range).map(({ record, at }): DayUnfinished => ({
          at,
          exportId: record.id,
          reference: record.reference,
          documentType: record.documentType,
          attempt: record.attempts,
          state: record.state,
          detail: unfinishedDetail(record, now),
          ...(record.aside
            ? {
              aside: {
                reason: record.aside.reason,
                kind: record.aside.kind,
                ...(record.aside.until ? { until: record.aside.until } : {}),
              },
            }
            : {}),
        })),
      };
    },
  });
  const last = new Date(range.until.getTime() - 1);
  const errorsOnly = request.errorsOnly;
  return {
    timeZone: "UTC",
    from: localDate(range.since),
    to: localDate(last),
    synced: events.filter((e) => e.outcome === "synced").length,
    errors: events.filter((e) => e.outcome === "error").length,
    events: errorsOnly ? events.filter((e) => e.outcome === "error") : events,
    // In error: failed and not yet signalled, or refused by Saxium (a person must act).
    unfinished: errorsOnly
      ? unfinished.filter((u) => u.state === "failed" || u.aside?.kind === "refused")
      : unfinished,
  };
}

/** Where an unfinished export stands, in French: its state, its files or reason, why it waits. */
export function unfinishedDetail(
  record: {
    state: ExportState;
    files: { importName: string }[];
    error?: string;
    aside?: { reason: string; until?: string };
  },
  now: Date,
): string {
  const files = record.files.map((f) => f.importName).filter((n) => n !== "").join(", ");
  const what = record.state === "failed" && record.error
    ? `${STATE_WORDS.failed.one} : ${record.error.replace(/\.$/, "")}`
    : `${STATE_WORDS[record.state].one}${files ? ` : ${files}` : ""}`;
  const aside = record.aside
    ? ` ; mis de côté : ${record.aside.reason.replace(/\.$/, "")} ; prochain essai ${
      nextTry(record.aside, now)
    }`
    : "";
  return `${what}${aside}`;
}

const TYPE_NAMES: Record<string, string> = {
  devis_client: "devis",
  bon_commande: "bon de commande",
  facture: "facture",
  avoir: "avoir",
};

/** A document type as a person reads it: `devis`, `bon de commande`. */
export function documentTypeName(type: string): string {
  return TYPE_NAMES[type] ?? type.slice(0, 20);
}

const OUTCOME_WORDS = {
  synced: "synchronisé",
  error: "en erreur",
  replaced: "remplacé",
  unfinished: "en cours",
  aside: "mis de côté",
} as const;

/** One line of the screen or the CSV: an attempt's end, or an export on its way. */
interface Row {
  /** The time shown: Batigest's import for a synced export, else the end or the last step. */
  shownAt: Date;
  outcome: keyof typeof OUTCOME_WORDS;
  documentType: string;
  reference: string;
  exportId: string;
  attempt: number;
  /** The files delivered, or the whole reason of an error: never cut. */
  detail: string;
  importedAt?: Date;
  confirmedAt?: Date;
}

function rows(report: HistoryReport): Row[] {
  const ends = report.events.map((e): Row => ({
    shownAt: new Date(e.importedAt ?? e.at),
    outcome: e.outcome,
    documentType: e.documentType,
    reference: e.reference,
    exportId: e.exportId,
    attempt: e.attempt,
    detail: e.detail,
    ...(e.importedAt ? { importedAt: new Date(e.importedAt) } : {}),
    ...(e.outcome === "synced" ? { confirmedAt: new Date(e.at) } : {}),
  }));
  const onTheWay = report.unfinished.map((u): Row => ({
    shownAt: new Date(u.at),
    outcome: u.aside ? "aside" : "unfinished",
    documentType: u.documentType,
    reference: u.reference,
    exportId: u.exportId,
    attempt: u.attempt,
    detail: u.detail,
  }));
  return [...ends, ...onTheWay].sort((a, b) => a.shownAt.getTime() - b.shownAt.getTime());
}

/** A confirmation noted more than a minute after the import is said beside it. */
const LATE_CONFIRMATION_MS = 60_000;

/** The screen: a heading with the counts, then one line per export, oldest first. */
export function renderHistory(report: HistoryReport, request: HistoryRequest): string[] {
  const oneDay = report.from === report.to;
  const period = oneDay
    ? `du ${formatDay(localDay(report.from))}`
    : `du ${formatDay(localDay(report.from))} au ${formatDay(localDay(report.to))}`;
  const counts = [plural(report.synced, "synchronisé"), `${report.errors} en erreur`];
  const aside = report.unfinished.filter((u) => u.aside).length;
  const onTheWay = report.unfinished.length - aside;
  if (onTheWay > 0) counts.push(`${onTheWay} en cours`);
  if (aside > 0) counts.push(`${aside} mis de côté`);
  const heading = `Historique ${period} : ${counts.join(", ")}.`;
  const lines = rows(report);
  if (lines.length === 0) {
    const what = request.errorsOnly
      ? "Aucun export en erreur"
      : "Aucun export synchronisé ni refusé";
    return [heading, `${what} ${oneDay ? "ce jour-là" : "sur la période"}.`];
  }
  // Over more than one year, a day without its year would be ambiguous.
  const oneYear = report.from.slice(0, 4) === report.to.slice(0, 4);
  const table = lines.map((r) => {
    const inDay = oneDay && localDate(r.shownAt) === report.from;
    const day = oneYear ? formatDay(r.shownAt).slice(0, 5) : formatDay(r.shownAt);
    const when = inDay ? formatTime(r.shownAt) : `${day} ${formatTime(r.shownAt)}`;
    const late = r.importedAt && r.confirmedAt &&
        r.confirmedAt.getTime() - r.importedAt.getTime() > LATE_CONFIRMATION_MS
      ? ` (confirmé à Saxium le ${formatDateTime(r.confirmedAt)})`
      : "";
    const attempt = r.attempt > 1 ? ` (tentative ${r.attempt})` : "";
    return [
      when,
      OUTCOME_WORDS[r.outcome],
      documentTypeName(r.documentType),
      printable(r.reference, 60),
      whole(r.detail) + late + attempt,
    ];
  });
  const widths = [0, 1, 2, 3].map((i) => Math.max(...table.map((r) => r[i].length)));
  return [
    heading,
    ...table.map((r) =>
      `  ${r.slice(0, 4).map((c, i) => c.padEnd(widths[i])).join("  ")}  ${r[4]}`
    ),
  ];
}

/** The same lines for Excel (`--csv`): local dates and times, French headers. */
export function historyCsv(report: HistoryReport): string[] {
  const date = (d?: Date) => (d ? formatDateTime(d) : "");
  return excelCsvLines(
    [
      "Date",
      "Heure",
      "Résultat",
      "Type",
      "Référence",
      "Fichiers ou motif",
      "Tentative",
      "Importé par Batigest le",
      "Confirmé à Saxium le",
      "Export Saxium",
    ],
    rows(report).map((r) => [
      formatDay(r.shownAt),
      formatTime(r.shownAt),
      OUTCOME_WORDS[r.outcome],
      documentTypeName(r.documentType),
      r.reference,
      r.detail,
      r.attempt,
      date(r.importedAt),
      date(r.confirmedAt),
      r.exportId,
    ]),
  );
}

function localDay(isoDate: string): Date {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(y, m - 1, d);
}

/** A reason or a list of files on one line, control characters made spaces, never cut. */
export function whole(text: string): string {
  return oneLine(text, Number.MAX_SAFE_INTEGER);
}
