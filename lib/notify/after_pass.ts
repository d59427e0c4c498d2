/**
 * What happens after a pass: from the pass's report and the alerts' memory,
 * decide on each configured channel whether to send an alert, a "back to
 * normal" message or nothing, send it, and remember what went out. Not
 * repeated for the same failure more often than `notify.repeatHours`.
 *
 * Sending can never break or slow down the sync: {@linkcode notifyAfterPass}
 * never throws, each channel has a time limit, and a failure is one warning in
 * the log. The notifier knows the pass only through {@linkcode RunReport}:
 * it imports nothing of the sync and reads no log.
 *
 * @module
 */

import { type Settings } from "../base/settings.ts";
import { formatHoursMinutes } from "../base/french.ts";
import type { Logger } from "../base/log.ts";
import { DEFAULT_REPEAT_HOURS, type NotifyConfig, notifySecrets } from "../base/notify_settings.ts";
import type { WorkFolders } from "../base/work_folders.ts";
import { NOTIFY_TIMEOUT_MS, type NotifyChannel, rootMessage, sendWithin } from "./channel.ts";
import {
  type AlertFacts,
  type AlertMessage,
  alertMessage,
  failureFingerprint,
  hoursText,
  recoveryMessage,
  type RunReport,
} from "./messages.ts";
import {
  type AlertStore,
  type ChannelAction,
  fileAlertStore,
  loadNotifyState,
  nextNotifyState,
  type PassOutcome,
  planNotifications,
  saveNotifyState,
} from "./memory.ts";
import { smtpChannel, type SmtpChannelOptions } from "./smtp.ts";
import { webhookChannel } from "./webhook.ts";
import { eventLogChannel } from "./event_log.ts";
import type { CommandRunner } from "../base/command_runner.ts";

/** An error line longer than this is cut in the alerts (and in the failure's fingerprint). */
const MAX_ERROR_LINE = 400;

/** What {@linkcode notifyAfterPass} works with. */
export interface NotifyAfterPassOptions {
  /** The agent's settings: `notify` (validated at load), `eventLog` and `agentId` are used. */
  settings: Pick<Settings, "notify" | "agentId" | "eventLog">;
  /** The work folder's parts the messages name, and Batigest's import folder when known. */
  folders: Pick<WorkFolders, "root" | "errors" | "logs" | "state"> & { importDir?: string };
  /**
   * Where the alerts' memory is kept: the journal's small state; by default
   * (a run whose journal cannot be used), `State\notify.json`.
   */
  memory?: AlertStore;
  log: Logger;
  now?: () => Date;
  /** Channels to use instead of those `notify` configures (tests). */
  channels?: NotifyChannel[];
  /** Runs `eventcreate.exe` for the Windows Event Log; without it, no Event Log. */
  runCommand?: CommandRunner;
  /** The system (`Deno.build.os` by default): the Event Log exists only on Windows. */
  os?: string;
  /** Time allowed to each channel; {@linkcode NOTIFY_TIMEOUT_MS} by default. */
  timeoutMs?: number;
}

/**
 * Sends what a pass calls for on each configured channel: an alert after a
 * failed pass (any status but `completed`) unless the same failure was announced less
 * than `repeatHours` ago, "back to normal" after a successful one if an alert
 * is open. Batigest inactive is a failure only once its documents have waited
 * more than their patience in its working hours (`report.batigestWait`):
 * before, nothing is sent and nothing remembered; after, its alert is
 * repeated within its working hours only. Never throws; takes at most about
 * `timeoutMs` (channels run side by side); a failure to send is one warning
 * in the log.
 *
 * @example
 * ```ts
 * await notifyAfterPass(
 *   { exitCode: 3, status: "server_unavailable", summary, message, errors },
 *   { settings, folders, log, now: ctx.now },
 * );
 * ```
 */
