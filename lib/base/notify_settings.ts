/**
 * The alerts' settings (`notify` in `agent.json` or the build configuration):
 * what is accepted, with which defaults, and what every mistake says. Parsed
 * once, by the configuration ({@linkcode parseNotifySettings} is called by
 * `resolveSettings`), so that the notifier, doctor, the permission set and the
 * support bundle all work from a {@linkcode NotifyConfig} and a wrong `notify`
 * stops the agent at load time like any other setting.
 *
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
 * It also says what the alerts imply elsewhere: the network targets they need
 * ({@linkcode notifyNetHosts}) and the values they must never show
 * ({@linkcode notifySecrets}).
 *
 * @module
 */

import net from "node:net";
import { ConfigError } from "./config_error.ts";
import { isLoopbackHost, netTarget } from "./net.ts";
import { oneLine } from "./text.ts";
import type { NotifyConfig, NotifySettings, SmtpConfig, SmtpSecurity } from "./settings.ts";

export type { NotifyConfig, NotifySettings, SmtpConfig, SmtpSecurity } from "./settings.ts";

/** Hours before the same failure is announced again, unless `notify.repeatHours` says otherwise. */
export const DEFAULT_REPEAT_HOURS = 24;

const DEFAULT_PORTS: Record<SmtpSecurity, number> = { starttls: 587, tls: 465, none: 25 };
const NOTIFY_KEYS = ["smtp", "webhookUrl", "repeatHours"];
const SMTP_KEYS = ["host", "port", "security", "user", "password", "from", "to"];
const EMAIL =
  /^[^\s@<>(),;:"\\]+@[^\s@<>(),;:"\\]+\.[^\s@<>(),;:"\\]+$|^[^\s@<>(),;:"\\]+@localhost$/i;

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
 * notifyNetHosts(parseNotifySettings({
 *   smtp: { host: "smtp.entreprise.fr", from: "a@entreprise.fr", to: "b@entreprise.fr" },
 * }));
 * // ["smtp.entreprise.fr:587"]
 * ```
 */
export function notifyNetHosts(config: NotifyConfig | undefined): string[] {
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
export function notifySecrets(config: NotifyConfig | undefined): string[] {
  const secrets: string[] = [];
  const password = config?.smtp?.password;
  if (typeof password === "string" && password !== "") secrets.push(password);
  const webhook = config?.webhookUrl;
  if (typeof webhook === "string" && webhook !== "") {
    secrets.push(webhook);
    try {
      const url = new URL(webhook);
      if (url.pathname.length > 1) secrets.push(url.pathname + url.search);
    } catch {
      // not a URL: the whole value is already listed
    }
  }
  return secrets;
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
      `clé inconnue « ${oneLine(key, 40)} » (${
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
        oneLine(host, 60)
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
        oneLine(String(value ?? ""), 60)
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
