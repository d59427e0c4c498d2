/**
 * A folder that refuses the agent, told apart from a file held for a moment.
 *
 * Windows refuses a rename or a copy for a moment when an antivirus, the
 * indexer or Batigest holds a file: `fs_retry.ts` retries those for up to a
 * minute. The same "access denied" also comes from a folder whose rights
 * were removed, or a read-only share, and then every operation of every
 * export would spend its minute. {@linkcode guardFileOps} tells them apart
 * on evidence: after a few refusals of the same operation it writes a test
 * file into the same folder; if that is refused too, the folder refuses the
 * agent as a whole, and {@linkcode FolderUnusable} stops the pass at once
 * (exit 2), with one French line saying which folder and which right. A
 * refusal that lets the test file through keeps its retries.
 *
 * `FolderUnusable` also says that the import folder was renamed, deleted or
 * replaced while documents waited in it (`watch.ts`).
 *
 * @module
 */

import nodePath from "node:path";
import type { FileOps } from "../base/fs_retry.ts";
import { describeSystemError } from "../base/system_errors.ts";
import type { WorkFolders } from "../base/work_folders.ts";

/** A folder the pass cannot use: refused, renamed, deleted or replaced. The pass stops. */
export class FolderUnusable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FolderUnusable";
  }
}

/** Refusals of one operation on one path before its folder is tried. */
const REFUSALS_BEFORE_PROBE = 3;

/** What {@linkcode guardFileOps} needs besides the operations it guards. */
export interface GuardOptions {
  folders: Pick<WorkFolders, "root" | "importDir">;
  /** Told the original system text of a folder-wide refusal (DEBUG). */
  debug?: (message: string) => void;
}

/**
 * `fileOps` that throw {@linkcode FolderUnusable} once a folder is shown to
 * refuse new files, and at once for that folder afterwards; see the module doc.
 */
export function guardFileOps(fileOps: FileOps, options: GuardOptions): FileOps {
  const refusals = new Map<string, number>();
  const tried = new Set<string>();
  const refused = new Map<string, FolderUnusable>();

  const refusedFolder = (path: string) => refused.get(nodePath.dirname(path));

  async function run(
    key: string,
    target: { dir: string; source: string },
    operation: () => Promise<void>,
  ): Promise<void> {
    const known = refused.get(target.dir);
    if (known) throw known;
    try {
      await operation();
      refusals.delete(key);
    } catch (error) {
      if (describeSystemError(error).kind !== "access-denied") throw error;
      const count = (refusals.get(key) ?? 0) + 1;
      refusals.set(key, count);
      if (count < REFUSALS_BEFORE_PROBE || tried.has(key)) throw error;
      tried.add(key);
      const probeError = await probe(target);
      if (probeError === undefined) throw error; // the folder accepts files: this one is held
      const unusable = new FolderUnusable(refusalMessage(target.dir, {
        folders: options.folders,
        cause: describeSystemError(probeError).cause,
      }));
      options.debug?.(
        `Refus durable de ${target.dir} : ${describeSystemError(error).original} ; essai : ${
          describeSystemError(probeError).original
        }`,
      );
      refused.set(target.dir, unusable);
      throw unusable;
    }
  }

  /** Writes and removes a test file beside `target`; the error if the folder refuses it. */
  async function probe(target: { dir: string; source: string }): Promise<unknown> {
    const path = nodePath.join(target.dir, `~saxium-essai-${crypto.randomUUID().slice(0, 8)}.tmp`);
    try {
      await fileOps.copyFile(target.source, path);
    } catch (error) {
      return describeSystemError(error).kind === "access-denied" ? error : undefined;
    }
    await fileOps.remove(path).catch(() => {});
    return undefined;
  }

  return {
    rename: (from, to) =>
      run(`rename ${from}`, { dir: nodePath.dirname(to), source: from }, () => {
        const known = refusedFolder(from);
        if (known) throw known;
        return fileOps.rename(from, to);
      }),
    remove: (path) =>
      run(
        `remove ${path}`,
        { dir: nodePath.dirname(path), source: path },
        () => fileOps.remove(path),
      ),
    copyFile: (from, to) =>
      run(
        `copy ${to}`,
        { dir: nodePath.dirname(to), source: from },
        () => fileOps.copyFile(from, to),
      ),
  };
}

/**
 * The one line for a folder that refuses the agent: which folder, which
 * right, what to do.
 */
export function refusalMessage(
  dir: string,
  options: { folders: Pick<WorkFolders, "root" | "importDir">; cause: string },
): string {
  const which = dir === options.folders.importDir
    ? `Le dossier d'import de Batigest ${dir}`
    : `Le dossier de travail ${dir}`;
  return `${which} refuse l'écriture (${options.cause}) : donnez au compte qui exécute l'agent ` +
    `(SYSTEM pour la tâche planifiée) le droit « Modifier » sur ce dossier (créer, renommer et ` +
    `supprimer des fichiers), et vérifiez qu'il n'est pas en lecture seule ; rien n'est perdu, ` +
    `la prochaine passe reprendra là où celle-ci s'est arrêtée.`;
}

/**
 * Why Batigest's import folder cannot be used before a pass starts (gone, or
 * a file), or undefined when it is a folder. A folder outside the build's
 * permissions is thrown as Deno's refusal, for `main.ts` to say.
 */
export function importFolderProblem(importDir: string): FolderUnusable | undefined {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(importDir);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    return new FolderUnusable(
      `Le dossier d'import de Batigest ${importDir} est introuvable : vérifiez le paramètre batigestImportDir (BATIGEST_IMPORT_PATH), que Batigest est installé et que son dossier d'import n'a pas été déplacé ; rien n'a été fait, rien n'est perdu.`,
    );
  }
  if (!info.isDirectory) {
    return new FolderUnusable(
      `${importDir} n'est pas un dossier : indiquez le dossier d'import de Batigest (batigestImportDir) ; rien n'a été fait.`,
    );
  }
  return undefined;
}
