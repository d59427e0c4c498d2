/**
 * `doctor`'s checks: everything an administrator would otherwise verify by
 * hand, each giving OK, WARNING or ERROR and, when not OK, the fix in one
 * sentence.
 *
 * Each check is a pure function of facts gathered beforehand (`probe*`
 * functions do the I/O: folders, disk, Saxium, the task scheduler), so tests
 * drive every check in its OK and failing forms without servers, and the
 * probes are tested once against real folders and the simulators.
 * {@linkcode runDoctor} gathers the facts and runs all checks.
 *
 * @module
 */

import { statfs } from "node:fs/promises";
import nodePath from "node:path";
import type { CommandRunner } from "../base/command_runner.ts";
import { CONFIG_FILE_NAME, ConfigError, type Settings } from "../base/config.ts";
import { localDateTime } from "../base/log.ts";
import { maskUrlCredentials, maskWebhookUrl } from "../base/secrets.ts";
import { type SmtpConfig, smtpTarget } from "../base/notify_settings.ts";
import { verifySmtp } from "../notify/smtp.ts";
import { notifyStatePath, readNotifyState } from "../notify/memory.ts";
import { netTarget } from "../build/permissions.ts";
import { queryTask } from "../windows/schtasks.ts";
import {
  describeLastResult,
  RESULT_NEVER_RUN,
  RESULT_RUNNING,
  type TaskInfo,
} from "../windows/task_definition.ts";
import { VERSION } from "../base/version.ts";
import { isErrorDocument, workFolders } from "../base/work_folders.ts";

/** A check's verdict. */
export type CheckStatus = "OK" | "WARNING" | "ERROR";

/** One check's result. */
export interface CheckResult {
  /** Stable identifier, for monitoring (`saxium-tls`, `disk-space`…). */
  id: string;
  /** Short French title. */
  title: string;
  status: CheckStatus;
  /** What was found, in French, one line. */
  detail: string;
  /** The fix in one French sentence, when not OK. */
  fix?: string;
}

/** Everything `doctor` reports, as printed by `--json`. */
export interface DoctorReport {
  /** True only when every check is OK. */
  ok: boolean;
  version: string;
  /** ISO 8601. */
  generatedAt: string;
  agentId?: string;
  counts: { ok: number; warnings: number; errors: number };
  checks: CheckResult[];
}

/** Free space below which the disk check is an ERROR. */
export const DISK_ERROR_BYTES = 100 * 1024 * 1024;
/** Free space below which the disk check is a WARNING. */
export const DISK_WARNING_BYTES = 1024 * 1024 * 1024;
/** Largest clock difference with Saxium accepted. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** Age from which a file waiting in `Errors\` or the import folder is reported. */
export const STALE_AFTER_MS = 24 * 3_600_000;
/** Time allowed to each network probe. */
export const PROBE_TIMEOUT_MS = 10_000;

/** The prefix of `doctor`'s test files (a `.tmp` name Batigest ignores). */
export const DOCTOR_FILE_PREFIX = "~saxium-doctor-";

function ok(id: string, title: string, detail: string): CheckResult {
  return { id, title, status: "OK", detail };
}

function warning(id: string, title: string, detail: string, fix: string): CheckResult {
  return { id, title, status: "WARNING", detail, fix };
}

function error(id: string, title: string, detail: string, fix: string): CheckResult {
  return { id, title, status: "ERROR", detail, fix };
}

// ---------------------------------------------------------------------------
// Configuration

/** What is known of the configuration. */
export interface ConfigFacts {
  /** The settings, when they could be loaded. */
  settings?: Settings;
  /** Why they could not. */
  error?: ConfigError;
  /** Whether `agent.json` exists in the work folder. */
  configFileExists?: boolean;
}

/** The configuration: loaded, which file, which Saxium, a token or not. */
export function checkConfig(facts: ConfigFacts): CheckResult {
  const title = "Configuration";
  if (!facts.settings) {
    return error(
      "config",
      title,
      facts.error?.message ?? "configuration illisible",
      `Corrigez le paramètre ${
        facts.error?.setting ?? "signalé"
      } comme indiqué, puis relancez doctor.`,
    );
  }
  const s = facts.settings;
  const file = nodePath.join(s.workDir, CONFIG_FILE_NAME);
  const source = facts.configFileExists ? `${file} lu` : `pas de ${CONFIG_FILE_NAME}`;
  const detail = `${source} ; Saxium ${s.apiUrl}, agent ${s.agentId}, jeton ${
    s.token ? "défini" : "absent"
  }`;
  if (!s.token) {
    return warning(
      "config",
      title,
      detail,
      `Indiquez le jeton fourni par Saxium dans la variable SAXIUM_TOKEN ou « token » dans ${file}.`,
    );
  }
  return ok("config", title, detail);
}

// ---------------------------------------------------------------------------
// Folders

/** What was found trying a folder. */
export interface FolderFacts {
  path: string;
  exists: boolean;
  isDirectory?: boolean;
  /** A test file could be written and removed. */
  writable?: boolean;
  writeError?: string;
  /** A test file could be renamed (import folder only). */
  renamed?: boolean;
  renameError?: string;
  /** The agent's permissions do not cover the folder. */
  notPermitted?: boolean;
  /** A test file that could not be removed. */
  leftover?: string;
  /** Why the folder could not be examined at all. */
  statError?: string;
}

