/**
 * The support bundle (`doctor --bundle`): one zip an administrator can send
 * to Saxium's support, with the last 24 hours of logs, the configuration with
 * secrets masked, `status --json`, `doctor --json`, the alerts' memory and
 * the reasons of the files in `Errors\`. Never a document, never a secret:
 * every file is scrubbed of the token, the SMTP password, the webhook URL and
 * proxy credentials before it goes into the archive.
 *
 * The agent may only write in its two folders, so the archive goes in the
 * work folder (by default `support-<date>.zip`) or the import folder.
 *
 * @module
 */

import { CONFIG_FILE_NAME, type Settings } from "../base/settings.ts";
import { strToU8, zipSync } from "fflate";
import nodePath from "node:path";
import { maskedSettings } from "../base/config.ts";
import { localDateTime, logFileName, parseLogLine } from "../base/log.ts";
import { readAt } from "../base/log_tail.ts";
import { notifySecrets } from "../base/notify_settings.ts";
import { isInside } from "../base/paths.ts";
import { MASK, maskByKey, maskJsonText, redact } from "../base/text.ts";
import { readSmallState } from "../journal/read_only.ts";
import { VERSION } from "../base/version.ts";
import {
  archiveStamp,
  isErrorDocument,
  journalPath,
  readErrorNote,
  workFolders,
} from "../base/work_folders.ts";
import { ConfigError } from "../base/config_error.ts";
import { formatBytes, plural } from "../base/french.ts";

/** One file of the bundle. */
export interface BundleFile {
  /** Path inside the archive, with `/`. */
  name: string;
  text: string;
}

/** What goes into the bundle besides what is read from the work folder. */
export interface BundleInput {
  settings: Settings;
  /** `status --json`, or why it could not be gathered. */
  status: unknown;
  /** `doctor --json`. */
  doctor: unknown;
  now: Date;
}

/** What was written. */
export interface BundleResult {
  path: string;
  /** Names inside the archive. */
  files: string[];
  bytes: number;
}

/** How many hours of logs go into the bundle. */
export const BUNDLE_LOG_HOURS = 24;
/**
 * The most kept of one day's log (its end), in bytes: the archive is built in
 * memory, and the executable's heap is capped (`V8_FLAGS`). Only these last
 * bytes are read, whatever the log's size.
 */
export const MAX_LOG_BYTES = 4 * 1024 * 1024;
/** The most reasons of `Errors\` listed. */
const MAX_ERROR_REASONS = 200;

/** `<workDir>\support-yyyy-MM-dd-HHmmss.zip`. */
export function defaultBundlePath(settings: Pick<Settings, "workDir">, now: Date): string {
  return nodePath.join(settings.workDir, `support-${archiveStamp(now)}.zip`);
}

/**
 * Where to write the bundle: the default when `requested` is empty, a
 * relative path taken inside the work folder, an absolute one only inside
 * the work folder (never in Batigest's import folder).
 *
 * @throws {ConfigError} with a French message when the path is elsewhere or not a `.zip`.
 */
export function resolveBundlePath(
  requested: string | undefined,
  options: { settings: Pick<Settings, "workDir" | "batigestImportDir">; now: Date },
): string {
  const { settings } = options;
  if (requested === undefined || requested.trim() === "") {
    return defaultBundlePath(settings, options.now);
  }
  const path = nodePath.resolve(settings.workDir, requested.trim());
  if (!/\.zip$/i.test(path)) {
    throw new ConfigError(
      "bundle",
      `L'archive de support doit être un fichier .zip (${requested.trim()}) : par exemple --bundle ${
        defaultBundlePath(settings, options.now)
      }.`,
    );
  }
  // Never in Batigest's import folder: that folder is for documents to import.
  if (!isInside(settings.workDir, path) || isInside(settings.batigestImportDir, path)) {
    throw new ConfigError(
      "bundle",
      `L'archive de support s'écrit dans le dossier de travail de l'agent : choisissez un chemin sous ${settings.workDir}, par exemple --bundle ${
        defaultBundlePath(settings, options.now)
      }, puis copiez l'archive où vous voulez.`,
    );
  }
  return path;
}

