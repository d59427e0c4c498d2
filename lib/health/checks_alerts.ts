/**
 * `doctor`'s check of the alerts (`notify`): the settings are valid, the
 * agent's permissions let it reach the SMTP server and the webhook, the SMTP
 * server accepts the login, and when the last alert went out. Nothing is
 * sent: a test alert would reach people.
 *
 * @module
 */

import { type Settings } from "../base/settings.ts";
import { formatDateTime } from "../base/french.ts";
import { maskWebhookUrl } from "../base/secrets.ts";
import { journalPath, workFolders } from "../base/work_folders.ts";
import { netTarget } from "../base/net.ts";
import { type SmtpConfig, smtpTarget } from "../base/notify_settings.ts";
import { loadNotifyState } from "../notify/memory.ts";
import { readSmallState } from "../journal/journal.ts";
import { verifySmtp } from "../notify/smtp.ts";
import { type CheckResult, oneLineMessage, verdicts } from "./check.ts";

/** What is known of the alerts' set-up. */
export interface NotifyFacts {
  /** `notify` is not set. */
  configured: boolean;
  /** Why `notify` is invalid. */
  error?: string;
  smtp?: { target: string; to: string[]; permitted: boolean; failure?: string };
  webhook?: { url: string; target: string; permitted: boolean };
  /** When the last alert went out, ISO 8601. */
  lastAlertAt?: string;
}

/** Checks the permissions and logs in to the SMTP server (sends nothing). */
export async function probeNotify(
  settings: Pick<Settings, "notify" | "agentId" | "workDir" | "batigestImportDir">,
  options: {
    verify?: (smtp: SmtpConfig) => Promise<void>;
    permitted?: (target: string) => boolean;
  } = {},
): Promise<NotifyFacts> {
  const config = settings.notify;
  if (config === undefined) return { configured: false };
  const permitted = options.permitted ?? netPermitted;
  const facts: NotifyFacts = { configured: true };
  if (config?.smtp) {
    const target = smtpTarget(config.smtp);
    facts.smtp = { target, to: config.smtp.to, permitted: permitted(target) };
    if (facts.smtp.permitted) {
      try {
        await (options.verify ?? ((smtp) => verifySmtp(smtp, { clientName: settings.agentId })))(
          config.smtp,
        );
      } catch (e) {
        facts.smtp.failure = oneLineMessage(e);
      }
    }
  }
  if (config?.webhookUrl) {
    const target = netTarget(config.webhookUrl);
    facts.webhook = {
      url: maskWebhookUrl(config.webhookUrl),
      target,
      permitted: permitted(target),
    };
  }
  const folders = workFolders(settings);
  const state = loadNotifyState({
    get: (key) => readSmallState(folders, key, { journalPath: journalPath(folders) }),
    set: () => {},
  });
  const sent = Object.values(state.channels).flatMap((c) => Object.values(c.sent)).sort();
  if (sent.length) facts.lastAlertAt = sent.at(-1);
  return facts;
}

/** Alerts: valid, allowed by the permissions, SMTP server accepting the login. */
export function checkNotify(facts: NotifyFacts): CheckResult {
  const id = "notify";
  const title = "Alertes";
  const verdict = verdicts(id, title);
  if (!facts.configured) {
    return verdict.ok("aucune alerte configurée (facultatif : « notify » dans agent.json)");
  }
  if (facts.error) {
    return verdict.error(facts.error, "Corrigez « notify » dans agent.json comme indiqué.");
  }
  const parts: string[] = [];
  if (facts.smtp) {
    parts.push(
      `e-mail par ${facts.smtp.target} à ${facts.smtp.to.join(", ")}${
        facts.smtp.permitted && !facts.smtp.failure ? " (connexion acceptée)" : ""
      }`,
    );
  }
  if (facts.webhook) parts.push(`webhook ${facts.webhook.url} (non testé : rien n'est envoyé)`);
  if (facts.lastAlertAt) {
    parts.push(`dernière alerte le ${formatDateTime(new Date(facts.lastAlertAt))}`);
  }
  const detail = parts.join(" ; ");
  const blocked = [facts.smtp, facts.webhook].filter((c) => c && !c.permitted).map((c) =>
    c!.target
  );
  if (blocked.length) {
    return verdict.error(
      `${detail} ; l'agent n'a pas la permission de joindre ${blocked.join(", ")}`,
      "Reconstruisez l'exécutable avec ce « notify » dans la configuration de build (scripts/compile.ts), qui ouvre ces adresses.",
    );
  }
  if (facts.smtp?.failure) {
    return verdict.error(
      `${detail} ; serveur SMTP : ${facts.smtp.failure}`,
      "Vérifiez notify.smtp dans agent.json (serveur, port, sécurité, identifiant et mot de passe).",
    );
  }
  return verdict.ok(detail);
}

function netPermitted(target: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "net", host: target }).state === "granted";
  } catch {
    return false;
  }
}
