/**
 * The notifier's memory, across passes, crashes and reboots: which failure was
 * last announced on each channel and when, whether a "back to normal" message
 * is owed, and since when the agent is failing. Kept in the journal's small
 * state under `alerts` (`lib/journal/small_state.ts`); when the journal
 * itself cannot be used (damaged, a full disk), in `State\notify.json`,
 * written atomically (temporary file, then rename), which the next run that
 * opens the journal takes in: an unusable journal is announced once per
 * `repeatHours` too, and its recovery said.
 *
 * The decisions are pure functions of that memory, the pass outcome and the
 * clock, so they are tested without any server.
 *
 * @module
 */

import nodePath from "node:path";
import type { WorkFolders } from "../base/work_folders.ts";

/** What one channel (e-mail, webhook) remembers. */
export interface ChannelMemory {
  /** When each failure (by fingerprint) was last announced on this channel, ISO 8601. */
  sent: Record<string, string>;
  /** An alert went out on this channel and no "back to normal" message since. */
  open: boolean;
}

/** The notifier's whole memory. */
export interface NotifyState {
  /** Whether the last pass failed. */
  failing: boolean;
  /** When the current run of failing passes began, ISO 8601. */
  failingSince?: string;
  /** Per channel (`smtp`, `webhook`). */
  channels: Record<string, ChannelMemory>;
}

/** What a channel must send after a pass. */
export type ChannelAction = "alert" | "recovery" | "none";

/** The pass outcome as the decision needs it. */
export interface PassOutcome {
  /** Whether the pass failed (exit code 1 or 3). */
  failed: boolean;
  /** Identifies the failure; the same failure gives the same fingerprint. */
  fingerprint: string;
  /** When the pass ended. */
  at: Date;
  /** When the failure began, when the pass knows better than its end (documents waiting since). */
  since?: Date;
  /** Outside Batigest's working hours: an alert already open is not repeated until they come. */
  offHours?: boolean;
}

/** The state file's name in `State\`. */
export const NOTIFY_STATE_FILE = "notify.json";

/** An empty memory: nothing failing, nothing sent. */
export function emptyNotifyState(): NotifyState {
  return { failing: false, channels: {} };
}

/** Where the memory is kept: the journal's small state, or a file (see the module doc). */
export interface AlertStore {
  get(key: "alerts"): string | undefined;
  set(key: "alerts", value: string): void;
}

/** The memory kept in `store`; missing or unreadable, an empty memory (at worst one alert sent again). */
export function loadNotifyState(store: AlertStore): NotifyState {
  try {
    return normalizeState(JSON.parse(store.get("alerts") ?? "null"));
  } catch {
    return emptyNotifyState();
  }
}

/** Keeps the memory in `store`. */
export function saveNotifyState(store: AlertStore, state: NotifyState): void {
  store.set("alerts", `${JSON.stringify(state, null, 2)}\n`);
}

/** The file the memory is kept in when the journal cannot be used. */
export function notifyStatePath(folders: Pick<WorkFolders, "state">): string {
  return nodePath.join(folders.state, NOTIFY_STATE_FILE);
}

/** The memory in `State\notify.json`, for a run whose journal cannot be used. */
export function fileAlertStore(folders: Pick<WorkFolders, "state">): AlertStore {
  const path = notifyStatePath(folders);
  return {
    get: () => {
      try {
        return Deno.readTextFileSync(path);
      } catch {
        return undefined;
      }
    },
    set: (_key, value) => {
      // Atomically: a temporary file beside it, then a rename.
      Deno.mkdirSync(folders.state, { recursive: true });
      const temporary = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
      try {
        Deno.writeTextFileSync(temporary, value);
        Deno.renameSync(temporary, path);
      } catch (error) {
        try {
          Deno.removeSync(temporary);
        } catch {
          // nothing was written
        }
        throw error;
      }
    },
  };
}

