/**
 * Who may read the work folder. `agent.json` there may hold Saxium's token,
 * and a folder created under `C:\` inherits an ACL that lets every local user
 * read it. `install-task` (run as administrator) therefore restricts the work
 * folder to SYSTEM (the account the scheduled task runs as) and the
 * Administrators group, and `doctor` warns when `agent.json` is still readable
 * by anyone else.
 *
 * All or nothing: the folder's ACL is saved (`icacls /save`) before it is
 * locked, and put back (`icacls /restore`) when the lock-down or what follows
 * it (registering the task) fails, so a failed `install-task` leaves the
 * folder as it found it.
 *
 * The accounts are named by their well-known SIDs (`*S-1-5-18`,
 * `*S-1-5-32-544`), never by names that Windows translates ("Système",
 * "Administrateurs"). `icacls.exe` prints names, in the console's code page,
 * so its output is read in both languages, decoded from the OEM code page
 * (`console_text.ts`), and with tolerance for accents decoded wrongly. What
 * cannot be read is "cannot verify", never "locked down".
 *
 * The argument lists and the parsing are pure; running goes through the
 * {@linkcode CommandRunner} seam so tests check the exact calls on Linux.
 *
 * @module
 */

import nodePath from "node:path";
import type { CommandRunner } from "../base/command_runner.ts";
import { oneLine } from "../base/text.ts";
import { ELEVATION_ADVICE } from "./task_definition.ts";

/** The ACL tool the agent may run, as named in its permissions. */
export const ICACLS = "icacls.exe";

/** Well-known SID of the LocalSystem account (the scheduled task's account). */
export const SYSTEM_SID = "S-1-5-18";
/** Well-known SID of the local Administrators group. */
export const ADMINISTRATORS_SID = "S-1-5-32-544";

/** An ACL change or reading that failed; `message` is one French line. */
export class AclError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AclError";
  }
}

/**
 * The `icacls` calls that restrict `workDir` to SYSTEM and Administrators, in
 * order: first every file below goes back to inheriting only (removing any
 * explicit grant left on `agent.json`), then the folder stops inheriting from
 * `C:\` and grants full control, inherited by every file and subfolder, to the
 * two SIDs alone (`/grant:r` replaces, `(OI)(CI)` propagates).
 *
 * @example
 * ```ts
 * lockDownArgs("C:\\SaxiumBatigest");
 * // [["C:\\SaxiumBatigest", "/reset", "/T", "/C", "/Q"],
 * //  ["C:\\SaxiumBatigest", "/inheritance:r", "/grant:r",
 * //   "*S-1-5-18:(OI)(CI)F", "*S-1-5-32-544:(OI)(CI)F", "/C", "/Q"]]
 * ```
 */
export function lockDownArgs(workDir: string): string[][] {
  return [
    [workDir, "/reset", "/T", "/C", "/Q"],
    [
      workDir,
      "/inheritance:r",
      "/grant:r",
      `*${SYSTEM_SID}:(OI)(CI)F`,
      `*${ADMINISTRATORS_SID}:(OI)(CI)F`,
      "/C",
      "/Q",
    ],
  ];
}

/** The `icacls` call that lists a file's ACL. */
export function readAclArgs(path: string): string[] {
  return [path];
}

/**
 * Where `install-task` keeps the work folder's ACL while it locks the folder
 * and registers the task: in the folder itself (the only place the agent may
 * write), removed once the task is registered or the ACL put back.
 */
export const ACL_BACKUP_FILE = "acl-avant-install-task.txt";

/**
 * The `icacls` call that saves the ACL of `workDir` and of everything below
 * it into `file`, stopping at the first error (no `/C`: a partial copy could
 * not put everything back, so nothing is locked without a full one).
 */
export function saveAclArgs(workDir: string, file: string): string[] {
  return [workDir, "/save", file, "/T", "/Q"];
}

/**
 * The `icacls` call that puts back what {@linkcode saveAclArgs} saved.
 * `icacls` names the saved entries from the folder's parent
 * (`SaxiumBatigest\agent.json`), so the restore runs on the parent.
 *
 * @example
 * ```ts
 * restoreAclArgs("C:\\SaxiumBatigest", "C:\\SaxiumBatigest\\acl.txt");
 * // ["C:\\", "/restore", "C:\\SaxiumBatigest\\acl.txt", "/C", "/Q"]
 * ```
 */
