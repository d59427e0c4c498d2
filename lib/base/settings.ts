/**
 * The settings as a table: what each is called, its type, its default, its
 * command-line flag, its environment variable, its range, and how to tell an
 * administrator to set it. `config.ts` reads them from their sources and
 * validates them; the help (`lib/cli/help.ts`) and the README are held to
 * this table by tests.
 *
 * @module
 */

import type nodePath from "node:path";
import type { LogLevel } from "./log.ts";
import type { NotifyConfig, NotifySettings } from "./notify_settings.ts";
import { frenchList } from "./french.ts";

/** The formats a Saxium export can be downloaded in. */
export type DocumentFormat = "xml" | "csv";

/** The agent's validated settings. */
export interface Settings {
  apiUrl: string;
  token?: string;
  agentId: string;
  workDir: string;
  batigestImportDir: string;
  formats: DocumentFormat[];
  pollIntervalSeconds: number;
  batchSize: number;
  importTimeoutSeconds: number;
  /**
   * A download fails when no byte arrives for this long (not when it is
   * merely slow); 30 when absent (settings built by hand in tests).
   */
  downloadIdleSeconds?: number;
  /** Hours a published document may wait before it is taken back even without evidence that Batigest refused it. */
  batigestRefusalHours: number;
  logRetentionDays: number;
  logLevel: LogLevel;
  proxy?: string;
  caFile?: string;
  /** The alerts, validated by {@linkcode parseNotifySettings}; undefined when not configured. */
  notify?: NotifyConfig;
  /** Whether failures and recoveries go to the Windows Event Log (true unless set to false). */
  eventLog?: boolean;
}

/**
 * Values baked into the executable at build time (any subset of the settings);
 * `notify` as written in the build configuration, validated at load like `agent.json`'s.
 */
export type BuildDefaults = Partial<Omit<Settings, "notify">> & { notify?: NotifySettings };

/** Command-line flags that set a setting, as parsed (`--api-url` → `"api-url"`). */
export type SettingFlags = Record<string, string | boolean | undefined>;

/** Where settings come from, injected so tests control every source. */
export interface SettingSources {
  /** Reads an environment variable (unset → undefined). */
  env: (name: string) => string | undefined;
  /** Reads a text file (any Unicode encoding), or returns undefined when it does not exist. */
  readTextFile: (path: string) => string | undefined;
  /** The machine's host name, the default agent id. */
  hostname: () => string;
  /** Values baked in at build time. */
  buildDefaults?: BuildDefaults;
  /** Path flavour of the target system; the platform's by default. */
  pathApi?: typeof nodePath.win32 | typeof nodePath.posix;
}

/** Defaults from the contract. */
export const DEFAULTS = {
  workDir: "C:\\SaxiumBatigest",
  batigestImportDir: "C:\\Program Files\\Sage\\Batigest\\Import",
  formats: ["xml"] as DocumentFormat[],
  pollIntervalSeconds: 300,
  batchSize: 50,
  importTimeoutSeconds: 30,
  downloadIdleSeconds: 30,
  batigestRefusalHours: 72,
  logRetentionDays: 30,
  logLevel: "INFO" as LogLevel,
} as const;

/** The command-line flags that carry a setting, with the setting they set. */
export const SETTING_FLAGS: Readonly<Record<string, keyof Settings>> = {
  "api-url": "apiUrl",
  "agent-id": "agentId",
  "work-dir": "workDir",
  "batigest-import-dir": "batigestImportDir",
  "formats": "formats",
  "poll-interval": "pollIntervalSeconds",
  "batch-size": "batchSize",
  "import-timeout": "importTimeoutSeconds",
  "download-idle": "downloadIdleSeconds",
  "log-retention-days": "logRetentionDays",
  "log-level": "logLevel",
  "proxy": "proxy",
  "ca-file": "caFile",
};

/** The environment variable of each setting that has one. */
export const ENV_VARS: Readonly<Partial<Record<keyof Settings, string>>> = {
  apiUrl: "SAXIUM_API_URL",
  token: "SAXIUM_TOKEN",
  agentId: "SAXIUM_AGENT_ID",
  workDir: "SAXIUM_WORK_DIR",
  batigestImportDir: "BATIGEST_IMPORT_PATH",
  proxy: "HTTPS_PROXY",
};

/** The keys `agent.json` may hold. */
export const FILE_KEYS: ReadonlySet<string> = new Set([
  "apiUrl",
  "token",
  "agentId",
  "batigestImportDir",
  "formats",
  "pollIntervalSeconds",
  "batchSize",
  "importTimeoutSeconds",
  "downloadIdleSeconds",
  "batigestRefusalHours",
  "logRetentionDays",
  "logLevel",
  "proxy",
  "caFile",
  "notify",
  "eventLog",
]);

/** The range of each whole-number setting. */
export const RANGES: Readonly<Record<string, [number, number]>> = {
  pollIntervalSeconds: [10, 86_400],
  batchSize: [1, 500],
  importTimeoutSeconds: [1, 3_600],
  downloadIdleSeconds: [5, 3_600],
  batigestRefusalHours: [1, 8_760],
  logRetentionDays: [1, 3_650],
};

/** The name of the configuration file in the work folder. */
export const CONFIG_FILE_NAME = "agent.json";

/** How to set a setting, for the fix half of an error message. */
export function howToSet(setting: keyof Settings): string {
  const ways: string[] = [];
  const flag = Object.entries(SETTING_FLAGS).find(([, s]) => s === setting)?.[0];
  if (flag) ways.push(`--${flag}`);
  if (ENV_VARS[setting]) ways.push(`la variable ${ENV_VARS[setting]}`);
  if (setting !== "workDir") ways.push(`« ${setting} » dans ${CONFIG_FILE_NAME}`);
  return frenchList(ways, "ou");
}
