/**
 * Batigest and the folders, for `doctor`: the work folder and Batigest's
 * import folder (they exist, a file can be written there and, in the import
 * folder, renamed), the free space of their disks, the files left too long in
 * `Errors\` (nobody read their reasons), and the traces Batigest left in its
 * import folder (a refused file renamed or moved into a subfolder, an
 * imported one left empty: `lib/batigest/traces.ts`). Whether Batigest takes
 * the agent's documents, and the files waiting in its import folder, are one
 * story told in `batigest_imports.ts`.
 *
 * The `probe*`, {@linkcode listFiles} and {@linkcode findTraces} functions
 * touch the disk (writing only under names Batigest ignores, removed after);
 * the `check*` functions judge what they found, without I/O.
 *
 * @module
 */

import { statfs } from "node:fs/promises";
import nodePath from "node:path";
import { formatBytes, formatDateTime, plural } from "../base/french.ts";
import { describeSystemError } from "../base/system_errors.ts";
import { FOLDER_MARK_NAME } from "../batigest/memory.ts";
import { standingTraces, type Trace, type TraceKind } from "../batigest/traces.ts";
import { capitalize, type CheckResult, oneLineMessage, type Verdicts, verdicts } from "./check.ts";

/** Free space below which the disk check is an ERROR. */
export const DISK_ERROR_BYTES = 100 * 1024 * 1024;
/** Free space below which the disk check is a WARNING. */
export const DISK_WARNING_BYTES = 1024 * 1024 * 1024;
/** Age from which a file waiting in `Errors\` or the import folder is reported. */
export const STALE_AFTER_MS = 24 * 3_600_000;

/** The prefix of `doctor`'s test files (a `.tmp` name Batigest ignores). */
export const DOCTOR_FILE_PREFIX = "~saxium-doctor-";

/** What was found trying a folder. */
export interface FolderFacts {
  path: string;
  exists: boolean;
  isDirectory?: boolean;
  /** A test file could be written and removed. */
  writable?: boolean;
  /** Why not, in French words ("accès refusé"): never the system's English. */
  writeError?: string;
  /** A test file could be renamed (import folder only). */
  renamed?: boolean;
  /** Why not, in French words. */
  renameError?: string;
  /** The agent's permissions do not cover the folder. */
  notPermitted?: boolean;
  /** A test file that could not be removed. */
  leftover?: string;
  /** Why the folder could not be examined at all, in French words. */
  statError?: string;
}

/**
 * Tries a folder: exists, is a folder, a file can be written there and (with
 * `rename`) renamed, under names Batigest ignores; everything is removed after.
 */
export async function probeFolder(
  path: string,
  options: { rename?: boolean } = {},
): Promise<FolderFacts> {
  const facts: FolderFacts = { path, exists: false };
  try {
    const info = await Deno.stat(path);
    facts.exists = true;
    facts.isDirectory = info.isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) facts.notPermitted = true;
    else if (!(e instanceof Deno.errors.NotFound)) facts.statError = describeSystemError(e).cause;
    return facts;
  }
  if (!facts.isDirectory) return facts;
  const random = crypto.randomUUID().slice(0, 8);
  const first = nodePath.join(path, `${DOCTOR_FILE_PREFIX}${random}.tmp`);
  const second = nodePath.join(path, `${DOCTOR_FILE_PREFIX}${random}-renomme.tmp`);
  let current: string | undefined;
  try {
    await Deno.writeTextFile(first, "test de l'agent Saxium, à supprimer\r\n", { createNew: true });
    current = first;
    facts.writable = true;
    if (options.rename) {
      try {
        await Deno.rename(first, second);
        current = second;
        facts.renamed = true;
      } catch (e) {
        facts.renamed = false;
        facts.renameError = describeSystemError(e).cause;
      }
    }
  } catch (e) {
    facts.writable = false;
    if (e instanceof Deno.errors.NotCapable) facts.notPermitted = true;
    facts.writeError = describeSystemError(e).cause;
  } finally {
    if (current) {
      try {
        await Deno.remove(current);
      } catch {
        facts.leftover = current;
      }
    }
  }
  return facts;
}