export function restoreAclArgs(workDir: string, file: string): string[] {
  return [pathApiOf(workDir).dirname(workDir), "/restore", file, "/C", "/Q"];
}

/** Windows' path rules for `C:\…` paths, else the platform's (tests on Linux). */
function pathApiOf(path: string): typeof nodePath.win32 {
  return /^[a-zA-Z]:[\\/]|^\\\\/.test(path) ? nodePath.win32 : nodePath;
}

/** What {@linkcode lockDownWorkFolder} needs. */
export interface LockDownOptions {
  /** The work folder, which must exist. */
  workDir: string;
  /** The program to run; `icacls.exe` by default. */
  icacls?: string;
}

/**
 * A work folder just locked down, whose previous ACL is kept until the
 * caller says whether the lock-down stays ({@linkcode keep}) or is undone
 * ({@linkcode restore}).
 */
export interface LockedWorkFolder {
  /** Keeps the lock-down and deletes the saved ACL. */
  keep(): Promise<void>;
  /**
   * Puts the saved ACL back and deletes it.
   *
   * @throws {AclError} when `icacls` could not put it back.
   */
  restore(): Promise<void>;
}

/**
 * Restricts the work folder to SYSTEM and Administrators (needs an elevated
 * prompt, as `install-task` already does), after saving its ACL: all or
 * nothing. When saving fails nothing was changed; when locking fails half
 * way the saved ACL is put back before the error is thrown. The caller then
 * keeps the lock-down or restores the folder.
 *
 * @throws {AclError} with the French line to show when `icacls` fails.
 */
export async function lockDownWorkFolder(
  runner: CommandRunner,
  options: LockDownOptions,
): Promise<LockedWorkFolder> {
  const { workDir } = options;
  const backup = pathApiOf(workDir).join(workDir, ACL_BACKUP_FILE);
  const icacls = (args: string[]) => runIcacls(runner, options.icacls ?? ICACLS, args);
  const forget = () => Deno.remove(backup).catch(() => {});
  const saved = await icacls(saveAclArgs(workDir, backup));
  if (saved) {
    await forget();
    throw new AclError(`${cannotLock(workDir, saved)} : rien n'a été modifié. ${saved.advice}`);
  }
  const restore = async () => {
    const failed = await icacls(restoreAclArgs(workDir, backup));
    if (failed) {
      throw new AclError(
        `Les droits d'origine du dossier de travail ${workDir} n'ont pas pu être rétablis (icacls, ${failed.detail}) : il reste réservé à SYSTEM et aux Administrateurs ; relancez install-task dans une invite ouverte en administrateur.`,
      );
    }
    await forget();
  };
  for (const args of lockDownArgs(workDir)) {
    const failed = await icacls(args);
    if (!failed) continue;
    const restored = await restore().then(() => true, () => false);
    throw new AclError(
      `${cannotLock(workDir, failed)} : ${
        restored
          ? "ses droits d'origine ont été rétablis"
          : "ses droits d'origine n'ont pas pu être tous rétablis"
      }, aucune tâche n'a été installée. ${failed.advice}`,
    );
  }
  return { keep: forget, restore };
}

/** An icacls run that failed: what it said, and what to do. */
interface IcaclsFailure {
  /** « code 5 : Accès refusé. », or why it could not run. */
  detail: string;
  /** One French sentence. */
  advice: string;
}

function cannotLock(workDir: string, failed: IcaclsFailure): string {
  return `Impossible de restreindre l'accès au dossier de travail ${workDir} (icacls, ${failed.detail})`;
}

/** Runs icacls: undefined when it succeeded, else what failed. */
async function runIcacls(
  runner: CommandRunner,
  icacls: string,
  args: string[],
): Promise<IcaclsFailure | undefined> {
  let result;
  try {
    result = await runner(icacls, args);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    return {
      detail: `${icacls} introuvable`,
      advice: "Les droits de dossier et la tâche planifiée ne se règlent que sous Windows.",
    };
  }
  if (result.code === 0) return undefined;
  const said = oneLine(result.stderr || result.stdout, 160);
  return {
    detail: `code ${result.code}${said ? ` : ${said}` : ""}`,
    advice: ELEVATION_ADVICE,
  };
}

