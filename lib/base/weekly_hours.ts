/**
 * The language of the `batigestHours` setting: when, in a week, Batigest is
 * expected to import. An administrator writes it in French, the way one
 * writes opening hours on a door: `lun-ven 08:00-12:30,13:30-18:00; sam
 * 09:00-12:00`. It is read forgivingly (full or short day names, any case,
 * `8h`, `8h30`, `8:30`, `de 8h à 12h et de 14h à 18h`, `du lundi au
 * vendredi`), and written back in one canonical form, which is what the
 * settings hold and every screen shows.
 *
 * This module owns the format, both ways: the settings validate a value with
 * {@linkcode parseWeeklyHours} (a mistake is a {@linkcode WeeklyHoursError}
 * whose French reason the setting's message quotes), and
 * `lib/batigest/working_hours.ts` reads the week from the same function to
 * count working time. It lives in `base` because the settings do.
 *
 * @module
 */

import { twoDigits } from "./text.ts";

/** A time range within one day, in minutes from midnight: `[480, 1080]` is 08:00-18:00. */
export type TimeRange = readonly [start: number, end: number];

/** The working ranges of each day of the week, Monday first (index 0) to Sunday (index 6). */
export type WeeklyHours = readonly (readonly TimeRange[])[];

/** A value of `batigestHours` that cannot be read; `message` is the French reason, without the setting's name. */
export class WeeklyHoursError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WeeklyHoursError";
  }
}

/** The short French names, Monday first: how the canonical form writes the days. */
export const DAY_NAMES = ["lun", "mar", "mer", "jeu", "ven", "sam", "dim"] as const;

const FULL_NAMES = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];

/**
 * Reads a value of `batigestHours`: groups separated by `;` (or new lines),
 * each group its days then one or more time ranges. A day named in two groups
 * works the ranges of both.
 *
 * @throws {WeeklyHoursError} with the French reason.
 *
 * @example
 * ```ts
 * parseWeeklyHours("lun-ven 8h-12h30, 13h30-18h; sam 9h-12h")[5]; // [[540, 720]]
 * ```
 */
export function parseWeeklyHours(text: string): WeeklyHours {
  const week: TimeRange[][] = DAY_NAMES.map(() => []);
  const groups = text.split(/[;\n\r]+/).map((g) => g.trim()).filter((g) => g !== "");
  if (groups.length === 0) {
    throw new WeeklyHoursError("aucun jour ni horaire indiqué");
  }
  for (const group of groups) {
    const digit = group.search(/\d/);
    if (digit < 0) {
      throw new WeeklyHoursError(`pas d'horaire dans « ${group} »`);
    }
    const days = readDays(group.slice(0, digit), group);
    const ranges = readRanges(group.slice(digit), group);
    for (const day of days) week[day].push(...ranges);
  }
  return week.map(merged);
}

/**
 * The canonical form of a week: days with the same ranges together, runs of
 * days as `lun-ven`, times as `HH:mm`; the form the settings keep.
 *
 * @example
 * ```ts
 * formatWeeklyHours(parseWeeklyHours("Lundi au vendredi de 8h à 18h")); // "lun-ven 08:00-18:00"
 * ```
 */
export function formatWeeklyHours(week: WeeklyHours): string {
  const groups: { ranges: string; days: number[] }[] = [];
  week.forEach((ranges, day) => {
    if (ranges.length === 0) return;
    const text = ranges.map(([s, e]) => `${clock(s)}-${clock(e)}`).join(",");
    const group = groups.find((g) => g.ranges === text);
    if (group) group.days.push(day);
    else groups.push({ ranges: text, days: [day] });
  });
  return groups.map((g) => `${dayRuns(g.days)} ${g.ranges}`).join("; ");
}

/** `HH:mm` of a number of minutes from midnight (`24:00` for the end of the day). */
export function clock(minutes: number): string {
  return `${twoDigits(Math.floor(minutes / 60))}:${twoDigits(minutes % 60)}`;
}

