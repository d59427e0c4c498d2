/**
 * Settings: where they come from, in which order, and what makes them valid.
 *
 * Precedence, as the contract says: command-line flag > environment variable >
 * `agent.json` in the work folder > value baked in at build time > default.
 * Every problem is a {@linkcode ConfigError} naming the setting and the fix,
 * raised before anything is touched.
 *
 * @module
 */

import nodePath from "node:path";
import { ConfigError } from "./config_error.ts";
import { NotUtf8Error, parseJsonText } from "./json_text.ts";
import { isLoopbackHost } from "./net.ts";
import { type NotifySettings, parseNotifySettings } from "./notify_settings.ts";
import { type LogLevel, parseLogLevel } from "./log.ts";
import { printable } from "./one_line.ts";
import { isInside } from "./paths.ts";
import {
  CONFIG_FILE_NAME,
  DEFAULTS,
  type DocumentFormat,
  ENV_VARS,
  FILE_KEYS,
  howToSet,
  RANGES,
  SETTING_FLAGS,
  type SettingFlags,
  type Settings,
  type SettingSources,
} from "./settings.ts";
import { MASK, maskByKey, maskUrlCredentials } from "./secrets.ts";
import { describeSystemError } from "./system_errors.ts";
import { formatCount } from "./french.ts";

/**
 * The work folder alone (flag > env > build > default), validated: it is
 * where `agent.json` and the logs are, so it never comes from `agent.json`.
 *
 * @throws {ConfigError} when it is not an absolute local path.
 */
export function resolveWorkDir(flags: SettingFlags, sources: SettingSources): string {
  const flag = flags["work-dir"];
  const env = sources.env(ENV_VARS.workDir!);
  // A value typed, even empty, is the one meant: `--work-dir ""` is refused, never skipped.
  const raw = typeof flag === "string"
    ? flag
    : env || sources.buildDefaults?.workDir || DEFAULTS.workDir;
  try {
    return absoluteFolder("workDir", raw, sources.pathApi ?? nodePath);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw namedBySource(error, flags, sources);
  }
}

/**
 * The error for a work folder that is a file: one line naming the folder and
 * how to set another.
 */
export function workDirNotAFolder(workDir: string): ConfigError {
  return new ConfigError(
    "workDir",
    `Le dossier de travail ${workDir} n'est pas un dossier (c'est un fichier) : indiquez un dossier avec ${
      howToSet("workDir")
    }.`,
  );
}

/**
 * Resolves and validates the settings from all sources.
 *
 * @throws {ConfigError} with a one-line French message naming the setting and the fix.
 */
export function resolveSettings(flags: SettingFlags, sources: SettingSources): Settings {
  try {
    return resolveFromSources(flags, sources);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw namedBySource(error, flags, sources);
  }
}

/**
 * A setting's error named where its value was given, as the administrator
 * gave it: the option typed, else the environment variable (which beats
 * `agent.json`), else the `agent.json` key the message already names.
 */
function namedBySource(
  error: ConfigError,
  flags: SettingFlags,
  sources: SettingSources,
): ConfigError {
  const flag = Object.entries(SETTING_FLAGS).find(([, s]) => s === error.setting)?.[0];
  const variable = ENV_VARS[error.setting as keyof Settings];
  let source: string | undefined;
  if (flag !== undefined && typeof flags[flag] === "string") source = `Option --${flag}`;
  else if (variable !== undefined && sources.env(variable)) {
    source = `Variable d'environnement ${variable}`;
  }
  if (source === undefined || !/^Paramètre \S+/.test(error.message)) return error;
  // Both names are feminine: « refusé », « manquant » agree with them.
  const message = error.message.replace(
    /^Paramètre \S+( refusé| manquant)?(?= )/,
    (_, agreed: string | undefined) => `${source}${agreed ? `${agreed}e` : ""}`,
  );
  return new ConfigError(error.setting, message);
}