/** One access-control entry as `icacls` prints it. */
export interface AclEntry {
  /** The account or group as printed (`BUILTIN\Utilisateurs`, `*S-1-5-21-…`). */
  principal: string;
  /** The flags and rights in brackets: `["I", "RX"]`, `["OI", "CI", "F"]`. */
  rights: string[];
}

/**
 * Reads `icacls <path>` output: one entry per line, the path before the first
 * one, the closing "processed" summary (any language) left out.
 *
 * Fails closed: when the first line does not start with `path` (compared
 * without regard to case, slash direction or a trailing backslash), or no
 * entry can be read, the answer is undefined — "cannot verify" — never an
 * empty list, which would read as "nobody else may read it". `icacls` echoes
 * the path it was given, but a short 8.3 name (`C:\Users\RUNNER~1\…`) or
 * another spelling of the same file cannot be matched here, and an entry
 * must never be skipped for it.
 */
export function parseIcacls(output: { stdout: string; path: string }): AclEntry[] | undefined {
  const entries: AclEntry[] = [];
  const lines = output.stdout.replace(/^\uFEFF/, "").split(/\r?\n/);
  const first = lines.findIndex((line) => line.trim() !== "");
  if (first === -1) return undefined;
  const afterPath = textAfterPath(lines[first], output.path);
  if (afterPath === undefined) return undefined;
  for (const [index, line] of [afterPath, ...lines.slice(first + 1)].entries()) {
    // The summary ("Successfully processed 1 files; …") follows, unindented.
    if (line.trim() === "" || (index > 0 && /^\S[^()]*$/.test(line))) break;
    const match = /^\s*(.+?):((?:\([^()]*\))+)$/.exec(line.trimEnd());
    if (!match) return undefined; // an entry this reader does not know: cannot verify
    const rights = [...match[2].matchAll(/\(([^()]*)\)/g)].map((m) => m[1]);
    entries.push({ principal: match[1].trim(), rights });
  }
  return entries.length > 0 ? entries : undefined;
}

