/**
 * Each setting's value, checked and normalised: an address Saxium can be
 * reached at safely, folders that are absolute and apart, whole numbers
 * within their range, a proxy, a CA file inside the work folder. Each parser
 * is a row's `parse` in `setting_table.ts`: it gets the value given (or the
 * default) and what it may say of its setting ({@linkcode SettingRead}). A
 * wrong value is a {@linkcode ConfigError} with one French line saying what
 * is wrong and how to fix it; `config.ts` names it by where it was given.
 *
 * @module
 */

import nodePath from "node:path";
import { ConfigError } from "./config_error.ts";
import { formatCount, plural } from "./french.ts";
import { type LogLevel, parseLogLevel } from "./log.ts";
import { isLoopbackHost } from "./net.ts";
import { type NotifyConfig, type NotifySettings, parseNotifySettings } from "./notify_settings.ts";
import { printable } from "./text.ts";
import { isInside, type PathApi } from "./paths.ts";
import { formatWeeklyHours, parseWeeklyHours, WeeklyHoursError } from "./weekly_hours.ts";
import { CONFIG_FILE_NAME, type DocumentFormat } from "./settings.ts";

/** What a parser is told beside the value: its setting's row, and what was resolved before it. */
export interface SettingRead {
  /** The setting, as messages name it: `batchSize`. */
  key: string;
  /** How to set it, for the fix half of a message: `--batch-size ou « batchSize » dans agent.json`. */
  howToSet: string;
  /** The row's default, an example in a message. */
  default?: unknown;
  /** The row's range, for a whole number. */
  range?: readonly [number, number];
  /** The work folder, once resolved (it is read first: `agent.json` is in it). */
  workDir?: string;
  /** Path flavour: Windows's on the target, POSIX's in some tests. */
  pathApi: PathApi;
  /** The machine's host name, the default agent id. */
  hostname: () => string;
  /** `--verbose` was given: the log level is DEBUG whatever the settings say. */
  verbose: boolean;
}

/** A parser for a setting that may stay unset: undefined stays undefined, anything else is `parse`d. */
export function optional<T>(
  parse: (value: unknown, read: SettingRead) => T,
): (value: unknown, read: SettingRead) => T | undefined {
  return (value, read) => value === undefined ? undefined : parse(value, read);
}

/** A non-empty text setting. */
export function text(value: unknown, read: SettingRead): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigError(
      read.key,
      `Paramètre ${read.key} invalide : une chaîne non vide est attendue ; indiquez-le avec ${read.howToSet}.`,
    );
  }
  return value.trim();
}

/** Saxium's address: https, or http to this machine only; no credentials, query or fragment. */
export function apiUrl(value: unknown, read: SettingRead): string {
  if (value === undefined) {
    throw new ConfigError(
      "apiUrl",
      `Paramètre apiUrl manquant : indiquez l'adresse de Saxium (https://…) avec ${read.howToSet}.`,
    );
  }
  const raw = text(value, read);
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
  const path = url.pathname.replace(/\/+$/, "");
  // The agent adds /api/batigest/… itself: an address ending in /api asks for /api/api/… (404).
  const api = /\/api(\/batigest(\/exports)?)?$/i.exec(path);
  if (api) {
    const base = `${url.origin}${path.slice(0, api.index)}`;
    throw new ConfigError(
      "apiUrl",
      `Paramètre apiUrl invalide (${
        printable(raw)
      }) : l'agent ajoute lui-même « /api/batigest/… » ; retirez « ${
        api[0]
      } » de la fin et indiquez ${base}.`,
    );
  }
  return `${url.origin}${path}`;
}

/** The token: printable, on one line. */
export function token(value: unknown, read: SettingRead): string {
  const raw = text(value, read);
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x20\x7f]/.test(raw)) {
    throw new ConfigError(
      "token",
      "Paramètre token invalide : il contient des espaces ou des caractères de contrôle ; recopiez le jeton fourni par Saxium.",
    );
  }
  if (raw.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(
      "token",
      `Paramètre token refusé : ${
        plural(raw.length, "caractère")
      }, trop court pour être un jeton Saxium (${MIN_TOKEN_LENGTH} au moins) ; recopiez-le en entier depuis Saxium.`,
    );
  }
  return raw;
}

/**
 * The shortest token accepted: Saxium's are long random strings; a short one
 * is a typo or a placeholder, and a secret that short could not be masked
 * without hiding ordinary words of every message.
 */
export const MIN_TOKEN_LENGTH = 16;

/** The agent's name as Saxium shows it (the host name by default): printable, on one line, short. */
export function agentId(value: unknown, read: SettingRead): string {
  const raw = text(value ?? read.hostname(), read);
  if (!/^[\x21-\x7e]{1,64}$/.test(raw)) {
    throw new ConfigError(
      "agentId",
      `Paramètre agentId invalide (« ${
        printable(raw)
      } ») : 1 à 64 caractères imprimables sans espace ni accent ; indiquez-le avec ${read.howToSet}.`,
    );
  }
  return raw;
}