function resolveFromSources(flags: SettingFlags, sources: SettingSources): Settings {
  const p = sources.pathApi ?? nodePath;
  const build = sources.buildDefaults ?? {};
  const fromFlag = (setting: keyof Settings) => {
    const flag = Object.entries(SETTING_FLAGS).find(([, s]) => s === setting)?.[0];
    const value = flag ? flags[flag] : undefined;
    return typeof value === "string" ? value : undefined;
  };
  const fromEnv = (setting: keyof Settings) => {
    const name = ENV_VARS[setting];
    const value = name ? sources.env(name) : undefined;
    return value === "" ? undefined : value;
  };

  const workDir = resolveWorkDir(flags, sources);
  const file = readConfigFile(p.join(workDir, CONFIG_FILE_NAME), sources);

  const pick = (setting: keyof Settings): unknown =>
    fromFlag(setting) ?? fromEnv(setting) ?? file[setting] ?? build[setting];

  const batigestImportDir = absoluteFolder(
    "batigestImportDir",
    text("batigestImportDir", pick("batigestImportDir") ?? DEFAULTS.batigestImportDir),
    p,
  );
  checkFoldersApart(workDir, batigestImportDir, p);

  const verbose = flags["verbose"] === true;
  const proxyValue = pick("proxy");
  const caValue = pick("caFile");
  const tokenValue = pick("token");
  const notify = file.notify ?? build.notify;
  if (notify !== undefined && (typeof notify !== "object" || Array.isArray(notify))) {
    throw new ConfigError(
      "notify",
      `Paramètre notify invalide : un objet JSON est attendu dans ${CONFIG_FILE_NAME}.`,
    );
  }
  return {
    apiUrl: apiUrl(pick("apiUrl")),
    token: tokenValue === undefined ? undefined : token(tokenValue),
    agentId: agentId(pick("agentId") ?? sources.hostname()),
    workDir,
    batigestImportDir,
    formats: formats(pick("formats") ?? DEFAULTS.formats),
    pollIntervalSeconds: integer("pollIntervalSeconds", pick("pollIntervalSeconds")),
    batchSize: integer("batchSize", pick("batchSize")),
    importTimeoutSeconds: integer("importTimeoutSeconds", pick("importTimeoutSeconds")),
    downloadIdleSeconds: integer("downloadIdleSeconds", pick("downloadIdleSeconds")),
    batigestRefusalHours: integer("batigestRefusalHours", pick("batigestRefusalHours")),
    logRetentionDays: integer("logRetentionDays", pick("logRetentionDays")),
    logLevel: verbose ? "DEBUG" : logLevel(pick("logLevel") ?? DEFAULTS.logLevel),
    proxy: proxyValue === undefined ? undefined : proxy(proxyValue),
    caFile: caValue === undefined ? undefined : caFile(caValue, workDir, p),
    notify: parseNotifySettings(notify as NotifySettings | undefined),
    eventLog: flag("eventLog", pick("eventLog") ?? true),
  };
}

function readConfigFile(path: string, sources: SettingSources): Record<string, unknown> {
  let raw: string | undefined;
  try {
    raw = sources.readTextFile(path);
  } catch (error) {
    if (error instanceof NotUtf8Error) {
      throw new ConfigError(
        CONFIG_FILE_NAME,
        `${path} n'est pas enregistré en UTF-8 (accent illisible ligne ${error.line}, fichier enregistré en « ANSI » ?) : ouvrez-le dans le Bloc-notes, « Enregistrer sous », choisissez l'encodage UTF-8 et enregistrez.`,
      );
    }
    const { kind, cause } = describeSystemError(error);
    if (kind === "not-a-directory") {
      throw workDirNotAFolder((sources.pathApi ?? nodePath).dirname(path));
    }
    if (kind === "is-a-directory") {
      throw new ConfigError(
        CONFIG_FILE_NAME,
        `${path} est un dossier, pas un fichier : renommez ou supprimez ce dossier, puis écrivez les paramètres dans un fichier texte ${CONFIG_FILE_NAME}.`,
      );
    }
    throw new ConfigError(
      CONFIG_FILE_NAME,
      `Impossible de lire ${path} : ${cause} ; ${
        kind === "access-denied"
          ? "vérifiez les droits sur le dossier de travail"
          : "vérifiez ce fichier"
      }.`,
    );
  }
  if (raw === undefined) return {};
  const json = parseJsonText(raw.replace(/^\uFEFF/, ""));
  if (!json.ok) {
    throw new ConfigError(
      CONFIG_FILE_NAME,
      `${path} n'est pas un JSON valide, ligne ${json.line}, colonne ${json.column} : ${json.problem}.`,
    );
  }
  const parsed = json.value;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(
      CONFIG_FILE_NAME,
      `${path} doit contenir un objet JSON, par exemple { "apiUrl": "https://…" }.`,
    );
  }
  for (const key of Object.keys(parsed)) {
    if (key === "workDir") {
      throw new ConfigError(
        "workDir",
        `« workDir » ne peut pas être dans ${CONFIG_FILE_NAME}, qui est lui-même dans le dossier de travail : utilisez --work-dir ou la variable SAXIUM_WORK_DIR.`,
      );
    }
    if (!FILE_KEYS.has(key)) {
      const near = [...FILE_KEYS].find((k) => k.toLowerCase() === key.toLowerCase());
      throw new ConfigError(
        key,
        `Paramètre inconnu « ${printable(key)} » dans ${path} : ${
          near
            ? `vouliez-vous dire « ${near} » ?`
            : `les paramètres reconnus sont ${[...FILE_KEYS].join(", ")}.`
        }`,
      );
    }
  }
  return parsed as Record<string, unknown>;
}

