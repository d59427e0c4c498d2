/**
 * Alerts: after a pass that ended with errors or could not reach Saxium, one
 * message in French, by e-mail (SMTP) and/or a JSON POST to a webhook (Teams,
 * Slack, a monitoring system), saying what failed and what to do; not repeated
 * for the same failure more often than `notify.repeatHours`; and a "back to
 * normal" message when a pass succeeds again.
 *
 * Sending can never break or slow down the sync: {@linkcode notifyAfterPass}
 * never throws, each channel has a time limit, and a failure is one warning in
 * the log. nodemailer is imported only when SMTP is configured.
 *
 * Configuration, `notify` in `agent.json`:
 * ```json
 * "notify": {
 *   "smtp": { "host": "smtp.entreprise.fr", "port": 587, "security": "starttls",
 *             "user": "agent@entreprise.fr", "password": "…",
 *             "from": "agent@entreprise.fr", "to": ["informatique@entreprise.fr"] },
 *   "webhookUrl": "https://exemple.webhook.office.com/…",
 *   "repeatHours": 24
 * }
 * ```
 *
 * @module
 */

import net from "node:net";
import nodePath from "node:path";
import tls from "node:tls";
import { ConfigError, isLoopbackHost, type NotifySettings, type Settings } from "../base/config.ts";
import { localDate, localDateTime, logFileName, type Logger, parseLogLine } from "../base/log.ts";
import { maskWebhookUrl } from "../base/secrets.ts";
import {
  type ChannelAction,
  nextNotifyState,
  notifyStatePath,
  type PassOutcome,
  planNotifications,
  readNotifyState,
  writeNotifyState,
} from "./memory.ts";
import { netTarget } from "../build/permissions.ts";
import type { PassSummary } from "../sync/pass.ts";
import { VERSION } from "../base/version.ts";
import type { WorkFolders } from "../base/work_folders.ts";

/**
 * What the notifier reads of a pass: the command's exit code, the pass's
 * figures and message. (A stopgap since the pass returns a status instead of
 * an exit code; the notifier's own rework replaces it.)
 */
export interface PassResult {
  exitCode: number;
  summary: PassSummary;
  message?: string;
}

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

/** The validated `notify` settings. */
export interface NotifyConfig {
  smtp?: SmtpConfig;
  /** Receives a JSON POST (`text` for Teams and Slack, details for monitoring). */
  webhookUrl?: string;
  /** Hours before the same failure is announced again; 24 by default. */
  repeatHours: number;
}

/** Hours before the same failure is announced again, unless `notify.repeatHours` says otherwise. */
export const DEFAULT_REPEAT_HOURS = 24;

/** Time allowed to each channel for one message. */
export const NOTIFY_TIMEOUT_MS = 10_000;

const DEFAULT_PORTS: Record<SmtpSecurity, number> = { starttls: 587, tls: 465, none: 25 };
const NOTIFY_KEYS = ["smtp", "webhookUrl", "repeatHours"];
const SMTP_KEYS = ["host", "port", "security", "user", "password", "from", "to"];
const EMAIL =
  /^[^\s@<>(),;:"\\]+@[^\s@<>(),;:"\\]+\.[^\s@<>(),;:"\\]+$|^[^\s@<>(),;:"\\]+@localhost$/i;
const MAX_ERROR_LINES = 10;

/**
 * Validates `notify` from `agent.json` (or the build configuration); undefined
 * when alerts are not configured.
 *
 * @throws {ConfigError} with a one-line French message naming the setting and the fix.
 */
export function parseNotifySettings(raw: NotifySettings | undefined): NotifyConfig | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw notifyError(
      "notify",
      'un objet JSON est attendu, par exemple { "webhookUrl": "https://…" }',
    );
  }
  checkKeys("notify", raw, NOTIFY_KEYS);
  const config: NotifyConfig = { repeatHours: repeatHours(raw.repeatHours) };
  if (raw.smtp !== undefined) config.smtp = smtpConfig(raw.smtp);
  if (raw.webhookUrl !== undefined) config.webhookUrl = webhookUrl(raw.webhookUrl);
  if (!config.smtp && !config.webhookUrl) {
    throw notifyError(
      "notify",
      "ni « smtp » ni « webhookUrl » : indiquez au moins l'un des deux, ou retirez « notify » d'agent.json",
    );
  }
  return config;
}

