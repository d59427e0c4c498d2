/**
 * Who may read the work folder. `agent.json` there may hold Saxium's token,
 * and a folder created under `C:\` inherits an ACL that lets every local user
 * read it. `install-task` (run as administrator) therefore restricts the work
 * folder to SYSTEM (the account the scheduled task runs as) and the
 * Administrators group, and `doctor` warns when `agent.json` is still readable
 * by anyone else.
 *
 * The accounts are named by their well-known SIDs (`*S-1-5-18`,
 * `*S-1-5-32-544`), never by names that Windows translates ("Système",
 * "Administrateurs"). `icacls.exe` prints names, in the console's code page,
 * so its output is read with tolerance for both languages and for accents
 * decoded wrongly.
 *
 * The argument lists and the parsing are pure; running goes through the
 * {@linkcode CommandRunner} seam so tests check the exact calls on Linux.
 *
 * @module
 */

import type { CommandRunner } from "../base/command_runner.ts";
import { oneLine } from "../base/text.ts";

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

/** What {@linkcode lockDownWorkFolder} needs. */
export interface LockDownOptions {
  /** The work folder, which must exist. */
  workDir: string;
  /** The program to run; `icacls.exe` by default. */
  icacls?: string;
}

/**
 * Restricts the work folder to SYSTEM and Administrators (needs an elevated
 * prompt, as `install-task` already does).
 *
 * @throws {AclError} with the French line to show when `icacls` fails.
 */
export async function lockDownWorkFolder(
  runner: CommandRunner,
  options: LockDownOptions,
): Promise<void> {
  for (const args of lockDownArgs(options.workDir)) {
    const result = await runner(options.icacls ?? ICACLS, args);
    if (result.code !== 0) {
      const said = oneLine(result.stderr || result.stdout, 160);
      throw new AclError(
        `Impossible de restreindre l'accès au dossier de travail ${options.workDir} (icacls, code ${result.code}${
          said ? ` : ${said}` : ""
        }) : lancez la commande dans une invite ouverte en administrateur.`,
      );
    }
  }
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
 */
export function parseIcacls(output: { stdout: string; path: string }): AclEntry[] {
  const entries: AclEntry[] = [];
  const lines = output.stdout.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    let line = raw.trimEnd();
    if (index === 0 || entries.length === 0) {
      const at = line.toLowerCase().indexOf(output.path.toLowerCase());
      if (at === -1) continue;
      line = line.slice(at + output.path.length);
    }
    const match = /^\s*(.+?):((?:\([^()]*\))+)$/.exec(line);
    if (!match) continue;
    const rights = [...match[2].matchAll(/\(([^()]*)\)/g)].map((m) => m[1]);
    entries.push({ principal: match[1].trim(), rights });
  }
  return entries;
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
      fix:
        `Vérifiez dans les propriétés du fichier (onglet Sécurité) que seuls SYSTEM et Administrateurs peuvent le lire.`,
    };
  }
  const others = readersBesidesAdmins(
    parseIcacls({ stdout: facts.icaclsOutput, path: facts.path }),
  );
  if (others.length === 0) {
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
      others.join(", ")
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
