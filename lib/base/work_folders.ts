/**
 * The work folder's layout (contract: Downloads, ToImport, Archive, Errors,
 * Logs, agent.json) plus `State\` for the journal and the instance lock, and
 * the moves of documents between them.
 *
 * @module
 */

import { type DocumentFormat, type Settings } from "./settings.ts";
import nodePath from "node:path";
import { type FileOps, type RetryOptions, withTransientRetry } from "./fs_retry.ts";
import { localDate } from "./log.ts";

/** Absolute paths of every folder the agent works in. */
export interface WorkFolders {
  root: string;
  downloads: string;
  toImport: string;
  archive: string;
  errors: string;
  logs: string;
  state: string;
  /**
   * One receipt per document published: the evidence of a delivery, kept
   * apart from `State\` so that losing or emptying `State\` never makes the
   * agent deliver a document again (`lib/journal/receipts.ts`).
   */
  receipts: string;
  /** Batigest's import folder. */
  importDir: string;
}

/** The folders for some settings (nothing is created). */
export function workFolders(
  settings: Pick<Settings, "workDir" | "batigestImportDir">,
): WorkFolders {
  const root = settings.workDir;
  return {
    root,
    downloads: nodePath.join(root, "Downloads"),
    toImport: nodePath.join(root, "ToImport"),
    archive: nodePath.join(root, "Archive"),
    errors: nodePath.join(root, "Errors"),
    logs: nodePath.join(root, "Logs"),
    state: nodePath.join(root, "State"),
    receipts: nodePath.join(root, "Receipts"),
    importDir: settings.batigestImportDir,
  };
}

/** Creates the work folder's subfolders (never Batigest's import folder). */
export function createWorkFolders(folders: WorkFolders): void {
  for (
    const dir of [
      folders.downloads,
      folders.toImport,
      folders.archive,
      folders.errors,
      folders.logs,
      folders.state,
      folders.receipts,
    ]
  ) {
    Deno.mkdirSync(dir, { recursive: true });
  }
}

/** The journal's database file. */
export function journalPath(folders: Pick<WorkFolders, "state">): string {
  return nodePath.join(folders.state, "journal.db");
}

/** The instance lock file. */
export function lockPath(folders: WorkFolders): string {
  return nodePath.join(folders.state, "agent.lock");
}

/** Where an export's file is downloaded (never seen by Batigest). */
export function downloadPath(folders: WorkFolders, id: string, format: DocumentFormat): string {
  return nodePath.join(folders.downloads, `${id}.${format}.part`);
}

/** Where an export's checked file waits for delivery. */
export function toImportPath(folders: WorkFolders, id: string, format: DocumentFormat): string {
  return nodePath.join(folders.toImport, `${id}.${format}`);
}

/** The temporary name in Batigest's folder, which Batigest ignores (not .xml/.csv). */
export function stagingPath(folders: WorkFolders, id: string, format: DocumentFormat): string {
  return nodePath.join(folders.importDir, `~saxium-${id}.${format}.tmp`);
}

/**
 * Where a delivered file Batigest did not take in time is moved, inside its
 * folder (an atomic rename Batigest ignores), before it is put in `Errors\`.
 * Its presence after a crash says "withdrawn, not imported".
 */
export function withdrawnPath(folders: WorkFolders, id: string, format: DocumentFormat): string {
  return nodePath.join(folders.importDir, `~saxium-${id}.${format}.withdrawn`);
}

/** The ending of the note beside each file of `Errors\`: `<file>.erreur.txt`. */
export const ERROR_NOTE_SUFFIX = ".erreur.txt";

/** The note that says why `Errors\<name>` is there. */
export function errorNotePath(errorsDir: string, name: string): string {
  return nodePath.join(errorsDir, `${name}${ERROR_NOTE_SUFFIX}`);
}

/** Whether a name in `Errors\` is a kept document (not the note beside one). */
export function isErrorDocument(name: string): boolean {
  return !name.endsWith(ERROR_NOTE_SUFFIX);
}

/** The line of a note that names the export, so that a later import can take its files out. */
const EXPORT_LINE = "Export Saxium : ";

/** What a note beside a file of `Errors\` says. */
export interface ErrorNote {
  /** The name of the kept file in `Errors\`. */
  name: string;
  /** Why, in French, one line. */
  reason: string;
  /** The Saxium export it came from. */
  exportId?: string;
}

/**
 * Writes the note beside `Errors\<name>`: the reason on its first line, then
 * the export it came from; CRLF for Notepad.
 */
