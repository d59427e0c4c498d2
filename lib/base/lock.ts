/**
 * One instance at a time: an exclusive OS lock on `agent.lock` in the work
 * folder. The OS releases it when the process dies, so a crash never leaves
 * a stale lock behind.
 *
 * @module
 */

/** A held lock; `release()` frees it (the OS does too when the process ends). */
export interface InstanceLock {
  release(): void;
}

/**
 * Takes the instance lock, or returns undefined when another process holds it.
 *
 * @example
 * ```ts
 * const lock = acquireInstanceLock("C:\\SaxiumBatigest\\agent.lock");
 * if (!lock) Deno.exit(4);
 * ```
 */
export function acquireInstanceLock(path: string): InstanceLock | undefined {
  const file = Deno.openSync(path, { read: true, write: true, create: true });
  let locked = false;
  try {
    locked = file.tryLockSync(true);
  } finally {
    if (!locked) file.close();
  }
  if (!locked) return undefined;
  return {
    release() {
      try {
        file.unlockSync();
      } finally {
        file.close();
      }
    },
  };
}
