/**
 * A text made fit for one line of a French message, in the two ways the agent
 * needs, so that no module writes its own:
 *
 * - {@linkcode oneLine} for prose quoted in a message (a server's reply, an
 *   error's text, a command's output): control characters and line separators
 *   become a space, and the length is capped;
 * - {@linkcode printable} for an untrusted value echoed to be compared (a
 *   setting's key or value, a document's reference): every unprintable or
 *   invisible character stays visible as `?`, one for one, so that the reader
 *   sees why « DV-1?» is not « DV-1 » instead of two values that look alike.
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

/**
 * `value` with each character that cannot be seen (controls, line separators,
 * format characters such as a zero-width space or a bidirectional override)
 * shown as `?`, not trimmed, and cut after `max` characters, `…` then added.
 *
 * @example
 * ```ts
 * printable("DV-1\u200b", 40); // "DV-1?"
 * printable("a".repeat(50), 40); // 40 × "a" then "…"
 * ```
 */
export function printable(value: string, max = 80): string {
  const shown = value.replace(/[\p{C}\u2028\u2029]/gu, "?");
  return shown.length > max ? `${shown.slice(0, max)}…` : shown;
}

/**
 * An error as one line: the innermost cause's message (a library's wrapper
 * says less than what it wraps), made one line by {@linkcode oneLine}.
 */
export function innermostMessage(error: unknown, max: number): string {
  let text = error instanceof Error ? error.message : String(error);
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.message) text = e.message;
  }
  return oneLine(text, max);
}