function text(setting: keyof Settings, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigError(
      setting,
      `Paramètre ${setting} invalide : une chaîne non vide est attendue ; indiquez-le avec ${
        howToSet(setting)
      }.`,
    );
  }
  return value.trim();
}

function apiUrl(value: unknown): string {
  if (value === undefined) {
    throw new ConfigError(
      "apiUrl",
      `Paramètre apiUrl manquant : indiquez l'adresse de Saxium (https://…) avec ${
        howToSet("apiUrl")
      }.`,
    );
  }
  const raw = text("apiUrl", value);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      "apiUrl",
      `Paramètre apiUrl invalide (« ${
        printable(raw)
      } » n'est pas une adresse) : indiquez une adresse complète, par exemple https://saxium.example.com.`,
    );
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    throw new ConfigError(
      "apiUrl",
      `Paramètre apiUrl refusé (${url.protocol}//${url.host}) : seul https:// est accepté (http:// uniquement pour 127.0.0.1 ou localhost).`,
    );
  }
  if (url.username || url.password) {
    throw new ConfigError(
      "apiUrl",
      "Paramètre apiUrl refusé : retirez l'identifiant et le mot de passe de l'adresse et utilisez le jeton (SAXIUM_TOKEN ou « token » dans agent.json).",
    );
  }
  if (url.search || url.hash) {
    throw new ConfigError(
      "apiUrl",
      "Paramètre apiUrl invalide : l'adresse ne doit contenir ni « ? » ni « # » ; indiquez seulement la base, par exemple https://saxium.example.com.",
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

function token(value: unknown): string {
  const raw = text("token", value);
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x20\x7f]/.test(raw)) {
    throw new ConfigError(
      "token",
      "Paramètre token invalide : il contient des espaces ou des caractères de contrôle ; recopiez le jeton fourni par Saxium.",
    );
  }
  return raw;
}

function agentId(value: unknown): string {
  const raw = text("agentId", value);
  if (!/^[\x21-\x7e]{1,64}$/.test(raw)) {
    throw new ConfigError(
      "agentId",
      `Paramètre agentId invalide (« ${
        printable(raw)
      } ») : 1 à 64 caractères imprimables sans espace ni accent ; indiquez-le avec ${
        howToSet("agentId")
      }.`,
    );
  }
  return raw;
}

function absoluteFolder(
  setting: "workDir" | "batigestImportDir",
  raw: string,
  p: typeof nodePath.win32 | typeof nodePath.posix,
): string {
  const value = raw.trim();
  if (value === "") {
    throw new ConfigError(
      setting,
      `Paramètre ${setting} vide : indiquez un dossier avec ${howToSet(setting)}.`,
    );
  }
  if (p === nodePath.win32 || p.sep === "\\") {
    if (/^[\\/]{2}/.test(value)) {
      throw new ConfigError(
        setting,
        `Paramètre ${setting} refusé (${value}) : un partage réseau ne peut pas être couvert par les permissions de l'agent ; utilisez un dossier local (par exemple C:\\…) et, si Batigest lit un partage, faites pointer son dossier d'import vers un dossier local du serveur.`,
      );
    }
  }
  if (!p.isAbsolute(value) || (p.sep === "\\" && !/^[a-zA-Z]:[\\/]/.test(value))) {
    throw new ConfigError(
      setting,
      `Paramètre ${setting} invalide (${value}) : un chemin absolu est attendu, par exemple ${
        setting === "workDir" ? DEFAULTS.workDir : DEFAULTS.batigestImportDir
      }.`,
    );
  }
  return p.resolve(value);
}

