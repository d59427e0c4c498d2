import assert from "node:assert/strict";
import {
  formatBytes,
  formatCents,
  formatCount,
  formatDateTime,
  formatDay,
  formatDecimal,
  formatDuration,
  formatHoursMinutes,
  formatMoment,
  frenchList,
  parseDay,
  plural,
} from "../../lib/base/french.ts";

const NB = "\u202f";

Deno.test("numbers, amounts and sizes read the French way", () => {
  assert.equal(formatCount(7), "7");
  assert.equal(formatCount(1234567), `1${NB}234${NB}567`);
  assert.equal(formatCount(-1200), `-1${NB}200`);
  assert.equal(formatDecimal(3.25, 1), "3,3");
  assert.equal(formatDecimal(1204.75, 2), `1${NB}204,75`);
  assert.equal(formatCents(2920320n), `29${NB}203,20`);
  assert.equal(formatCents(-5n), "-0,05");
  assert.equal(formatBytes(512), "512 octets");
  assert.equal(formatBytes(85.6 * 1024 ** 3), "85,6 Go");
  assert.equal(formatBytes(1536), "1,5 Ko");
});

Deno.test("durations and plurals", () => {
  assert.equal(formatDuration(4_400), "4 s");
  assert.equal(formatDuration(12 * 60_000), "12 min");
  assert.equal(formatDuration(100_000), "100 s");
  assert.equal(formatDuration(185 * 60_000), "3 h");
  assert.equal(plural(0, "signalé"), "0 signalé");
  assert.equal(plural(1, "signalé"), "1 signalé");
  assert.equal(plural(8, "signalé"), "8 signalés");
  assert.equal(plural(2, "accusé renvoyé", "accusés renvoyés"), "2 accusés renvoyés");
});

Deno.test("days typed the French way or the ISO way; impossible days refused", () => {
  const today = new Date(2026, 10, 27, 10, 0, 0);
  assert.equal(parseDay("25/11/2026", today), "2026-11-25");
  assert.equal(parseDay("5/1/2026", today), "2026-01-05");
  assert.equal(parseDay("25.11.2026", today), "2026-11-25");
  assert.equal(parseDay("2026-11-25", today), "2026-11-25");
  // A two-digit year, as people type it (`history --date 05/12/26`): this century.
  assert.equal(parseDay("05/12/26", today), "2026-12-05");
  assert.equal(parseDay("5.1.27", today), "2027-01-05");
  assert.equal(parseDay("29/02/26", today), undefined);
  assert.equal(parseDay("05/12/126", today), undefined);
  assert.equal(parseDay(" aujourd'hui ", today), "2026-11-27");
  assert.equal(parseDay("hier", today), "2026-11-26");
  assert.equal(parseDay("31/02/2026", today), undefined);
  assert.equal(parseDay("2026-13-01", today), undefined);
  assert.equal(parseDay("11/25/2026", today), undefined);
  assert.equal(parseDay("demain", today), undefined);
  assert.equal(formatDay(today), "27/11/2026");
});

Deno.test("lists read the French way: a, b et c; or ou", () => {
  assert.equal(frenchList([]), "");
  assert.equal(frenchList(["SAXIUM_TOKEN"]), "SAXIUM_TOKEN");
  assert.equal(frenchList(["a", "b", "c"]), "a, b et c");
  assert.equal(frenchList(["--work-dir", "la variable X"], "ou"), "--work-dir ou la variable X");
});

Deno.test("dates read the French way, and a date that is not one reads as such", () => {
  const at = new Date(2026, 0, 5, 7, 4, 3);
  assert.equal(formatDay(at), "05/01/2026");
  assert.equal(formatDateTime(at), "05/01/2026 07:04:03");
  assert.equal(formatDateTime(new Date(2026, 11, 31, 0, 0, 0)), "31/12/2026 00:00:00");
  assert.equal(formatDateTime(new Date(Number.NaN)), "date inconnue");
  assert.equal(frenchList(["a", "b", "c"], "ou"), "a, b ou c");
  assert.equal(formatDecimal(-0.04, 1), "0,0");
  assert.equal(formatDecimal(1.005, 2), "1,00", "rounded as toFixed rounds, as before");
});

Deno.test("working time waited and a moment in the week, the French way", () => {
  assert.equal(formatHoursMinutes(45 * 60_000 + 59_000), "45 min");
  assert.equal(formatHoursMinutes(2 * 3_600_000), "2 h");
  assert.equal(formatHoursMinutes(2 * 3_600_000 + 5 * 60_000), "2 h 05");
  assert.equal(formatHoursMinutes(-1), "0 min");
  assert.equal(formatMoment(new Date(2026, 11, 5, 23, 30, 12)), "samedi 05/12/2026 à 23:30");
  assert.equal(formatMoment(new Date(NaN)), "date inconnue");
});