export async function writeErrorNote(errorsDir: string, note: ErrorNote): Promise<void> {
  const lines = [note.reason];
  if (note.exportId) lines.push("", `${EXPORT_LINE}${note.exportId}`);
  await Deno.writeTextFile(errorNotePath(errorsDir, note.name), lines.join("\r\n") + "\r\n");
}

/** The reason beside `Errors\<name>`, or undefined when there is none. */
export async function readErrorNote(errorsDir: string, name: string): Promise<string | undefined> {
  try {
    const text = await Deno.readTextFile(errorNotePath(errorsDir, name));
    return text.split(/\r?\n/)[0].trim();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * The files of `Errors\` kept for an export — each document and its note —
 * found by the export named in the notes. Once the export is imported, they
 * no longer describe an open problem.
 */
export async function errorFilesOf(errorsDir: string, exportId: string): Promise<string[]> {
  const found: string[] = [];
  const wanted = `${EXPORT_LINE}${exportId}`.toLowerCase();
  try {
    for await (const entry of Deno.readDir(errorsDir)) {
      if (!entry.isFile || isErrorDocument(entry.name)) continue;
      const text = await Deno.readTextFile(nodePath.join(errorsDir, entry.name)).catch(() => "");
      if (!text.split(/\r?\n/).some((line) => line.trim().toLowerCase() === wanted)) continue;
      const document = entry.name.slice(0, -ERROR_NOTE_SUFFIX.length);
      if (exists(nodePath.join(errorsDir, document))) found.push(document);
      found.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found.sort();
}

/** `yyyy-MM-dd-HHmmss`, local time, the archive's prefix. */
export function archiveStamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${localDate(date)}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/** Whether a path exists (without following a final link); synchronous, see `realFileOps`. */
export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** A name in `dir` not taken yet: `name`, then `name (2)`, … before the extension. */
export function freeName(dir: string, name: string): string {
  const ext = nodePath.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 1;; n++) {
    const candidate = n === 1 ? name : `${stem} (${n})${ext}`;
    if (!exists(nodePath.join(dir, candidate))) return candidate;
  }
}

// ---------------------------------------------------------------------------
// Where a pass keeps an export's files once Batigest is done with them:
// `Archive\yyyy-MM-dd-HHmmss-<name>` when it is synced; `Errors\`, beside the
// note that says why, when it is refused; and, once a refused export is
// imported after all, its earlier files moved from `Errors\` to `Archive\`, so
// that `Errors\` shows only what is still to be dealt with.

/** How the pass moves files (through its transient-error retry) and tells the time. */
export function folderMoves(
  ctx: { folders: WorkFolders; fileOps: FileOps; retry?: RetryOptions },
  now: () => Date,
): FolderMoves {
  return {
    folders: ctx.folders,
    move: (from, to) => withTransientRetry(() => ctx.fileOps.rename(from, to), ctx.retry),
    now,
  };
}

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
 * earlier, failed attempt left in `Errors\`, and those of the exports of
 * the same document that ended in error (`failedVersions`: the document is
 * in Batigest now, their problem is over). Returns how many of those moved.
 */
export async function archiveExportFiles(
  record: {
    id: string;
    attempts: number;
    files: readonly { format: DocumentFormat; importName: string }[];
  },
  options: FolderMoves & { failedVersions?: readonly string[] },
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
  let moved = record.attempts < 2 ? 0 : await closeEarlierErrors(record.id, options);
  for (const id of options.failedVersions ?? []) moved += await closeEarlierErrors(id, options);
  return moved;
}

/**
 * The copies of an export a newer version replaced before it reached
 * Batigest (downloaded, or checked and waiting in `ToImport\`): kept in
 * `Archive\` as `<stamp>-<name> (remplacé).<ext>`, since nothing is left to do with them.
 */
export async function archiveReplaced(
  record: { id: string; baseName: string; files: readonly { format: DocumentFormat }[] },
  options: FolderMoves,
): Promise<void> {
  const { folders } = options;
  const stamp = archiveStamp(options.now());
  for (const { format } of record.files) {
    for (
      const path of [
        downloadPath(folders, record.id, format),
        toImportPath(folders, record.id, format),
      ]
    ) {
      if (!exists(path)) continue;
      const name = freeName(folders.archive, `${stamp}-${record.baseName} (remplacé).${format}`);
      await options.move(path, nodePath.join(folders.archive, name));
    }
  }
}
