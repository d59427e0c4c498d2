/**
 * File operations with Windows' transient errors retried.
 *
 * On Windows an antivirus, the search indexer or Batigest reading a fresh file
 * makes a rename or delete fail for a moment with `EPERM`, `EBUSY` or
 * `EACCES`. Like npm's graceful-fs, these are retried with backoff for up to a
 * minute; any other error is thrown at once.
 *
 * @module
 */

/** The file-system calls the agent makes on documents, injectable for tests. */
export interface FileOps {
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
}

/**
 * The real file-system calls. Renames and removals run at once on the calling
 * thread: they take microseconds on a local disk, and a step made of several
 * never waits behind the network events queued meanwhile. Copies, which end
 * with a flush to disk, run on Deno's thread pool.
 */
export const realFileOps: FileOps = {
  rename: (from, to) => done(() => Deno.renameSync(from, to)),
  remove: (path) => done(() => Deno.removeSync(path)),
  copyFile: (from, to) => Deno.copyFile(from, to),
};

function done(operation: () => void): Promise<void> {
  try {
    operation();
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Whether an error is one of the transient Windows sharing errors. */
export function isTransient(error: unknown): boolean {
  if (error instanceof Deno.errors.Busy || error instanceof Deno.errors.PermissionDenied) {
    return true;
  }
  const code = (error as { code?: string } | null)?.code;
  return code === "EBUSY" || code === "EPERM" || code === "EACCES";
}

/** How long and how often to retry. */
export interface RetryOptions {
  /** Total time allowed, 60 s by default. */
  maxMs?: number;
  /** First delay, doubled each time up to 1 s; 10 ms by default. */
  firstDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Told of each retry (the agent logs it at DEBUG). */
  onRetry?: (error: unknown, waitedMs: number) => void;
}

/** Runs `operation`, retrying transient sharing errors with backoff. */
export async function withTransientRetry<T>(
  operation: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxMs = options.maxMs ?? 60_000;
  const sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  let delay = options.firstDelayMs ?? 10;
  let waited = 0;
  while (true) {
    try {
      return await operation();
    } catch (error) {
      if (!isTransient(error) || waited >= maxMs) throw error;
      options.onRetry?.(error, waited);
      const step = Math.min(delay, maxMs - waited);
      await sleep(step);
      waited += step;
      delay = Math.min(delay * 2, 1_000);
    }
  }
}