/**
 * Tries a folder: exists, is a folder, a file can be written there and (with
 * `rename`) renamed, under names Batigest ignores; everything is removed after.
 */
export async function probeFolder(
  path: string,
  options: { rename?: boolean } = {},
): Promise<FolderFacts> {
  const facts: FolderFacts = { path, exists: false };
  try {
    const info = await Deno.stat(path);
    facts.exists = true;
    facts.isDirectory = info.isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) facts.notPermitted = true;
    else if (!(e instanceof Deno.errors.NotFound)) facts.statError = message(e);
    return facts;
  }
  if (!facts.isDirectory) return facts;
  const random = crypto.randomUUID().slice(0, 8);
  const first = nodePath.join(path, `${DOCTOR_FILE_PREFIX}${random}.tmp`);
  const second = nodePath.join(path, `${DOCTOR_FILE_PREFIX}${random}-renomme.tmp`);
  let current: string | undefined;
  try {
    await Deno.writeTextFile(first, "test de l'agent Saxium, à supprimer\r\n", { createNew: true });
    current = first;
    facts.writable = true;
    if (options.rename) {
      try {
        await Deno.rename(first, second);
        current = second;
        facts.renamed = true;
      } catch (e) {
        facts.renamed = false;
        facts.renameError = message(e);
      }
    }
  } catch (e) {
    facts.writable = false;
    if (e instanceof Deno.errors.NotCapable) facts.notPermitted = true;
    facts.writeError = message(e);
  } finally {
    if (current) {
      try {
        await Deno.remove(current);
      } catch {
        facts.leftover = current;
      }
    }
  }
  return facts;
}

const SYSTEM_RIGHTS =
  "donnez au compte qui exécute l'agent (SYSTEM pour la tâche planifiée) le droit de modifier ce dossier";

/** The work folder: exists and is writable. */
export function checkWorkFolder(facts: FolderFacts): CheckResult {
  const id = "work-folder";
  const title = "Dossier de travail";
  const common = folderProblem(id, title, facts, "workDir (--work-dir ou SAXIUM_WORK_DIR)");
  if (common) return common;
  if (!facts.exists) {
    return warning(
      id,
      title,
      `${facts.path} n'existe pas encore`,
      "Lancez sync --once, qui le crée, ou créez-le et donnez au compte SYSTEM le droit de le modifier.",
    );
  }
  return ok(id, title, `${facts.path} existe, écriture possible`);
}

/** Batigest's import folder: exists, is writable, a rename works. */
export function checkImportFolder(facts: FolderFacts): CheckResult {
  const id = "import-folder";
  const title = "Dossier d'import Batigest";
  const common = folderProblem(
    id,
    title,
    facts,
    "batigestImportDir (BATIGEST_IMPORT_PATH ou agent.json)",
  );
  if (common) return common;
  if (!facts.exists) {
    return error(
      id,
      title,
      `${facts.path} est introuvable`,
      "Vérifiez batigestImportDir (BATIGEST_IMPORT_PATH ou agent.json) et que Batigest est installé avec son import automatique.",
    );
  }
  if (facts.renamed === false) {
    return error(
      id,
      title,
      `${facts.path} : écriture possible mais renommage impossible (${facts.renameError})`,
      "Un antivirus ou un droit manquant bloque le renommage : autorisez la modification pour le compte SYSTEM et excluez ce dossier de l'analyse en temps réel.",
    );
  }
  return ok(id, title, `${facts.path} existe, écriture et renommage possibles`);
}

