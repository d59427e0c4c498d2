/**
 * Settings: where they come from, in which order, and how a wrong one is
 * named (the option, variable or `agent.json` key the administrator used);
 * what makes each value valid is `setting_values.ts`.
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
import { type NotifySettings, parseNotifySettings } from "./notify_settings.ts";
import {
  CONFIG_FILE_NAME,
  DEFAULTS,
  ENV_VARS,
  FILE_KEYS,
  howToSet,
  SETTING_FLAGS,
  type SettingFlags,
  type Settings,
  type SettingSources,
} from "./settings.ts";
import { MASK, maskByKey, maskUrlCredentials, printable } from "./text.ts";
import { describeSystemError } from "./system_errors.ts";
import * as check from "./setting_values.ts";

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
    return check.absoluteFolder("workDir", raw, sources.pathApi ?? nodePath);
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

  const batigestImportDir = check.absoluteFolder(
    "batigestImportDir",
    check.text("batigestImportDir", pick("batigestImportDir") ?? DEFAULTS.batigestImportDir),
    p,
  );
  check.foldersApart(workDir, batigestImportDir, p);

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
    apiUrl: check.apiUrl(pick("apiUrl")),
    token: tokenValue === undefined ? undefined : check.token(tokenValue),
    agentId: check.agentId(pick("agentId") ?? sources.hostname()),
    workDir,
    batigestImportDir,
    formats: check.formats(pick("formats") ?? DEFAULTS.formats),
    pollIntervalSeconds: check.integer("pollIntervalSeconds", pick("pollIntervalSeconds")),
    batchSize: check.integer("batchSize", pick("batchSize")),
    importTimeoutSeconds: check.integer("importTimeoutSeconds", pick("importTimeoutSeconds")),
    downloadIdleSeconds: check.integer("downloadIdleSeconds", pick("downloadIdleSeconds")),
    batigestRefusalHours: check.integer("batigestRefusalHours", pick("batigestRefusalHours")),
    logRetentionDays: check.integer("logRetentionDays", pick("logRetentionDays")),
    logLevel: verbose ? "DEBUG" : check.logLevel(pick("logLevel") ?? DEFAULTS.logLevel),
    proxy: proxyValue === undefined ? undefined : check.proxy(proxyValue),
    caFile: caValue === undefined ? undefined : check.caFile(caValue, workDir, p),
    notify: parseNotifySettings(notify as NotifySettings | undefined),
    eventLog: check.flag("eventLog", pick("eventLog") ?? true),
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
