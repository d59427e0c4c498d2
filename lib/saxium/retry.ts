/**
 * When the client tries again, and for how long it waits: up to
 * `maxAttempts` attempts of a request that failed with a `Retryable`
 * (network, timeout, 408, 429, 5xx, a truncated body), full-jitter backoff
 * or the server's `Retry-After` between them, and a deadline per attempt:
 * `timeoutMs` in all for a JSON exchange, or an inactivity limit (`idleMs`)
 * for a download, so that a large document over a slow link finishes as long
 * as bytes keep coming. A stop signal (Ctrl-C) ends attempts and waits at
 * once with an `aborted` error.
 *
 * @module
 */

import { redact } from "../base/text.ts";
import { backoffDelay, Retryable, type RetryInfo, SaxiumError, saxiumError } from "./errors.ts";

/** How `runWithRetry` tries and waits. */
export interface RetryPolicy {
  maxAttempts: number;
  /** Per attempt, in all (JSON exchanges). */
  timeoutMs: number;
  /** Per attempt, without progress, instead of `timeoutMs` (downloads). */
  idleMs?: number;
  baseDelayMs: number;
  maxDelayMs: number;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Ends everything at once (Ctrl-C). */
  stop?: AbortSignal;
  /** Told before each wait between attempts. */
  onRetry?: (info: RetryInfo) => void;
  /** Masked in the messages. */
  token?: string;
}

/**
 * Runs `attempt` up to `maxAttempts` times while it fails with a `Retryable`.
 * Each attempt has `timeoutMs` in all or, with `idleMs`, as long as it
 * takes while `progress` is called at least every `idleMs`. The client's
 * stop signal ends everything at once.
 */
export async function runWithRetry<T>(
  attempt: (signal: AbortSignal, progress: () => void) => Promise<T>,
  options: RetryPolicy,
): Promise<T> {
  const stop = options.stop;
  for (let n = 1;; n++) {
    throwIfStopped(stop);
    const limitMs = options.idleMs ?? options.timeoutMs;
    const deadline = new AbortController();
    let timer = setTimeout(() => deadline.abort(), limitMs);
    const progress = () => {
      if (options.idleMs === undefined) return;
      clearTimeout(timer);
      timer = setTimeout(() => deadline.abort(), limitMs);
    };
    const signal = stop ? AbortSignal.any([deadline.signal, stop]) : deadline.signal;
    try {
      return await attempt(signal, progress);
    } catch (error) {
      throwIfStopped(stop);
      if (!(error instanceof Retryable)) throw error;
      const failure = error.kind === "timeout" && options.idleMs !== undefined
        ? new Retryable(
          "timeout",
          `Saxium n'a plus rien envoyé pendant ${
            String(options.idleMs / 1000).replace(".", ",")
          } s`,
          "vérifiez le réseau, ou augmentez downloadIdleSeconds pour une liaison très lente",
        )
        : error;
      if (n >= options.maxAttempts) {
        const times = n > 1 ? `, après ${n} tentatives` : "";
        throw saxiumError({
          kind: failure.kind,
          token: options.token,
          what: failure.what + times,
          todo: failure.todo,
          status: failure.status,
          cause: failure.cause,
        });
      }
      const backoff = backoffDelay(n - 1, {
        baseDelayMs: options.baseDelayMs,
        maxDelayMs: options.maxDelayMs,
        random: options.random,
      });
      const delayMs = failure.retryAfterMs === undefined
        ? backoff
        : Math.min(failure.retryAfterMs, options.maxDelayMs);
      options.onRetry?.({
        attempt: n,
        delayMs,
        reason: redact(failure.what, [options.token]),
      });
      await pause(delayMs, options);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Waits between attempts; the stop signal cuts the wait short. */
async function pause(ms: number, options: RetryPolicy): Promise<void> {
  const stop = options.stop;
  if (!stop) return await options.sleep(ms);
  let onAbort = () => {};
  const stopped = new Promise<void>((resolve) => onAbort = resolve);
  stop.addEventListener("abort", onAbort, { once: true });
  try {
    await Promise.race([options.sleep(ms), stopped]);
  } finally {
    stop.removeEventListener("abort", onAbort);
  }
}

/** Throws the `aborted` error once the stop signal fired. */
function throwIfStopped(stop: AbortSignal | undefined): void {
  if (stop?.aborted) {
    throw new SaxiumError("Arrêt demandé : échange avec Saxium interrompu.", { kind: "aborted" });
  }
}