function folderProblem(
  id: string,
  title: string,
  facts: FolderFacts,
  setting: string,
): CheckResult | undefined {
  if (facts.notPermitted) {
    return error(
      id,
      title,
      `${facts.path} : hors des permissions de l'agent`,
      `L'exécutable a été construit pour un autre dossier : corrigez ${setting} ou reconstruisez l'exécutable avec ce dossier.`,
    );
  }
  if (facts.statError) {
    return error(id, title, `${facts.path} : ${facts.statError}`, `Vérifiez ${setting}.`);
  }
  if (facts.exists && !facts.isDirectory) {
    return error(
      id,
      title,
      `${facts.path} est un fichier, pas un dossier`,
      `Indiquez un dossier dans ${setting}.`,
    );
  }
  if (facts.exists && facts.writable === false) {
    return error(
      id,
      title,
      `${facts.path} : écriture impossible (${facts.writeError})`,
      `${capitalize(SYSTEM_RIGHTS)}.`,
    );
  }
  if (facts.leftover) {
    return warning(
      id,
      title,
      `${facts.path} : le fichier de test ${
        nodePath.basename(facts.leftover)
      } n'a pas pu être supprimé`,
      "Supprimez ce fichier à la main et vérifiez qu'aucun antivirus ne bloque le dossier.",
    );
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Disk space

/** Free space of the volume holding a folder, or why it is unknown. */
export interface DiskFacts {
  path: string;
  freeBytes?: number;
  totalBytes?: number;
  /** `permission` when the agent may not ask (Deno's `--allow-sys=statfs`), else the error. */
  unavailable?: string;
}

/**
 * Asks the system for the free space of the volume holding `path` (Node's
 * `statfs`, which Deno allows with `--allow-sys=statfs` only).
 */
export async function probeDiskSpace(path: string): Promise<DiskFacts> {
  try {
    const s = await statfs(path);
    return {
      path,
      freeBytes: Number(s.bavail) * Number(s.bsize),
      totalBytes: Number(s.blocks) * Number(s.bsize),
    };
  } catch (e) {
    return {
      path,
      unavailable: e instanceof Deno.errors.NotCapable || /Requires sys access/.test(message(e))
        ? "permission"
        : message(e),
    };
  }
}

/** Free space of the work and import folders' volumes. */
export function checkDiskSpace(facts: readonly DiskFacts[]): CheckResult {
  const id = "disk-space";
  const title = "Espace disque libre";
  if (facts.length === 0) {
    return warning(
      id,
      title,
      "non vérifiable : aucun des deux dossiers n'existe",
      "Corrigez d'abord les dossiers (vérifications ci-dessus).",
    );
  }
  const unknown = facts.filter((f) => f.freeBytes === undefined);
  if (unknown.length) {
    const why = unknown.some((f) => f.unavailable === "permission")
      ? "l'agent n'a pas la permission de lire l'espace libre (--allow-sys=statfs)"
      : unknown.map((f) => f.unavailable).join(" ; ");
    return warning(
      id,
      title,
      `non vérifiable : ${why}`,
      "Vérifiez l'espace libre dans l'Explorateur Windows : au moins 1 Go conseillé sur les disques du dossier de travail et du dossier d'import.",
    );
  }
  const detail = facts.map((f) => `${f.path} : ${formatBytes(f.freeBytes!)} libres`).join(" ; ");
  const least = Math.min(...facts.map((f) => f.freeBytes!));
  if (least < DISK_ERROR_BYTES) {
    return error(
      id,
      title,
      detail,
      "Libérez de la place sur ce disque (au moins 1 Go) : l'agent ne peut plus télécharger ni déposer de documents.",
    );
  }
  if (least < DISK_WARNING_BYTES) {
    return warning(
      id,
      title,
      detail,
      "Libérez de la place sur ce disque avant qu'il soit plein (au moins 1 Go conseillé).",
    );
  }
  return ok(id, title, detail);
}

// ---------------------------------------------------------------------------
// Saxium: reachability, TLS, token, clock

/** What one request to Saxium's status route showed. */
export interface SaxiumFacts {
  apiUrl: string;
  /** Whether a token was sent. */
  tokenSent: boolean;
  /** The HTTP status, when the server answered. */
  status?: number;
  /** `Location` of a redirect. */
  location?: string;
  /** The body was Saxium's `{ success: true, data }`. */
  bodyOk?: boolean;
  /** The server's `Date` header. */
  serverDate?: string;
  /** Our clock when the answer arrived, ISO 8601. */
  receivedAt?: string;
  elapsedMs?: number;
  /** Why no answer came. */
  failure?: {
    kind: "tls" | "dns" | "refused" | "timeout" | "network" | "permission" | "ca-file";
    /** For TLS: `unknown-issuer`, `expired`, `name`, `other`. */
    tls?: "unknown-issuer" | "expired" | "name" | "other";
    detail: string;
  };
}

/** Options of {@linkcode probeSaxium}. */
export interface ProbeSaxiumOptions {
  /** Our clock, read when the answer arrives (tests shift it to fake a skew). */
  now?: () => Date;
  timeoutMs?: number;
}

/**
 * One GET of `/api/batigest/status` with the agent's headers, proxy and extra
 * certificates; never throws.
 */
export async function probeSaxium(
  settings: Pick<Settings, "apiUrl" | "token" | "agentId" | "proxy" | "caFile">,
  options: ProbeSaxiumOptions = {},
): Promise<SaxiumFacts> {
  const facts: SaxiumFacts = { apiUrl: settings.apiUrl, tokenSent: Boolean(settings.token) };
  const now = options.now ?? (() => new Date());
  let client: Deno.HttpClient | undefined;
  try {
    let caCerts: string[] | undefined;
    if (settings.caFile) {
      try {
        const pem = await Deno.readTextFile(settings.caFile);
        if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("pas de certificat PEM");
        caCerts = [pem];
      } catch (e) {
        facts.failure = {
          kind: "ca-file",
          detail: `certificat ${settings.caFile} illisible (${message(e)})`,
        };
        return facts;
      }
    }
    if (settings.proxy || caCerts) {
      client = Deno.createHttpClient({
        ...(settings.proxy ? { proxy: { url: settings.proxy } } : {}),
        ...(caCerts ? { caCerts } : {}),
      });
    }
    const headers = new Headers({
      "Accept": "application/json",
      "User-Agent": `saxium-batigest-agent/${VERSION} (doctor)`,
      "X-Agent-Id": settings.agentId,
    });
    if (settings.token) headers.set("Authorization", `Bearer ${settings.token}`);
    const signal = AbortSignal.timeout(options.timeoutMs ?? PROBE_TIMEOUT_MS);
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(`${settings.apiUrl}/api/batigest/status`, {
        headers,
        redirect: "manual",
        signal,
        ...(client ? { client } : {}),
      });
    } catch (e) {
      facts.failure = classifyFailure(e, signal.aborted);
      return facts;
    }
    facts.receivedAt = now().toISOString();
    facts.elapsedMs = Math.round(performance.now() - started);
    facts.status = res.status;
    facts.serverDate = res.headers.get("date") ?? undefined;
    facts.location = res.headers.get("location") ?? undefined;
    try {
      const text = (await res.text()).slice(0, 100_000);
      const body = JSON.parse(text);
      facts.bodyOk = typeof body === "object" && body !== null && body.success === true &&
        typeof body.data === "object";
    } catch {
      facts.bodyOk = false;
    }
    return facts;
  } finally {
    client?.close();
  }
}

function classifyFailure(e: unknown, timedOut: boolean): NonNullable<SaxiumFacts["failure"]> {
  const detail = message(e);
  if (timedOut) return { kind: "timeout", detail };
  if (e instanceof Deno.errors.NotCapable || /NotCapable|Requires net access/.test(detail)) {
    return { kind: "permission", detail };
  }
  if (/UnknownIssuer|unknown ca|self.signed/i.test(detail)) {
    return { kind: "tls", tls: "unknown-issuer", detail };
  }
  if (/Expired|NotValidYet/i.test(detail)) return { kind: "tls", tls: "expired", detail };
  if (/NotValidForName|not valid for name|CertNotValidForName/i.test(detail)) {
    return { kind: "tls", tls: "name", detail };
  }
  if (/certificate|tls|ssl|handshake|corrupt message/i.test(detail)) {
    return { kind: "tls", tls: "other", detail };
  }
  if (/dns error|lookup|not known|no such host|resolve/i.test(detail)) {
    return { kind: "dns", detail };
  }
  if (/connection refused|ECONNREFUSED|os error 111|os error 10061/i.test(detail)) {
    return { kind: "refused", detail };
  }
  return { kind: "network", detail };
}

function host(apiUrl: string): string {
  try {
    return new URL(apiUrl).host;
  } catch {
    return apiUrl;
  }
}

const NOT_CHECKED_FIX = "Corrigez d'abord l'accès à Saxium (vérification « Saxium joignable »).";

/** Saxium answers at its address (any HTTP answer but a redirect, 404 or 5xx). */
export function checkSaxiumReachable(facts: SaxiumFacts): CheckResult {
  const id = "saxium-reachable";
  const title = "Saxium joignable";
  const where = host(facts.apiUrl);
  const f = facts.failure;
  if (f) {
    switch (f.kind) {
      case "tls":
        return ok(
          id,
          title,
          `${where} répond, mais la connexion sécurisée échoue (voir « Certificat TLS »)`,
        );
      case "ca-file":
        return warning(
          id,
          title,
          `non vérifié : ${f.detail}`,
          "Corrigez caFile (voir « Certificat TLS »).",
        );
      case "dns":
        return error(
          id,
          title,
          `${where} : nom de serveur introuvable`,
          "Vérifiez l'adresse apiUrl et le DNS de ce poste (nslookup), ou le proxy (HTTPS_PROXY).",
        );
      case "refused":
        return error(
          id,
          title,
          `${where} : connexion refusée`,
          "Vérifiez le port de apiUrl, que Saxium est en service et qu'aucun pare-feu ne bloque ce poste.",
        );
      case "timeout":
        return error(
          id,
          title,
          `${where} : pas de réponse en ${PROBE_TIMEOUT_MS / 1000} s`,
          "Vérifiez le réseau, le pare-feu et le proxy (HTTPS_PROXY) de ce poste.",
        );
      case "permission":
        return error(
          id,
          title,
          `${where} : hors des permissions de l'agent`,
          "L'exécutable a été construit pour une autre adresse de Saxium : reconstruisez-le avec cette apiUrl.",
        );
      default:
        return error(
          id,
          title,
          `${where} : ${f.detail}`,
          "Vérifiez apiUrl, le réseau et le proxy (HTTPS_PROXY) de ce poste.",
        );
    }
  }
  const status = facts.status!;
  const answered = `${where} répond en ${facts.elapsedMs ?? "?"} ms (HTTP ${status})`;
  if (status >= 300 && status < 400) {
    return error(
      id,
      title,
      `${answered}, redirection vers ${facts.location ?? "?"}`,
      "Indiquez dans apiUrl l'adresse exacte de Saxium (https://, nom et chemin), sans redirection.",
    );
  }
  if (status === 404) {
    return error(
      id,
      title,
      `${answered} : route /api/batigest/status introuvable`,
      "Vérifiez apiUrl : ce doit être l'adresse de base de Saxium, par exemple https://saxium.example.com.",
    );
  }
  if (status >= 500) {
    return error(
      id,
      title,
      answered,
      "Saxium est en difficulté : réessayez plus tard ou prévenez l'administrateur de Saxium.",
    );
  }
  return ok(id, title, answered);
}

/** The server's certificate is trusted (or plain http on loopback). */
export function checkSaxiumTls(facts: SaxiumFacts): CheckResult {
  const id = "saxium-tls";
  const title = "Certificat TLS";
  const f = facts.failure;
  if (f?.kind === "ca-file") {
    return error(
      id,
      title,
      f.detail,
      "Copiez le certificat racine (format PEM) dans le dossier de travail et indiquez son nom dans caFile.",
    );
  }
  if (f?.kind === "tls") {
    const where = host(facts.apiUrl);
    switch (f.tls) {
      case "unknown-issuer":
        return error(
          id,
          title,
          `${where} : certificat émis par une autorité inconnue (proxy d'inspection TLS ?)`,
          "Ajoutez le certificat racine au magasin Windows et réglez la variable DENO_TLS_CA_STORE=mozilla,system (déjà intégrée à l'exécutable compilé), ou copiez-le en PEM dans le dossier de travail et indiquez-le dans caFile.",
        );
      case "expired":
        return error(
          id,
          title,
          `${where} : certificat expiré ou pas encore valide`,
          "Vérifiez l'horloge de ce poste ; si elle est juste, prévenez l'administrateur de Saxium que son certificat a expiré.",
        );
      case "name":
        return error(
          id,
          title,
          `${where} : le certificat ne correspond pas à ce nom`,
          "Indiquez dans apiUrl le nom exact figurant sur le certificat de Saxium.",
        );
      default:
        return error(
          id,
          title,
          `${where} : connexion sécurisée impossible (${f.detail})`,
          "Vérifiez que apiUrl commence par https:// et désigne bien Saxium, et le proxy éventuel (HTTPS_PROXY).",
        );
    }
  }
  if (f) return warning(id, title, "non vérifié : Saxium injoignable", NOT_CHECKED_FIX);
  if (facts.apiUrl.startsWith("http:")) {
    return ok(id, title, "sans objet : http:// sur ce poste (développement)");
  }
  return ok(id, title, "certificat valide et reconnu");
}

/** Saxium accepts the token. */
export function checkSaxiumToken(facts: SaxiumFacts): CheckResult {
  const id = "saxium-token";
  const title = "Jeton Saxium";
  if (facts.failure || facts.status === undefined) {
    return warning(id, title, "non vérifié : Saxium injoignable", NOT_CHECKED_FIX);
  }
  const status = facts.status;
  if (status === 401 || status === 403) {
    return facts.tokenSent
      ? error(
        id,
        title,
        `jeton refusé par Saxium (HTTP ${status})`,
        "Vérifiez ou renouvelez le jeton fourni par Saxium (SAXIUM_TOKEN ou « token » dans agent.json).",
      )
      : error(
        id,
        title,
        `aucun jeton configuré : Saxium refuse l'agent (HTTP ${status})`,
        "Indiquez le jeton fourni par Saxium dans SAXIUM_TOKEN ou « token » dans agent.json.",
      );
  }
  if (status >= 200 && status < 300) {
    if (!facts.bodyOk) {
      return warning(
        id,
        title,
        "réponse qui n'est pas celle de Saxium",
        "Vérifiez que apiUrl désigne bien le serveur Saxium.",
      );
    }
    return facts.tokenSent ? ok(id, title, "jeton accepté") : warning(
      id,
      title,
      "aucun jeton configuré, et Saxium a répondu sans en demander",
      "Indiquez le jeton fourni par Saxium dans SAXIUM_TOKEN ou « token » dans agent.json.",
    );
  }
  return warning(
    id,
    title,
    `non vérifié : Saxium a répondu HTTP ${status}`,
    NOT_CHECKED_FIX,
  );
}

/** Our clock is within {@linkcode MAX_CLOCK_SKEW_MS} of Saxium's (HTTP `Date` header). */
export function checkClock(facts: SaxiumFacts): CheckResult {
  const id = "clock";
  const title = "Horloge";
  if (facts.receivedAt === undefined) {
    return warning(id, title, "non vérifié : Saxium injoignable", NOT_CHECKED_FIX);
  }
  const server = facts.serverDate ? Date.parse(facts.serverDate) : NaN;
  if (Number.isNaN(server)) {
    return warning(
      id,
      title,
      "non vérifiable : Saxium n'indique pas son heure (en-tête Date)",
      "Vérifiez à la main que l'heure de ce poste est juste (w32tm /query /status).",
    );
  }
  const skew = Date.parse(facts.receivedAt) - server;
  const amount = duration(Math.abs(skew));
  if (Math.abs(skew) > MAX_CLOCK_SKEW_MS) {
    return error(
      id,
      title,
      `l'horloge de ce poste a ${amount} ${skew > 0 ? "d'avance" : "de retard"} sur Saxium`,
      "Synchronisez l'heure de Windows (w32tm /resync, ou Paramètres > Heure > Synchroniser).",
    );
  }
  return ok(id, title, `écart de ${amount} avec Saxium`);
}

// ---------------------------------------------------------------------------
// Proxy

/** The proxy settings in effect. */
export interface ProxyFacts {
  apiUrl: string;
  /** The proxy the agent uses for Saxium (flag, HTTPS_PROXY or agent.json). */
  proxy?: string;
  /** The proxy variables as set in the environment. */
  env: { HTTPS_PROXY?: string; HTTP_PROXY?: string; NO_PROXY?: string };
}

/** Which proxy carries Saxium's requests, and the variables in effect. */
export function checkProxy(facts: ProxyFacts): CheckResult {
  const id = "proxy";
  const title = "Proxy";
  const vars = (["HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"] as const)
    .filter((name) => facts.env[name])
    .map((name) => `${name}=${maskUrlCredentials(facts.env[name]!)}`);
  const route = facts.proxy
    ? `Saxium via le proxy ${maskUrlCredentials(facts.proxy)}`
    : "connexion directe à Saxium (aucun proxy)";
  const detail = vars.length ? `${route} ; variables : ${vars.join(", ")}` : route;
  if (!facts.proxy && facts.env.HTTP_PROXY && facts.apiUrl.startsWith("https:")) {
    return warning(
      id,
      title,
      `${detail} ; HTTP_PROXY ne s'applique pas aux adresses https://`,
      "Si Saxium doit passer par le proxy, définissez HTTPS_PROXY (ou « proxy » dans agent.json) avec la même adresse.",
    );
  }
  return ok(id, title, detail);
}

// ---------------------------------------------------------------------------
// Scheduled task

/** What the task scheduler says of the agent's task. */
export interface TaskFacts {
  name: string;
  /** Null when the task does not exist. */
  info?: TaskInfo | null;
  /** Why the scheduler could not be asked. */
  error?: string;
}

/** Asks `schtasks` about the task; never throws. */
export async function probeTask(runner: CommandRunner, name: string): Promise<TaskFacts> {
  try {
    return { name, info: (await queryTask(runner, name)) ?? null };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return {
        name,
        error: "schtasks.exe introuvable (vérification possible sous Windows seulement)",
      };
    }
    if (e instanceof Deno.errors.NotCapable) {
      return { name, error: "l'agent n'a pas la permission de lancer schtasks.exe" };
    }
    return { name, error: message(e) };
  }
}

