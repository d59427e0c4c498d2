/**
 * Every setting, once: one row says what it is called on the command line, in
 * the environment and in `agent.json`, its default, its range, what makes its
 * value valid and its line in `--help`. Who needs a fact of a setting reads
 * the row: `config.ts` (precedence, validation, naming the source of an
 * error), the help (`lib/cli/help.ts`), `install-task` (the variables the task
 * may not see), the build, and the tests that hold the README to it.
 *
 * Adding a setting is adding its field to {@linkcode Settings} and its row
 * here (the type refuses one without the other). The order of the rows is the
 * order of the help's lines, of the keys listed for an unknown one in
 * `agent.json`, and of validation after the work folder.
 *
 * @module
 */

import { formatCount, frenchList } from "./french.ts";
import { CONFIG_FILE_NAME, type Settings } from "./settings.ts";
import * as check from "./setting_values.ts";
import type { SettingRead } from "./setting_values.ts";

/** A setting's command-line option and its line in `--help`. */
export interface SettingFlag<T> {
  /** The option without its dashes: `api-url` for `--api-url`. */
  name: string;
  /** The value's placeholder in `--help`: `<adresse>`. */
  value: string;
  /**
   * The help line's text, in French: what the setting is, its variable, its
   * range and its default between brackets, told from the row.
   */
  help: (setting: SettingRow<T> & { key: string }) => string;
}

/** One setting: where it may be given, its default and range, and how its value is checked. */
export interface SettingRow<T> {
  /** Its command-line option; none for a setting never typed on the command line. */
  flag?: SettingFlag<T>;
  /** The environment variable that may give it. */
  env?: string;
  /** Whether `agent.json` may hold it. */
  inFile: boolean;
  /** Its value when no source gives one; none when it is required or may stay unset. */
  default?: T;
  /** The smallest and largest values of a whole number. */
  range?: readonly [number, number];
  /**
   * Checks and normalises the value given (or the default, or undefined);
   * throws a `ConfigError` naming the setting.
   */
  parse: (value: unknown, read: SettingRead) => T;
}

/** One row for each field of {@linkcode Settings}, no more, no less. */
export type SettingsTable = { readonly [K in keyof Settings]-?: SettingRow<Settings[K]> };

/** `, de 10 à 86 400` for a whole-number setting: its range, the French way. */
export function rangeText(setting: { range?: readonly [number, number] }): string {
  if (!setting.range) return "";
  const [min, max] = setting.range;
  return `, de ${formatCount(min)} à ${formatCount(max)}`;
}

