/**
 * CSV as a French Excel opens it with a double click: `;` between fields (the
 * list separator of French Windows, where `,` is the decimal mark), a UTF-8
 * byte order mark (without it Excel reads the accents as Windows-1252), CRLF
 * line ends, fields quoted when they hold a `;`, a quote or a line break.
 * Dates and times are written by the caller in local time, `dd/MM/yyyy` and
 * `HH:mm:ss`, which Excel takes for dates and times. A text that Excel would
 * take for a formula (`=`, `+`, `-`, `@` first: a reference comes from
 * Saxium, untrusted) is written with a `'` before it, which Excel shows as
 * text and never runs. The one writer of this format (`history --csv`).
 *
 * @module
 */

/** The byte order mark Excel needs to read UTF-8. */
export const BOM = "\ufeff";

/** One field, quoted when it must be; a text Excel would run as a formula is kept as text. */
export function csvField(value: string | number | undefined): string {
  let text = value === undefined ? "" : String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[;"\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The lines of a CSV file for Excel: the header first (with the byte order
 * mark), then one line per row, each ending in `\r` so that a line printed
 * with its `\n` ends in CRLF.
 *
 * @example
 * ```ts
 * excelCsvLines(["Référence", "Motif"], [["DV-1", "total faux; corrigez"]]);
 * // ["\ufeffRéférence;Motif\r", "DV-1;\"total faux; corrigez\"\r"]
 * ```
 */
export function excelCsvLines(
  header: readonly string[],
  rows: readonly (readonly (string | number | undefined)[])[],
): string[] {
  const line = (cells: readonly (string | number | undefined)[]) =>
    `${cells.map(csvField).join(";")}\r`;
  return [`${BOM}${line(header)}`, ...rows.map(line)];
}