/** The scheduled task exists, is enabled, and its last run went well. */
export function checkTask(facts: TaskFacts): CheckResult {
  const id = "scheduled-task";
  const title = "Tâche planifiée";
  if (facts.error !== undefined) {
    return warning(
      id,
      title,
      `non vérifiable : ${facts.error}`,
      `Vérifiez la tâche « ${facts.name} » dans le Planificateur de tâches de Windows.`,
    );
  }
  const info = facts.info;
  if (!info) {
    return error(
      id,
      title,
      `la tâche « ${facts.name} » n'existe pas`,
      "Lancez install-task dans une invite de commandes ouverte en administrateur.",
    );
  }
  const last = info.lastResult;
  const detail = `« ${info.name} » ${info.statusText}, dernière exécution ${
    info.lastRunTime ?? "jamais"
  }${last === undefined ? "" : ` (${describeLastResult(last)})`}, prochaine ${
    info.nextRunTime ?? "non prévue"
  }`;
  if (info.status === "disabled") {
    return error(
      id,
      title,
      detail,
      "Activez la tâche dans le Planificateur de tâches, ou relancez install-task.",
    );
  }
  if (last === undefined || last === 0 || last === RESULT_NEVER_RUN || last === RESULT_RUNNING) {
    return ok(id, title, detail);
  }
  const fixes: Record<number, string> = {
    1: "Lisez les raisons dans le dossier Errors et le journal (tail-logs --level ERROR), corrigez, puis relancez l'export depuis Saxium.",
    2: "Lancez sync --once à la main dans une invite de commandes pour voir le message de configuration, et corrigez-le.",
    3: "Corrigez l'accès à Saxium (réseau, proxy, certificat, jeton) : voir les vérifications Saxium ci-dessus.",
    4: "Une autre instance tournait encore : vérifiez qu'aucune synchronisation lancée à la main n'est restée bloquée.",
  };
  return (last === 1 ? warning : error)(
    id,
    title,
    detail,
    fixes[last] ??
      "Consultez l'historique de la tâche dans le Planificateur de tâches et le journal de l'agent.",
  );
}

