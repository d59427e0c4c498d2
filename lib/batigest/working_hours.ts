/**
 * Batigest's working hours, and how long documents have waited in them. A
 * Batigest closed at night, over a weekend or on a public holiday is normal
 * life: what tells an incident from a closed office is how much of Batigest's
 * *working* time the oldest document has waited, against the patience the
 * administrator set (`batigestHours`, `batigestPatienceHours`).
 *
 * - The week is the setting's (`lib/base/weekly_hours.ts` owns its language).
 * - French public holidays are never working days: the fixed ones (1 January,
 *   1 May, 8 May, 14 July, 15 August, 1 November, 11 November, 25 December)
 *   and those that follow Easter (Easter Monday, Ascension Thursday, Whit
 *   Monday), Easter being computed for any year ({@linkcode easterSunday}):
 *   no table of years to keep up to date.
 * - Time is the machine's local time, and working time is counted by walking
 *   real local dates: each working range is turned into the instants it
 *   begins and ends on that calendar day, so that the night the clocks change
 *   (March, October) is one hour shorter or longer, and a working day stays
 *   08:00 to 18:00 on either side of it.
 *
 * Pure functions of dates: the pass, the notifier and `doctor` give the clock.
 *
 * @module
 */

import { parseWeeklyHours, type WeeklyHours } from "../base/weekly_hours.ts";

/** `batigestHours` when the settings say nothing (settings built by hand in tests). */
export const DEFAULT_BATIGEST_HOURS = "lun-ven 08:00-18:00";
/** `batigestPatienceHours` when the settings say nothing. */
export const DEFAULT_PATIENCE_HOURS = 2;

/** Beyond this many days, a search for the end of a patience gives up (a week with no working time). */
const MAX_DAYS_AHEAD = 800;

/**
 * Easter Sunday of a Gregorian year, by the anonymous algorithm (Meeus,
 * Jones, Butcher); `month` is 1 to 12.
 *
 * @example
 * ```ts
 * easterSunday(2026); // { month: 4, day: 5 }
 * ```
 */
export function easterSunday(year: number): { month: number; day: number } {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const n = h + l - 7 * m + 114;
  return { month: Math.floor(n / 31), day: (n % 31) + 1 };
}

const FIXED_HOLIDAYS: Record<string, string> = {
  "1-1": "jour de l'an",
  "5-1": "fête du Travail",
  "5-8": "Victoire 1945",
  "7-14": "fête nationale",
  "8-15": "Assomption",
  "11-1": "Toussaint",
  "11-11": "Armistice",
  "12-25": "Noël",
};

/** Days after Easter Sunday of the holidays that follow it. */
const EASTER_HOLIDAYS: readonly [number, string][] = [
  [1, "lundi de Pâques"],
  [39, "Ascension"],
  [50, "lundi de Pentecôte"],
];

const easterHolidays = new Map<number, Map<string, string>>();

/**
 * The French public holiday a local date falls on, by its name, or undefined.
 *
 * @example
 * ```ts
 * frenchHoliday(new Date(2026, 4, 14)); // "Ascension"
 * ```
 */
export function frenchHoliday(date: Date): string | undefined {
  const [y, m, d] = [date.getFullYear(), date.getMonth() + 1, date.getDate()];
  const fixed = FIXED_HOLIDAYS[`${m}-${d}`];
  if (fixed) return fixed;
  let movable = easterHolidays.get(y);
  if (!movable) {
    const easter = easterSunday(y);
    movable = new Map();
    for (const [after, name] of EASTER_HOLIDAYS) {
      // The Date constructor carries the days over the months.
      const day = new Date(y, easter.month - 1, easter.day + after);
      movable.set(`${day.getMonth() + 1}-${day.getDate()}`, name);
    }
    easterHolidays.set(y, movable);
  }
  return movable.get(`${m}-${d}`);
}

/** Batigest's week, read from `batigestHours` (the default when unset). */
export function workingWeek(hours: string | undefined): WeeklyHours {
  return parseWeeklyHours(hours ?? DEFAULT_BATIGEST_HOURS);
}

/** The working ranges of one local calendar day, as instants: none on a public holiday. */
function workingRanges(day: Date, week: WeeklyHours): [Date, Date][] {
  if (frenchHoliday(day)) return [];
  const [y, m, d] = [day.getFullYear(), day.getMonth(), day.getDate()];
  const ranges = week[(day.getDay() + 6) % 7];
  // new Date(y, m, d, 0, minutes): the local wall-clock time of that day
  // (24:00 is the next day's midnight), whatever the offset is that day.
  return ranges.map(([start, end]) => [new Date(y, m, d, 0, start), new Date(y, m, d, 0, end)]);
}