/**
 * The network targets (`host:port`) alerts need, for the agent's permission
 * set: the SMTP server and the webhook's host.
 *
 * @example
 * ```ts
 * notifyNetHosts({ smtp: { host: "smtp.entreprise.fr", from: "a@entreprise.fr", to: "b@entreprise.fr" } });
 * // ["smtp.entreprise.fr:587"]
 * ```
 * @throws {ConfigError} when `notify` is invalid.
 */
export function notifyNetHosts(notify: NotifySettings | undefined): string[] {
  const config = parseNotifySettings(notify);
  if (!config) return [];
  const hosts: string[] = [];
  if (config.smtp) hosts.push(smtpTarget(config.smtp));
  if (config.webhookUrl) hosts.push(netTarget(config.webhookUrl));
  return hosts;
}

/** `host:port` of the SMTP server, as Deno's `--allow-net` names it. */
export function smtpTarget(smtp: Pick<SmtpConfig, "host" | "port">): string {
  const host = smtp.host.includes(":") ? `[${smtp.host}]` : smtp.host;
  return `${host.toLowerCase()}:${smtp.port}`;
}

/** The values alerts must never show (SMTP password, webhook URL). */
export function notifySecrets(notify: NotifySettings | undefined): string[] {
  const secrets: string[] = [];
  const raw = notify as Record<string, unknown> | undefined;
  const smtp = raw?.smtp as Record<string, unknown> | undefined;
  if (typeof smtp?.password === "string" && smtp.password !== "") secrets.push(smtp.password);
  if (typeof raw?.webhookUrl === "string" && raw.webhookUrl !== "") {
    secrets.push(raw.webhookUrl);
    try {
      const url = new URL(raw.webhookUrl);
      if (url.pathname.length > 1) secrets.push(url.pathname + url.search);
    } catch {
      // not a URL: the whole value is already listed
    }
  }
  return secrets;
}

// ---------------------------------------------------------------------------
// Messages

/** One alert, ready for every channel. */
export interface AlertMessage {
  /** `alert` for a failure, `recovery` for "back to normal". */
  kind: "alert" | "recovery";
  /** The e-mail subject, and the webhook's `title`. */
  subject: string;
  /** The e-mail body, and the webhook's `text`. */
  text: string;
  /** The webhook's JSON body. */
  payload: Record<string, unknown>;
}

/** What a message is made of. */
export interface AlertFacts {
  agentId: string;
  result: PassResult;
  /** Error lines of the pass, from the log. */
  errors: readonly string[];
  /** When the pass ended. */
  at: Date;
  /** When the run of failing passes began. */
  failingSince?: Date;
  folders: Pick<WorkFolders, "root" | "errors" | "logs">;
  repeatHours: number;
}

/**
 * The message after a failed pass: what happened, what to do, the errors of
 * the log, in French.
 */
