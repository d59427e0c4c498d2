/**
 * When the client tries again, and for how long it waits: up to
 * `maxAttempts` attempts of a request that failed with a `Retryable`
 * (network, timeout, 408, 429, 5xx, a truncated body), full-jitter backoff
 * or the server's `Retry-After` between them, and `timeoutMs` per attempt.
 * Apart from the client so that the policy reads on its own.
 *
 * @module
 */

import { backoffDelay, redact, Retryable, type RetryInfo, saxiumError } from "./errors.ts";

/** How `runWithRetry` tries and waits. */
export interface RetryPolicy {
  maxAttempts: number;
  /** Per attempt, headers and body included. */
  timeoutMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Told before each wait between attempts. */
  onRetry?: (info: RetryInfo) => void;
  /** Masked in the messages. */
  token?: string;
}

/** Runs `attempt` up to `maxAttempts` times while it fails with a `Retryable`. */
export async function runWithRetry<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  options: RetryPolicy,
): Promise<T> {
  for (let n = 1;; n++) {
    const signal = AbortSignal.timeout(options.timeoutMs);
    try {
      return await attempt(signal);
    } catch (error) {
      if (!(error instanceof Retryable)) throw error;
      if (n >= options.maxAttempts) {
        const times = n > 1 ? `, après ${n} tentatives` : "";
        throw saxiumError({
          kind: error.kind,
          token: options.token,
          what: error.what + times,
          todo: error.todo,
          status: error.status,
          cause: error.cause,
        });
      }
      const backoff = backoffDelay(n - 1, {
        baseDelayMs: options.baseDelayMs,
        maxDelayMs: options.maxDelayMs,
        random: options.random,
      });
      const delayMs = error.retryAfterMs === undefined
        ? backoff
        : Math.min(error.retryAfterMs, options.maxDelayMs);
      options.onRetry?.({ attempt: n, delayMs, reason: redact(error.what, options.token) });
      await options.sleep(delayMs);
    }
  }
}
