/**
 * What every alert channel is, so that the e-mail and webhook modules and the
 * after-pass orchestration agree without importing one another: the
 * {@linkcode NotifyChannel} interface, the time each channel is allowed, and
 * how one message is sent on one channel ({@linkcode sendWithin}: within its
 * time, if the agent's permissions reach it, its failure one French reason),
 * for the alerts after a pass and for `doctor --test-alert` alike.
 *
 * @module
 */

import { innermostMessage, redact } from "../base/text.ts";
import type { AlertMessage } from "./messages.ts";

/** Time allowed to each channel for one message. */
export const NOTIFY_TIMEOUT_MS = 10_000;

/** A way to deliver an alert. */
export interface NotifyChannel {
  /** `smtp` or `webhook`: the key of its memory. */
  name: string;
  /** For the log, in French: "e-mail à a@b.fr". */
  label: string;
  /** `host:port` it connects to, checked against the agent's permissions first (none for a local one). */
  target?: string;
  /** Sends one message; rejects with an error whose message is French. */
  send(message: AlertMessage, signal: AbortSignal): Promise<void>;
}

/** The innermost message of an error chain, on one line. */
export function rootMessage(error: unknown): string {
  return innermostMessage(error, 300);
}

/** What a channel answered to one message. */
export type SendOutcome =
  | { sent: true }
  /** `reason` is French, secrets masked; `notPermitted` when the agent may not reach the channel. */
  | { sent: false; reason: string; notPermitted?: boolean };

/**
 * Sends one message on one channel within `timeoutMs`; never throws. A
 * channel the agent's permissions do not reach is not tried.
 */
export async function sendWithin(
  channel: NotifyChannel,
  options: { message: AlertMessage; timeoutMs: number; secrets: readonly string[] },
): Promise<SendOutcome> {
  if (channel.target !== undefined && !netAllowed(channel.target)) {
    return {
      sent: false,
      reason: `l'agent n'a pas la permission de joindre ${channel.target}`,
      notPermitted: true,
    };
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
    await Promise.race([channel.send(options.message, controller.signal), expired]);
    return { sent: true };
  } catch (error) {
    return { sent: false, reason: redact(rootMessage(error), options.secrets) };
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
