/**
 * The build configuration of the Windows executable (`scripts/compile.ts
 * --config build.json`): which Saxium, which folders, which notification
 * hosts. From it come the `deno check` and `deno compile` arguments, with
 * exactly the contract's permissions as absolute Windows paths, and the
 * generated entry and env files that bake in the defaults and the build's
 * description (`build_info.ts`), which the executable checks its settings
 * against at start-up.
 *
 * No secret ever enters an executable (`build_secrets.ts` refuses them, and
 * keeps of the alerts only their hosts, for the permission set).
 *
 * Pure: the script does the writing and the running.
 *
 * @module
 */

import { type BuildDefaults } from "../base/settings.ts";
import { SETTINGS } from "../base/setting_table.ts";
import { ConfigError } from "../base/config_error.ts";
import { parseJsonText } from "../base/json_text.ts";
import { oneLine } from "../base/text.ts";
import {
  type BuildNotify,
  BuildNotifyProblem,
  parseBuildNotify,
  secretInBuild,
} from "./build_secrets.ts";
import nodePath from "node:path";
import { resolveSettings } from "../base/config.ts";
import { permissionFlags, V8_FLAGS } from "./permissions.ts";
import { type BuildInfo, describeBuild } from "./build_info.ts";
import { SCHTASKS } from "../windows/schtasks.ts";

/** The Deno target of the executable. */
export const TARGET = "x86_64-pc-windows-msvc";
/** Where the executable goes, relative to the project root. */
export const DEFAULT_OUTPUT = "dist/saxium-batigest-agent.exe";
/** The generated entry module, relative to the project root. */
export const ENTRY_FILE = "dist/build/entry.ts";
/** The generated env file embedded by `deno compile --env-file`. */
export const ENV_FILE = "dist/build/agent.env";

/** A build configuration, validated: Windows paths absolute and normalised. */
export interface BuildConfig {
  /** Saxium's base URL. */
  apiUrl: string;
  /** The work folder on the target machine. */
  workDir: string;
  /** Batigest's import folder on the target machine. */
  batigestImportDir: string;
  /** The notification hosts the permissions open (the rest is in `agent.json`). */
  notify?: BuildNotify;
}

/** A build configuration and what its author should know about it. */
export interface ParsedBuildConfig {
  config: BuildConfig;
  /** French warnings (mapped drive) to print before building. */
  warnings: string[];
}

/** A build configuration that cannot be used; `message` is in French. */
export class BuildConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuildConfigError";
  }
}

const KEYS = ["apiUrl", "workDir", "batigestImportDir", "notify"] as const;

const FOLDERS = ["workDir", "batigestImportDir"] as const;

/**
 * Parses and validates a build configuration (JSON text) as the agent would
 * on Windows: absolute `C:\…` paths, no network share, folders apart, an
 * `https://` Saxium.
 *
 * @throws {BuildConfigError} naming the setting and the fix.
 */