/** The rest of `line` after `path` and a space, or undefined when it does not start with it. */
function textAfterPath(line: string, path: string): string | undefined {
  const spelled = (text: string) => text.replace(/\//g, "\\").toLowerCase();
  const wanted = spelled(path).replace(/\\+$/, "");
  if (wanted === "" || spelled(line.slice(0, wanted.length)) !== wanted) return undefined;
  const rest = line.slice(wanted.length).replace(/^[\\/]+/, "");
  return /^\s/.test(rest) ? rest : undefined;
}

const SYSTEM_NAMES = /^(?:(?:nt authority|autorit. nt|nt-autorit.t)\\)?(?:system|syst.me)$/i;
const ADMIN_NAMES =
  /^(?:builtin|vordefiniert)\\(?:administrators|administrateurs|administratoren)$/i;

/** Whether a principal is SYSTEM or Administrators, by SID or by English/French name. */
export function isSystemOrAdministrators(principal: string): boolean {
  const name = principal.trim().replace(/^\*/, "");
  if (name === SYSTEM_SID || name === ADMINISTRATORS_SID) return true;
  return SYSTEM_NAMES.test(name) || ADMIN_NAMES.test(name);
}

/** Whether an entry lets its principal read the object itself. */
export function grantsRead(entry: AclEntry): boolean {
  const flags = entry.rights.map((r) => r.toUpperCase());
  if (flags.includes("DENY") || flags.includes("IO")) return false;
  return flags.some((f) =>
    f === "F" || f === "M" || f === "RX" || f === "R" ||
    f.split(",").some((s) => s === "RD" || s === "GR" || s === "GA" || s === "MA")
  );
}

/** The principals other than SYSTEM and Administrators that may read the object. */
export function readersBesidesAdmins(entries: readonly AclEntry[]): string[] {
  const others = entries.filter((e) => grantsRead(e) && !isSystemOrAdministrators(e.principal));
  return [...new Set(others.map((e) => e.principal))];
}

/** Who may read a file besides SYSTEM and Administrators, as far as `icacls` shows it. */
export type ReadAccess =
  | { kind: "restricted" }
  | { kind: "open"; readers: string[] }
  /** The output could not be read for this path: never taken for "restricted". */
  | { kind: "unverifiable" };

/**
 * Reads `icacls <path>` output into a verdict; what {@linkcode parseIcacls}
 * cannot read is "unverifiable", never "restricted".
 */
export function readAccess(output: { stdout: string; path: string }): ReadAccess {
  const entries = parseIcacls(output);
  if (entries === undefined) return { kind: "unverifiable" };
  const readers = readersBesidesAdmins(entries);
  return readers.length === 0 ? { kind: "restricted" } : { kind: "open", readers };
}

/** What `doctor` knows about `agent.json`. */
export interface TokenFileFacts {
  /** The file's path. */
  path: string;
  /** Whether the file holds a token. */
  holdsToken: boolean;
  /** `icacls <path>` output, or undefined when it could not be run. */
  icaclsOutput?: string;
  /** Why `icacls` could not be run, in French. */
  error?: string;
}

const UNVERIFIED_FIX =
  "Vérifiez dans les propriétés du fichier (onglet Sécurité) que seuls SYSTEM et Administrateurs peuvent le lire.";

/** A verdict shaped as `doctor`'s check results. */
export interface TokenFileVerdict {
  id: string;
  title: string;
  status: "OK" | "WARNING";
  detail: string;
  fix?: string;
}

/**
 * The `doctor` check: a token in `agent.json` readable by other accounts is a
 * warning, with the fix (`install-task` as administrator locks the folder).
 */
export function checkTokenFileAcl(facts: TokenFileFacts): TokenFileVerdict {
  const id = "token-file-acl";
  const title = "Accès au jeton";
  if (!facts.holdsToken) return { id, title, status: "OK", detail: "pas de jeton dans agent.json" };
  if (facts.icaclsOutput === undefined) {
    return {
      id,
      title,
      status: "WARNING",
      detail: `droits de ${facts.path} non vérifiables${facts.error ? ` : ${facts.error}` : ""}`,
      fix: UNVERIFIED_FIX,
    };
  }
  const access = readAccess({ stdout: facts.icaclsOutput, path: facts.path });
  if (access.kind === "unverifiable") {
    return {
      id,
      title,
      status: "WARNING",
      detail:
        `droits de ${facts.path} non vérifiables : la réponse d'icacls ne se lit pas pour ce chemin`,
      fix: UNVERIFIED_FIX,
    };
  }
  if (access.kind === "restricted") {
    return {
      id,
      title,
      status: "OK",
      detail: `${facts.path} lisible par SYSTEM et Administrateurs seulement`,
    };
  }
  return {
    id,
    title,
    status: "WARNING",
    detail: `agent.json, qui contient le jeton, est lisible par d'autres comptes (${
      access.readers.join(", ")
    })`,
    fix:
      "Relancez install-task dans une invite ouverte en administrateur : il réserve le dossier de travail à SYSTEM et aux Administrateurs.",
  };
}

/** What {@linkcode probeTokenFileAcl} needs. */
export interface ProbeTokenFileOptions {
  /** The path of `agent.json`. */
  path: string;
  holdsToken: boolean;
  /** The program to run; `icacls.exe` by default. */
  icacls?: string;
}

/** Runs `icacls` on `agent.json` for {@linkcode checkTokenFileAcl}; never throws. */
export async function probeTokenFileAcl(
  runner: CommandRunner,
  options: ProbeTokenFileOptions,
): Promise<TokenFileFacts> {
  const facts: TokenFileFacts = { path: options.path, holdsToken: options.holdsToken };
  if (!options.holdsToken) return facts;
  try {
    const result = await runner(options.icacls ?? ICACLS, readAclArgs(options.path));
    if (result.code === 0) facts.icaclsOutput = result.stdout;
    else facts.error = `icacls a échoué (code ${result.code})`;
  } catch (error) {
    facts.error = error instanceof Deno.errors.NotFound
      ? "icacls.exe introuvable (vérification possible sous Windows seulement)"
      : error instanceof Deno.errors.NotCapable
      ? "l'agent n'a pas la permission de lancer icacls.exe"
      : "icacls n'a pas pu être lancé";
  }
  return facts;
}
