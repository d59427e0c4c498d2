/**
 * Waiting that Ctrl-C cuts short: the loop's pause between passes, the
 * log follower's polls.
 *
 * @module
 */

/** Waits `ms`, or less if `signal` aborts (Ctrl-C). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
