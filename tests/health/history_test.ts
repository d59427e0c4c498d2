import assert from "node:assert/strict";
import { type HistoryReport, renderHistory } from "../../lib/health/history.ts";

function event(at: Date, reference: string): HistoryReport["events"][number] {
  return {
    at: at.toISOString(),
    exportId: crypto.randomUUID(),
    reference,
    documentType: "devis_client",
    outcome: "synced",
    detail: `${reference}.xml`,
    attempt: 1,
  };
}

Deno.test("renderHistory: days without the year within one year, with the year across two", () => {
  const request = { lastDay: "2026-11-27", days: 366, errorsOnly: false };
  const events = [
    event(new Date(2025, 11, 2, 9, 0, 0), "DV-OLD"),
    event(new Date(2026, 10, 27, 14, 51, 24), "DV-NEW"),
  ];
  const twoYears = renderHistory(
    { from: "2025-11-27", to: "2026-11-27", synced: 2, errors: 0, events },
    request,
  );
  assert.match(twoYears[0], /^Historique du 27\/11\/2025 au 27\/11\/2026 : 2 synchronisés/);
  assert.match(twoYears[1], /^ {2}02\/12\/2025 09:00:00 {2}synchronisé/);
  assert.match(twoYears[2], /^ {2}27\/11\/2026 14:51:24 {2}synchronisé/);

  const oneYear = renderHistory(
    { from: "2026-11-21", to: "2026-11-27", synced: 1, errors: 0, events: events.slice(1) },
    { ...request, days: 7 },
  );
  assert.match(oneYear[1], /^ {2}27\/11 14:51:24 {2}synchronisé/);
});
