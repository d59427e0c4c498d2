/**
 * What an executable was built for: the Saxium server and the two folders
 * baked into it, and the network targets its permissions open. The compile
 * script writes it into the generated entry; at start-up the agent compares
 * the configured work folder, import folder and Saxium host with it, so that
 * a setting outside the build is one French line naming both values (exit 2)
 * instead of Deno's English permission error or five network retries.
 *
 * Light on purpose (no notifier, no client): `main.ts` imports it, and
 * `--version` must stay fast.
 *
 * @module
 */

import { CONFIG_FILE_NAME, type SettingSources } from "../base/settings.ts";
import { SETTINGS } from "../base/setting_table.ts";
import nodePath from "node:path";
import { resolveWorkDir } from "../base/config.ts";
import { isInside, type PathApi } from "../base/paths.ts";
import { netTarget } from "../base/net.ts";

/** The README section an administrator is sent to for another build. */
export const BUILD_README_SECTION = "voir README, « Construire l'exécutable d'un site »";

/** What an executable was built for, as baked into its entry. */
export interface BuildInfo {
  /** Saxium's base URL. */
  apiUrl: string;
  /** The work folder the permissions cover. */
  workDir: string;
  /** Batigest's import folder the permissions cover. */
  batigestImportDir: string;
  /** Every `host:port` the permissions open: Saxium first, then notifications. */
  netHosts: string[];
}

/** What {@linkcode describeBuild} is built from. */
export interface BuildInfoInput {
  apiUrl: string;
  workDir: string;
  batigestImportDir: string;
  /** Notification targets (`host:port`). */
  extraNetHosts?: readonly string[];
}

/** The build description, with the network targets exactly as the permissions have them. */
export function describeBuild(input: BuildInfoInput): BuildInfo {
  return {
    apiUrl: input.apiUrl,
    workDir: input.workDir,
    batigestImportDir: input.batigestImportDir,
    netHosts: [...new Set([netTarget(input.apiUrl), ...(input.extraNetHosts ?? [])])],
  };
}

/** The lines `--version` adds for a built executable (French). */
export function buildSummary(info: BuildInfo): string[] {
  return [
    `Construit pour le serveur Saxium : ${info.apiUrl} (${netTarget(info.apiUrl)})`,
    `Dossier de travail : ${info.workDir}`,
    `Dossier d'import de Batigest : ${info.batigestImportDir}`,
    ...(info.netHosts.length > 1
      ? [`Notifications vers : ${info.netHosts.slice(1).join(", ")}`]
      : []),
  ];
}

/** The three settings the build's permissions constrain, as configured. */
export interface ConfiguredScope {
  workDir: string;
  /** Undefined when not resolvable here (the command will say why). */
  batigestImportDir?: string;
  /** Undefined when not resolvable here (the command will say why). */
  apiUrl?: string;
}

/** The path rules of a build: Windows' for `C:\…` paths, else the platform's. */
function pathApiOf(info: BuildInfo): PathApi {
  return /^[a-zA-Z]:[\\/]/.test(info.workDir) ? nodePath.win32 : nodePath;
}

/**
 * Why the configured values fall outside the build, as one French line, or
 * undefined when they are inside (a folder may be the build's or below it).
 */