export function alertMessage(facts: AlertFacts): AlertMessage {
  const { result, agentId } = facts;
  const unreachable = result.exitCode === 3;
  const headline = unreachable
    ? "Saxium injoignable ou accès refusé"
    : `${result.summary.errors} export(s) en erreur`;
  const subject = `[Agent Saxium → Batigest] ${agentId} : ${headline}`;
  const when = localDateTime(facts.at);
  const what = unreachable
    ? `L'agent de synchronisation Saxium → Batigest du poste ${agentId} n'a pas pu travailler avec Saxium lors de la passe du ${when} (code de sortie 3).`
    : `L'agent de synchronisation Saxium → Batigest du poste ${agentId} a terminé la passe du ${when} avec ${result.summary.errors} export(s) en erreur (code de sortie 1).`;
  const todo = unreachable
    ? [
      "Corrigez la cause indiquée ci-dessus (réseau, proxy, certificat, jeton) ; rien n'est perdu : la prochaine passe reprendra automatiquement.",
      "Sur le poste, la commande « saxium-batigest-agent doctor » vérifie toute l'installation en un écran.",
    ]
    : [
      `Les fichiers refusés sont dans ${facts.folders.errors}, chacun avec sa raison dans un fichier .erreur.txt ; ils sont aussi marqués en erreur dans Saxium.`,
      "Corrigez la cause (document dans Saxium, Batigest fermé ou import automatique arrêté…), puis relancez l'export depuis Saxium.",
      "Sur le poste, la commande « saxium-batigest-agent doctor » vérifie toute l'installation en un écran.",
    ];
  const errors = facts.errors.slice(0, MAX_ERROR_LINES);
  const more = facts.errors.length - errors.length;
  const logFile = nodePath.join(facts.folders.logs, logFileName(facts.at));
  const lines = [
    "Bonjour,",
    "",
    what,
    "",
    ...(result.message ? ["Ce qui s'est passé :", `  ${result.message}`, ""] : []),
    "Que faire :",
    ...todo.map((t) => `  - ${t}`),
    "",
  ];
  if (errors.length) {
    lines.push(
      "Erreurs relevées dans le journal pendant la passe :",
      ...errors.map((e) => `  - ${e}`),
      ...(more > 0 ? [`  … et ${more} autre(s), voir le journal.`] : []),
      "",
    );
  }
  lines.push(
    `Bilan de la passe : ${passFigures(result)}.`,
    `Journal : ${logFile}`,
  );
  if (facts.failingSince) lines.push(`En échec depuis : ${localDateTime(facts.failingSince)}`);
  lines.push(
    "",
    `Cette alerte ne sera pas répétée pour la même panne avant ${hours(facts.repeatHours)}. ` +
      "Un message « retour à la normale » sera envoyé dès qu'une passe réussira.",
    ...signature(agentId),
  );
  const text = lines.join("\n");
  return {
    kind: "alert",
    subject,
    text,
    payload: payload("sync.failure", facts, { title: subject, text, advice: todo, errors }),
  };
}

/** The "back to normal" message after a successful pass. */
export function recoveryMessage(facts: AlertFacts): AlertMessage {
  const { agentId } = facts;
  const subject = `[Agent Saxium → Batigest] ${agentId} : retour à la normale`;
  const since = facts.failingSince
    ? ` La panne signalée durait depuis le ${localDateTime(facts.failingSince)}.`
    : "";
  const text = [
    "Bonjour,",
    "",
    `La synchronisation Saxium → Batigest du poste ${agentId} fonctionne de nouveau : la passe du ${
      localDateTime(facts.at)
    } s'est terminée sans erreur (${passFigures(facts.result)}).${since}`,
    "",
    `Les exports signalés en erreur auparavant restent dans ${facts.folders.errors} ; relancez-les depuis Saxium s'il y a lieu.`,
    ...signature(agentId),
  ].join("\n");
  return {
    kind: "recovery",
    subject,
    text,
    payload: payload("sync.recovery", facts, { title: subject, text, advice: [], errors: [] }),
  };
}

function payload(
  event: string,
  facts: AlertFacts,
  parts: { title: string; text: string; advice: string[]; errors: string[] },
): Record<string, unknown> {
  return {
    title: parts.title,
    text: parts.text,
    event,
    agent: { id: facts.agentId, version: VERSION },
    pass: {
      exitCode: facts.result.exitCode,
      finishedAt: facts.at.toISOString(),
      summary: { ...facts.result.summary },
      message: facts.result.message ?? null,
    },
    failingSince: facts.failingSince?.toISOString() ?? null,
    errors: parts.errors,
    advice: parts.advice,
    workDir: facts.folders.root,
  };
}