/** The values that must never appear in the bundle. */
export function bundleSecrets(settings: Pick<Settings, "token" | "proxy" | "notify">): string[] {
  const secrets: string[] = [];
  if (settings.token) secrets.push(settings.token);
  const credentials = settings.proxy ? /\/\/([^@/]*)@/.exec(settings.proxy)?.[1] : undefined;
  if (credentials) {
    secrets.push(credentials);
    const password = credentials.split(":").slice(1).join(":");
    if (password) secrets.push(password);
  }
  secrets.push(...notifySecrets(settings.notify));
  return [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
}

/** Gathers the bundle's files (secrets not yet scrubbed). */
export async function collectBundleFiles(input: BundleInput): Promise<BundleFile[]> {
  const { settings, now } = input;
  const folders = workFolders(settings);
  const files: BundleFile[] = [];
  const since = new Date(now.getTime() - BUNDLE_LOG_HOURS * 3_600_000);
  for (const log of await recentLogs(folders.logs, { since, until: now })) files.push(log);
  const config = await configFile(nodePath.join(settings.workDir, CONFIG_FILE_NAME));
  if (config) files.push(config);
  files.push({
    name: "configuration/effective.json",
    text: json(maskedSettings(settings)),
  });
  files.push({ name: "status.json", text: json(input.status) });
  files.push({ name: "doctor.json", text: json(input.doctor) });
  const state = readSmallState(folders, "alerts", { journalPath: journalPath(folders) });
  if (state !== undefined) files.push({ name: "state/notify.json", text: state });
  files.push({ name: "errors.txt", text: await errorReasons(folders.errors) });
  files.unshift({ name: "LISEZMOI.txt", text: readme(input, files.map((f) => f.name)) });
  return files;
}

/**
 * Writes the bundle to `path` (see {@linkcode resolveBundlePath}): collects,
 * scrubs every secret, zips, writes under a temporary name then renames.
 */
export async function writeSupportBundle(
  path: string,
  input: BundleInput,
): Promise<BundleResult> {
  const secrets = bundleSecrets(input.settings);
  const files = (await collectBundleFiles(input)).map((f) => ({
    name: f.name,
    text: redact(f.text, secrets),
  }));
  const mtime = input.now;
  const zip = zipSync(
    Object.fromEntries(files.map((f) => [f.name, [strToU8(f.text), { mtime }]])),
    { level: 6 },
  );
  const dir = nodePath.dirname(path);
  if (isInside(input.settings.workDir, path) || dir === input.settings.workDir) {
    await Deno.mkdir(dir, { recursive: true });
  }
  const temporary = nodePath.join(dir, `~saxium-support-${crypto.randomUUID().slice(0, 8)}.tmp`);
  try {
    await Deno.writeFile(temporary, zip);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
  return { path, files: files.map((f) => f.name), bytes: zip.length };
}

/** The log lines of the last hours, one archive file per day. */
async function recentLogs(
  dir: string,
  options: { since: Date; until: Date },
): Promise<BundleFile[]> {
  const from = localDateTime(options.since);
  const days: Date[] = [];
  const day = new Date(options.since);
  while (logFileName(day) <= logFileName(options.until)) {
    days.push(new Date(day));
    day.setDate(day.getDate() + 1);
  }
  const files: BundleFile[] = [];
  for (const d of days) {
    const path = nodePath.join(dir, logFileName(d));
    const end = await readLogEnd(path);
    if (end === undefined) continue;
    let keep = false;
    const lines = end.text.split(/\r?\n/).filter((line) => {
      const stamp = parseLogLine(line)?.stamp;
      if (stamp !== undefined) keep = stamp >= from;
      return keep && line !== "";
    });
    if (lines.length && end.size > MAX_LOG_BYTES) lines.unshift(truncationNote(path, end.size));
    if (lines.length) {
      files.push({ name: `logs/${logFileName(d)}`, text: lines.join("\r\n") + "\r\n" });
    }
  }
  return files;
}

/** The first line of a log copied only in part: what is missing and where the whole is. */
function truncationNote(path: string, size: number): string {
  return `[Copie tronquée : ce fichier de log fait ${
    formatBytes(size)
  }, seules ses dernières lignes (${
    formatBytes(MAX_LOG_BYTES)
  }) sont incluses ; le fichier de log complet est sur le poste, dans ${path}.]`;
}

/**
 * The last {@linkcode MAX_LOG_BYTES} of a log, from its first whole line,
 * and the file's size; undefined when it cannot be read.
 */
async function readLogEnd(path: string): Promise<{ text: string; size: number } | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    return undefined;
  }
  try {
    const { size } = await file.stat();
    const start = Math.max(0, size - MAX_LOG_BYTES);
    const bytes = await readAt(file, start, size - start);
    // Cut inside a line: it starts after the first line break (never inside a UTF-8 sequence).
    const from = start === 0 ? 0 : bytes.indexOf(0x0a) + 1;
    return { text: new TextDecoder().decode(bytes.subarray(from)), size };
  } catch {
    return undefined;
  } finally {
    file.close();
  }
}

