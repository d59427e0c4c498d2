/**
 * How a person reads numbers, sizes, amounts, durations and days: the one
 * owner of French formats (`29 203,20 €`, `79,6 Go`, `25/11/2026`), so that no
 * screen shows `29203.20` beside `79,6 Go`, and of the French dates and words
 * an administrator may type (`--date 25/11/2026`). What `Intl` writes the
 * French way (groups of thousands with a narrow no-break space, `dd/MM/yyyy`,
 * « a, b et c ») it writes; the rest (rounding, units, plurals) is said here.
 *
 * @module
 */

import { twoDigits } from "./text.ts";

const LISTS = {
  et: new Intl.ListFormat("fr", { type: "conjunction" }),
  ou: new Intl.ListFormat("fr", { type: "disjunction" }),
};

/** `a`, `a et b`, `a, b et c` (or `ou`, with `conjunction`). */
export function frenchList(items: readonly string[], conjunction: "et" | "ou" = "et"): string {
  return LISTS[conjunction].format(items);
}

/** Whole numbers, minus sign for negatives only (never `-0`). */
const WHOLE = new Intl.NumberFormat("fr-FR", {
  maximumFractionDigits: 0,
  signDisplay: "negative",
});

/** A whole number with groups of thousands (narrow no-break space): `12 345`. */
export function formatCount(n: number): string {
  return WHOLE.format(Math.trunc(n));
}

const DECIMALS = new Map<number, Intl.NumberFormat>();

/**
 * A decimal number with `digits` decimals and a comma: `3,5`, `1 204,75`.
 * Rounded as `toFixed` rounds (the binary value: 1.005 → 1,00), then written by `Intl`.
 */
export function formatDecimal(n: number, digits = 1): string {
  let format = DECIMALS.get(digits);
  if (!format) {
    format = new Intl.NumberFormat("fr-FR", {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
      signDisplay: "negative",
    });
    DECIMALS.set(digits, format);
  }
  return format.format(Number(n.toFixed(digits)));
}

/** An amount held in cents: `29 203,20` (no currency: documents do not say which). */
export function formatCents(cents: bigint): string {
  const sign = cents < 0n ? "-" : "";
  const absolute = cents < 0n ? -cents : cents;
  return `${sign}${WHOLE.format(absolute / 100n)},${twoDigits(Number(absolute % 100n))}`;
}

/** A size in French units: `512 octets`, `85,6 Go`. */
export function formatBytes(n: number): string {
  const units = ["octets", "Ko", "Mo", "Go", "To"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0
    ? `${formatCount(value)} ${units[0]}`
    : `${formatDecimal(value)} ${units[unit]}`;
}

/** A duration for a person, rounded: `45 s`, `12 min`, `3 h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min` : `${Math.round(m / 60)} h`;
}

/**
 * A span of hours and minutes, to the minute below: `45 min`, `2 h`, `2 h 05`
 * (working time waited, where `formatDuration`'s rounding would hide the minutes).
 */
export function formatHoursMinutes(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 60_000));
  const [h, m] = [Math.floor(total / 60), total % 60];
  if (h === 0) return `${m} min`;
  return m === 0 ? `${formatCount(h)} h` : `${formatCount(h)} h ${twoDigits(m)}`;
}

/**
 * `n` and a noun agreeing with it: `plural(1, "signalé")` → `1 signalé`,
 * `plural(3, "export")` → `3 exports` (`plural(2, "accusé renvoyé", "accusés renvoyés")`
 * for the irregular).
 */
export function plural(n: number, singular: string, pluralForm?: string): string {
  const word = Math.abs(n) >= 2 ? pluralForm ?? `${singular}s` : singular;
  return `${formatCount(n)} ${word}`;
}

/** What a pass did, counted: the figures a person reads in the log, `status` and alerts. */
export interface PassFigures {
  synced: number;
  errors: number;
  replaced?: number;
  aside?: number;
  reacknowledged?: number;
  unfinished?: number;
}

/** `3 synchronisés, 0 en erreur, 2 à reprendre`: the same words everywhere. */
export function formatPassFigures(figures: PassFigures): string {
  const parts = [plural(figures.synced, "synchronisé"), `${figures.errors} en erreur`];
  if (figures.replaced) parts.push(plural(figures.replaced, "remplacé"));
  if (figures.aside) parts.push(`${figures.aside} mis de côté`);
  if (figures.reacknowledged) {
    parts.push(plural(figures.reacknowledged, "accusé renvoyé", "accusés renvoyés"));
  }
  if (figures.unfinished) parts.push(`${figures.unfinished} à reprendre`);
  return parts.join(", ");
}

const DAY = new Intl.DateTimeFormat("fr-FR", { day: "2-digit", month: "2-digit", year: "numeric" });
const TIME = new Intl.DateTimeFormat("fr-FR", {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

const CLOCK = new Intl.DateTimeFormat("fr-FR", {
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** What a date that is not one (a damaged record) reads as, instead of an exception. */
const NO_DATE = "date inconnue";

/** `dd/MM/yyyy` of a date, local time. */
export function formatDay(date: Date): string {
  return Number.isNaN(date.getTime()) ? NO_DATE : DAY.format(date);
}

/** `dd/MM/yyyy HH:mm:ss` of a date, local time. */
export function formatDateTime(date: Date): string {
  return Number.isNaN(date.getTime()) ? NO_DATE : `${DAY.format(date)} ${TIME.format(date)}`;
}

/** `HH:mm` of a date, local time. */
export function formatClock(date: Date): string {
  return Number.isNaN(date.getTime()) ? NO_DATE : CLOCK.format(date);
}

/** `HH:mm:ss` of a date, local time. */
export function formatTime(date: Date): string {
  return Number.isNaN(date.getTime()) ? NO_DATE : TIME.format(date);
}

const WEEKDAY = new Intl.DateTimeFormat("fr-FR", { weekday: "long" });

/** `vendredi 04/12/2026 à 17:50` of a date, local time: a moment a person places in the week. */
export function formatMoment(date: Date): string {
  if (Number.isNaN(date.getTime())) return NO_DATE;
  return `${WEEKDAY.format(date)} ${DAY.format(date)} à ${TIME.format(date).slice(0, 5)}`;
}

/**
 * A day typed by a person, as `yyyy-MM-dd`: `25/11/2026`, `25-11-2026`,
 * `25.11.2026` (French order, the year on four digits or two: `25/11/26` is
 * 2026) or `2026-11-25`; `aujourd'hui`/`hier` too. Undefined when it is not
 * a real calendar day.
 */
export function parseDay(text: string, today: Date = new Date()): string | undefined {
  const value = text.trim().toLowerCase();
  let y: number, m: number, d: number;
  let match: RegExpExecArray | null;
  if (value === "aujourd'hui" || value === "aujourdhui" || value === "today") {
    [y, m, d] = [today.getFullYear(), today.getMonth() + 1, today.getDate()];
  } else if (value === "hier" || value === "yesterday") {
    const day = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    [y, m, d] = [day.getFullYear(), day.getMonth() + 1, day.getDate()];
  } else if ((match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value))) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else if ((match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$/.exec(value))) {
    const year = Number(match[3]);
    [y, m, d] = [match[3].length === 2 ? 2000 + year : year, Number(match[2]), Number(match[1])];
  } else {
    return undefined;
  }
  const date = new Date(y, m - 1, d);
  if (date.getFullYear() !== y || date.getMonth() !== m - 1 || date.getDate() !== d) {
    return undefined;
  }
  return `${y}-${twoDigits(m)}-${twoDigits(d)}`;
}