export async function notifyAfterPass(
  report: RunReport,
  options: NotifyAfterPassOptions,
): Promise<void> {
  const { log } = options;
  try {
    const config = options.settings.notify;
    const timeoutMs = options.timeoutMs ?? NOTIFY_TIMEOUT_MS;
    const channels = options.channels ?? configuredChannels(options.settings, {
      runCommand: options.runCommand,
      os: options.os,
      timeoutMs,
      log,
    });
    if (channels.length === 0) return;
    const repeatHours = config?.repeatHours ?? DEFAULT_REPEAT_HOURS;
    const now = options.now ?? (() => new Date());
    const at = now();
    // Batigest closed, its documents within their patience: normal life, nothing to say.
    const wait = report.status === "batigest_inactive" ? report.batigestWait : undefined;
    if (wait && !wait.patienceSpent) {
      log.debug(
        `Pas d'alerte : Batigest n'importe pas, mais ses documents n'attendent que depuis ${
          formatHoursMinutes(wait.workingMs)
        } en heures de travail (patience : ${hoursText(wait.patienceHours)}).`,
      );
      return;
    }
    const failed = report.status !== "completed";
    const shown: RunReport = { ...report, errors: failed ? report.errors.map(shortLine) : [] };
    const outcome: PassOutcome = {
      failed,
      fingerprint: failureFingerprint(shown),
      at,
      ...(wait ? { since: new Date(wait.since), offHours: !wait.workingNow } : {}),
    };
    const memory = options.memory ?? fileAlertStore(options.folders);
    const state = loadNotifyState(memory);
    const plan = planNotifications(state, {
      outcome,
      channels: channels.map((c) => c.name),
      repeatHours,
    });
    const failingSince = failed
      ? new Date(state.failing && state.failingSince ? state.failingSince : outcome.since ?? at)
      : state.failingSince
      ? new Date(state.failingSince)
      : undefined;
    const facts: AlertFacts = {
      agentId: options.settings.agentId,
      report: shown,
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
              hoursText(repeatHours)
            }.`,
          );
        }
        return;
      }
      const message = action === "alert" ? alertMessage(facts) : recoveryMessage(facts);
      delivered[channel.name] = await deliver({ channel, message }, { log, timeoutMs, secrets });
    }));
    const next = nextNotifyState(state, { outcome, plan, delivered, repeatHours });
    if (JSON.stringify(next) !== JSON.stringify(state)) {
      try {
        saveNotifyState(memory, next);
      } catch (error) {
        log.warning(
          `Mémoire des alertes non enregistrée (${
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

/** Sends one message on one channel within the time limit, and logs how it went; true when it went out. */
async function deliver(
  what: { channel: NotifyChannel; message: AlertMessage },
  options: { log: Logger; timeoutMs: number; secrets: readonly string[] },
): Promise<boolean> {
  const { channel, message } = what;
  const [kind, sent] = message.kind === "alert"
    ? ["Alerte", "envoyée"]
    : ["Message de retour à la normale", "envoyé"];
  const { log } = options;
  const outcome = await sendWithin(channel, { message, ...options });
  if (outcome.sent) {
    log.info(`${kind} ${sent} par ${channel.label} : « ${message.subject} ».`);
    return true;
  }
  if (outcome.notPermitted) {
    log.warning(
      `${kind} non ${sent} par ${channel.label} : ${outcome.reason} ; ` +
        "reconstruisez l'exécutable avec « notify » dans la configuration de build (scripts/compile.ts).",
    );
  } else {
    log.warning(
      `${kind} non ${sent} par ${channel.label} (${outcome.reason}) : vérifiez « notify » dans agent.json ; ` +
        "la synchronisation n'en est pas affectée, un nouvel essai aura lieu à la prochaine passe.",
    );
  }
  return false;
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

/**
 * Every channel the settings configure: e-mail, webhook, and the Windows
 * Event Log when this system has one (on Windows, with a way to run
 * `eventcreate.exe`) and `eventLog` is not false.
 */
export function configuredChannels(
  settings: Pick<Settings, "notify" | "agentId" | "eventLog">,
  options: { runCommand?: CommandRunner; os?: string; timeoutMs?: number; log?: Logger },
): NotifyChannel[] {
  const channels = settings.notify
    ? notifyChannels(settings.notify, {
      clientName: settings.agentId,
      timeoutMs: options.timeoutMs ?? NOTIFY_TIMEOUT_MS,
    })
    : [];
  if (settings.eventLog === false || !options.runCommand) return channels;
  if ((options.os ?? Deno.build.os) !== "windows") {
    options.log?.debug("Journal d'événements Windows : absent sur ce système, rien n'y est écrit.");
    return channels;
  }
  return [...channels, eventLogChannel({ runner: options.runCommand, os: options.os })];
}

function shortLine(line: string): string {
  return line.length > MAX_ERROR_LINE ? `${line.slice(0, MAX_ERROR_LINE - 1)}…` : line;
}
