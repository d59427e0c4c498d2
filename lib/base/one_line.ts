/**
 * A text made fit for one line of a French message (a setting's value quoted
 * in an error, a server's reply in a warning): control characters and line
 * separators become a space, and the length is capped. Shared by the alerts'
 * settings and the alerts themselves, which quote what they were given.
 *
 * @module
 */

/**
 * `text` on one line of at most `max` characters, the last one `…` when cut.
 *
 * @example
 * ```ts
 * oneLine("550 mailbox\r\nunavailable", 40); // "550 mailbox unavailable"
 * ```
 */
export function oneLine(text: string, max: number): string {
  // deno-lint-ignore no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