/**
 * What each channel must send after a pass.
 *
 * A failed pass alerts a channel unless that channel announced the same
 * failure (same fingerprint) less than `repeatHours` ago; outside
 * Batigest's working hours (`offHours`), a channel with an alert open (not
 * yet followed by "back to normal") is not alerted again. A successful pass
 * sends "back to normal" on each channel that has an alert open.
 *
 * @example
 * ```ts
 * planNotifications(emptyNotifyState(), {
 *   outcome: { failed: true, fingerprint: "3:saxium injoignable", at: new Date() },
 *   channels: ["smtp"],
 *   repeatHours: 24,
 * }); // { smtp: "alert" }
 * ```
 */
export function planNotifications(
  state: NotifyState,
  options: { outcome: PassOutcome; channels: readonly string[]; repeatHours: number },
): Record<string, ChannelAction> {
  const { outcome, repeatHours } = options;
  const plan: Record<string, ChannelAction> = {};
  for (const channel of options.channels) {
    const memory = state.channels[channel];
    if (outcome.failed) {
      const last = memory?.sent[outcome.fingerprint];
      const elapsed = last === undefined ? Infinity : outcome.at.getTime() - Date.parse(last);
      const due = Number.isNaN(elapsed) || elapsed >= repeatHours * 3_600_000;
      // Outside Batigest's working hours, a channel with an alert open waits for them.
      plan[channel] = due && !(outcome.offHours && memory?.open) ? "alert" : "none";
    } else {
      plan[channel] = memory?.open ? "recovery" : "none";
    }
  }
  return plan;
}

/**
 * The memory after a pass, given what each channel actually delivered
 * (`delivered[channel]` true when its message went out). A message that could
 * not be sent is not remembered, so the next pass tries again.
 */
export function nextNotifyState(
  state: NotifyState,
  options: {
    outcome: PassOutcome;
    plan: Record<string, ChannelAction>;
    delivered: Record<string, boolean>;
    repeatHours: number;
  },
): NotifyState {
  const { outcome, plan, delivered } = options;
  const at = outcome.at.toISOString();
  const horizon = outcome.at.getTime() - options.repeatHours * 3_600_000;
  const channels: Record<string, ChannelMemory> = {};
  for (const [name, memory] of Object.entries(state.channels)) {
    const sent = Object.fromEntries(
      Object.entries(memory.sent).filter(([, when]) => Date.parse(when) > horizon),
    );
    channels[name] = { sent, open: memory.open };
  }
  for (const [name, action] of Object.entries(plan)) {
    if (action === "none" || !delivered[name]) continue;
    const memory = channels[name] ?? { sent: {}, open: false };
    if (action === "alert") {
      memory.sent[outcome.fingerprint] = at;
      memory.open = true;
    } else {
      // Back to normal, said: the next failure, even the same one, is news.
      memory.sent = {};
      memory.open = false;
    }
    channels[name] = memory;
  }
  return {
    failing: outcome.failed,
    failingSince: outcome.failed
      ? (state.failing ? state.failingSince : undefined) ??
        (outcome.since ?? outcome.at).toISOString()
      : undefined,
    channels,
  };
}

function normalizeState(value: unknown): NotifyState {
  const state = emptyNotifyState();
  if (typeof value !== "object" || value === null) return state;
  const raw = value as Record<string, unknown>;
  state.failing = raw.failing === true;
  if (typeof raw.failingSince === "string") state.failingSince = raw.failingSince;
  const channels = raw.channels;
  if (typeof channels === "object" && channels !== null) {
    for (const [name, memory] of Object.entries(channels as Record<string, unknown>)) {
      if (typeof memory !== "object" || memory === null) continue;
      const m = memory as Record<string, unknown>;
      const sent: Record<string, string> = {};
      if (typeof m.sent === "object" && m.sent !== null) {
        for (const [fingerprint, when] of Object.entries(m.sent as Record<string, unknown>)) {
          if (typeof when === "string") sent[fingerprint] = when;
        }
      }
      state.channels[name] = { sent, open: m.open === true };
    }
  }
  return state;
}