function passFigures(result: PassResult): string {
  const s = result.summary;
  const parts = [`${s.synced} synchronisé(s)`, `${s.errors} en erreur`];
  if (s.reacknowledged) parts.push(`${s.reacknowledged} accusé(s) renvoyé(s)`);
  if (s.unfinished) parts.push(`${s.unfinished} à reprendre`);
  return parts.join(", ");
}

function signature(agentId: string): string[] {
  return ["", "-- ", `Agent Saxium → Batigest ${VERSION} (${agentId})`];
}

function hours(n: number): string {
  return `${String(n).replace(".", ",")} h`;
}

/**
 * Identifies a failure so that the same one is not announced again: the exit
 * code and the pass's message or error lines, with numbers left out (retry
 * counts, durations, ports).
 */
export function failureFingerprint(result: PassResult, errors: readonly string[]): string {
  const normalize = (s: string) =>
    s.toLowerCase()
      .replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g, "#")
      .replace(/\b(?=[0-9a-f]*\d)[0-9a-f]{6,}\b/g, "#")
      .replace(/\d+/g, "#")
      .replace(/\s+/g, " ")
      .trim();
  const basis = result.exitCode === 3 && result.message
    ? [normalize(result.message)]
    : [...new Set(errors.map(normalize))].sort();
  return `${result.exitCode}:${basis.join(" | ")}`;
}

/**
 * The ERROR lines the log received from `since` to `until` (without their
 * date and level), the pass's closing line left out.
 */
export async function errorLinesSince(
  logsDir: string,
  options: { since: Date; until: Date },
): Promise<string[]> {
  const from = localDateTime(options.since);
  const days: Date[] = [];
  for (
    const d = new Date(options.since);
    localDate(d) <= localDate(options.until);
    d.setDate(d.getDate() + 1)
  ) {
    days.push(new Date(d));
  }
  const found: string[] = [];
  for (const day of days) {
    let text: string;
    try {
      text = await Deno.readTextFile(nodePath.join(logsDir, logFileName(day)));
    } catch {
      continue;
    }
    for (const line of text.split(/\r?\n/)) {
      const m = parseLogLine(line);
      if (!m || m.level !== "ERROR" || m.stamp < from) continue;
      if (m.message.startsWith("Fin de la synchronisation")) continue;
      found.push(m.message.length > 400 ? `${m.message.slice(0, 399)}…` : m.message);
    }
  }
  return found;
}

// ---------------------------------------------------------------------------
// Channels

/** A way to deliver an alert. */
export interface NotifyChannel {
  /** `smtp` or `webhook`: the key of its memory. */
  name: string;
  /** For the log, in French: "e-mail à a@b.fr". */
  label: string;
  /** `host:port` it connects to, checked against the agent's permissions first. */
  target: string;
  /** Sends one message; rejects with an error whose message is French. */
  send(message: AlertMessage, signal: AbortSignal): Promise<void>;
}

/** Options of the e-mail channel. */
export interface SmtpChannelOptions {
  /** Name given in EHLO (the agent id). */
  clientName?: string;
  /** Limit for each phase of the SMTP exchange. */
  timeoutMs?: number;
}

/** The e-mail channel (nodemailer, imported on first use). */
export function smtpChannel(smtp: SmtpConfig, options: SmtpChannelOptions = {}): NotifyChannel {
  return {
    name: "smtp",
    label: `e-mail à ${smtp.to.join(", ")}`,
    target: smtpTarget(smtp),
    async send(message, signal) {
      await sendMail(smtp, {
        clientName: options.clientName,
        timeoutMs: options.timeoutMs ?? NOTIFY_TIMEOUT_MS,
        signal,
        mail: { subject: message.subject, text: message.text },
      });
    },
  };
}

/** The webhook channel: a JSON POST with `fetch`. */
export function webhookChannel(url: string): NotifyChannel {
  return {
    name: "webhook",
    label: `webhook ${maskWebhookUrl(url)}`,
    target: netTarget(url),
    async send(message, signal) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: "POST",
          headers: {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": `saxium-batigest-agent/${VERSION}`,
          },
          body: JSON.stringify(message.payload),
          redirect: "manual",
          signal,
        });
      } catch (error) {
        if (signal.aborted) throw new Error("le webhook n'a pas répondu à temps");
        throw new Error(`connexion impossible (${rootMessage(error)})`);
      }
      await res.body?.cancel().catch(() => {});
      if (res.status < 200 || res.status >= 300) {
        throw new Error(`le webhook a répondu HTTP ${res.status}`);
      }
    },
  };
}