// ---------------------------------------------------------------------------
// Files waiting

/** A file and when it was last written. */
export interface AgedFile {
  name: string;
  /** ISO 8601. */
  modified: string;
}

/** The files of a folder, with their dates; never throws. */
export interface FolderListing {
  files: AgedFile[];
  error?: string;
}

/** Lists the files of `dir` that `accept` keeps, with their modification dates. */
export async function listFiles(
  dir: string,
  accept: (name: string) => boolean,
): Promise<FolderListing> {
  const files: AgedFile[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !accept(entry.name)) continue;
      try {
        const info = await Deno.stat(nodePath.join(dir, entry.name));
        files.push({ name: entry.name, modified: (info.mtime ?? new Date(0)).toISOString() });
      } catch {
        // gone meanwhile
      }
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { files };
    return { files, error: message(e) };
  }
  return { files: files.sort((a, b) => a.modified.localeCompare(b.modified)) };
}

/** Whether a name in the import folder is something Batigest should take, or the agent's own. */
export function isImportCandidate(name: string): boolean {
  return /\.(xml|csv)$/i.test(name) ||
    (name.startsWith("~saxium-") && !name.startsWith(DOCTOR_FILE_PREFIX));
}

function stale(listing: FolderListing, now: Date): AgedFile[] {
  return listing.files.filter((f) => now.getTime() - Date.parse(f.modified) > STALE_AFTER_MS);
}