/** `agent.json` with its secrets masked, or a note when it cannot be parsed. */
async function configFile(path: string): Promise<BundleFile | undefined> {
  const text = await readText(path);
  if (text === undefined) return undefined;
  const name = `configuration/${CONFIG_FILE_NAME}`;
  try {
    return { name, text: json(maskByKey(JSON.parse(text.replace(/^\uFEFF/, "")))) };
  } catch {
    const masked = maskJsonText(text);
    return {
      name,
      text:
        `// ${CONFIG_FILE_NAME} n'est pas un JSON valide ; valeurs sensibles masquées.\n${masked}`,
    };
  }
}

/** The files of `Errors\` and the reason beside each, without the documents. */
async function errorReasons(dir: string): Promise<string> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && isErrorDocument(entry.name)) names.push(entry.name);
    }
  } catch {
    return `Dossier ${dir} absent ou illisible.\r\n`;
  }
  names.sort();
  const lines = [`Fichiers du dossier ${dir} (${names.length}) et leur raison :`, ""];
  for (const name of names.slice(-MAX_ERROR_REASONS)) {
    const reason = await readErrorNote(dir, name).catch(() => undefined);
    lines.push(`${name}`, `    ${(reason ?? "(raison absente)").trim().slice(0, 2000)}`);
  }
  if (names.length > MAX_ERROR_REASONS) {
    const left = names.length - MAX_ERROR_REASONS;
    lines.push(
      "",
      `… ${plural(left, "fichier plus ancien non listé", "fichiers plus anciens non listés")}.`,
    );
  }
  return lines.join("\r\n") + "\r\n";
}

function readme(input: BundleInput, names: string[]): string {
  return [
    "Archive de support de l'agent Saxium → Batigest",
    "",
    `Créée le ${
      localDateTime(input.now)
    } par l'agent ${VERSION} (poste ${input.settings.agentId}).`,
    "",
    "Contenu :",
    ...names.map((n) => `  - ${n}`),
    "",
    `Les fichiers de log couvrent les ${BUNDLE_LOG_HOURS} dernières heures. Aucun document (devis, bon de commande) n'est inclus.`,
    `Aucun secret n'est inclus : le jeton, le mot de passe SMTP, l'adresse du webhook et les identifiants du proxy sont remplacés par ${MASK}.`,
    "",
  ].join("\r\n");
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
}

function json(value: unknown): string {
  return `${JSON.stringify(value ?? null, null, 2)}\n`;
}
