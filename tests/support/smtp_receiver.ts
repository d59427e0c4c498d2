/**
 * A real SMTP server on 127.0.0.1 for tests (the `smtp-server` package, by
 * nodemailer's authors), which keeps every message it accepts, decoded enough
 * to read the subject and the text. Also a server that accepts connections and
 * never answers, and a port where nothing listens.
 *
 * @module
 */

import net from "node:net";
import { SMTPServer } from "smtp-server";

/** One message the receiver accepted. */
export interface ReceivedMail {
  /** MAIL FROM. */
  from: string;
  /** RCPT TO, in order. */
  to: string[];
  /** The user who logged in, if any. */
  user?: string;
  /** The message as received (headers and body). */
  raw: string;
  /** The decoded subject. */
  subject: string;
  /** The decoded text body. */
  text: string;
}

/** A running SMTP receiver. */
export interface SmtpReceiver {
  host: string;
  port: number;
  messages: ReceivedMail[];
  /** Passwords tried by clients (to check what was sent). */
  logins: { user: string; password: string }[];
  close(): Promise<void>;
}

/** Options of {@linkcode startSmtpReceiver}. */
export interface SmtpReceiverOptions {
  /** When set, AUTH is required with this user and `password`. */
  user?: string;
  password?: string;
}

/** Starts an SMTP server on 127.0.0.1 (plain connection, no STARTTLS). */
export function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  const logins: { user: string; password: string }[] = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ["STARTTLS"],
    authOptional: options.user === undefined,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      logins.push({ user: auth.username ?? "", password: auth.password ?? "" });
      if (auth.username === options.user && auth.password === options.password) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error("Invalid username or password"));
      }
    },
    onData(stream, session, callback) {
      const chunks: Uint8Array[] = [];
      stream.on("data", (chunk: Uint8Array) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = new TextDecoder().decode(concat(chunks));
        const { subject, text } = decodeMessage(raw);
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === "string" ? session.user : undefined,
          raw,
          subject,
          text,
        });
        callback();
      });
    },
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    const listener = server.listen(0, "127.0.0.1", () => {
      const port = (listener.address() as net.AddressInfo).port;
      resolve({
        host: "127.0.0.1",
        port,
        messages,
        logins,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

/** A TCP server that accepts connections and never says a word (a hung SMTP server). */
export interface SilentServer {
  port: number;
  close(): Promise<void>;
}

/** Starts a {@linkcode SilentServer} on 127.0.0.1. */
export function startSilentServer(): SilentServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) conns.push(conn);
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      listener.close();
      await accepting;
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // already closed by the client
        }
      }
    },
  };
}

/** A loopback port where nothing listens (a mail server that is down). */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  return all;
}

/** The subject and text of a single-part message (quoted-printable, base64 or plain). */
export function decodeMessage(raw: string): { subject: string; text: string } {
  const split = raw.search(/\r?\n\r?\n/);
  const head = (split < 0 ? raw : raw.slice(0, split)).replace(/\r?\n[ \t]+/g, " ");
  const body = split < 0 ? "" : raw.slice(split).replace(/^\r?\n\r?\n/, "");
  const header = (name: string) =>
    new RegExp(`^${name}:\\s*(.*)$`, "im").exec(head)?.[1]?.trim() ?? "";
  const encoding = header("Content-Transfer-Encoding").toLowerCase();
  const text = encoding === "quoted-printable"
    ? decodeQuotedPrintable(body)
    : encoding === "base64"
    ? utf8(base64Bytes(body.replace(/\s+/g, "")))
    : body;
  return { subject: decodeWords(header("Subject")), text: text.replace(/\r\n/g, "\n") };
}

function decodeWords(value: string): string {
  return value.replace(/=\?[^?]+\?([QqBb])\?([^?]*)\?=\s*(?==\?)/g, "=?utf-8?$1?$2?=")
    .replace(
      /=\?[^?]+\?([QqBb])\?([^?]*)\?=/g,
      (_, kind: string, data: string) =>
        kind.toUpperCase() === "B"
          ? utf8(base64Bytes(data))
          : decodeQuotedPrintable(data.replace(/_/g, " ")),
    );
}

function decodeQuotedPrintable(text: string): string {
  const soft = text.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...new TextEncoder().encode(soft[i]));
    }
  }
  return utf8(new Uint8Array(bytes));
}

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function utf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
