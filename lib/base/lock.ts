/**
 * One instance at a time: an exclusive OS lock on `agent.lock` in the work
 * folder. The OS releases it when the process dies, so a crash never leaves
 * a stale lock behind. The lock is a disposable: `using lock = …` releases it
 * when the block ends, however it ends.
 *
 * @module
 */

/** A held lock; released when disposed (`using`), and by the OS when the process ends. */
export interface InstanceLock extends Disposable {
  release(): void;
}

/**
 * Takes the instance lock, or returns undefined when another process holds it.
 *
 * @example
 * ```ts
 * using lock = acquireInstanceLock("C:\\SaxiumBatigest\\State\\agent.lock");
 * if (!lock) Deno.exit(4);
 * // … the work; the lock is released when the block ends
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
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    try {
      file.unlockSync();
    } finally {
      file.close();
    }
  };
  return { release, [Symbol.dispose]: release };
}
