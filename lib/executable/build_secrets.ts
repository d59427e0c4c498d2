/**
 * What a build may hold of secrets: nothing. Anyone who copies an executable
 * can read what is baked into it, so a build configuration holding a secret
 * (the token, SMTP credentials, a webhook URL, whose path is its key) is
 * refused, in one French line naming the key (never the value), what to keep
 * instead, and where the secret goes: `agent.json` on the server, which
 * `install-task` reserves to SYSTEM and Administrators.
 *
 * Of the alerts, a build keeps what its permission set needs, their hosts:
 *
 * ```json
 * "notify": { "smtpHost": "smtp.client.fr:587", "webhookHost": "hooks.client.fr" }
 * ```
 *
 * Pure; `build_config.ts` calls it and names the file in its errors.
 *
 * @module
 */

import net from "node:net";
import { netTarget } from "../base/net.ts";
import { oneLine } from "../base/text.ts";

/** The notification servers an executable may reach, as `host:port`. */
export interface BuildNotify {
  /** The SMTP server: `smtp.client.fr:587`. */
  smtpHost?: string;
  /** The webhook's host: `hooks.client.fr:443`. */
  webhookHost?: string;
}

/** What is wrong with a build's `notify`; `message` is French, without the file's name. */
export class BuildNotifyProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuildNotifyProblem";
  }
}

const NOTIFY_KEYS = ["smtpHost", "webhookHost"] as const;

/** Where a secret goes instead of the build, and why (the end of each refusal). */
const SECRET_HOME =
  "un secret n'entre jamais dans l'exécutable, que quiconque le copie peut lire : mettez-le dans agent.json sur le serveur, qu'install-task réserve à SYSTEM et aux Administrateurs";

/**
 * Why a build configuration may not be used because it holds a secret (the
 * token, SMTP credentials, a webhook URL), as one French line naming the key,
 * never the value, and what to keep instead; undefined when it holds none.
 */
export function secretInBuild(record: Record<string, unknown>): string | undefined {
  if (record.token !== undefined) return `retirez « token » ; ${SECRET_HOME}.`;
  const notify = record.notify;
  if (typeof notify !== "object" || notify === null || Array.isArray(notify)) return undefined;
  const { smtp, webhookUrl } = notify as Record<string, unknown>;
  if (smtp !== undefined) {
    const given = typeof smtp === "object" && smtp !== null ? smtp as Record<string, unknown> : {};
    const credentials = given.password !== undefined || given.user !== undefined;
    return `remplacez « notify.smtp » par ${hostHint("smtpHost", smtpHint(given))} ; ${
      credentials
        ? `ses identifiants sont un secret : ${SECRET_HOME}`
        : "le reste (adresses, sécurité, identifiants) se règle dans agent.json sur le serveur"
    }.`;
  }
  if (webhookUrl !== undefined) {
    return `remplacez « notify.webhookUrl » par ${
      hostHint("webhookHost", webhookHint(webhookUrl))
    } ; l'adresse complète du webhook contient sa clé : ${SECRET_HOME}.`;
  }
  return undefined;
}

function hostHint(key: string, value: string): string {
  return `"${key}": "${value}"`;
}

/** `host:port` of an SMTP block as written, for the refusal's hint (never its password). */
function smtpHint(smtp: Record<string, unknown>): string {
  const host = typeof smtp.host === "string" && /^[A-Za-z0-9.-]{1,253}$/.test(smtp.host.trim())
    ? smtp.host.trim().toLowerCase()
    : "smtp.client.fr";
  const security = typeof smtp.security === "string" ? smtp.security.trim().toLowerCase() : "";
  const port = typeof smtp.port === "number" && Number.isInteger(smtp.port)
    ? smtp.port
    : security === "tls"
    ? 465
    : security === "none"
    ? 25
    : 587;
  return `${host}:${port}`;
}

/** The host of a webhook URL as written, for the refusal's hint (never its path). */
function webhookHint(url: unknown): string {
  try {
    return typeof url === "string" ? new URL(url.trim()).host.toLowerCase() : "hooks.client.fr";
  } catch {
    return "hooks.client.fr";
  }
}

/**
 * Validates the build's `notify`: the hosts only, as `host:port`.
 *
 * @throws {BuildNotifyProblem} naming the key and the fix.
 */
export function parseBuildNotify(value: unknown): BuildNotify {
  const example = '{ "smtpHost": "smtp.client.fr:587", "webhookHost": "hooks.client.fr" }';
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BuildNotifyProblem(
      `« notify » doit être un objet, par exemple ${example}.`,
    );
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(NOTIFY_KEYS as readonly string[]).includes(key)) {
      throw new BuildNotifyProblem(
        `« notify.${
          oneLine(key, 40)
        } » n'a pas sa place dans la construction, qui ne garde que les hôtes (${
          NOTIFY_KEYS.join(", ")
        }) ; le reste des alertes se règle dans agent.json sur le serveur.`,
      );
    }
  }
  const notify: BuildNotify = {};
  if (record.smtpHost !== undefined) {
    notify.smtpHost = hostPort(record.smtpHost, {
      key: "notify.smtpHost",
      example: "smtp.client.fr:587",
    });
  }
  if (record.webhookHost !== undefined) {
    notify.webhookHost = hostPort(record.webhookHost, {
      key: "notify.webhookHost",
      example: "hooks.client.fr",
      defaultPort: 443,
    });
  }
  if (!notify.smtpHost && !notify.webhookHost) {
    throw new BuildNotifyProblem(
      `« notify » sans « smtpHost » ni « webhookHost » : indiquez au moins l'un des deux, par exemple ${example}, ou retirez « notify ».`,
    );
  }
  return notify;
}

/**
 * `host:port` as Deno's `--allow-net` names it, from `host:port` (or `host`
 * when a default port is given). A scheme or a path is refused without being
 * quoted: a webhook's path is its key.
 */
function hostPort(
  value: unknown,
  where: { key: string; example: string; defaultPort?: number },
): string {
  const wrong = (why: string) =>
    new BuildNotifyProblem(
      `« ${where.key} » ${why} ; indiquez l'hôte${
        where.defaultPort ? " (et le port s'il n'est pas " + where.defaultPort + ")" : " et le port"
      }, par exemple "${where.example}".`,
    );
  if (typeof value !== "string" || value.trim() === "") throw wrong("doit être un texte");
  const text = value.trim();
  if (/[/@?#]/.test(text)) {
    throw wrong("doit être un nom d'hôte seul, sans https://, chemin ni identifiants");
  }
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(text);
  const host = match?.[1].replace(/^\[(.*)\]$/, "$1") ?? "";
  const validHost = /^[A-Za-z0-9.-]+$/.test(host) || net.isIP(host) === 6;
  if (!match || !validHost) throw wrong(`(« ${oneLine(text, 60)} ») n'est pas un nom d'hôte`);
  const port = match[2] === undefined ? where.defaultPort : Number(match[2]);
  if (port === undefined) throw wrong("n'a pas de port");
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw wrong("a un port hors de 1 à 65535");
  }
  const named = net.isIP(host) === 6 ? `[${host}]` : host;
  // As the permissions and the run-time check name it (lower case, IPv6 in brackets).
  return netTarget(`https://${named}:${port}`);
}