const SYSTEM_RIGHTS =
  "donnez au compte qui exécute l'agent (SYSTEM pour la tâche planifiée) le droit de modifier ce dossier";

/** The work folder: exists and is writable. */
export function checkWorkFolder(facts: FolderFacts): CheckResult {
  const verdict = verdicts("work-folder", "Dossier de travail");
  const common = folderProblem(facts, {
    verdict,
    setting: "workDir (--work-dir ou SAXIUM_WORK_DIR)",
  });
  if (common) return common;
  if (!facts.exists) {
    return verdict.warning(
      `${facts.path} n'existe pas encore`,
      "Lancez sync --once, qui le crée, ou créez-le et donnez au compte SYSTEM le droit de le modifier.",
    );
  }
  return verdict.ok(`${facts.path} existe, écriture possible`);
}

/** Batigest's import folder: exists, is writable, a rename works. */
export function checkImportFolder(facts: FolderFacts): CheckResult {
  const verdict = verdicts("import-folder", "Dossier d'import Batigest");
  const common = folderProblem(facts, {
    verdict,
    setting: "batigestImportDir (BATIGEST_IMPORT_PATH ou agent.json)",
  });
  if (common) return common;
  if (!facts.exists) {
    return verdict.error(
      `${facts.path} est introuvable`,
      "Vérifiez batigestImportDir (BATIGEST_IMPORT_PATH ou agent.json) et que Batigest est installé avec son import automatique.",
    );
  }
  if (facts.renamed === false) {
    return verdict.error(
      `${facts.path} : écriture possible mais renommage impossible (${facts.renameError})`,
      "Un antivirus ou un droit manquant bloque le renommage : autorisez la modification pour le compte SYSTEM et excluez ce dossier de l'analyse en temps réel.",
    );
  }
  return verdict.ok(`${facts.path} existe, écriture et renommage possibles`);
}

/** What both folders can get wrong, in the words of the check `verdict` belongs to. */
function folderProblem(
  facts: FolderFacts,
  options: { verdict: Verdicts; setting: string },
): CheckResult | undefined {
  const { verdict, setting } = options;
  if (facts.notPermitted) {
    return verdict.error(
      `${facts.path} : hors des permissions de l'agent`,
      `L'exécutable a été construit pour un autre dossier : corrigez ${setting} ou reconstruisez l'exécutable avec ce dossier.`,
    );
  }
  if (facts.statError) {
    return verdict.error(`${facts.path} : ${facts.statError}`, `Vérifiez ${setting}.`);
  }
  if (facts.exists && !facts.isDirectory) {
    return verdict.error(
      `${facts.path} est un fichier, pas un dossier`,
      `Indiquez un dossier dans ${setting}.`,
    );
  }
  if (facts.exists && facts.writable === false) {
    return verdict.error(
      `${facts.path} : écriture impossible (${facts.writeError})`,
      `${capitalize(SYSTEM_RIGHTS)}.`,
    );
  }
  if (facts.leftover) {
    return verdict.warning(
      `${facts.path} : le fichier de test ${
        nodePath.basename(facts.leftover)
      } n'a pas pu être supprimé`,
      "Supprimez ce fichier à la main et vérifiez qu'aucun antivirus ne bloque le dossier.",
    );
  }
  return undefined;
}

/** Free space of the volume holding a folder, or why it is unknown. */
export interface DiskFacts {
  path: string;
  freeBytes?: number;
  totalBytes?: number;
  /** `permission` when the agent may not ask (Deno's `--allow-sys=statfs`), else the error. */
  unavailable?: string;
}

/**
 * Asks the system for the free space of the volume holding `path` (Node's
 * `statfs`, which Deno allows with `--allow-sys=statfs` only).
 */
export async function probeDiskSpace(path: string): Promise<DiskFacts> {
  try {
    const s = await statfs(path);
    return {
      path,
      freeBytes: Number(s.bavail) * Number(s.bsize),
      totalBytes: Number(s.blocks) * Number(s.bsize),
    };
  } catch (e) {
    return {
      path,
      unavailable:
        e instanceof Deno.errors.NotCapable || /Requires sys access/.test(oneLineMessage(e))
          ? "permission"
          : describeSystemError(e).cause,
    };
  }
}

