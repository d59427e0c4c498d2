/**
 * The build configuration of the Windows executable (`scripts/compile.ts
 * --config build.json`): which Saxium, which folders, which notification
 * hosts. From it come the `deno check` and `deno compile` arguments, with
 * exactly the contract's permissions as absolute Windows paths, and the
 * generated entry and env files that bake in the defaults and the build's
 * description (`build_info.ts`), which the executable checks its settings
 * against at start-up.
 *
 * No secret ever enters an executable: anyone who copies the file can read
 * what is baked in. A build configuration holding one (the token, SMTP
 * credentials, a webhook URL, whose path is its key) is refused with where
 * it goes instead: `agent.json` on the server, which `install-task` reserves
 * to SYSTEM and Administrators. The build keeps what the permission set
 * needs, the notification hosts:
 *
 * ```json
 * "notify": { "smtpHost": "smtp.client.fr:587", "webhookHost": "hooks.client.fr" }
 * ```
 *
 * Pure: the script does the writing and the running.
 *
 * @module
 */

import { type BuildDefaults, DEFAULTS } from "../base/settings.ts";
import { ConfigError } from "../base/config_error.ts";
import { parseJsonText } from "../base/json_text.ts";
import { netTarget } from "../base/net.ts";
import { oneLine } from "../base/one_line.ts";
import net from "node:net";
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

/** The notification servers an executable may reach, as `host:port`. */
export interface BuildNotify {
  /** The SMTP server: `smtp.client.fr:587`. */
  smtpHost?: string;
  /** The webhook's host: `hooks.client.fr:443`. */
  webhookHost?: string;
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
const NOTIFY_KEYS = ["smtpHost", "webhookHost"] as const;

/** Where a secret goes instead of the build, and why (the end of each refusal). */
const SECRET_HOME =
  "un secret n'entre jamais dans l'exécutable, que quiconque le copie peut lire : mettez-le dans agent.json sur le serveur, qu'install-task réserve à SYSTEM et aux Administrateurs";
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
  refuseSecrets(record, source);
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
    const value = record[key] ?? DEFAULTS[key];
    if (typeof value !== "string") {
      throw new BuildConfigError(
        `${source} : « ${key} » doit être un chemin Windows, par exemple "${DEFAULTS[key]}".`,
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
        workDir: (record.workDir as string | undefined) ?? DEFAULTS.workDir,
        batigestImportDir: (record.batigestImportDir as string | undefined) ??
          DEFAULTS.batigestImportDir,
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
  if (record.notify !== undefined) config.notify = parseBuildNotify(record.notify, source);
  return { config, warnings };
}

/**
 * Refuses the secrets a build configuration may have been given (the token,
 * SMTP credentials, a webhook URL), naming the key, never the value, and
 * what to keep instead.
 */
function refuseSecrets(record: Record<string, unknown>, source: string): void {
  if (record.token !== undefined) {
    throw new BuildConfigError(`${source} : retirez « token » ; ${SECRET_HOME}.`);
  }
  const notify = record.notify;
  if (typeof notify !== "object" || notify === null || Array.isArray(notify)) return;
  const { smtp, webhookUrl } = notify as Record<string, unknown>;
  if (smtp !== undefined) {
    const given = typeof smtp === "object" && smtp !== null ? smtp as Record<string, unknown> : {};
    const credentials = given.password !== undefined || given.user !== undefined;
    throw new BuildConfigError(
      `${source} : remplacez « notify.smtp » par ${hostHint("smtpHost", smtpHint(given))} ; ${
        credentials
          ? `ses identifiants sont un secret : ${SECRET_HOME}`
          : "le reste (adresses, sécurité, identifiants) se règle dans agent.json sur le serveur"
      }.`,
    );
  }
  if (webhookUrl !== undefined) {
    throw new BuildConfigError(
      `${source} : remplacez « notify.webhookUrl » par ${
        hostHint("webhookHost", webhookHint(webhookUrl))
      } ; l'adresse complète du webhook contient sa clé : ${SECRET_HOME}.`,
    );
  }
}

function hostHint(key: string, value: string): string {
  return `"${key}": "${value}"`;
}

/** `host:port` of an SMTP block as written, for the refusal's hint (never its password). */
function smtpHint(smtp: Record<string, unknown>): string {
  const host = typeof smtp.host === "string" && /^[A-Za-z0-9.-]{1,253}$/.test(smtp.host.trim())
    ? smtp.host.trim().toLowerCase()
    : "smtp.client.fr";
  const security = typeof smtp.security === "string" ? smtp.security.trim().toLowerCase() : "";
  const port = typeof smtp.port === "number" && Number.isInteger(smtp.port)
    ? smtp.port
    : security === "tls"
    ? 465
    : security === "none"
    ? 25
    : 587;
  return `${host}:${port}`;
}

/** The host of a webhook URL as written, for the refusal's hint (never its path). */
function webhookHint(url: unknown): string {
  try {
    return typeof url === "string" ? new URL(url.trim()).host.toLowerCase() : "hooks.client.fr";
  } catch {
    return "hooks.client.fr";
  }
}

/** Validates the build's `notify`: the hosts only, as `host:port`. */
function parseBuildNotify(value: unknown, source: string): BuildNotify {
  const example = '{ "smtpHost": "smtp.client.fr:587", "webhookHost": "hooks.client.fr" }';
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BuildConfigError(
      `${source} : « notify » doit être un objet, par exemple ${example}.`,
    );
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(NOTIFY_KEYS as readonly string[]).includes(key)) {
      throw new BuildConfigError(
        `${source} : « notify.${
          oneLine(key, 40)
        } » n'a pas sa place dans la construction, qui ne garde que les hôtes (${
          NOTIFY_KEYS.join(", ")
        }) ; le reste des alertes se règle dans agent.json sur le serveur.`,
      );
    }
  }
  const notify: BuildNotify = {};
  if (record.smtpHost !== undefined) {
    notify.smtpHost = hostPort(record.smtpHost, {
      key: "notify.smtpHost",
      source,
      example: "smtp.client.fr:587",
    });
  }
  if (record.webhookHost !== undefined) {
    notify.webhookHost = hostPort(record.webhookHost, {
      key: "notify.webhookHost",
      source,
      example: "hooks.client.fr",
      defaultPort: 443,
    });
  }
  if (!notify.smtpHost && !notify.webhookHost) {
    throw new BuildConfigError(
      `${source} : « notify » sans « smtpHost » ni « webhookHost » : indiquez au moins l'un des deux, par exemple ${example}, ou retirez « notify ».`,
    );
  }
  return notify;
}

