/**
 * Alerts by webhook, against a real HTTP receiver on loopback: the JSON body,
 * once per failure, "back to normal" once, the URL's secret path never
 * logged; a receiver failing or hanging costs a warning and bounded time.
 */

import assert from "node:assert/strict";
import { notifyAfterPass } from "../../lib/notify/after_pass.ts";
import { notifyConfig, SUCCESS, UNREACHABLE, withBench } from "../support/notify_bench.ts";
import { startWebhookReceiver } from "../support/webhook_receiver.ts";

Deno.test("webhook: one JSON alert, none for the same failure, one after recovery", async () => {
  const hook = startWebhookReceiver();
  try {
    await withBench(async ({ folders, log, lines, clock }) => {
      const settings = { agentId: "SRV-01", notify: notifyConfig({ webhookUrl: hook.url }) };
      const options = { settings, folders, log, now: () => clock.now };
      const refused = { ...UNREACHABLE, errors: ["HTTP 401"] };
      await notifyAfterPass(refused, options);
      assert.equal(hook.received.length, 1);
      const first = hook.received[0];
      assert.equal(first.method, "POST");
      assert.match(first.headers["content-type"], /^application\/json/);
      const body = first.body as Record<string, unknown>;
      assert.equal(body.event, "sync.failure");
      assert.equal(
        body.title,
        "[Agent Saxium → Batigest] SRV-01 : Saxium injoignable ou accès refusé",
      );
      assert.match(body.text as string, /Que faire :/);
      assert.deepEqual(body.errors, ["HTTP 401"]);
      assert.deepEqual((body.agent as Record<string, unknown>).id, "SRV-01");

      clock.advanceHours(1);
      await notifyAfterPass(refused, options);
      assert.equal(hook.received.length, 1);

      clock.advanceHours(1);
      await notifyAfterPass(SUCCESS, options);
      assert.equal(hook.received.length, 2);
      assert.equal((hook.received[1].body as Record<string, unknown>).event, "sync.recovery");
      const logged = lines.join("\n");
      assert.ok(!logged.includes("XXXXsecretXXXX"), "the webhook's secret path is never logged");
      assert.match(logged, /webhook http:\/\/127\.0\.0\.1:\d+\/\*{8}/);
    });
  } finally {
    await hook.close();
  }
});

Deno.test("webhook failing or hanging: warnings, bounded time, retried next pass", async () => {
  const hook = startWebhookReceiver({ mode: { status: 500 } });
  try {
    await withBench(async ({ folders, log, lines, clock }) => {
      const settings = { agentId: "SRV-01", notify: notifyConfig({ webhookUrl: hook.url }) };
      await notifyAfterPass(UNREACHABLE, { settings, folders, log, now: () => clock.now });
      assert.ok(lines.some((l) => /non envoyée par webhook .*HTTP 500/.test(l)), lines.join("\n"));

      hook.setMode("hang");
      const started = performance.now();
      await notifyAfterPass(UNREACHABLE, {
        settings,
        folders,
        log,
        now: () => clock.now,
        timeoutMs: 500,
      });
      assert.ok(performance.now() - started < 3_000);
      assert.ok(
        lines.some((l) => /pas répondu à temps|pas de réponse en/.test(l)),
        lines.join("\n"),
      );

      hook.setMode("ok");
      await notifyAfterPass(UNREACHABLE, { settings, folders, log, now: () => clock.now });
      assert.equal(hook.received.length, 3, "each failed attempt is tried again");
      assert.equal(hook.received.filter((r) => r.body !== "").length, 3);
    });
  } finally {
    await hook.close();
  }
});