/** The channels `notify` configures. */
export function notifyChannels(
  config: NotifyConfig,
  options: SmtpChannelOptions = {},
): NotifyChannel[] {
  const channels: NotifyChannel[] = [];
  if (config.smtp) channels.push(smtpChannel(config.smtp, options));
  if (config.webhookUrl) channels.push(webhookChannel(config.webhookUrl));
  return channels;
}

interface SendMailOptions {
  clientName?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Without it, only connect, greet and log in (`verify`). */
  mail?: { subject: string; text: string };
}

/**
 * Opens the connection ourselves (nodemailer's own DNS lookup would ask Deno
 * for a permission the agent does not have: the host is resolved by
 * `net.connect`, which the `host:port` permission covers).
 */
async function sendMail(smtp: SmtpConfig, options: SendMailOptions): Promise<void> {
  const { default: nodemailer } = await import("nodemailer");
  const sockets: net.Socket[] = [];
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === "tls",
    requireTLS: smtp.security === "starttls",
    ignoreTLS: smtp.security === "none",
    auth: smtp.user ? { user: smtp.user, pass: smtp.password } : undefined,
    name: options.clientName?.replace(/[^A-Za-z0-9.-]/g, "-") || undefined,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
    getSocket(_options, callback) {
      const servername = net.isIP(smtp.host) ? undefined : smtp.host;
      const socket = smtp.security === "tls"
        ? tls.connect({ host: smtp.host, port: smtp.port, servername })
        : net.connect({ host: smtp.host, port: smtp.port });
      sockets.push(socket);
      let settled = false;
      const timer = setTimeout(() => {
        fail(new Error("délai de connexion dépassé"));
        socket.destroy();
      }, options.timeoutMs);
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        callback(error, false);
      };
      socket.once("error", fail);
      socket.once(smtp.security === "tls" ? "secureConnect" : "connect", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.off("error", fail);
        callback(null, { connection: socket, secured: smtp.security === "tls" });
      });
    },
  });
  const abort = () => {
    transport.close();
    for (const socket of sockets) socket.destroy();
  };
  options.signal?.addEventListener("abort", abort, { once: true });
  try {
    if (options.mail) {
      await transport.sendMail({
        from: smtp.from,
        to: smtp.to,
        subject: options.mail.subject,
        text: options.mail.text,
        signal: options.signal,
      });
    } else {
      await transport.verify();
    }
  } catch (error) {
    if (options.signal?.aborted) throw new Error("le serveur SMTP n'a pas répondu à temps");
    throw new Error(smtpFailure(error, smtp));
  } finally {
    options.signal?.removeEventListener("abort", abort);
    transport.close();
    for (const socket of sockets) socket.destroy();
  }
}

/**
 * Connects to the SMTP server, greets it and logs in, without sending
 * anything (for `doctor`). Rejects with a French message.
 */
