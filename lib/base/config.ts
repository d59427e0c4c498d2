/**
 * Settings: where they come from, in which order, and how a wrong one is
 * named (the option, variable or `agent.json` key the administrator used).
 * What each setting is called in each source, its default and its parser are
 * its row in `setting_table.ts`; this module walks the rows.
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
import {
  CONFIG_FILE_NAME,
  type SettingFlags,
  type Settings,
  type SettingSources,
} from "./settings.ts";
import { FILE_KEYS, howToSet, isSettingKey, SETTING_KEYS, settingRow } from "./setting_table.ts";
import type { SettingRead } from "./setting_values.ts";
import { MASK, maskByKey, maskUrlCredentials, printable } from "./text.ts";
import { describeSystemError } from "./system_errors.ts";

/**
 * The work folder alone (flag > env > build > default), validated: it is
 * where `agent.json` and the logs are, so it never comes from `agent.json`.
 *
 * @throws {ConfigError} when it is not an absolute local path.
 */
export function resolveWorkDir(flags: SettingFlags, sources: SettingSources): string {
  try {
    // The row's parser, `workFolder`, gives a string.
    return readSetting("workDir", { flags, sources, file: {} }) as string;
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
  if (!isSettingKey(error.setting)) return error;
  const row = settingRow(error.setting);
  const flag = row.flag?.name;
  const variable = row.env;
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
  const workDir = resolveWorkDir(flags, sources);
  const file = readConfigFile(
    (sources.pathApi ?? nodePath).join(workDir, CONFIG_FILE_NAME),
    sources,
  );
  // In the table's order, which is also the order `status` shows them in.
  const settings: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    settings[key] = key === "workDir"
      ? workDir
      : readSetting(key, { flags, sources, file, workDir });
  }
  // Each row's parser gives its field's type (`SettingsTable`).
  return settings as unknown as Settings;
}

/** Where a setting may be given, as read so far. */
interface GivenValues {
  flags: SettingFlags;
  sources: SettingSources;
  /** `agent.json`'s keys. */
  file: Record<string, unknown>;
  /** The work folder, once resolved. */
  workDir?: string;
}

/**
 * One setting, from its row: the first source that gives it (flag >
 * variable > `agent.json` > build > default), then its parser.
 */
function readSetting(key: keyof Settings, given: GivenValues): unknown {
  const row = settingRow(key);
  const { flags, sources } = given;
  // A value typed, even empty, is the one meant: `--work-dir ""` is refused, never skipped.
  const flag = row.flag ? flags[row.flag.name] : undefined;
  const fromFlag = typeof flag === "string" ? flag : undefined;
  // An empty variable is as good as none: `set SAXIUM_AGENT_ID=` clears it in cmd.
  const fromEnv = row.env ? sources.env(row.env) || undefined : undefined;
  const fromFile = row.inFile ? given.file[key] : undefined;
  const fromBuild = (sources.buildDefaults as Record<string, unknown> | undefined)?.[key];
  const read: SettingRead = {
    key,
    howToSet: howToSet(key),
    default: row.default,
    range: row.range,
    workDir: given.workDir,
    pathApi: sources.pathApi ?? nodePath,
    hostname: sources.hostname,
    verbose: flags["verbose"] === true,
  };
  const value = fromFlag ?? fromEnv ?? fromFile ?? fromBuild;
  return row.parse(value === undefined ? row.default : value, read);
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
        `« workDir » ne peut pas être dans ${CONFIG_FILE_NAME}, qui est lui-même dans le dossier de travail : utilisez ${
          howToSet("workDir")
        }.`,
      );
    }
    if (!FILE_KEYS.includes(key)) {
      const near = FILE_KEYS.find((k) => k.toLowerCase() === key.toLowerCase());
      throw new ConfigError(
        key,
        `Paramètre inconnu « ${printable(key)} » dans ${path} : ${
          near
            ? `vouliez-vous dire « ${near} » ?`
            : `les paramètres reconnus sont ${FILE_KEYS.join(", ")}.`
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
