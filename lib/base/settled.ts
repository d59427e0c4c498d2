/**
 * A promise's outcome kept as a value, so that work started ahead (downloads,
 * stagings, lists) never leaves a rejection unobserved while the pass waits
 * on something else, and is rethrown where the pass takes the result.
 *
 * @module
 */

/** A promise's outcome, kept so that no rejection goes unobserved. */
export type Settled<T> = { value: T } | { error: unknown };

/** Waits for `promise` without ever rejecting: its value or its error. */
export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then((value) => ({ value }), (error) => ({ error }));
}

/** The value of a settled promise, or its error thrown again. */
export function unwrap<T>(settled: Settled<T>): T {
  if ("error" in settled) throw settled.error;
  return settled.value;
}
