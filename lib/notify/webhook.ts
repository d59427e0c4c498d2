/**
 * Alerts by webhook (Teams, Slack, a monitoring system): one JSON POST with
 * `fetch`, redirects not followed, any answer but 2xx a failure. The URL is
 * shown masked, since its path is often the webhook's secret.
 *
 * @module
 */

import { netTarget } from "../base/net.ts";
import { maskWebhookUrl } from "../base/text.ts";
import { VERSION } from "../base/version.ts";
import type { NotifyChannel } from "./channel.ts";
import { describeSystemError } from "../base/system_errors.ts";

/** The webhook channel: a JSON POST with `fetch`. */
export function webhookChannel(url: string): NotifyChannel {
  return {
    name: "webhook",
    label: `webhook ${maskWebhookUrl(url)}`,
    target: netTarget(url),
    async send(message, signal) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: "POST",
          headers: {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": `saxium-batigest-agent/${VERSION}`,
          },
          body: JSON.stringify(message.payload),
          redirect: "manual",
          signal,
        });
      } catch (error) {
        if (signal.aborted) throw new Error("le webhook n'a pas répondu à temps");
        throw new Error(`connexion impossible, ${describeSystemError(error).cause}`);
      }
      await res.body?.cancel().catch(() => {});
      if (res.status < 200 || res.status >= 300) {
        throw new Error(`le webhook a répondu HTTP ${res.status}`);
      }
    },
  };
}