/** Free space of the work and import folders' volumes. */
export function checkDiskSpace(facts: readonly DiskFacts[]): CheckResult {
  const id = "disk-space";
  const title = "Espace disque libre";
  const verdict = verdicts(id, title);
  if (facts.length === 0) {
    return verdict.warning(
      "non vérifiable : aucun des deux dossiers n'existe",
      "Corrigez d'abord les dossiers (vérifications ci-dessus).",
    );
  }
  const unknown = facts.filter((f) => f.freeBytes === undefined);
  if (unknown.length) {
    const why = unknown.some((f) => f.unavailable === "permission")
      ? "l'agent n'a pas la permission de lire l'espace libre (--allow-sys=statfs)"
      : unknown.map((f) => f.unavailable).join(" ; ");
    return verdict.warning(
      `non vérifiable : ${why}`,
      "Vérifiez l'espace libre dans l'Explorateur Windows : au moins 1 Go conseillé sur les disques du dossier de travail et du dossier d'import.",
    );
  }
  const detail = facts.map((f) => `${f.path} : ${formatBytes(f.freeBytes!)} libres`).join(" ; ");
  const least = Math.min(...facts.map((f) => f.freeBytes!));
  if (least < DISK_ERROR_BYTES) {
    return verdict.error(
      detail,
      "Libérez de la place sur ce disque (au moins 1 Go) : l'agent ne peut plus télécharger ni déposer de documents.",
    );
  }
  if (least < DISK_WARNING_BYTES) {
    return verdict.warning(
      detail,
      "Libérez de la place sur ce disque avant qu'il soit plein (au moins 1 Go conseillé).",
    );
  }
  return verdict.ok(detail);
}

/** A file and when it was last written. */
export interface AgedFile {
  name: string;
  /** ISO 8601. */
  modified: string;
  /** Its size in bytes, when known. */
  size?: number;
}

/** The files of a folder, with their dates; never throws. */
export interface FolderListing {
  files: AgedFile[];
  error?: string;
}

/** Lists the files of `dir` that `accept` keeps, with their modification dates. */
export async function listFiles(
  dir: string,
  accept: (name: string) => boolean,
): Promise<FolderListing> {
  const files: AgedFile[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !accept(entry.name)) continue;
      try {
        const info = await Deno.stat(nodePath.join(dir, entry.name));
        files.push({
          name: entry.name,
          modified: (info.mtime ?? new Date(0)).toISOString(),
          size: info.size,
        });
      } catch {
        // gone meanwhile
      }
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { files };
    return { files, error: describeSystemError(e).cause };
  }
  return { files: files.sort((a, b) => a.modified.localeCompare(b.modified)) };
}

/** Whether a name in the import folder is something Batigest should take, or the agent's own. */
export function isImportCandidate(name: string): boolean {
  return /\.(xml|csv)$/i.test(name) ||
    (name.startsWith("~saxium-") && !name.startsWith(DOCTOR_FILE_PREFIX) &&
      name !== FOLDER_MARK_NAME);
}

function stale(listing: FolderListing, now: Date): AgedFile[] {
  return listing.files.filter((f) => now.getTime() - Date.parse(f.modified) > STALE_AFTER_MS);
}

/**
 * The folders where a file should not wait for more than a day, by this
 * check (the import folder's files are `batigest_imports.ts`'s: the agent's
 * documents there are judged in Batigest's working hours).
 */
export type WaitingFolder = "errors";

/** What differs between the two "files waiting" checks: their level and their words. */
interface WaitingRule {
  id: string;
  title: string;
  /** The verdict when a file is older than {@linkcode STALE_AFTER_MS}. */
  level: "warning" | "error";
  /** What was found, given how many files are old and the oldest one. */
  stale: (count: number, oldest: AgedFile) => string;
  /** The fix for old files, given the folder. */
  fix: (dir: string) => string;
  /** What was found when no file is old, given how many files there are. */
  fresh: (count: number) => string;
}