function checkFoldersApart(
  workDir: string,
  importDir: string,
  p: typeof nodePath.win32 | typeof nodePath.posix,
): void {
  const overlap = isInside(workDir, importDir, { pathApi: p, orSame: true }) ||
    isInside(importDir, workDir, { pathApi: p });
  if (overlap) {
    throw new ConfigError(
      "batigestImportDir",
      `Paramètre batigestImportDir invalide (${importDir}) : le dossier d'import de Batigest et le dossier de travail (${workDir}) doivent être distincts et aucun ne doit contenir l'autre.`,
    );
  }
}

function formats(value: unknown): DocumentFormat[] {
  const list = typeof value === "string" ? value.split(",").map((s) => s.trim()) : value;
  if (
    !Array.isArray(list) || list.length === 0 || list.length > 2 ||
    !list.every((f) => f === "xml" || f === "csv") || new Set(list).size !== list.length
  ) {
    throw new ConfigError(
      "formats",
      'Paramètre formats invalide : attendu ["xml"], ["csv"] ou ["xml", "csv"] (--formats xml,csv).',
    );
  }
  return list as DocumentFormat[];
}

function integer(
  setting:
    | "pollIntervalSeconds"
    | "batchSize"
    | "importTimeoutSeconds"
    | "downloadIdleSeconds"
    | "batigestRefusalHours"
    | "logRetentionDays",
  value: unknown,
): number {
  if (value === undefined) return DEFAULTS[setting];
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  const [min, max] = RANGES[setting];
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(
      setting,
      `Paramètre ${setting} invalide (« ${printable(String(value))} ») : un nombre entier entre ${
        formatCount(min)
      } et ${formatCount(max)} est attendu.`,
    );
  }
  return n;
}

function flag(setting: "eventLog", value: unknown): boolean {
  if (typeof value !== "boolean") {
    throw new ConfigError(
      setting,
      `Paramètre ${setting} invalide (« ${
        printable(String(value))
      } ») : true ou false est attendu (sans guillemets) dans ${CONFIG_FILE_NAME}.`,
    );
  }
  return value;
}

function logLevel(value: unknown): LogLevel {
  const level = typeof value === "string" ? parseLogLevel(value) : undefined;
  if (!level) {
    throw new ConfigError(
      "logLevel",
      `Paramètre logLevel invalide (« ${
        printable(String(value))
      } ») : attendu ERROR (erreur), WARNING (attention), INFO ou DEBUG.`,
    );
  }
  return level;
}

function proxy(value: unknown): string {
  const given = text("proxy", value);
  // Without a scheme (`proxy.local:3128`), read as curl and most tools read
  // HTTPS_PROXY: http://.
  const raw = /^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : `http://${given}`;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new ConfigError(
      "proxy",
      `Paramètre proxy invalide (« ${
        printable(given)
      } ») : attendu une adresse comme http://proxy.entreprise.local:3128.`,
    );
  }
  return raw;
}

function caFile(
  value: unknown,
  workDir: string,
  p: typeof nodePath.win32 | typeof nodePath.posix,
): string {
  const raw = text("caFile", value);
  const full = p.resolve(workDir, raw);
  if (!isInside(workDir, full, { pathApi: p })) {
    throw new ConfigError(
      "caFile",
      `Paramètre caFile refusé (${raw}) : l'agent ne lit que son dossier de travail ; copiez le certificat (PEM) dans ${workDir} et indiquez son nom.`,
    );
  }
  return full;
}

/**
 * The token, for the commands that work with Saxium on the agent's behalf
 * (`sync`): without it every request would be refused, so its absence is a
 * configuration error found before any request.
 *
 * @throws {ConfigError} when no token is configured.
 */
export function requireToken(settings: Pick<Settings, "token" | "workDir">): string {
  if (settings.token) return settings.token;
  const file = nodePath.join(settings.workDir, CONFIG_FILE_NAME);
  throw new ConfigError(
    "token",
    `Paramètre token manquant : ajoutez « "token": "…" » (le jeton fourni par Saxium) dans ${file}, ou définissez la variable SAXIUM_TOKEN ; la tâche planifiée, lancée par SYSTEM, ne voit pas les variables de votre session.`,
  );
}

/** The settings with secrets masked, for `status`, logs and support bundles. */
export function maskedSettings(settings: Settings): Record<string, unknown> {
  const masked: Record<string, unknown> = { ...settings };
  if (settings.token) masked.token = `${MASK} (défini)`;
  if (settings.proxy) masked.proxy = maskUrlCredentials(settings.proxy);
  if (settings.notify) masked.notify = maskByKey(settings.notify);
  return masked;
}
