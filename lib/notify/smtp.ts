/**
 * Alerts by e-mail: the SMTP channel, and the login test `doctor` runs. We
 * open the connection ourselves and hand it to nodemailer, so that only the
 * `host:port` permission is needed, and nodemailer is imported on first use
 * only (under the agent's scoped permissions its import reads environment
 * variables, which must not happen when e-mail is not configured). Every
 * failure becomes one French line naming the server and the likely cause.
 *
 * @module
 */

import net from "node:net";
import tls from "node:tls";
import { type SmtpConfig, smtpTarget } from "../base/notify_settings.ts";
import { oneLine } from "../base/text.ts";
import { NOTIFY_TIMEOUT_MS, type NotifyChannel, rootMessage } from "./channel.ts";
import { describeSystemError } from "../base/system_errors.ts";

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
    return `adresse refusée par ${where} (${oneLine(e.response ?? detail, 160)})`;
  }
  if (/certificate|tls|ssl/i.test(detail)) {
    return `TLS refusé avec ${where} : ${describeSystemError(error).cause}`;
  }
  if (/getaddrinfo|ENOTFOUND|EAI_AGAIN|dns/i.test(detail)) {
    return `nom de serveur ${smtp.host} introuvable`;
  }
  if (e.response) return `${where} a répondu « ${oneLine(e.response, 200)} »`;
  return `${where} : ${describeSystemError(error).cause}`;
}