export async function verifySmtp(
  smtp: SmtpConfig,
  options: { clientName?: string; timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? NOTIFY_TIMEOUT_MS;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    await sendMail(smtp, { clientName: options.clientName, timeoutMs, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

function smtpFailure(error: unknown, smtp: SmtpConfig): string {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const where = smtpTarget(smtp);
  const detail = rootMessage(error);
  if (error instanceof Deno.errors.NotCapable || /NotCapable|Requires net access/i.test(detail)) {
    return `l'agent n'a pas la permission de joindre ${where}`;
  }
  if (e.code === "EAUTH") return `identifiant ou mot de passe refusé par ${where}`;
  if (/ECONNREFUSED|connection refused/i.test(detail)) return `connexion refusée par ${where}`;
  if (e.code === "ETIMEDOUT" || /timeout|timed out/i.test(detail)) {
    return `${where} n'a pas répondu à temps`;
  }
  if (e.code === "EENVELOPE") {
    return `adresse refusée par ${where} (${clean(e.response ?? detail, 160)})`;
  }
  if (/certificate|tls|ssl/i.test(detail)) {
    return `TLS refusé avec ${where} (${clean(detail, 160)})`;
  }
  if (/getaddrinfo|ENOTFOUND|EAI_AGAIN|dns/i.test(detail)) {
    return `nom de serveur ${smtp.host} introuvable`;
  }
  return `${where} : ${clean(e.response ?? detail, 200)}`;
}

// ---------------------------------------------------------------------------
// After a pass

/** What {@linkcode notifyAfterPass} works with. */
export interface NotifyAfterPassOptions {
  /** The agent's settings: `notify` and `agentId` are used. */
  settings: Pick<Settings, "notify" | "agentId">;
  folders: Pick<WorkFolders, "root" | "errors" | "logs" | "state">;
  log: Logger;
  now?: () => Date;
  /** When the pass began: its ERROR lines are read from the log from then on. */
  startedAt?: Date;
  /** The pass's error lines, when the caller has them (otherwise read from the log). */
  errors?: readonly string[];
  /** Channels to use instead of those `notify` configures (tests). */
  channels?: NotifyChannel[];
  /** Time allowed to each channel; {@linkcode NOTIFY_TIMEOUT_MS} by default. */
  timeoutMs?: number;
}

/**
 * Sends what a pass calls for on each configured channel: an alert after a
 * failed pass (exit code 1 or 3) unless the same failure was announced less
 * than `repeatHours` ago, "back to normal" after a successful one if an alert
 * is open. Never throws; takes at most about `timeoutMs` (channels run side by
 * side); a failure to send is one warning in the log.
 *
 * @example
 * ```ts
 * const result = await runSyncPass(ctx);
 * await notifyAfterPass(result, { settings, folders, log, now: ctx.now, startedAt });
 * ```
 */
export async function notifyAfterPass(
  result: PassResult,
  options: NotifyAfterPassOptions,
): Promise<void> {
  if (options.settings.notify === undefined && options.channels === undefined) return;
  const { log } = options;
  try {
    let config: NotifyConfig | undefined;
    try {
      config = parseNotifySettings(options.settings.notify);
    } catch (error) {
      log.warning(`Alertes non envoyées : ${(error as Error).message}`);
      return;
    }
    const timeoutMs = options.timeoutMs ?? NOTIFY_TIMEOUT_MS;
    const channels = options.channels ??
      (config ? notifyChannels(config, { clientName: options.settings.agentId, timeoutMs }) : []);
    if (channels.length === 0) return;
    const repeatHours = config?.repeatHours ?? DEFAULT_REPEAT_HOURS;
    const now = options.now ?? (() => new Date());
    const at = now();
    const failed = result.exitCode !== 0;
    const errors = failed
      ? options.errors ??
        (options.startedAt
          ? await errorLinesSince(options.folders.logs, { since: options.startedAt, until: at })
          : [])
      : [];
    const outcome: PassOutcome = { failed, fingerprint: failureFingerprint(result, errors), at };
    const statePath = notifyStatePath(options.folders);
    const state = await readNotifyState(statePath);
    const plan = planNotifications(state, {
      outcome,
      channels: channels.map((c) => c.name),
      repeatHours,
    });
    const failingSince = failed
      ? new Date(state.failing && state.failingSince ? state.failingSince : at)
      : state.failingSince
      ? new Date(state.failingSince)
      : undefined;
    const facts: AlertFacts = {
      agentId: options.settings.agentId,
      result,
      errors,
      at,
      failingSince,
      folders: options.folders,
      repeatHours,
    };
    const secrets = notifySecrets(options.settings.notify);
    const delivered: Record<string, boolean> = {};
    await Promise.all(channels.map(async (channel) => {
      const action: ChannelAction = plan[channel.name] ?? "none";
      if (action === "none") {
        if (failed) {
          log.debug(
            `Alerte par ${channel.label} non répétée : même panne déjà signalée il y a moins de ${
              hours(repeatHours)
            }.`,
          );
        }
        return;
      }
      const message = action === "alert" ? alertMessage(facts) : recoveryMessage(facts);
      delivered[channel.name] = await deliver(channel, message, { log, timeoutMs, secrets });
    }));
    const next = nextNotifyState(state, { outcome, plan, delivered, repeatHours });
    if (JSON.stringify(next) !== JSON.stringify(state)) {
      try {
        await writeNotifyState(statePath, next);
      } catch (error) {
        log.warning(
          `Mémoire des alertes non enregistrée (${statePath} : ${
            rootMessage(error)
          }) : une alerte pourra être envoyée une seconde fois.`,
        );
      }
    }
  } catch (error) {
    log.warning(
      `Alertes : erreur inattendue (${rootMessage(error)}) ; la synchronisation continue.`,
    );
  }
}

/** Sends one message on one channel within the time limit; true when it went out. */
async function deliver(
  channel: NotifyChannel,
  message: AlertMessage,
  options: { log: Logger; timeoutMs: number; secrets: readonly string[] },
): Promise<boolean> {
  const [what, sent] = message.kind === "alert"
    ? ["Alerte", "envoyée"]
    : ["Message de retour à la normale", "envoyé"];
  const { log } = options;
  if (!netAllowed(channel.target)) {
    log.warning(
      `${what} non ${sent} par ${channel.label} : l'agent n'a pas la permission de joindre ${channel.target} ; ` +
        "reconstruisez l'exécutable avec « notify » dans la configuration de build (scripts/compile.ts).",
    );
    return false;
  }
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`pas de réponse en ${Math.round(options.timeoutMs / 1000)} s`));
    }, options.timeoutMs);
  });
  try {
    await Promise.race([channel.send(message, controller.signal), expired]);
    log.info(`${what} ${sent} par ${channel.label} : « ${message.subject} ».`);
    return true;
  } catch (error) {
    const reason = redact(rootMessage(error), options.secrets);
    log.warning(
      `${what} non ${sent} par ${channel.label} (${reason}) : vérifiez « notify » dans agent.json ; ` +
        "la synchronisation n'en est pas affectée, un nouvel essai aura lieu à la prochaine passe.",
    );
    return false;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** Whether the agent's permissions let it connect to `target` (`host:port`). */
function netAllowed(target: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "net", host: target }).state === "granted";
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// Validation helpers

