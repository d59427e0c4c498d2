/**
 * Into Batigest's import folder: write under a temporary name Batigest
 * ignores, make it durable, rename it to its final name (never over a file
 * that is there), then watch for the file to disappear, which is Batigest's
 * only signal that it imported it. {@linkcode DocumentDelivery} does it for
 * a document's files; the functions below it for one file.
 *
 * @module
 */

import nodePath from "node:path";
import { type FileOps, type RetryOptions, withTransientRetry } from "../base/fs_retry.ts";
import type { DocumentFormat } from "../base/settings.ts";
import {
  exists,
  stagingPath,
  toImportPath,
  withdrawnPath,
  type WorkFolders,
} from "../base/work_folders.ts";
import { uniqueFileName } from "../documents/file_names.ts";
import { nameKept, readImportFolder } from "./traces.ts";
import type { ExportFile, ExportRecord } from "../journal/journal.ts";

/** What publishing a staged document found. */
export type PublishOutcome =
  | { kind: "published" }
  /** A file of the same name waits in the folder: never overwritten, tried again later. */
  | { kind: "name-taken"; message: string };

/**
 * A document's files into the import folder, for one pass: staged (copied
 * under temporary names, durably, their final names chosen), then published
 * (renamed to their final names) in their turn.
 */
export class DocumentDelivery {
  #folders: WorkFolders;
  #fileOps: FileOps;
  #retry?: RetryOptions;
  #names: ImportNames;

  constructor(options: { folders: WorkFolders; fileOps: FileOps; retry?: RetryOptions }) {
    this.#folders = options.folders;
    this.#fileOps = options.fileOps;
    this.#retry = options.retry;
    this.#names = new ImportNames(options.folders.importDir);
  }

  /**
   * Copies each file of a checked export (`ToImport\`) to its temporary name
   * in the import folder, durably (a temporary file left by an interrupted
   * run is simply overwritten); returns the names they will be published under.
   */
  async stage(record: Pick<ExportRecord, "id" | "baseName" | "files">): Promise<ExportFile[]> {
    for (const { format } of record.files) await this.#copy(record.id, format);
    return this.#names.choose(record.baseName, record.files.map((f) => f.format));
  }

  /**
   * Renames each staged file to its final name: from then on Batigest sees
   * it. A temporary file gone is one renamed before a crash (staged by an
   * earlier run), or, when `stagedHere`, one deleted by hand while it waited
   * its turn: copied again, and `warn` told. `renamed` is told after each
   * rename. A name taken since staging (a file of that name now waits in the
   * folder) is never overwritten: the document takes the next free names,
   * once `rename` has recorded them (it returns the document under its new
   * names); a folder that fills as fast as that is left for a later pass.
   */
  async publish<T extends Pick<ExportRecord, "id" | "baseName" | "files">>(
    document: T,
    options: {
      stagedHere: boolean;
      warn: (message: string) => void;
      renamed: () => void;
      rename: (files: ExportFile[]) => Promise<T>;
    },
  ): Promise<PublishOutcome> {
    let record = document;
    /** The formats this call renamed to their final names. */
    const done = new Set<DocumentFormat>();
    for (let tries = 0;; tries++) {
      const outcome = await this.#publishAs(record, { ...options, done });
      if (outcome.kind === "published" || tries >= 3) return outcome;
      // The files already published keep their names; the others take free ones.
      const taken = record.files.filter((f) => !done.has(f.format));
      const renamed = this.#names.choose(record.baseName, taken.map((f) => f.format));
      const files = record.files.map((f) => renamed.find((r) => r.format === f.format) ?? f);
      options.warn(
        `${outcome.message} ; il est déposé sous le nom ${
          renamed.map((f) => f.importName).join(", ")
        }.`,
      );
      record = await options.rename(files);
    }
  }

