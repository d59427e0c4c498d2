/**
 * `doctor --test-alert`: a real message on every configured channel (e-mail,
 * webhook, the Windows Event Log), so that an administrator knows, before the
 * first real failure, that the alerts reach someone. Each channel is tried as
 * the alerts after a pass try it (`sendWithin`: the agent's permissions first,
 * the same time limit), side by side, and its answer is told in one French
 * line: OK, or the reason and what to do.
 *
 * Nothing is remembered: a test is neither an alert nor a recovery, and the
 * alerts' memory is left as it was.
 *
 * @module
 */

import type { CommandRunner } from "../base/command_runner.ts";
import { plural } from "../base/french.ts";
import { notifySecrets } from "../base/notify_settings.ts";
import type { Settings } from "../base/settings.ts";
import { configuredChannels } from "./after_pass.ts";
import { NOTIFY_TIMEOUT_MS, type NotifyChannel, sendWithin } from "./channel.ts";
import { testMessage } from "./messages.ts";

/** What one channel answered to the test. */
export interface TestAnswer {
  /** `smtp`, `webhook` or `eventlog`. */
  channel: string;
  /** The channel, in French: « e-mail à a@b.fr ». */
  label: string;
  sent: boolean;
  /** Why not, in French, secrets masked. */
  reason?: string;
  /** What to do about it, in French. */
  fix?: string;
}

/** What {@linkcode sendTestAlert} works with. */
export interface TestAlertOptions {
  settings: Pick<Settings, "notify" | "agentId" | "eventLog" | "workDir">;
  now: () => Date;
  /** Runs `eventcreate.exe` for the Windows Event Log. */
  runCommand?: CommandRunner;
  /** The system (`Deno.build.os` by default): the Event Log exists only on Windows. */
  os?: string;
  /** Time allowed to each channel; {@linkcode NOTIFY_TIMEOUT_MS} by default. */
  timeoutMs?: number;
  /** Channels to use instead of those the settings configure (tests). */
  channels?: NotifyChannel[];
}

/**
 * Sends the test message on every configured channel, side by side; never
 * throws. No channel configured: no answer.
 *
 * @example
 * ```ts
 * const answers = await sendTestAlert({ settings, now: ctx.now, runCommand: ctx.runCommand });
 * const ok = answers.length > 0 && answers.every((a) => a.sent);
 * ```
 */
export async function sendTestAlert(options: TestAlertOptions): Promise<TestAnswer[]> {
  const { settings } = options;
  const timeoutMs = options.timeoutMs ?? NOTIFY_TIMEOUT_MS;
  const channels = options.channels ??
    configuredChannels(settings, { runCommand: options.runCommand, os: options.os, timeoutMs });
  const message = testMessage({
    agentId: settings.agentId,
    at: options.now(),
    folders: { root: settings.workDir },
  });
  const secrets = notifySecrets(settings.notify);
  return await Promise.all(channels.map(async (channel): Promise<TestAnswer> => {
    const outcome = await sendWithin(channel, { message, timeoutMs, secrets });
    const answer = { channel: channel.name, label: channel.label };
    if (outcome.sent) return { ...answer, sent: true };
    return {
      ...answer,
      sent: false,
      reason: outcome.reason,
      fix: outcome.notPermitted
        ? "reconstruisez l'exécutable avec ce « notify » dans la configuration de build (scripts/compile.ts)"
        : FIXES[channel.name] ?? "vérifiez « notify » dans agent.json",
    };
  }));
}

const FIXES: Record<string, string> = {
  smtp:
    "vérifiez notify.smtp dans agent.json (serveur, port, sécurité, identifiant, mot de passe, adresses)",
  webhook:
    "vérifiez notify.webhookUrl dans agent.json et que le webhook accepte encore des messages",
  eventlog:
    "lancez la commande en administrateur, ou laissez la tâche planifiée (SYSTEM) écrire ; « eventLog »: false dans agent.json pour s'en passer",
};

/** The lines `doctor --test-alert` prints: one a channel, then the verdict. */
export function renderTestAlert(answers: readonly TestAnswer[], agentId: string): string[] {
  if (answers.length === 0) {
    return [
      `Aucun canal d'alerte configuré pour ${agentId} : ajoutez « notify » (e-mail ou webhook) dans agent.json, voir « Alertes » dans le README.`,
    ];
  }
  const width = Math.max(...answers.map((a) => a.label.length));
  const lines = [`Message de test envoyé sur chaque canal d'alerte de ${agentId} :`];
  for (const a of answers) {
    lines.push(
      a.sent
        ? `  OK      ${a.label}`
        : `  ERREUR  ${a.label.padEnd(width)}  ${a.reason} : ${a.fix}.`,
    );
  }
  const failed = answers.filter((a) => !a.sent).length;
  lines.push(
    failed === 0
      ? "Chaque canal a accepté le message : vérifiez qu'il est bien arrivé chez ses destinataires."
      : `${plural(failed, "canal", "canaux")} sur ${answers.length} n'${
        failed > 1 ? "ont" : "a"
      } pas accepté le message : corrigez comme indiqué, puis relancez doctor --test-alert.`,
  );
  return lines;
}