/** Files left in `Errors\` for more than a day. */
export function checkErrorsFolder(
  listing: FolderListing,
  options: { dir: string; now: Date },
): CheckResult {
  const id = "errors-folder";
  const title = "Dossier Errors";
  if (listing.error) {
    return warning(
      id,
      title,
      `${options.dir} illisible (${listing.error})`,
      `${capitalize(SYSTEM_RIGHTS)}.`,
    );
  }
  const old = stale(listing, options.now);
  if (old.length) {
    return warning(
      id,
      title,
      `${old.length} fichier(s) en erreur depuis plus d'un jour, le plus ancien ${old[0].name} du ${
        localDateTime(new Date(old[0].modified))
      }`,
      `Lisez le fichier .erreur.txt à côté de chacun dans ${options.dir}, corrigez dans Saxium et relancez l'export, puis supprimez ou déplacez le fichier.`,
    );
  }
  return ok(
    id,
    title,
    listing.files.length
      ? `${listing.files.length} fichier(s) de moins d'un jour`
      : "aucun fichier en erreur",
  );
}

/** Files waiting in Batigest's import folder for more than a day. */
export function checkImportWaiting(
  listing: FolderListing,
  options: { dir: string; now: Date },
): CheckResult {
  const id = "import-waiting";
  const title = "Fichiers en attente d'import";
  if (listing.error) {
    return warning(
      id,
      title,
      `${options.dir} illisible (${listing.error})`,
      `${capitalize(SYSTEM_RIGHTS)}.`,
    );
  }
  const old = stale(listing, options.now);
  if (old.length) {
    return error(
      id,
      title,
      `${old.length} fichier(s) attendent dans le dossier d'import depuis plus d'un jour, le plus ancien ${
        old[0].name
      } du ${localDateTime(new Date(old[0].modified))}`,
      "Vérifiez que Batigest est ouvert et que son import automatique surveille ce dossier ; un fichier ~saxium-….tmp ancien peut être supprimé.",
    );
  }
  return ok(
    id,
    title,
    listing.files.length
      ? `${listing.files.length} fichier(s) récents`
      : "aucun fichier en attente",
  );
}

