/**
 * The rules an XML and a CSV export share, so that both formats judge a
 * reference, a date, a number or a total alike and say so in the same words:
 * how a check fails, how an untrusted value is shown in its message, and what
 * the two kinds of document (quote, order) expect.
 *
 * @module
 */

import { formatCents } from "../base/french.ts";
import { printable } from "../base/text.ts";

/** The advice that ends most refusals: the fix is Saxium's, not the agent's. */
export const FIX_IN_SAXIUM = "corrigez le document dans Saxium puis ré-exportez-le.";

/** The three totals of a document, in the order the CSV gives them. */
export const TOTAL_FIELDS = ["TotalHT", "TotalTVA", "TotalTTC"] as const;

/** What distinguishes the two supported kinds of document. */
export interface DocumentKind {
  label: string;
  xmlRoot: string;
  xmlParty: string;
  csvType: string;
  csvHeader: readonly string[];
}

/**
 * A check fed with the text as it comes, then told the text is complete; a
 * document it accepts may still come with warnings (one line each, for the
 * log), which `end` returns.
 */
export interface TextCheck {
  write(text: string): void;
  end(): string[];
}

/** A check that failed; `reason` is the message for the operator. */
export class CheckFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Amounts of one document line, in cents. */
export interface Totals {
  lines: bigint[];
  totalHT: bigint;
  totalTVA: bigint;
  totalTTC: bigint;
}

/** The reference the document carries must be the export's. */
export function checkReference(found: string, expected: string, field: string): void {
  if (found !== expected) {
    fail(
      `La référence ${show(found)} (${field}) ne correspond pas à celle de l'export ` +
        `${show(expected)} ; vérifiez que Saxium a exporté le bon document puis ré-exportez-le.`,
    );
  }
}

/** A `YYYY-MM-DD` date that exists in the calendar. */
export function checkDate(value: string, field: string): void {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const valid = match !== null && (() => {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= monthDays[month - 1];
  })();
  if (!valid) {
    fail(
      `La date ${show(value)} (${field}) n'est pas une date valide au format AAAA-MM-JJ ; ` +
        FIX_IN_SAXIUM,
    );
  }
}

/** A decimal number written with a dot, such as a quantity or a unit price. */
export function checkNumber(value: string, field: string): void {
  if (!/^-?\d+(\.\d+)?$/.test(value)) {
    fail(
      `La valeur ${show(value)} (${field}) n'est pas un nombre décimal avec un point ; ` +
        FIX_IN_SAXIUM,
    );
  }
}

/** An amount with at most two decimals, as integer cents. */
export function toCents(value: string, field: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(value);
  if (match === null) {
    fail(
      `Le montant ${show(value)} (${field}) n'est pas un nombre avec au plus deux décimales et ` +
        `un point ; ${FIX_IN_SAXIUM}`,
    );
  }
  const cents = BigInt(match[2]) * 100n + BigInt((match[3] ?? "").padEnd(2, "0"));
  return match[1] === "-" ? -cents : cents;
}

/** The lines add up to TotalHT, and TotalHT plus TotalTVA to TotalTTC, to the cent. */
export function checkTotals(totals: Totals): void {
  const sum = totals.lines.reduce((a, b) => a + b, 0n);
  if (sum !== totals.totalHT) {
    fail(
      `Le total ne correspond pas : la somme des lignes (${formatCents(sum)}) diffère de ` +
        `TotalHT (${formatCents(totals.totalHT)}) ; ${FIX_IN_SAXIUM}`,
    );
  }
  const ttc = totals.totalHT + totals.totalTVA;
  if (ttc !== totals.totalTTC) {
    fail(
      `Le total ne correspond pas : TotalHT (${formatCents(totals.totalHT)}) + TotalTVA ` +
        `(${formatCents(totals.totalTVA)}) = ${formatCents(ttc)} diffère de TotalTTC ` +
        `(${formatCents(totals.totalTTC)}) ; ${FIX_IN_SAXIUM}`,
    );
  }
}

/** Stops the check with `reason`, the message for the operator. */
export function fail(reason: string): never {
  throw new CheckFailure(reason);
}

/** An untrusted value, quoted, on one line and short. */
export function show(value: string): string {
  return `« ${showName(value)} »`;
}

/**
 * An untrusted element name, printable and short: shorter than a setting's
 * echo (40 characters, not 80), for a document's refusal names up to three.
 */
export function showName(value: string): string {
  return printable(value, 40);
}
