/**
 * How a person reads numbers, sizes, amounts, durations and days: the one
 * owner of French formats (`29 203,20 €`, `79,6 Go`, `25/11/2026`), so that no
 * screen shows `29203.20` beside `79,6 Go`, and of the French dates and words
 * an administrator may type (`--date 25/11/2026`).
 *
 * @module
 */

/** `a`, `a et b`, `a, b et c` (or `ou`, with `conjunction`). */
export function frenchList(items: readonly string[], conjunction: "et" | "ou" = "et"): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} ${conjunction} ${items.at(-1)}`;
}

/** The narrow no-break space French puts between groups of thousands. */
const THIN_SPACE = "\u202f";

/** A whole number with groups of thousands: `12 345`. */
export function formatCount(n: number): string {
  const sign = n < 0 ? "-" : "";
  const digits = String(Math.trunc(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, THIN_SPACE);
}

/** A decimal number with `digits` decimals and a comma: `3,5`, `1 204,75`. */
export function formatDecimal(n: number, digits = 1): string {
  const [whole, fraction] = Math.abs(n).toFixed(digits).split(".");
  const sign = n < 0 && Number(Math.abs(n).toFixed(digits)) !== 0 ? "-" : "";
  return `${sign}${formatCount(Number(whole))}${fraction ? `,${fraction}` : ""}`;
}

/** An amount held in cents: `29 203,20` (no currency: documents do not say which). */
export function formatCents(cents: bigint): string {
  const sign = cents < 0n ? "-" : "";
  const absolute = cents < 0n ? -cents : cents;
  const whole = formatCount(Number(absolute / 100n));
  return `${sign}${whole},${(absolute % 100n).toString().padStart(2, "0")}`;
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
  reacknowledged?: number;
  unfinished?: number;
}

/** `3 synchronisés, 0 en erreur, 2 à reprendre`: the same words everywhere. */
export function formatPassFigures(figures: PassFigures): string {
  const parts = [plural(figures.synced, "synchronisé"), `${figures.errors} en erreur`];
  if (figures.reacknowledged) {
    parts.push(plural(figures.reacknowledged, "accusé renvoyé", "accusés renvoyés"));
  }
  if (figures.unfinished) parts.push(`${figures.unfinished} à reprendre`);
  return parts.join(", ");
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** `dd/MM/yyyy` of a date, local time. */
export function formatDay(date: Date): string {
  return `${pad(date.getDate())}/${pad(date.getMonth() + 1)}/${date.getFullYear()}`;
}

/** `dd/MM/yyyy HH:mm:ss` of a date, local time. */
export function formatDateTime(date: Date): string {
  return `${formatDay(date)} ${pad(date.getHours())}:${pad(date.getMinutes())}:${
    pad(date.getSeconds())
  }`;
}

/**
 * A day typed by a person, as `yyyy-MM-dd`: `25/11/2026`, `25-11-2026`,
 * `25.11.2026` (French order) or `2026-11-25`; `aujourd'hui`/`hier` too.
 * Undefined when it is not a real calendar day.
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
  } else if ((match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value))) {
    [y, m, d] = [Number(match[3]), Number(match[2]), Number(match[1])];
  } else {
    return undefined;
  }
  const date = new Date(y, m - 1, d);
  if (date.getFullYear() !== y || date.getMonth() !== m - 1 || date.getDate() !== d) {
    return undefined;
  }
  return `${y}-${pad(m)}-${pad(d)}`;
}