/** The settings, in the order of the help. */
export const SETTINGS = {
  apiUrl: {
    flag: {
      name: "api-url",
      value: "<adresse>",
      help: (s) => `adresse de Saxium (${s.env}, « ${s.key} ») ; obligatoire`,
    },
    env: "SAXIUM_API_URL",
    inFile: true,
    parse: check.apiUrl,
  },
  token: {
    // Never an option: the command line is visible in the list of processes.
    env: "SAXIUM_TOKEN",
    inFile: true,
    parse: check.optional(check.token),
  },
  agentId: {
    flag: {
      name: "agent-id",
      value: "<nom>",
      help: (s) => `nom du poste pour Saxium (${s.env}) [nom de la machine]`,
    },
    env: "SAXIUM_AGENT_ID",
    inFile: true,
    parse: check.agentId,
  },
  workDir: {
    flag: {
      name: "work-dir",
      value: "<dossier>",
      help: (s) => `dossier de travail (${s.env}) [${s.default}]`,
    },
    env: "SAXIUM_WORK_DIR",
    // agent.json is in the work folder: it cannot say where it is.
    inFile: false,
    default: "C:\\SaxiumBatigest",
    parse: check.workFolder,
  },
  batigestImportDir: {
    flag: {
      name: "batigest-import-dir",
      value: "<dossier>",
      help: (s) => `dossier d'import de Batigest (${s.env}) [${s.default}]`,
    },
    env: "BATIGEST_IMPORT_PATH",
    inFile: true,
    default: "C:\\Program Files\\Sage\\Batigest\\Import",
    parse: check.importFolder,
  },
  formats: {
    flag: {
      name: "formats",
      value: "<xml,csv>",
      help: (s) => `formats déposés dans Batigest [${s.default?.join(",")}]`,
    },
    inFile: true,
    default: ["xml"],
    parse: check.formats,
  },
  pollIntervalSeconds: {
    flag: {
      name: "poll-interval",
      value: "<secondes>",
      help: (s) => `pause entre deux passes de sync sans --once${rangeText(s)} [${s.default}]`,
    },
    inFile: true,
    default: 300,
    range: [10, 86_400],
    parse: check.integer,
  },
  batchSize: {
    flag: {
      name: "batch-size",
      value: "<n>",
      help: (s) => `exports demandés à Saxium à la fois${rangeText(s)} [${s.default}]`,
    },
    inFile: true,
    default: 50,
    range: [1, 500],
    parse: check.integer,
  },
  importTimeoutSeconds: {
    flag: {
      name: "import-timeout",
      value: "<secondes>",
      help: (s) => `temps laissé à Batigest pour prendre un document${rangeText(s)} [${s.default}]`,
    },
    inFile: true,
    default: 30,
    range: [1, 3_600],
    parse: check.integer,
  },
  downloadIdleSeconds: {
    flag: {
      name: "download-idle",
      value: "<secondes>",
      help: (s) =>
        `abandon d'un téléchargement sans aucun octet reçu pendant ce délai${
          rangeText(s)
        } [${s.default}]`,
    },
    inFile: true,
    default: 30,
    range: [5, 3_600],
    parse: check.integer,
  },
  batigestRefusalHours: {
    inFile: true,
    default: 72,
    range: [1, 8_760],
    parse: check.integer,
  },
  batigestHours: {
    inFile: true,
    default: "lun-ven 08:00-18:00",
    parse: check.weeklyHours,
  },
  batigestPatienceHours: {
    inFile: true,
    default: 2,
    range: [1, 48],
    parse: check.integer,
  },
  logRetentionDays: {
    flag: {
      name: "log-retention-days",
      value: "<jours>",
      help: (s) => `jours de fichiers de log gardés dans Logs${rangeText(s)} [${s.default}]`,
    },
    inFile: true,
    default: 30,
    range: [1, 3_650],
    parse: check.integer,
  },
  logLevel: {
    flag: {
      name: "log-level",
      value: "<niveau>",
      help: (s) => `ERROR (erreur), WARNING (attention), INFO ou DEBUG [${s.default}]`,
    },
    inFile: true,
    default: "INFO",
    parse: check.logLevel,
  },
  proxy: {
    flag: {
      name: "proxy",
      value: "<adresse>",
      help: (s) => `proxy HTTPS vers Saxium (${s.env}) [aucun]`,
    },
    env: "HTTPS_PROXY",
    inFile: true,
    parse: check.optional(check.proxy),
  },
  caFile: {
    flag: {
      name: "ca-file",
      value: "<fichier>",
      help: () => "certificats racines en plus, PEM, dans le dossier de travail [aucun]",
    },
    inFile: true,
    parse: check.optional(check.caFile),
  },
  notify: {
    inFile: true,
    parse: check.notify,
  },
  eventLog: {
    inFile: true,
    default: true,
    parse: check.yesNo,
  },
} satisfies SettingsTable;

/** The settings' names, in the table's order. */
export const SETTING_KEYS: readonly (keyof Settings)[] = Object.keys(
  SETTINGS,
) as (keyof Settings)[];

/** A setting's row, for code that reads any row alike (its value then `unknown`). */
export function settingRow(key: keyof Settings): SettingRow<unknown> {
  return SETTINGS[key] as SettingRow<unknown>;
}

/** Whether `name` is a setting's name (an `agent.json` key, a `ConfigError`'s setting). */
export function isSettingKey(name: string): name is keyof Settings {
  return Object.hasOwn(SETTINGS, name);
}

/** The command-line options that carry a setting, with the setting they set, in the table's order. */
export const SETTING_FLAGS: Readonly<Record<string, keyof Settings>> = Object.fromEntries(
  SETTING_KEYS.flatMap((key) => {
    const flag = settingRow(key).flag;
    return flag ? [[flag.name, key]] : [];
  }),
);

/** The keys `agent.json` may hold, in the table's order. */
export const FILE_KEYS: readonly string[] = SETTING_KEYS.filter((key) => settingRow(key).inFile);

/** How to set a setting, for the fix half of an error message: `--agent-id, la variable … ou « agentId » dans agent.json`. */
export function howToSet(key: keyof Settings): string {
  const row = settingRow(key);
  const ways: string[] = [];
  if (row.flag) ways.push(`--${row.flag.name}`);
  if (row.env) ways.push(`la variable ${row.env}`);
  if (row.inFile) ways.push(`« ${key} » dans ${CONFIG_FILE_NAME}`);
  return frenchList(ways, "ou");
}
