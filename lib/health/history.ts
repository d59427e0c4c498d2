/**
 * What was synced or refused, day by day: the answer to an administrator's
 * "what happened today?", read from the journal's events, so it needs no
 * server. This module turns a request (days, errors only) into a range,
 * gathers the events and renders them; `lib/cli/history.ts` parses flags.
 *
 * @module
 */

import { formatDay, plural } from "../base/french.ts";
import { localDate } from "../base/log.ts";
import { oneLine } from "../base/text.ts";
import { exists, journalPath, type WorkFolders } from "../base/work_folders.ts";
import { type HistoryEvent, Journal, NotAJournal } from "../journal/journal.ts";

/** Which days and which outcomes to show. */
export interface HistoryRequest {
  /** The last day shown, `yyyy-MM-dd` (local time). */
  lastDay: string;
  /** How many days, ending on `lastDay` (1 = that day only). */
  days: number;
  /** Only exports in error. */
  errorsOnly: boolean;
}

/** What `history` found, as printed by `--json`. */
export interface HistoryReport {
  /** The first and last day, `yyyy-MM-dd`. */
  from: string;
  to: string;
  synced: number;
  errors: number;
  events: HistoryEvent[];
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
 * Reads the events of a request from the journal, read-only (none when the
 * agent never ran, or its journal is still an empty file).
 *
 * @throws {NotAJournal} when the journal's file is another program's database.
 */
export function gatherHistory(folders: WorkFolders, request: HistoryRequest): HistoryReport {
  const range = historyRange(request);
  let events: HistoryEvent[] = [];
  if (exists(journalPath(folders))) {
    let journal: Journal | undefined;
    try {
      journal = new Journal(journalPath(folders), { readOnly: true });
      events = journal.history(range);
    } catch (error) {
      if (!(error instanceof NotAJournal && error.kind === "empty")) throw error;
    } finally {
      journal?.close();
    }
  }
  const last = new Date(range.until.getTime() - 1);
  return {
    from: localDate(range.since),
    to: localDate(last),
    synced: events.filter((e) => e.outcome === "synced").length,
    errors: events.filter((e) => e.outcome === "error").length,
    events: request.errorsOnly ? events.filter((e) => e.outcome === "error") : events,
  };
}

const TYPE_NAMES: Record<string, string> = {
  devis_client: "devis",
  bon_commande: "bon de commande",
  facture: "facture",
  avoir: "avoir",
};

/** The screen: a heading with the counts, then one line per export, oldest first. */
export function renderHistory(report: HistoryReport, request: HistoryRequest): string[] {
  const oneDay = report.from === report.to;
  const period = oneDay
    ? `du ${formatDay(localDay(report.from))}`
    : `du ${formatDay(localDay(report.from))} au ${formatDay(localDay(report.to))}`;
  const counts = `${plural(report.synced, "synchronisé")}, ${report.errors} en erreur`;
  if (report.events.length === 0) {
    const what = request.errorsOnly
      ? "Aucun export en erreur"
      : "Aucun export synchronisé ni refusé";
    return [
      `Historique ${period} : ${counts}.`,
      `${what} ${oneDay ? "ce jour-là" : "sur la période"}.`,
    ];
  }
  // Over more than one year, a day without its year would be ambiguous.
  const oneYear = report.from.slice(0, 4) === report.to.slice(0, 4);
  const rows = report.events.map((e) => {
    const at = new Date(e.at);
    const time = at.toTimeString().slice(0, 8);
    const day = oneYear ? formatDay(at).slice(0, 5) : formatDay(at);
    const when = oneDay ? time : `${day} ${time}`;
    const outcome = e.outcome === "synced" ? "synchronisé" : "en erreur";
    const type = TYPE_NAMES[e.documentType] ?? e.documentType.slice(0, 20);
    const attempt = e.attempt > 1 ? ` (tentative ${e.attempt})` : "";
    return [when, outcome, type, e.reference.slice(0, 60), oneLine(e.detail, 160) + attempt];
  });
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
  return [
    `Historique ${period} : ${counts}.`,
    ...rows.map((r) => `  ${r.slice(0, 4).map((c, i) => c.padEnd(widths[i])).join("  ")}  ${r[4]}`),
  ];
}

function localDay(isoDate: string): Date {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(y, m - 1, d);
}