const WAITING_RULES: Record<WaitingFolder, WaitingRule> = {
  errors: {
    id: "errors-folder",
    title: "Dossier Errors",
    level: "warning",
    stale: (count, oldest) =>
      `${
        plural(count, "fichier")
      } en erreur depuis plus d'un jour, le plus ancien ${oldest.name} du ${
        formatDateTime(new Date(oldest.modified))
      }`,
    fix: (dir) =>
      `Lisez le fichier .erreur.txt à côté de chacun dans ${dir}, corrigez dans Saxium et renvoyez l'export : une fois importé, le fichier quitte Errors\\ de lui-même.`,
    fresh: (count) =>
      count ? `${plural(count, "fichier")} de moins d'un jour` : "aucun fichier en erreur",
  },
};

/** Options of {@linkcode checkWaitingFiles}. */
export interface WaitingFilesOptions {
  /** `errors`: the work folder's `Errors\` (WARNING). */
  folder: WaitingFolder;
  /** The folder listed, as shown to the user. */
  dir: string;
  now: Date;
}

/** Files left for more than a day in `Errors\`: someone must read the reasons. */
export function checkWaitingFiles(
  listing: FolderListing,
  options: WaitingFilesOptions,
): CheckResult {
  const rule = WAITING_RULES[options.folder];
  const verdict = verdicts(rule.id, rule.title);
  if (listing.error) {
    return verdict.warning(
      `${options.dir} illisible (${listing.error})`,
      `${capitalize(SYSTEM_RIGHTS)}.`,
    );
  }
  const old = stale(listing, options.now);
  if (old.length) {
    return verdict[rule.level](rule.stale(old.length, old[0]), rule.fix(options.dir));
  }
  return verdict.ok(rule.fresh(listing.files.length));
}

/** The traces Batigest left in its import folder (`lib/batigest/traces.ts`), or why unknown. */
export interface TraceFacts {
  traces: Trace[];
  /** Why the folder could not be read, in French words. */
  error?: string;
}

/** Looks for Batigest's traces in `importDir` (none when it does not exist: its own check says so). */
export function findTraces(importDir: string): TraceFacts {
  try {
    return { traces: standingTraces(importDir) };
  } catch (e) {
    return { traces: [], error: describeSystemError(e).cause };
  }
}

const REFUSED_FIX =
  "un fichier renommé ou rangé dans un sous-dossier est un document que Batigest a refusé (l'agent l'a signalé en erreur à Saxium et en garde une copie dans Errors) : corrigez-le d'après le message d'import de Batigest, relancez l'export depuis Saxium, puis supprimez ce fichier (tant qu'il reste, un document du même nom est déposé sous un autre nom)";

/** How `doctor` names each kind of trace, and what to do with it. */
const TRACE_ADVICE: Record<TraceKind, { words: string; fix: string }> = {
  "renamed": { words: "renommé : refusé", fix: REFUSED_FIX },
  "moved-aside": { words: "rangé dans un sous-dossier : refusé", fix: REFUSED_FIX },
  "emptied": {
    words: "vide : importé",
    fix:
      "un fichier vide est un document que Batigest a importé puis vidé : supprimez-le s'il n'est plus ouvert par Batigest",
  },
};

/** `doctor`'s check of Batigest's traces: a WARNING naming them, with what to do with each kind. */
export function checkBatigestTraces(facts: TraceFacts): CheckResult {
  const verdict = verdicts("batigest-traces", "Traces de Batigest");
  const { traces, error } = facts;
  if (error) {
    return verdict.warning(
      `dossier d'import illisible (${error})`,
      `${capitalize(SYSTEM_RIGHTS)}.`,
    );
  }
  if (traces.length === 0) return verdict.ok("aucune trace de Batigest dans le dossier d'import");
  const shown = traces.slice(0, 5).map((t) => `${t.path} (${TRACE_ADVICE[t.kind].words})`);
  const more = traces.length > 5 ? `, et ${plural(traces.length - 5, "autre")}` : "";
  const fixes = [...new Set(traces.map((t) => TRACE_ADVICE[t.kind].fix))];
  return verdict.warning(
    `${plural(traces.length, "trace")} de Batigest dans le dossier d'import : ${
      shown.join(", ")
    }${more}`,
    `${capitalize(fixes.join(" ; "))}.`,
  );
}
