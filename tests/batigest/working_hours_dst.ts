/**
 * Working time across the clocks' changes, run by `working_hours_test.ts` in
 * a process whose time zone is Europe/Paris (`TZ`), as on a French server:
 * the time zone of a running process cannot be changed safely beside other
 * tests. Not a `_test.ts` file: `deno test tests/` does not run it alone.
 */

import assert from "node:assert/strict";
import { parseWeeklyHours } from "../../lib/base/weekly_hours.ts";
import {
  afterWorkingTime,
  batigestWait,
  isWorkingTime,
  workingMsBetween,
} from "../../lib/batigest/working_hours.ts";

const HOUR = 3_600_000;
const OFFICE = parseWeeklyHours("lun-ven 08:00-18:00");
const ALWAYS = parseWeeklyHours("lun-dim 00:00-24:00");

function inParis(): void {
  // Summer time from the last Sunday of March: UTC+2 in April, UTC+1 in January.
  assert.equal(new Date(2026, 3, 1).getTimezoneOffset(), -120, "TZ=Europe/Paris expected");
  assert.equal(new Date(2026, 0, 1).getTimezoneOffset(), -60, "TZ=Europe/Paris expected");
}

Deno.test("March: the night of Sunday 29 March 2026 is an hour shorter, the working days are not", () => {
  inParis();
  const friday = new Date(2026, 2, 27, 17);
  const monday = new Date(2026, 2, 30, 9);
  assert.equal(monday.getTime() - friday.getTime(), 63 * HOUR, "an hour less in real time");
  assert.equal(workingMsBetween(friday, monday, OFFICE), 2 * HOUR);
  assert.equal(workingMsBetween(new Date(2026, 2, 29), new Date(2026, 2, 30), ALWAYS), 23 * HOUR);
  assert.equal(isWorkingTime(new Date(2026, 2, 30, 8, 30), OFFICE), true);
  assert.equal(isWorkingTime(new Date(2026, 2, 30, 7, 30), OFFICE), false);
  assert.deepEqual(
    afterWorkingTime(new Date(2026, 2, 28, 23), 2 * HOUR, OFFICE),
    new Date(2026, 2, 30, 10),
  );
  assert.equal(
    batigestWait({ since: new Date(2026, 2, 28, 23), now: new Date(2026, 2, 30, 10, 5) })
      .patienceSpent,
    true,
  );
});

Deno.test("October: the night of Sunday 25 October 2026 is an hour longer, the working days are not", () => {
  inParis();
  const friday = new Date(2026, 9, 23, 17);
  const monday = new Date(2026, 9, 26, 9);
  assert.equal(monday.getTime() - friday.getTime(), 65 * HOUR, "an hour more in real time");
  assert.equal(workingMsBetween(friday, monday, OFFICE), 2 * HOUR);
  assert.equal(workingMsBetween(new Date(2026, 9, 25), new Date(2026, 9, 26), ALWAYS), 25 * HOUR);
  assert.equal(isWorkingTime(new Date(2026, 9, 26, 8, 30), OFFICE), true);
  assert.deepEqual(
    afterWorkingTime(new Date(2026, 9, 24, 23), 2 * HOUR, OFFICE),
    new Date(2026, 9, 26, 10),
  );
  assert.equal(
    batigestWait({ since: new Date(2026, 9, 24, 23), now: new Date(2026, 9, 26, 9, 55) })
      .patienceSpent,
    false,
  );
});

Deno.test("a week across the change counts five full working days", () => {
  inParis();
  assert.equal(
    workingMsBetween(new Date(2026, 2, 26, 0), new Date(2026, 3, 2, 0), OFFICE),
    5 * 10 * HOUR,
  );
  assert.equal(
    workingMsBetween(new Date(2026, 9, 22, 0), new Date(2026, 9, 29, 0), OFFICE),
    5 * 10 * HOUR,
  );
});
