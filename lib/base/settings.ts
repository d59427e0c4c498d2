/**
 * What the agent's settings are, as types: the validated {@linkcode Settings}
 * every module reads (the log level and the alerts' settings among them),
 * and the sources they come from. Each setting is
 * described once, as a row of `setting_table.ts` (its flag, variable, default,
 * range, parser and help); `config.ts` reads the sources in the contract's
 * order.
 *
 * @module
 */

import type nodePath from "node:path";

/** Log levels, as written in the log files (`log.ts`). */
export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

/** Alert settings as written (`notify` in `agent.json` or the build configuration), not yet validated. */
export type NotifySettings = Record<string, unknown>;

/** How the SMTP connection is protected. */
export type SmtpSecurity = "starttls" | "tls" | "none";

/** The SMTP server and the message's addresses. */
export interface SmtpConfig {
  host: string;
  port: number;
  /** `starttls` (port 587 by default), `tls` (465) or `none` (25, local relay). */
  security: SmtpSecurity;
  user?: string;
  password?: string;
  from: string;
  to: string[];
}

/** The validated `notify` settings (`notify_settings.ts` reads them). */
export interface NotifyConfig {
  smtp?: SmtpConfig;
  /** Receives a JSON POST (`text` for Teams and Slack, details for monitoring). */
  webhookUrl?: string;
  /** Hours before the same failure is announced again; 24 by default. */
  repeatHours: number;
}

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
  /**
   * When Batigest is expected to import, in the canonical form of
   * `weekly_hours.ts` (`lun-ven 08:00-18:00`); French public holidays are
   * never working days. The default when absent (settings built by hand in tests).
   */
  batigestHours?: string;
  /**
   * Working hours the oldest document may wait in Batigest's folder before
   * Batigest's silence is an incident (an alert); 2 when absent.
   */
  batigestPatienceHours?: number;
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

/** The name of the configuration file in the work folder. */
export const CONFIG_FILE_NAME = "agent.json";