/** The work folder, made absolute: local, never a network share. */
export function workFolder(value: unknown, read: SettingRead): string {
  return absoluteFolder(String(value), read);
}

/** Batigest's import folder, made absolute, and apart from the work folder. */
export function importFolder(value: unknown, read: SettingRead): string {
  const folder = absoluteFolder(text(value, read), read);
  foldersApart(read.workDir!, folder, read.pathApi);
  return folder;
}

/** A folder setting, made absolute. */
function absoluteFolder(raw: string, read: SettingRead): string {
  const setting = read.key;
  const p = read.pathApi;
  const value = raw.trim();
  if (value === "") {
    throw new ConfigError(
      setting,
      `Paramètre ${setting} vide : indiquez un dossier avec ${read.howToSet}.`,
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
      `Paramètre ${setting} invalide (${value}) : un chemin absolu est attendu, par exemple ${read.default}.`,
    );
  }
  return p.resolve(value);
}

/** The work folder and the import folder: neither inside the other. */
function foldersApart(workDir: string, importDir: string, p: PathApi): void {
  const overlap = isInside(workDir, importDir, { pathApi: p, orSame: true }) ||
    isInside(importDir, workDir, { pathApi: p });
  if (overlap) {
    throw new ConfigError(
      "batigestImportDir",
      `Paramètre batigestImportDir invalide (${importDir}) : le dossier d'import de Batigest et le dossier de travail (${workDir}) doivent être distincts et aucun ne doit contenir l'autre.`,
    );
  }
}

/** The document formats to fetch: xml, csv, or both. */
export function formats(value: unknown): DocumentFormat[] {
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

/** A whole number within its row's range. */
export function integer(value: unknown, read: SettingRead): number {
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  const [min, max] = read.range!;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(
      read.key,
      `Paramètre ${read.key} invalide (« ${printable(String(value))} ») : un nombre entier entre ${
        formatCount(min)
      } et ${formatCount(max)} est attendu.`,
    );
  }
  return n;
}

/** An example of `batigestHours` for messages: two ranges a day, and Saturday morning. */
export const WEEKLY_HOURS_EXAMPLE = "lun-ven 08:00-12:30,13:30-18:00; sam 09:00-12:00";

/**
 * Batigest's working hours (`batigestHours`), read by `weekly_hours.ts` and
 * kept in its canonical form: `Lundi au vendredi de 8h à 18h` → `lun-ven 08:00-18:00`.
 */
export function weeklyHours(value: unknown, read: SettingRead): string {
  try {
    if (typeof value !== "string") {
      throw new WeeklyHoursError("une chaîne entre guillemets est attendue");
    }
    return formatWeeklyHours(parseWeeklyHours(value));
  } catch (error) {
    if (!(error instanceof WeeklyHoursError)) throw error;
    throw new ConfigError(
      read.key,
      `Paramètre ${read.key} invalide (« ${
        printable(typeof value === "string" ? value : JSON.stringify(value) ?? String(value))
      } ») : ${error.message} ; ` +
        `écrivez les jours puis les heures, par exemple "${WEEKLY_HOURS_EXAMPLE}" dans ${CONFIG_FILE_NAME}.`,
    );
  }
}

/** A yes/no setting. */
export function yesNo(value: unknown, read: SettingRead): boolean {
  if (typeof value !== "boolean") {
    throw new ConfigError(
      read.key,
      `Paramètre ${read.key} invalide (« ${
        printable(String(value))
      } ») : true ou false est attendu (sans guillemets) dans ${CONFIG_FILE_NAME}.`,
    );
  }
  return value;
}

/** The log level, in English or French; DEBUG with `--verbose`, whatever the settings say. */
export function logLevel(value: unknown, read: SettingRead): LogLevel {
  if (read.verbose) return "DEBUG";
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

/** The proxy's address (a bare host:port is http://, as curl reads it). */
export function proxy(value: unknown, read: SettingRead): string {
  const given = text(value, read);
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

/** A CA file (PEM) inside the work folder. */
export function caFile(value: unknown, read: SettingRead): string {
  const raw = text(value, read);
  const p = read.pathApi;
  const workDir = read.workDir!;
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
 * The alerts: an object, then checked by {@linkcode parseNotifySettings}
 * (nested settings have their own module); undefined when not configured.
 */
export function notify(value: unknown): NotifyConfig | undefined {
  if (value !== undefined && (typeof value !== "object" || Array.isArray(value))) {
    throw new ConfigError(
      "notify",
      `Paramètre notify invalide : un objet JSON est attendu dans ${CONFIG_FILE_NAME}.`,
    );
  }
  return parseNotifySettings(value as NotifySettings | undefined);
}