// ---------------------------------------------------------------------------
// Alerts

/** What is known of the alerts' set-up. */
export interface NotifyFacts {
  /** `notify` is not set. */
  configured: boolean;
  /** Why `notify` is invalid. */
  error?: string;
  smtp?: { target: string; to: string[]; permitted: boolean; failure?: string };
  webhook?: { url: string; target: string; permitted: boolean };
  /** When the last alert went out, ISO 8601. */
  lastAlertAt?: string;
}

/** Validates `notify`, checks the permissions and logs in to the SMTP server (sends nothing). */
export async function probeNotify(
  settings: Pick<Settings, "notify" | "agentId" | "workDir" | "batigestImportDir">,
  options: {
    verify?: (smtp: SmtpConfig) => Promise<void>;
    permitted?: (target: string) => boolean;
  } = {},
): Promise<NotifyFacts> {
  if (settings.notify === undefined) return { configured: false };
  const config = settings.notify;
  const permitted = options.permitted ?? netPermitted;
  const facts: NotifyFacts = { configured: true };
  if (config?.smtp) {
    const target = smtpTarget(config.smtp);
    facts.smtp = { target, to: config.smtp.to, permitted: permitted(target) };
    if (facts.smtp.permitted) {
      try {
        await (options.verify ?? ((smtp) => verifySmtp(smtp, { clientName: settings.agentId })))(
          config.smtp,
        );
      } catch (e) {
        facts.smtp.failure = message(e);
      }
    }
  }
  if (config?.webhookUrl) {
    const target = netTarget(config.webhookUrl);
    facts.webhook = {
      url: maskWebhookUrl(config.webhookUrl),
      target,
      permitted: permitted(target),
    };
  }
  const state = await readNotifyState(notifyStatePath(workFolders(settings)));
  const sent = Object.values(state.channels).flatMap((c) => Object.values(c.sent)).sort();
  if (sent.length) facts.lastAlertAt = sent.at(-1);
  return facts;
}

/** Alerts: valid, allowed by the permissions, SMTP server accepting the login. */
export function checkNotify(facts: NotifyFacts): CheckResult {
  const id = "notify";
  const title = "Alertes";
  if (!facts.configured) {
    return ok(id, title, "aucune alerte configurée (facultatif : « notify » dans agent.json)");
  }
  if (facts.error) {
    return error(id, title, facts.error, "Corrigez « notify » dans agent.json comme indiqué.");
  }
  const parts: string[] = [];
  if (facts.smtp) {
    parts.push(
      `e-mail par ${facts.smtp.target} à ${facts.smtp.to.join(", ")}${
        facts.smtp.permitted && !facts.smtp.failure ? " (connexion acceptée)" : ""
      }`,
    );
  }
  if (facts.webhook) parts.push(`webhook ${facts.webhook.url} (non testé : rien n'est envoyé)`);
  if (facts.lastAlertAt) {
    parts.push(`dernière alerte le ${localDateTime(new Date(facts.lastAlertAt))}`);
  }
  const detail = parts.join(" ; ");
  const blocked = [facts.smtp, facts.webhook].filter((c) => c && !c.permitted).map((c) =>
    c!.target
  );
  if (blocked.length) {
    return error(
      id,
      title,
      `${detail} ; l'agent n'a pas la permission de joindre ${blocked.join(", ")}`,
      "Reconstruisez l'exécutable avec ce « notify » dans la configuration de build (scripts/compile.ts), qui ouvre ces adresses.",
    );
  }
  if (facts.smtp?.failure) {
    return error(
      id,
      title,
      `${detail} ; serveur SMTP : ${facts.smtp.failure}`,
      "Vérifiez notify.smtp dans agent.json (serveur, port, sécurité, identifiant et mot de passe).",
    );
  }
  return ok(id, title, detail);
}

