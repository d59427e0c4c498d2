/**
 * How an exchange with Saxium fails, and when it is tried again: the
 * `SaxiumError` every caller sees (French, one line, never the token), the
 * `Retryable` failures the client keeps to itself between attempts, the
 * backoff between them and the server's `Retry-After`. Kept apart from the
 * client so that the pass can read errors without the HTTP machinery. The
 * token is masked and a server's words put on one line by `base/text.ts`,
 * the one owner of those rules.
 *
 * @module
 */

import { oneLine, redact } from "../base/text.ts";

/** Why a request failed. */
export type SaxiumErrorKind =
  | "network"
  | "timeout"
  | "auth"
  | "http"
  | "protocol"
  | "too_large"
  | "redirect"
  | "not_found"
  /** The agent is stopping (Ctrl-C): nothing failed. */
  | "aborted";

/**
 * The advice of a Saxium that is down for a while (maintenance, a restart,
 * a `Retry-After`): nothing for the administrator to do, the next pass
 * resumes by itself. The pass's conclusion (`sync/pass.ts`) reads it to
 * say « indisponible », not « injoignable ou accès refusé ».
 */
export const RESUMES_BY_ITSELF = "rien à faire : la prochaine passe reprendra d'elle-même";

/** Options of `SaxiumError`. */
export interface SaxiumErrorOptions {
  kind: SaxiumErrorKind;
  /** The HTTP status, when the server answered. */
  status?: number;
  /** How long the server asked to wait before asking again (`Retry-After`), in ms. */
  retryAfterMs?: number;
  cause?: unknown;
}

/** A failed exchange with Saxium; the message is French, one line, and never holds the token. */
export class SaxiumError extends Error {
  /** What went wrong, for the caller to decide (exit code, retry later...). */
  kind: SaxiumErrorKind;
  /** The HTTP status, when the server answered. */
  status?: number;
  /**
   * How long the server asked to wait (`Retry-After`, in ms) when it asked
   * for longer than the client waits within a call: the next pass resumes.
   */
  retryAfterMs?: number;

  /** Build an error from its French message and its kind. */
  constructor(message: string, options: SaxiumErrorOptions) {
    super(message, { cause: options.cause });
    this.name = "SaxiumError";
    this.kind = options.kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** What `onRetry` is told before waiting for the next attempt. */
export interface RetryInfo {
  /** The attempt that just failed, from 1. */
  attempt: number;
  delayMs: number;
  /** Why it failed, in French. */
  reason: string;
}

/** Options of `backoffDelay`. */
export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  random: () => number;
}

/**
 * Delay before the retry following failed attempt `attempt` (0 for the first
 * attempt): full jitter, `random() * min(maxDelayMs, baseDelayMs * 2 ** attempt)`.
 *
 * @example
 * ```ts
 * backoffDelay(3, { baseDelayMs: 500, maxDelayMs: 30_000, random: () => 1 }); // 4000
 * ```
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt));
  return Math.floor(options.random() * ceiling);
}

/**
 * A `Retry-After` header value in milliseconds from `now`: delay-seconds or an
 * HTTP date (a past date gives 0). `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}

/** A failure worth another attempt (the client's own; callers only see `SaxiumError`). */
export class Retryable {
  /** The failure's parts; `cause` is the system's own error, kept for the DEBUG log. */
  constructor(
    readonly kind: SaxiumErrorKind,
    readonly what: string,
    readonly todo: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    readonly cause?: unknown,
  ) {}
}

/** The parts of a `SaxiumError`: what happened, what to do; the token is masked out. */
export interface ErrorParts {
  kind: SaxiumErrorKind;
  what: string;
  todo: string;
  status?: number;
  retryAfterMs?: number;
  cause?: unknown;
  /** Masked wherever it appears in the message. */
  token?: string;
}

/** A `SaxiumError` whose message is `what : todo.`, without the token. */
export function saxiumError(parts: ErrorParts): SaxiumError {
  const message = redact(`${parts.what} : ${parts.todo}.`, [parts.token]);
  return new SaxiumError(message, {
    kind: parts.kind,
    status: parts.status,
    retryAfterMs: parts.retryAfterMs,
    cause: parts.cause,
  });
}

/** Longest server reason quoted in a message. */
const QUOTE_MAX = 300;

/**
 * `« message »` from a server's text: the token masked first (a cut could
 * leave part of it), on one line, capped; empty when there is no text.
 */
export function quote(message: unknown, token: string | undefined): string {
  if (typeof message !== "string" || message.trim() === "") return "";
  return `« ${oneLine(redact(message, [token]), QUOTE_MAX)} »`;
}