function notifyError(path: string, why: string): ConfigError {
  return new ConfigError("notify", `Paramètre ${path} invalide dans agent.json : ${why}.`);
}

function checkKeys(path: string, raw: object, allowed: readonly string[]): void {
  for (const key of Object.keys(raw)) {
    if (allowed.includes(key)) continue;
    const near = allowed.find((k) => k.toLowerCase() === key.toLowerCase());
    throw notifyError(
      path,
      `clé inconnue « ${clean(key, 40)} » (${
        near ? `vouliez-vous dire « ${near} » ?` : `clés reconnues : ${allowed.join(", ")}`
      })`,
    );
  }
}

function repeatHours(value: unknown): number {
  if (value === undefined) return DEFAULT_REPEAT_HOURS;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > 8760) {
    throw notifyError(
      "notify.repeatHours",
      "un nombre d'heures entre 0 et 8760 est attendu, par exemple 24",
    );
  }
  return value;
}

function smtpConfig(value: unknown): SmtpConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw notifyError(
      "notify.smtp",
      'un objet est attendu, par exemple { "host": "smtp.entreprise.fr", "from": "…", "to": ["…"] }',
    );
  }
  const raw = value as Record<string, unknown>;
  checkKeys("notify.smtp", raw, SMTP_KEYS);
  if (typeof raw.host !== "string" || raw.host.trim() === "") {
    throw notifyError(
      "notify.smtp.host",
      "indiquez le nom du serveur SMTP, par exemple smtp.entreprise.fr",
    );
  }
  const host = raw.host.trim().replace(/^\[(.*)\]$/, "$1");
  if (!/^[A-Za-z0-9.-]+$/.test(host) && net.isIP(host) !== 6) {
    throw notifyError(
      "notify.smtp.host",
      `« ${
        clean(host, 60)
      } » n'est pas un nom de serveur ; indiquez seulement le nom (le port va dans « port »)`,
    );
  }
  const securityRaw = raw.security ?? "starttls";
  const security = typeof securityRaw === "string" ? securityRaw.trim().toLowerCase() : securityRaw;
  if (security !== "starttls" && security !== "tls" && security !== "none") {
    throw notifyError(
      "notify.smtp.security",
      "attendu « starttls » (port 587), « tls » (port 465) ou « none » (relais interne, port 25)",
    );
  }
  const portRaw = raw.port ?? DEFAULT_PORTS[security];
  const port = typeof portRaw === "string" && /^\d+$/.test(portRaw) ? Number(portRaw) : portRaw;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw notifyError(
      "notify.smtp.port",
      "un numéro de port entre 1 et 65535 est attendu, par exemple 587",
    );
  }
  const user = optionalText(raw.user, "notify.smtp.user");
  const password = raw.password === undefined ? undefined : raw.password;
  if (password !== undefined && typeof password !== "string") {
    throw notifyError("notify.smtp.password", "une chaîne est attendue");
  }
  if ((user === undefined) !== (password === undefined || password === "")) {
    throw notifyError(
      "notify.smtp",
      "« user » et « password » vont ensemble : indiquez les deux, ou aucun pour un relais sans authentification",
    );
  }
  if (password && security === "none" && !isLoopbackHost(host)) {
    throw notifyError(
      "notify.smtp.security",
      "« none » enverrait le mot de passe en clair sur le réseau ; utilisez « starttls » ou « tls »",
    );
  }
  const from = address(raw.from, "notify.smtp.from");
  const toList = typeof raw.to === "string"
    ? raw.to.split(/[,;]/).map((s) => s.trim()).filter((s) => s !== "")
    : raw.to;
  if (!Array.isArray(toList) || toList.length === 0) {
    throw notifyError(
      "notify.smtp.to",
      'indiquez au moins un destinataire, par exemple ["informatique@entreprise.fr"]',
    );
  }
  const to = toList.map((a) => address(a, "notify.smtp.to"));
  const smtp: SmtpConfig = { host, port, security, from, to };
  if (user !== undefined) {
    smtp.user = user;
    smtp.password = password as string;
  }
  return smtp;
}

