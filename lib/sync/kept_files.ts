/**
 * Where the pass keeps an export's files once Batigest is done with them:
 * `Archive\yyyy-MM-dd-HHmmss-<name>` when it is synced; `Errors\`, beside
 * the note that says why (and which export it was), when it is refused; and,
 * once a refused export is imported after all, its earlier files moved from
 * `Errors\` to `Archive\`, so that `Errors\` shows only what is still to be
 * dealt with. The notes' format is `lib/base/work_folders.ts`'s.
 *
 * @module
 */

import nodePath from "node:path";
import type { DocumentFormat } from "../base/settings.ts";
import type { ExportRecord } from "../journal/journal.ts";
import {
  archiveStamp,
  downloadPath,
  errorFilesOf,
  exists,
  freeName,
  toImportPath,
  type WorkFolders,
  writeErrorNote,
} from "../base/work_folders.ts";

/** How the pass moves files (through its transient-error retry) and tells the time. */
export interface FolderMoves {
  folders: WorkFolders;
  /** Renames a file, retrying what Windows refuses for a moment. */
  move: (from: string, to: string) => Promise<void>;
  now: () => Date;
}

/** Moves a file to `Errors\` beside a `.erreur.txt` that says why and names the export. */
export async function keepInErrors(
  path: string,
  options: FolderMoves & { name: string; reason: string; exportId: string },
): Promise<void> {
  const { folders } = options;
  const target = freeName(folders.errors, `${archiveStamp(options.now())}-${options.name}`);
  await options.move(path, nodePath.join(folders.errors, target));
  await writeErrorNote(folders.errors, {
    name: target,
    reason: options.reason,
    exportId: options.exportId,
  });
}

/**
 * An export imported after an earlier attempt failed: the files that attempt
 * left in `Errors\` describe a problem that is over, so they join the
 * archive. Returns how many files moved.
 */
export async function closeEarlierErrors(
  exportId: string,
  options: Omit<FolderMoves, "now">,
): Promise<number> {
  const { folders } = options;
  const names = await errorFilesOf(folders.errors, exportId);
  for (const name of names) {
    const target = freeName(folders.archive, name);
    await options.move(nodePath.join(folders.errors, name), nodePath.join(folders.archive, target));
  }
  return names.length;
}

/**
 * A failed export's own copies (downloaded, or checked and waiting in
 * `ToImport\`), each kept in `Errors\` beside the note with `reason`.
 */
export async function keepExportFiles(
  record: { id: string; baseName: string; files: readonly { format: DocumentFormat }[] },
  options: FolderMoves & { reason: string },
): Promise<void> {
  const { folders } = options;
  for (const { format } of record.files) {
    const copies = [
      downloadPath(folders, record.id, format),
      toImportPath(folders, record.id, format),
    ];
    for (const path of copies.filter((p) => exists(p))) {
      await keepInErrors(path, {
        ...options,
        name: `${record.baseName}.${format}`,
        exportId: record.id,
      });
    }
  }
}

/**
 * A synced export's copy, from `ToImport\` to `Archive\<stamp>-<name>`
 * (already archived before a crash: nothing to move); then the files an
 * earlier, failed attempt left in `Errors\`. Returns how many of those moved.
 */
export async function archiveExportFiles(
  record: Pick<ExportRecord, "id" | "attempts" | "files">,
  options: FolderMoves,
): Promise<number> {
  const { folders } = options;
  const stamp = archiveStamp(options.now());
  for (const file of record.files) {
    const source = toImportPath(folders, record.id, file.format);
    const name = freeName(folders.archive, `${stamp}-${file.importName}`);
    try {
      await options.move(source, nodePath.join(folders.archive, name));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error; // archived before a crash
    }
  }
  return record.attempts < 2 ? 0 : await closeEarlierErrors(record.id, options);
}