/** The days of a group's first part: `lun-ven`, `lun, mer`, `du lundi au vendredi`, `sam et dim`. */
function readDays(part: string, group: string): number[] {
  const words = part.toLowerCase()
    .normalize("NFD").replace(/[\u0300-\u036f]/g, "")
    .replace(/\b(du|le|les|de)\b/g, " ")
    .replace(/\bet\b/g, ",")
    .replace(/\s+(au|a)\s+/g, "-")
    .replace(/\s*-\s*/g, "-")
    .split(/[\s,]+/)
    .filter((w) => w !== "");
  if (words.length === 0) {
    throw new WeeklyHoursError(`indiquez les jours avant les horaires dans « ${group} »`);
  }
  const days = new Set<number>();
  for (const word of words) {
    const ends = word.split("-");
    if (ends.length > 2 || ends.some((e) => e === "")) {
      throw new WeeklyHoursError(`« ${word} » n'est pas un jour ni une suite de jours`);
    }
    const [from, to] = [dayOf(ends[0]), dayOf(ends.at(-1)!)];
    // A run may wrap past Sunday: `sam-lun` is Saturday, Sunday and Monday.
    for (let d = from;; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  return [...days];
}

/** The day a word names: `lun`, `lun.`, `lundi`, `lundis`. */
function dayOf(word: string): number {
  const w = word.replace(/\.$/, "").replace(/s$/, "");
  const day = DAY_NAMES.findIndex((short, i) =>
    w === short || (w.length >= 3 && FULL_NAMES[i].startsWith(w))
  );
  if (day < 0) {
    throw new WeeklyHoursError(`jour « ${word} » inconnu (lun, mar, mer, jeu, ven, sam, dim)`);
  }
  return day;
}

/** The ranges of a group's second part: `08:00-12:30, 13:30-18:00`, `de 8h à 12h et de 14h à 18h`. */
function readRanges(part: string, group: string): TimeRange[] {
  const items = part.toLowerCase().split(/,|\bet\b/).map((r) => r.trim()).filter((r) => r !== "");
  if (items.length === 0) throw new WeeklyHoursError(`pas d'horaire dans « ${group} »`);
  return items.map((item) => {
    const ends = item.replace(/^de\s+/, "").split(/\s*(?:-|\s(?:a|à)\s)\s*/);
    if (ends.length !== 2) {
      throw new WeeklyHoursError(
        `« ${item} » n'est pas une plage horaire (une heure de début, un tiret, une heure de fin)`,
      );
    }
    const [start, end] = [minutesOf(ends[0]), minutesOf(ends[1])];
    if (end <= start) {
      throw new WeeklyHoursError(
        `la plage « ${item} » finit avant de commencer ; une plage qui passe minuit s'écrit sur deux jours (« lun 22:00-24:00; mar 00:00-06:00 »)`,
      );
    }
    return [start, end] as const;
  });
}

/** Minutes from midnight of `8`, `8h`, `8h30`, `08:30`, `24:00`. */
function minutesOf(text: string): number {
  const match = /^(\d{1,2})(?:\s*[h:.]\s*(\d{2})?)?$/.exec(text.trim());
  const hours = match ? Number(match[1]) : NaN;
  const minutes = match?.[2] ? Number(match[2]) : 0;
  if (!match || hours > 24 || minutes > 59 || (hours === 24 && minutes > 0)) {
    throw new WeeklyHoursError(`« ${text.trim()} » n'est pas une heure (08:00, 8h, 8h30, 13:30)`);
  }
  return hours * 60 + minutes;
}

/** The ranges of a day in order, those that touch or overlap joined. */
function merged(ranges: readonly TimeRange[]): TimeRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = out.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

/** `lun-ven`, `lun,mer,ven`, `lun-mer,sam`: the days of a group, runs joined by a dash. */
function dayRuns(days: readonly number[]): string {
  const runs: [number, number][] = [];
  for (const day of [...days].sort((a, b) => a - b)) {
    const last = runs.at(-1);
    if (last && day === last[1] + 1) last[1] = day;
    else runs.push([day, day]);
  }
  return runs.map(([a, b]) => a === b ? DAY_NAMES[a] : `${DAY_NAMES[a]}-${DAY_NAMES[b]}`)
    .join(",");
}
