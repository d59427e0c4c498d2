/**
 * Batigest's working time: Easter and the holidays that follow it for
 * several years, the fixed holidays, working time counted across nights,
 * weekends, lunch breaks and holidays, and the wait judged against the
 * patience. The clocks' changes are tested in a process whose time zone is
 * Europe/Paris (`working_hours_dst.ts`), as on the Batigest server.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { parseWeeklyHours } from "../../lib/base/weekly_hours.ts";
import {
  afterWorkingTime,
  batigestWait,
  easterSunday,
  frenchHoliday,
  isWorkingTime,
  workingMsBetween,
} from "../../lib/batigest/working_hours.ts";

const HOUR = 3_600_000;
const OFFICE = parseWeeklyHours("lun-ven 08:00-18:00");

Deno.test("Easter (Meeus/Butcher) for many years, no table", () => {
  const known: [number, number, number][] = [
    [1818, 3, 22], // the earliest possible date
    [2000, 4, 23],
    [2024, 3, 31],
    [2025, 4, 20],
    [2026, 4, 5],
    [2027, 3, 28],
    [2028, 4, 16],
    [2038, 4, 25], // the latest possible date
    [2285, 3, 22],
  ];
  for (const [year, month, day] of known) {
    assert.deepEqual(easterSunday(year), { month, day }, String(year));
  }
});

Deno.test("the holidays that follow Easter, and the fixed ones, for 2025 to 2027", () => {
  const expected: [number, number, number, string][] = [
    [2025, 4, 21, "lundi de Pâques"],
    [2025, 5, 29, "Ascension"],
    [2025, 6, 9, "lundi de Pentecôte"],
    [2026, 4, 6, "lundi de Pâques"],
    [2026, 5, 14, "Ascension"],
    [2026, 5, 25, "lundi de Pentecôte"],
    [2027, 3, 29, "lundi de Pâques"],
    [2027, 5, 6, "Ascension"],
    [2027, 5, 17, "lundi de Pentecôte"],
  ];
  for (const [y, m, d, name] of expected) {
    assert.equal(frenchHoliday(new Date(y, m - 1, d, 10)), name, `${d}/${m}/${y}`);
  }
  for (const year of [2025, 2026, 2027]) {
    const fixed = [[1, 1], [5, 1], [5, 8], [7, 14], [8, 15], [11, 1], [11, 11], [12, 25]];
    for (const [m, d] of fixed) assert.ok(frenchHoliday(new Date(year, m - 1, d)), `${d}/${m}`);
    // Easter Sunday itself and Good Friday are not public holidays (outside Alsace-Moselle).
    const easter = easterSunday(year);
    assert.equal(frenchHoliday(new Date(year, easter.month - 1, easter.day - 2)), undefined);
    let days = 0;
    for (let i = 0; i < 366; i++) {
      const day = new Date(year, 0, 1 + i);
      if (day.getFullYear() === year && frenchHoliday(day)) days++;
    }
    assert.equal(days, 11, `${year}: eleven public holidays`);
  }
});

Deno.test("working time: a night, a weekend, a lunch break, a public holiday count nothing", () => {
  // Friday 4 December 2026, 17:00 → Monday 7, 09:00: one hour each side.
  assert.equal(
    workingMsBetween(new Date(2026, 11, 4, 17), new Date(2026, 11, 7, 9), OFFICE),
    2 * HOUR,
  );
  // A night: Tuesday 18:30 → Wednesday 07:45.
  assert.equal(
    workingMsBetween(new Date(2026, 11, 8, 18, 30), new Date(2026, 11, 9, 7, 45), OFFICE),
    0,
  );
  // Ascension Thursday 14 May 2026: Wednesday 17:00 → Friday 09:00.
  assert.equal(
    workingMsBetween(new Date(2026, 4, 13, 17), new Date(2026, 4, 15, 9), OFFICE),
    2 * HOUR,
  );
  // Christmas on a Friday, then the weekend: Thursday 24 December 17:00 → Monday 28, 09:00.
  assert.equal(
    workingMsBetween(new Date(2026, 11, 24, 17), new Date(2026, 11, 28, 9), OFFICE),
    2 * HOUR,
  );
  const lunch = parseWeeklyHours("lun-ven 08:00-12:30,13:30-18:00; sam 09:00-12:00");
  assert.equal(workingMsBetween(new Date(2026, 11, 8, 12), new Date(2026, 11, 8, 14), lunch), HOUR);
  // Saturday morning counts with that week: Friday 17:30 → Saturday 10:00.
  assert.equal(
    workingMsBetween(new Date(2026, 11, 4, 17, 30), new Date(2026, 11, 5, 10), lunch),
    1.5 * HOUR,
  );
  assert.equal(workingMsBetween(new Date(2026, 11, 7, 10), new Date(2026, 11, 7, 9), OFFICE), 0);
  // A wait of a month counts its working days only: 20 days of 10 hours, 2 holidays out.
  const april = workingMsBetween(new Date(2026, 3, 1), new Date(2026, 4, 1), OFFICE);
  assert.equal(april, (22 - 1) * 10 * HOUR, "April 2026: 22 weekdays, Easter Monday out");
});

Deno.test("within the working hours, or not", () => {
  assert.equal(isWorkingTime(new Date(2026, 11, 7, 8), OFFICE), true);
  assert.equal(isWorkingTime(new Date(2026, 11, 7, 18), OFFICE), false, "18:00 is closed");
  assert.equal(isWorkingTime(new Date(2026, 11, 5, 10), OFFICE), false, "Saturday");
  assert.equal(isWorkingTime(new Date(2026, 4, 14, 10), OFFICE), false, "Ascension");
  assert.deepEqual(
    afterWorkingTime(new Date(2026, 11, 5, 23, 30), 2 * HOUR, OFFICE),
    new Date(2026, 11, 7, 10),
    "Saturday night, two hours of patience: Monday 10:00",
  );
  assert.deepEqual(
    afterWorkingTime(new Date(2026, 11, 24, 17, 30), 2 * HOUR, OFFICE),
    new Date(2026, 11, 28, 9, 30),
    "Christmas Eve: half an hour, then Monday",
  );
});

Deno.test("the wait judged: Saturday night and Sunday silent; spent on Monday past the patience", () => {
  const since = new Date(2026, 11, 5, 23, 30); // Saturday night
  const sunday = batigestWait({ since, now: new Date(2026, 11, 6, 15) });
  assert.equal(sunday.patienceSpent, false);
  assert.equal(sunday.workingMs, 0);
  assert.equal(sunday.workingNow, false);
  assert.equal(sunday.hours, "lun-ven 08:00-18:00");
  assert.equal(sunday.patienceEndsAt, new Date(2026, 11, 7, 10).toISOString());
  const mondayNine = batigestWait({ since, now: new Date(2026, 11, 7, 9) });
  assert.equal(mondayNine.patienceSpent, false);
  assert.equal(mondayNine.workingNow, true);
  const exactly = batigestWait({ since, now: new Date(2026, 11, 7, 10) });
  assert.equal(exactly.patienceSpent, false, "more than the patience, not as much");
  const spent = batigestWait({ since, now: new Date(2026, 11, 7, 10, 5) });
  assert.equal(spent.patienceSpent, true);
  assert.equal(spent.patienceEndsAt, undefined);
  assert.equal(spent.since, since.toISOString());
  const patient = batigestWait({
    since,
    now: new Date(2026, 11, 7, 10, 5),
    hours: "lun-ven 09:00-17:00",
    patienceHours: 4,
  });
  assert.equal(patient.patienceSpent, false);
  assert.equal(patient.workingMs, 65 * 60_000);
});

Deno.test("the clocks' changes (March, October), in Europe/Paris as on the server", async () => {
  const inner = nodePath.join(import.meta.dirname!, "working_hours_dst.ts");
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--quiet", "--no-check", "--allow-read", inner],
    env: { TZ: "Europe/Paris", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
  assert.equal(run.code, 0, text);
  assert.match(text, /ok \| 3 passed/, text);
});