function optionalText(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim() === "") {
    throw notifyError(path, "une chaîne non vide est attendue");
  }
  return value.trim();
}

function address(value: unknown, path: string): string {
  const text = typeof value === "string" ? value.trim() : "";
  if (!EMAIL.test(text)) {
    throw notifyError(
      path,
      `« ${
        clean(String(value ?? ""), 60)
      } » n'est pas une adresse e-mail, par exemple informatique@entreprise.fr`,
    );
  }
  return text;
}

function webhookUrl(value: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof value === "string" ? new URL(value.trim()) : undefined;
  } catch {
    url = undefined;
  }
  if (!url) {
    throw notifyError(
      "notify.webhookUrl",
      "une adresse complète est attendue, par exemple https://…",
    );
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    throw notifyError(
      "notify.webhookUrl",
      "seul https:// est accepté (http:// uniquement pour 127.0.0.1 ou localhost)",
    );
  }
  if (url.username || url.password) {
    throw notifyError(
      "notify.webhookUrl",
      "retirez l'identifiant et le mot de passe de l'adresse",
    );
  }
  return url.href;
}

// ---------------------------------------------------------------------------
// Text helpers

/** The innermost message of an error chain, on one line. */
function rootMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.message) message = e.message;
  }
  return clean(message, 300);
}

function clean(text: string, max: number): string {
  // deno-lint-ignore no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("********");
  return out;
}
