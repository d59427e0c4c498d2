/**
 * Text made fit to be shown: the one owner of the small rules every screen,
 * log line, alert and support bundle applies, so that no module writes its own.
 *
 * - Masking a secret (token, password, webhook path, proxy credentials):
 *   {@linkcode redact} hides it wherever it appears, in whatever case, behind
 *   one mask, {@linkcode MASK}; the other `mask…` functions hide a secret by
 *   its place (a URL's credentials, a webhook's path, a settings key).
 * - Prose quoted in a message (a server's reply, an error's text, a command's
 *   output): {@linkcode oneLine} puts it on one short line.
 * - An untrusted value echoed to be compared (a setting's key or value, a
 *   document's reference): {@linkcode printable} keeps every invisible
 *   character visible as `?`, one for one, so that the reader sees why
 *   « DV-1?» is not « DV-1 » instead of two values that look alike.
 * - Two digits of a date or time: {@linkcode twoDigits}.
 *
 * French numbers, dates and lists are `french.ts`'s.
 *
 * @module
 */

/** What stands in for a hidden value, everywhere. */
export const MASK = "********";

/**
 * The shortest secret {@linkcode redact} hides: masking every `a` or `42` of a
 * message would leave nothing to read, and a secret that short guards nothing.
 */
export const MIN_SECRET_LENGTH = 4;

/** Key names whose values are secrets in a settings object or `agent.json`. */
const SECRET_KEY = /pass|secret|token|key/i;

/**
 * `text` with every occurrence of each secret, in whatever case (a server may
 * echo a token upper-cased), replaced by {@linkcode MASK}, only as a whole
 * value: never inside a longer word (a secret `test` leaves « attestation »
 * alone). The longest secret is matched first, so that a webhook URL and its
 * path are one mask; secrets shorter than {@linkcode MIN_SECRET_LENGTH} (and
 * undefined ones) are left out.
 *
 * @example
 * ```ts
 * redact("Bearer tok-123 refusé (TOK-123)", ["tok-123"]); // "Bearer ******** refusé (********)"
 * ```
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  const hidden = secrets
    .filter((s): s is string => s !== undefined && s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length)
    .map(wholeValue);
  if (hidden.length === 0) return text;
  return text.replace(new RegExp(hidden.join("|"), "giu"), MASK);
}

/** A character that continues a word: a secret next to one is part of a longer text. */
const WORD = /[\p{L}\p{N}_-]/u;

/** The pattern of `secret` standing as a whole value (no word character glued to its ends). */
function wholeValue(secret: string): string {
  const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const before = WORD.test(secret[0]) ? `(?<!${WORD.source})` : "";
  const after = WORD.test(secret.at(-1)!) ? `(?!${WORD.source})` : "";
  return `${before}${escaped}${after}`;
}

/** A URL with its `user:password@` hidden: `http://********@proxy:3128`. */
export function maskUrlCredentials(url: string): string {
  return url.replace(/\/\/[^@/]*@/, `//${MASK}@`);
}

/** A webhook URL reduced to its origin (its path often is the webhook's secret). */
export function maskWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/${MASK}`;
  } catch {
    return MASK;
  }
}

/**
 * A settings-shaped value with secrets hidden by key name: passwords, tokens
 * and keys become {@linkcode MASK}, a webhook URL keeps its origin only.
 */
export function maskByKey(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskByKey);
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => {
      if (typeof v === "string" && /webhook/i.test(key)) return [key, maskWebhookUrl(v)];
      if (SECRET_KEY.test(key) && v !== null && v !== undefined) return [key, MASK];
      return [key, maskByKey(v)];
    }),
  );
}

/**
 * The raw text of a JSON file that does not parse, with the values of
 * secret-looking keys hidden, so that a broken `agent.json` can still be shown.
 */
export function maskJsonText(text: string): string {
  return text.replace(
    /("[^"]*(?:pass|secret|token|key|webhook)[^"]*"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
    `$1"${MASK}"`,
  );
}

/**
 * `text` on one line of at most `max` characters, the last one `…` when cut:
 * control characters and line separators become a space, the ends are trimmed.
 *
 * @example
 * ```ts
 * oneLine("550 mailbox\r\nunavailable", 40); // "550 mailbox unavailable"
 * ```
 */
export function oneLine(text: string, max: number): string {
  // deno-lint-ignore no-control-regex
  const spaced = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ");
  const line = showInvisible(spaced).trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * `text` with every invisible format character (a bidirectional override
 * such as U+202E, which reorders what follows it on screen, a zero-width
 * space, a stray byte order mark) shown as `?`: a reader sees the text as it
 * is, never as a server made it look.
 */
export function showInvisible(text: string): string {
  return text.replace(/\p{Cf}/gu, "?");
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

/** A month, day, hour, minute or second on two digits: `5` → `05`. */
export function twoDigits(n: number): string {
  return String(n).padStart(2, "0");
}
