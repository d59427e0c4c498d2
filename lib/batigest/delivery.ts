/**
 * Into Batigest's import folder: write under a temporary name Batigest
 * ignores, make it durable, rename it to its final name (never over a file
 * that is there), then watch for the file to disappear, which is Batigest's
 * only signal that it imported it.
 *
 * @module
 */

import { type FileOps, type RetryOptions, withTransientRetry } from "../base/fs_retry.ts";
import { exists } from "../base/work_folders.ts";

/** Copies `source` to `stagingPath` and flushes it to disk. */
export async function stage(
  source: string,
  options: { stagingPath: string; fileOps: FileOps },
): Promise<void> {
  try {
    await options.fileOps.copyFile(source, options.stagingPath);
    using file = await Deno.open(options.stagingPath, { write: true });
    await file.sync();
  } catch (error) {
    await Deno.remove(options.stagingPath).catch(() => {});
    throw error;
  }
}

/** A file of the same name waits in the import folder: the rename would overwrite it. */
export class NameTakenError extends Error {
  constructor(readonly path: string) {
    super(`un fichier du même nom attend déjà dans le dossier d'import : ${path}`);
    this.name = "NameTakenError";
  }
}

/**
 * Renames the staged file to its final name. Transient sharing errors are
 * retried; a final name already present is never overwritten.
 */
export async function publish(
  stagingPath: string,
  options: { finalPath: string; fileOps: FileOps; retry?: RetryOptions },
): Promise<void> {
  if (exists(options.finalPath)) throw new NameTakenError(options.finalPath);
  await withTransientRetry(
    () => options.fileOps.rename(stagingPath, options.finalPath),
    options.retry,
  );
}

/** Tells waiters when something changes in a folder; rescans cover missed events. */
export class FolderWatcher {
  #watcher?: Deno.FsWatcher;
  #waiters = new Set<() => void>();
  #done?: Promise<void>;

  /** Starts watching `dir`; without events (unsupported), waiting falls back on rescans. */
  constructor(dir: string) {
    try {
      this.#watcher = Deno.watchFs(dir, { recursive: false });
      this.#done = this.#pump(this.#watcher);
    } catch {
      this.#watcher = undefined;
    }
  }

  async #pump(watcher: Deno.FsWatcher): Promise<void> {
    try {
      for await (const _event of watcher) {
        for (const wake of this.#waiters) wake();
      }
    } catch {
      // The watcher broke (folder unreachable): rescans carry on alone.
    }
  }

  /** Resolves at the next change in the folder, or after `ms`. */
  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      this.#waiters.add(wake);
    });
  }

  /** Stops watching. */
  async close(): Promise<void> {
    try {
      this.#watcher?.close();
    } catch {
      // already closed
    }
    await this.#done;
  }
}

/** What withdrawing a file from the import folder found. */
export type WithdrawOutcome = "withdrawn" | "gone";

/**
 * Takes back a delivered file Batigest did not take in time, by renaming it
 * to `withdrawnPath` in the same folder (atomic, and a name Batigest ignores).
 * If it is already gone, Batigest took it at the last moment: `gone` (the
 * watch decides whether that was an import).
 */
export async function withdraw(
  path: string,
  options: { withdrawnPath: string; fileOps: FileOps; retry?: RetryOptions },
): Promise<WithdrawOutcome> {
  try {
    await withTransientRetry(
      () => options.fileOps.rename(path, options.withdrawnPath),
      options.retry,
    );
    return "withdrawn";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "gone";
    throw error;
  }
}