function netPermitted(target: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "net", host: target }).state === "granted";
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// All together

/** What {@linkcode runDoctor} needs. */
export interface DoctorOptions {
  /** The settings, or `configError` when they could not be loaded. */
  settings?: Settings;
  configError?: ConfigError;
  /** Reads an environment variable (proxy variables). */
  env: (name: string) => string | undefined;
  /** Runs `schtasks`. */
  runCommand: CommandRunner;
  now: () => Date;
  /** The scheduled task's name. */
  taskName: string;
  /** Logs in to the SMTP server (tests may replace it). */
  verifySmtp?: (smtp: SmtpConfig) => Promise<void>;
  /** Time allowed to each network probe. */
  timeoutMs?: number;
}

/**
 * Runs every check and returns the report. Without settings, only the
 * configuration check is reported: the others need it.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const now = options.now();
  const settings = options.settings;
  if (!settings) {
    return report([checkConfig({ error: options.configError })], { now });
  }
  const folders = workFolders(settings);
  const configFileExists = await Deno.stat(nodePath.join(settings.workDir, CONFIG_FILE_NAME))
    .then(() => true, () => false);
  const [work, importDir] = [
    await probeFolder(settings.workDir),
    await probeFolder(settings.batigestImportDir, { rename: true }),
  ];
  const existing = [work, importDir].filter((f) => f.isDirectory).map((f) => f.path);
  const [saxium, task, notify, disks] = await Promise.all([
    probeSaxium(settings, { now: options.now, timeoutMs: options.timeoutMs }),
    probeTask(options.runCommand, options.taskName),
    probeNotify(settings, { verify: options.verifySmtp }),
    Promise.all(existing.map((path) => probeDiskSpace(path))),
  ]);
  const [errorsListing, importListing] = [
    await listFiles(folders.errors, isErrorDocument),
    await listFiles(settings.batigestImportDir, isImportCandidate),
  ];
  const checks = [
    checkConfig({ settings, configFileExists }),
    checkWorkFolder(work),
    checkImportFolder(importDir),
    checkDiskSpace(disks),
    checkSaxiumReachable(saxium),
    checkSaxiumTls(saxium),
    checkSaxiumToken(saxium),
    checkClock(saxium),
    checkProxy({
      apiUrl: settings.apiUrl,
      proxy: settings.proxy,
      env: {
        HTTPS_PROXY: options.env("HTTPS_PROXY"),
        HTTP_PROXY: options.env("HTTP_PROXY"),
        NO_PROXY: options.env("NO_PROXY"),
      },
    }),
    checkTask(task),
    checkErrorsFolder(errorsListing, { dir: folders.errors, now }),
    checkImportWaiting(importListing, { dir: settings.batigestImportDir, now }),
    checkNotify(notify),
  ];
  return report(checks, { now, agentId: settings.agentId });
}

function report(checks: CheckResult[], options: { now: Date; agentId?: string }): DoctorReport {
  const counts = {
    ok: checks.filter((c) => c.status === "OK").length,
    warnings: checks.filter((c) => c.status === "WARNING").length,
    errors: checks.filter((c) => c.status === "ERROR").length,
  };
  return {
    ok: counts.warnings === 0 && counts.errors === 0,
    version: VERSION,
    generatedAt: options.now.toISOString(),
    ...(options.agentId ? { agentId: options.agentId } : {}),
    counts,
    checks,
  };
}

const LABELS: Record<CheckStatus, string> = { OK: "OK", WARNING: "ATTENTION", ERROR: "ERREUR" };

/** The report as lines for a person: one line a check, the fix below what is not OK. */
export function renderDoctor(report: DoctorReport): string[] {
  const width = Math.max(...report.checks.map((c) => c.title.length));
  const label = Math.max(...Object.values(LABELS).map((l) => l.length));
  const who = report.agentId ? ` (${report.agentId})` : "";
  const { warnings, errors } = report.counts;
  const lines = [
    `Diagnostic de l'agent Saxium → Batigest ${report.version}${who} : ${
      report.ok ? "tout est en ordre" : `${errors} erreur(s), ${warnings} avertissement(s)`
    }`,
    "",
  ];
  for (const check of report.checks) {
    lines.push(
      `  ${LABELS[check.status].padEnd(label)}  ${check.title.padEnd(width)}  ${check.detail}`,
    );
    if (check.fix) lines.push(`  ${"".padEnd(label)}  ${"".padEnd(width)}  → ${check.fix}`);
  }
  if (!report.ok && report.agentId) {
    lines.push(
      "",
      "Pour le support de Saxium : doctor --bundle crée une archive (journaux, configuration sans secrets, état).",
    );
  }
  return lines;
}

// ---------------------------------------------------------------------------
// Helpers

function message(e: unknown): string {
  let text = e instanceof Error ? e.message : String(e);
  for (let c = e, depth = 0; c instanceof Error && depth < 5; c = c.cause, depth++) {
    if (c.message) text = c.message;
  }
  // deno-lint-ignore no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A size in French units: `85,6 Go`. */
export function formatBytes(n: number): string {
  const units = ["octets", "Ko", "Mo", "Go", "To"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 ? String(value) : value.toFixed(1).replace(".", ",");
  return `${shown} ${units[unit]}`;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min` : `${Math.round(m / 60)} h`;
}