/**
 * `host:port` as Deno's `--allow-net` names it, from `host:port` (or `host`
 * when a default port is given). A scheme or a path is refused without being
 * quoted: a webhook's path is its key.
 */
function hostPort(
  value: unknown,
  where: { key: string; source: string; example: string; defaultPort?: number },
): string {
  const wrong = (why: string) =>
    new BuildConfigError(
      `${where.source} : « ${where.key} » ${why} ; indiquez l'hôte${
        where.defaultPort ? " (et le port s'il n'est pas " + where.defaultPort + ")" : " et le port"
      }, par exemple "${where.example}".`,
    );
  if (typeof value !== "string" || value.trim() === "") throw wrong("doit être un texte");
  const text = value.trim();
  if (/[/@?#]/.test(text)) {
    throw wrong("doit être un nom d'hôte seul, sans https://, chemin ni identifiants");
  }
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(text);
  const host = match?.[1].replace(/^\[(.*)\]$/, "$1") ?? "";
  const validHost = /^[A-Za-z0-9.-]+$/.test(host) || net.isIP(host) === 6;
  if (!match || !validHost) throw wrong(`(« ${oneLine(text, 60)} ») n'est pas un nom d'hôte`);
  const port = match[2] === undefined ? where.defaultPort : Number(match[2]);
  if (port === undefined) throw wrong("n'a pas de port");
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw wrong("a un port hors de 1 à 65535");
  }
  const named = net.isIP(host) === 6 ? `[${host}]` : host;
  // As the permissions and the run-time check name it (lower case, IPv6 in brackets).
  return netTarget(`https://${named}:${port}`);
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
        DEFAULTS[key as keyof typeof DEFAULTS]
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
 * The executable's name for a site, after its Saxium host:
 * `dist/saxium-batigest-agent-saxium.client.fr.exe` (a port other than 443
 * is added: `…-saxium.client.fr-8443.exe`).
 */
export function siteOutput(config: Pick<BuildConfig, "apiUrl">): string {
  const url = new URL(config.apiUrl);
  const host = url.hostname.toLowerCase().replace(/[^a-z0-9.-]/g, "_");
  const port = url.port ? `-${url.port}` : "";
  return `dist/saxium-batigest-agent-${host}${port}.exe`;
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