  async #publishAs(
    record: Pick<ExportRecord, "id" | "files">,
    options: {
      stagedHere: boolean;
      warn: (message: string) => void;
      renamed: () => void;
      done: Set<DocumentFormat>;
    },
  ): Promise<PublishOutcome> {
    for (const file of record.files) {
      if (options.done.has(file.format)) continue;
      const temp = stagingPath(this.#folders, record.id, file.format);
      if (!exists(temp)) {
        if (!options.stagedHere) continue; // staged by an earlier run: renamed before a crash
        options.warn(
          `le fichier temporaire ${
            nodePath.basename(temp)
          } a disparu du dossier d'import avant son dépôt (supprimé à la main ?) ; il est recopié.`,
        );
        await this.#copy(record.id, file.format);
      }
      const finalPath = nodePath.join(this.#folders.importDir, file.importName);
      try {
        await publish(temp, { finalPath, fileOps: this.#fileOps, retry: this.#retry });
      } catch (error) {
        if (!(error instanceof NameTakenError)) throw error;
        return { kind: "name-taken", message: error.message };
      }
      options.done.add(file.format);
      options.renamed();
      this.#names.published(file.importName);
    }
    return { kind: "published" };
  }

  /** Whether a staged document's files all still bear their temporary names: Batigest never saw it. */
  unpublished(record: Pick<ExportRecord, "id" | "files">): boolean {
    return record.files.every((f) =>
      exists(stagingPath(this.#folders, record.id, f.format)) &&
      !exists(nodePath.join(this.#folders.importDir, f.importName))
    );
  }

  /**
   * Deletes what a document taken back or never published left in the
   * import folder under the agent's own names (withdrawal markers, temporary
   * files): names Batigest ignores, removed once its copy is safe.
   */
  async removeLeftovers(record: Pick<ExportRecord, "id" | "files">): Promise<void> {
    for (const { format } of record.files) {
      for (const path of [withdrawnPath, stagingPath]) {
        await removeIfPresent(path(this.#folders, record.id, format), {
          fileOps: this.#fileOps,
          retry: this.#retry,
        });
      }
    }
  }

  async #copy(id: string, format: DocumentFormat): Promise<void> {
    const source = toImportPath(this.#folders, id, format);
    const temp = stagingPath(this.#folders, id, format);
    await withTransientRetry(
      () => stage(source, { stagingPath: temp, fileOps: this.#fileOps }),
      this.#retry,
    );
  }
}

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

/**
 * The names documents are published under in the import folder, chosen when
 * they are staged: never one a file there already has (compared without
 * case, as NTFS does), nor one a trace Batigest left keeps (`traces.ts`: with
 * `DV-1.xml.err` there, a new `DV-1.xml` would be read as refused), nor one a
 * document staged before it and not yet published will take.
 */
class ImportNames {
  #dir: string;
  /** Names chosen and not published yet (lower case). */
  #reserved = new Set<string>();

  constructor(importDir: string) {
    this.#dir = importDir;
  }

  /** A free name for each format of a document named `baseName`, reserved until published. */
  choose(
    baseName: string,
    formats: readonly DocumentFormat[],
  ): { format: DocumentFormat; importName: string }[] {
    const present = new Set(this.#reserved);
    const entries = readImportFolder(this.#dir);
    return formats.map((format) => {
      const importName = uniqueFileName(baseName, {
        extension: format,
        isTaken: (name) => present.has(name) || nameKept(name, entries),
      });
      present.add(importName.toLowerCase());
      this.#reserved.add(importName.toLowerCase());
      return { format, importName };
    });
  }

  /** The document named `importName` is published: its name is the folder's now. */
  published(importName: string): void {
    this.#reserved.delete(importName.toLowerCase());
  }
}

/** Removes `path` if it is there (transient refusals retried). */
export async function removeIfPresent(
  path: string,
  options: { fileOps: FileOps; retry?: RetryOptions },
): Promise<void> {
  try {
    await withTransientRetry(() => options.fileOps.remove(path), options.retry);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