export function scopeProblem(configured: ConfiguredScope, info: BuildInfo): string | undefined {
  const pathApi = pathApiOf(info);
  const inside = (root: string, path: string) => isInside(root, path, { pathApi, orSame: true });
  const built = "pour lequel cet exécutable a été construit";
  if (!inside(info.workDir, configured.workDir)) {
    return `Le dossier de travail configuré (${configured.workDir}) n'est pas celui ${built} (${info.workDir}) : corrigez SAXIUM_WORK_DIR ou --work-dir, ou construisez l'exécutable pour ce dossier (${BUILD_README_SECTION}).`;
  }
  const importDir = configured.batigestImportDir;
  if (importDir !== undefined && !inside(info.batigestImportDir, importDir)) {
    return `Le dossier d'import configuré (${importDir}) n'est pas celui ${built} (${info.batigestImportDir}) : corrigez batigestImportDir ou construisez l'exécutable pour ce dossier (${BUILD_README_SECTION}).`;
  }
  if (configured.apiUrl !== undefined) {
    const target = safeNetTarget(configured.apiUrl);
    const saxium = netTarget(info.apiUrl);
    if (target !== undefined && target !== saxium) {
      return `Le serveur Saxium configuré (${configured.apiUrl}, soit ${target}) n'est pas celui ${built} (${info.apiUrl}, soit ${saxium}) : corrigez apiUrl ou construisez l'exécutable pour ce serveur (${BUILD_README_SECTION}).`;
    }
  }
  return undefined;
}

function safeNetTarget(url: string): string | undefined {
  try {
    return netTarget(url.trim());
  } catch {
    return undefined;
  }
}

/** Where {@linkcode configuredScope} reads from. */
export interface ScopeSources {
  /** The command's arguments (only the setting flags are looked at). */
  args: readonly string[];
  sources: SettingSources;
  /** The build, whose work folder must be checked before `agent.json` is read. */
  info: BuildInfo;
}

/**
 * The work folder, import folder and Saxium address as the command will
 * resolve them (flag > variable > `agent.json` > build > default), leniently:
 * what cannot be read here is left undefined for the command to report.
 * `agent.json` is read only when the work folder is inside the build.
 *
 * @throws {ConfigError} when the work folder itself is invalid, as every command would.
 */
export function configuredScope(options: ScopeSources): ConfiguredScope {
  const flags = settingFlagValues(options.args);
  const { sources } = options;
  const pathApi = sources.pathApi ?? pathApiOf(options.info);
  const workDir = resolveWorkDir(flags, { ...sources, pathApi });
  const scope: ConfiguredScope = { workDir };
  if (!isInside(options.info.workDir, workDir, { pathApi, orSame: true })) return scope;
  const file = readFileLeniently(pathApi.join(workDir, CONFIG_FILE_NAME), sources);
  const env = (name: string | undefined) => {
    const value = name ? sources.env(name) : undefined;
    return value === "" ? undefined : value;
  };
  const importDir = flags["batigest-import-dir"] ?? env(SETTINGS.batigestImportDir.env) ??
    file.batigestImportDir ?? sources.buildDefaults?.batigestImportDir ??
    SETTINGS.batigestImportDir.default;
  if (typeof importDir === "string" && pathApi.isAbsolute(importDir.trim())) {
    scope.batigestImportDir = pathApi.resolve(importDir.trim());
  }
  const apiUrl = flags["api-url"] ?? env(SETTINGS.apiUrl.env) ?? file.apiUrl ??
    sources.buildDefaults?.apiUrl;
  if (typeof apiUrl === "string") scope.apiUrl = apiUrl;
  return scope;
}

function readFileLeniently(path: string, sources: SettingSources): Record<string, unknown> {
  try {
    const text = sources.readTextFile(path);
    const value = text === undefined ? undefined : JSON.parse(text.replace(/^\uFEFF/, ""));
    return typeof value === "object" && value !== null ? value : {};
  } catch {
    return {}; // The command reads it again and reports the problem.
  }
}

const SCOPE_FLAGS = ["work-dir", "batigest-import-dir", "api-url"] as const;

/**
 * The values of `--work-dir`, `--batigest-import-dir` and `--api-url` in a
 * command's arguments (`--flag value` or `--flag=value`), the last one winning.
 */
export function settingFlagValues(args: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--") break;
    for (const flag of SCOPE_FLAGS) {
      if (args[i] === `--${flag}` && i + 1 < args.length) found[flag] = args[++i];
      else if (args[i].startsWith(`--${flag}=`)) found[flag] = args[i].slice(flag.length + 3);
    }
  }
  return found;
}