/** Each local calendar day from the one holding `from`, as its midnight, for at most `maxDays`. */
function* localDays(from: Date, maxDays: number): Generator<Date> {
  for (let i = 0; i < maxDays; i++) {
    yield new Date(from.getFullYear(), from.getMonth(), from.getDate() + i);
  }
}

/** Whether `at` falls within Batigest's working hours (a public holiday never does). */
export function isWorkingTime(at: Date, week: WeeklyHours): boolean {
  return workingRanges(at, week).some(([start, end]) => start <= at && at < end);
}

/**
 * The working time between two instants, in ms: the parts of Batigest's
 * working ranges that fall between them, day by real local day.
 *
 * @example
 * ```ts
 * // Friday 17:00 to Monday 09:00, « lun-ven 08:00-18:00 »: 2 hours.
 * workingMsBetween(new Date(2026, 11, 4, 17), new Date(2026, 11, 7, 9), week); // 7_200_000
 * ```
 */
export function workingMsBetween(from: Date, to: Date, week: WeeklyHours): number {
  if (!(to > from)) return 0;
  let total = 0;
  const days = Math.ceil((to.getTime() - from.getTime()) / 86_400_000) + 2;
  for (const day of localDays(from, days)) {
    if (day > to) break;
    for (const [start, end] of workingRanges(day, week)) {
      const overlap = Math.min(end.getTime(), to.getTime()) -
        Math.max(start.getTime(), from.getTime());
      if (overlap > 0) total += overlap;
    }
  }
  return total;
}

/**
 * The instant at which `ms` of working time will have passed since `from`;
 * undefined when the week holds no working time for years ahead.
 */
export function afterWorkingTime(from: Date, ms: number, week: WeeklyHours): Date | undefined {
  let left = ms;
  for (const day of localDays(from, MAX_DAYS_AHEAD)) {
    for (const [start, end] of workingRanges(day, week)) {
      const begin = Math.max(start.getTime(), from.getTime());
      const length = end.getTime() - begin;
      if (length <= 0) continue;
      if (length > left) return new Date(begin + left);
      left -= length;
    }
  }
  return undefined;
}

/**
 * How long Batigest's documents have waited, as the working hours count it,
 * judged once by the pass and carried to the notifier in its result.
 */
export interface BatigestWait {
  /** Since when the oldest document waits in Batigest's import folder, ISO 8601. */
  since: string;
  /** The working time it has waited, in ms. */
  workingMs: number;
  /** `batigestPatienceHours`. */
  patienceHours: number;
  /** It has waited more than the patience: Batigest's silence is an incident. */
  patienceSpent: boolean;
  /** When the patience will be spent, ISO 8601, if it is not yet. */
  patienceEndsAt?: string;
  /** The pass ended within Batigest's working hours. */
  workingNow: boolean;
  /** `batigestHours`, in its canonical form. */
  hours: string;
}

/**
 * Judges a wait: the documents wait since `since`, it is `now`; the
 * settings' hours and patience (their defaults when unset).
 *
 * @example
 * ```ts
 * // Saturday night: nothing of Batigest's working time has passed.
 * batigestWait({ since: saturday2330, now: sunday1000 }).patienceSpent; // false
 * ```
 */
export function batigestWait(
  options: { since: Date; now: Date; hours?: string; patienceHours?: number },
): BatigestWait {
  const { since, now } = options;
  const hours = options.hours ?? DEFAULT_BATIGEST_HOURS;
  const week = workingWeek(hours);
  const patienceHours = options.patienceHours ?? DEFAULT_PATIENCE_HOURS;
  const patienceMs = patienceHours * 3_600_000;
  const workingMs = workingMsBetween(since, now, week);
  const patienceSpent = workingMs > patienceMs;
  const endsAt = patienceSpent ? undefined : afterWorkingTime(since, patienceMs, week);
  return {
    since: since.toISOString(),
    workingMs,
    patienceHours,
    patienceSpent,
    ...(endsAt ? { patienceEndsAt: endsAt.toISOString() } : {}),
    workingNow: isWorkingTime(now, week),
    hours,
  };
}
