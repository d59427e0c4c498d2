/**
 * What every alert channel is, so that the e-mail and webhook modules and the
 * after-pass orchestration agree without importing one another: the
 * {@linkcode NotifyChannel} interface, the time each channel is allowed, and
 * how a channel's failure becomes the one French line logged as a warning.
 *
 * @module
 */

import { innermostMessage } from "../base/text.ts";
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