export function parseBuildConfig(text: string, source = "build.json"): ParsedBuildConfig {
  const json = parseJsonText(text.replace(/^\uFEFF/, ""));
  if (!json.ok) {
    // Located by line and column, never quoted: the text may hold a secret.
    throw new BuildConfigError(
      `${source} n'est pas un JSON valide (ligne ${json.line}, colonne ${json.column} : ${json.problem}) : corrigez-le en partant de scripts/build.example.json.`,
    );
  }
  const raw = json.value;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new BuildConfigError(
      `${source} doit contenir un objet JSON : voyez scripts/build.example.json.`,
    );
  }
  const record = raw as Record<string, unknown>;
  const secret = secretInBuild(record);
  if (secret) throw new BuildConfigError(`${source} : ${secret}`);
  for (const key of Object.keys(record)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      throw new BuildConfigError(
        `${source} : paramètre inconnu « ${oneLine(key, 40)} » ; les paramètres reconnus sont ${
          KEYS.join(", ")
        }.`,
      );
    }
  }
  if (typeof record.apiUrl !== "string" || record.apiUrl.trim() === "") {
    throw new BuildConfigError(
      `${source} : « apiUrl » manquant ; indiquez l'adresse de Saxium, par exemple "https://saxium.example.com".`,
    );
  }
  const warnings: string[] = [];
  for (const key of FOLDERS) {
    const value = record[key] ?? SETTINGS[key].default;
    if (typeof value !== "string") {
      throw new BuildConfigError(
        `${source} : « ${key} » doit être un chemin Windows, par exemple "${
          SETTINGS[key].default
        }".`,
      );
    }
    checkWindowsFolder(key, value, source);
    const warning = mappedDriveWarning(key, value);
    if (warning) warnings.push(warning);
  }

  let resolved;
  try {
    resolved = resolveSettings({}, {
      env: () => undefined,
      readTextFile: () => undefined,
      hostname: () => "build",
      pathApi: nodePath.win32,
      buildDefaults: {
        apiUrl: record.apiUrl,
        workDir: (record.workDir as string | undefined) ?? SETTINGS.workDir.default,
        batigestImportDir: (record.batigestImportDir as string | undefined) ??
          SETTINGS.batigestImportDir.default,
      },
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new BuildConfigError(`${source} : ${error.message}`);
    throw error;
  }
  const config: BuildConfig = {
    apiUrl: resolved.apiUrl,
    workDir: resolved.workDir,
    batigestImportDir: resolved.batigestImportDir,
  };
  if (record.notify !== undefined) {
    try {
      config.notify = parseBuildNotify(record.notify);
    } catch (error) {
      if (error instanceof BuildNotifyProblem) {
        throw new BuildConfigError(`${source} : ${error.message}`);
      }
      throw error;
    }
  }
  return { config, warnings };
}

function checkWindowsFolder(key: string, value: string, source: string): void {
  const path = value.trim();
  if (/^[\\/]{2}/.test(path)) {
    throw new BuildConfigError(
      `${source} : « ${key} » (${path}) est un partage réseau ; les permissions de Deno ne couvrent que des chemins locaux et la tâche planifiée (compte SYSTEM) n'y a pas accès avec vos identifiants. Que faire : installez l'agent sur le serveur qui héberge ce dossier et indiquez son chemin local (par exemple D:\\Partages\\Batigest\\Import), ou faites importer Batigest depuis un dossier local de ce poste.`,
    );
  }
  if (!/^[a-zA-Z]:[\\/]/.test(path)) {
    throw new BuildConfigError(
      `${source} : « ${key} » (${path}) doit être un chemin Windows absolu avec sa lettre de lecteur, par exemple "${
        SETTINGS[key as (typeof FOLDERS)[number]].default
      }".`,
    );
  }
  if (path.includes(",")) {
    throw new BuildConfigError(
      `${source} : « ${key} » (${path}) contient une virgule, que les permissions de Deno ne savent pas exprimer ; choisissez un dossier sans virgule.`,
    );
  }
}

function mappedDriveWarning(key: string, path: string): string | undefined {
  const drive = path.trim()[0].toUpperCase();
  if (drive === "C") return undefined;
  return `Attention : « ${key} » est sur le lecteur ${drive}:. S'il s'agit d'un lecteur réseau (lecteur mappé), la tâche planifiée (compte SYSTEM) ne le voit pas et les permissions de Deno ne couvrent que des chemins locaux : indiquez le chemin local sur la machine qui héberge le dossier. S'il s'agit d'un disque local, ignorez ce message.`;
}

/** What the executable is built for: the description baked into its entry. */
export function buildInfo(config: BuildConfig): BuildInfo {
  return describeBuild({
    apiUrl: config.apiUrl,
    workDir: config.workDir,
    batigestImportDir: config.batigestImportDir,
    smtpHost: config.notify?.smtpHost,
    webhookHost: config.notify?.webhookHost,
  });
}

/** The executable's permission flags, from {@linkcode permissionFlags} of {@linkcode buildInfo}. */
export function buildPermissionFlags(config: BuildConfig): string[] {
  const info = buildInfo(config);
  return permissionFlags({
    apiUrl: info.apiUrl,
    workDir: info.workDir,
    batigestImportDir: info.batigestImportDir,
    extraNetHosts: info.netHosts.slice(1),
    schtasks: SCHTASKS,
  });
}

/**
 * The defaults baked into the executable: Saxium's address and the two
 * folders. Never a secret, and no alert settings: those are `agent.json`'s.
 */
export function buildDefaults(config: BuildConfig): BuildDefaults {
  return {
    apiUrl: config.apiUrl,
    workDir: config.workDir,
    batigestImportDir: config.batigestImportDir,
  };
}

/** Where the compile arguments point. */
export interface CompileArgsOptions {
  /** The project's root folder, where `deno compile` runs. */
  projectRoot: string;
  /** The executable's path, absolute or relative to the project root. */
  output?: string;
  /** The Deno target; Windows ({@linkcode TARGET}) by default. */
  target?: string;
}

/**
 * The type check that runs before the compilation, with a normal heap: the
 * generated entry and everything it imports.
 */
export function checkArgs(): string[] {
  return ["check", ENTRY_FILE];
}

/**
 * The `deno compile` arguments (without `deno`), to run from the project
 * root after {@linkcode checkArgs} succeeded: the target, the output, the
 * permissions, the V8 heap caps, the embedded env file, the generated entry.
 * `--no-check`: `deno compile` applies `--v8-flags` to itself too, and a type
 * check under the executable's 96 MB cap runs out of memory from an empty
 * cache; the check runs before, with a normal heap.
 * `--exclude-unused-npm`: without it `deno compile` embeds every npm package
 * of the lockfile, test-only ones included (`smtp-server`, and the second
 * `nodemailer` it pulled in); with it, only the packages the entry's module
 * graph reaches (nodemailer's `import("nodemailer")` is a literal, so it is).
 */
export function compileArgs(config: BuildConfig, options: CompileArgsOptions): string[] {
  return [
    "compile",
    "--no-check",
    "--exclude-unused-npm",
    "--target",
    options.target ?? TARGET,
    "--output",
    projectPath(options.projectRoot, options.output ?? DEFAULT_OUTPUT),
    ...buildPermissionFlags(config),
    V8_FLAGS,
    `--env-file=${ENV_FILE}`,
    ENTRY_FILE,
  ];
}

function projectPath(root: string, path: string): string {
  const absolute = nodePath.resolve(root, path);
  const relative = nodePath.relative(root, absolute);
  const inside = relative !== "" && !relative.startsWith("..") && !nodePath.isAbsolute(relative);
  return inside ? relative.split(nodePath.sep).join("/") : absolute;
}

/**
 * The generated entry module: runs `main` with the baked-in defaults.
 * `mainImport` is the specifier of `main.ts` from the entry's folder.
 */
export function entrySource(config: BuildConfig, mainImport = "../../main.ts"): string {
  return `// Generated by scripts/compile.ts: do not edit, do not commit.
import { main } from ${JSON.stringify(mainImport)};

Deno.exit(await main(Deno.args, {
  buildDefaults: ${JSON.stringify(buildDefaults(config), null, 2).replaceAll("\n", "\n  ")},
  build: ${JSON.stringify(buildInfo(config), null, 2).replaceAll("\n", "\n  ")},
}));
`;
}

/**
 * Where a site's executable is written: a folder named after its Saxium host
 * (`dist/saxium-batigest-agent-saxium.client.fr/`, a port other than 443
 * added: `…-saxium.client.fr-8443/`), holding `saxium-batigest-agent.exe`,
 * the name every command and the README use: the administrator receives the
 * site's folder (or the zip of it) and copies the executable as it is.
 */
export function siteOutput(config: Pick<BuildConfig, "apiUrl">): string {
  return `dist/${siteName(config)}/${EXECUTABLE_NAME}`;
}

/** The executable's file name, the same for every site. */
export const EXECUTABLE_NAME = "saxium-batigest-agent.exe";

/** A site's name, after its Saxium host: `saxium-batigest-agent-saxium.client.fr`. */
export function siteName(config: Pick<BuildConfig, "apiUrl">): string {
  const url = new URL(config.apiUrl);
  const host = url.hostname.toLowerCase().replace(/[^a-z0-9.-]/g, "_");
  const port = url.port ? `-${url.port}` : "";
  return `saxium-batigest-agent-${host}${port}`;
}

/**
 * The env file embedded in the executable. Variables already set on the
 * machine win, so an administrator can still choose another certificate store.
 */
export function envFileSource(): string {
  return `# Generated by scripts/compile.ts: defaults embedded in the executable.
# Trust Windows' certificate store too (company root certificates, TLS-inspecting proxies).
DENO_TLS_CA_STORE=mozilla,system
`;
}

/** Whether `deno compile` failed because it could not download Deno's Windows runtime. */
export function isRuntimeDownloadFailure(stderr: string): boolean {
  return /denort|dl\.deno\.land|Setting up base binary/i.test(stderr);
}
