/**
 * After a pass: both channels side by side, a broken one not stopping the
 * other; never throwing; nothing done without `notify`. The last tests run
 * the agent itself under its permission set (--ignore-env, net limited to
 * Saxium and the SMTP server), the sync command building the pass's report.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { notifyNetHosts } from "../../lib/base/notify_settings.ts";
import { batigestWait } from "../../lib/batigest/working_hours.ts";
import { notifyAfterPass } from "../../lib/notify/after_pass.ts";
import type { NotifyChannel } from "../../lib/notify/channel.ts";
import { fileAlertStore, loadNotifyState, notifyStatePath } from "../../lib/notify/memory.ts";
import {
  type AgentRun,
  makeWorld,
  runAgent,
  TEST_TOKEN,
  type World,
} from "../support/agent_process.ts";
import { quoteXml } from "../support/documents.ts";
import {
  notifyConfig,
  SMTP_PASSWORD,
  smtpSettings,
  UNREACHABLE,
  withBench,
} from "../support/notify_bench.ts";
import { closedPort, startSmtpReceiver } from "../support/smtp_receiver.ts";
import { startWebhookReceiver } from "../support/webhook_receiver.ts";

Deno.test("both channels: each gets one alert; a broken channel does not stop the other", async () => {
  const hook = startWebhookReceiver();
  try {
    await withBench(async ({ folders, log, clock }) => {
      const settings = {
        agentId: "SRV-01",
        notify: notifyConfig({ ...smtpSettings({ port: closedPort() }), webhookUrl: hook.url }),
      };
      await notifyAfterPass(UNREACHABLE, { settings, folders, log, now: () => clock.now });
      assert.equal(hook.received.length, 1);
      const state = loadNotifyState(fileAlertStore(folders));
      assert.deepEqual(Object.keys(state.channels), ["webhook"]);
    });
  } finally {
    await hook.close();
  }
});

// Bad settings no longer reach the notifier: they are a ConfigError at load
// (tests/base/notify_settings_test.ts).
Deno.test("notifyAfterPass never throws: a throwing channel, an unwritable state", async () => {
  await withBench(async ({ dir, folders, log, lines }) => {
    const exploding: NotifyChannel = {
      name: "webhook",
      label: "webhook de test",
      target: "127.0.0.1:9",
      send: () => Promise.reject(new TypeError("boum")),
    };
    await notifyAfterPass(UNREACHABLE, {
      settings: { agentId: "SRV-01" },
      folders,
      log,
      channels: [exploding],
    });
    assert.ok(lines.some((l) => /non envoyée par webhook de test \(boum\)/.test(l)));

    const blocked = { ...folders, state: nodePath.join(dir, "fichier") };
    await Deno.writeTextFile(blocked.state, "un fichier, pas un dossier");
    const ok: NotifyChannel = { ...exploding, send: () => Promise.resolve() };
    await notifyAfterPass(UNREACHABLE, {
      settings: { agentId: "SRV-01" },
      folders: blocked,
      log,
      channels: [ok],
    });
    assert.ok(lines.some((l) => /Mémoire des alertes non enregistrée/.test(l)), lines.join("\n"));
  });
});

Deno.test("no notify settings: nothing read, nothing written", async () => {
  await withBench(async ({ folders, log, lines }) => {
    await notifyAfterPass(UNREACHABLE, { settings: { agentId: "SRV-01" }, folders, log });
    assert.deepEqual(lines, []);
    await assert.rejects(() => Deno.stat(notifyStatePath(folders)), Deno.errors.NotFound);
  });
});

// ---------------------------------------------------------------------------
// The agent itself, under its permission set (--ignore-env, net limited to
// Saxium and the SMTP server): needs `notifyAfterPass` wired into the sync.

async function runWithNotify(
  world: World,
  notify: Record<string, unknown>,
): Promise<AgentRun & { ms: number }> {
  await Deno.mkdir(world.workDir, { recursive: true });
  await Deno.writeTextFile(nodePath.join(world.workDir, "agent.json"), JSON.stringify({ notify }));
  const started = performance.now();
  const run = await runAgent(world, ["sync", "--once"], {
    extraNetHosts: notifyNetHosts(notifyConfig(notify)),
  });
  return { ...run, ms: performance.now() - started };
}

Deno.test({
  name: "agent: a refused pass sends one e-mail, the same failure none, recovery one",
  async fn() {
    const world = await makeWorld();
    const smtp = await startSmtpReceiver({ user: "agent", password: SMTP_PASSWORD });
    try {
      const notify = smtpSettings({ port: smtp.port, user: "agent", password: SMTP_PASSWORD });
      world.saxium.addFault({ route: "pending", fault: { status: 401 } });
      const first = await runWithNotify(world, notify);
      assert.equal(first.code, 3, first.stderr);
      assert.equal(smtp.messages.length, 1, first.stdout + first.stderr);
      assert.match(smtp.messages[0].subject, /SRV-TEST : Saxium injoignable ou accès refusé/);
      assert.match(smtp.messages[0].text, /HTTP 401/);

      const second = await runWithNotify(world, notify);
      assert.equal(second.code, 3);
      assert.equal(smtp.messages.length, 1, "same failure: no second e-mail");

      world.saxium.clearFaults();
      world.saxium.addExport({
        documentType: "devis_client",
        documentReference: "DV-RETOUR",
        files: { xml: quoteXml("DV-RETOUR") },
      });
      const third = await runWithNotify(world, notify);
      assert.equal(third.code, 0, third.stderr);
      assert.equal(smtp.messages.length, 2);
      assert.match(smtp.messages[1].subject, /retour à la normale/);
      for (const run of [first, second, third]) {
        assert.ok(!(run.stdout + run.stderr).includes(SMTP_PASSWORD));
        assert.ok(!(run.stdout + run.stderr).includes(TEST_TOKEN));
      }
    } finally {
      await smtp.close();
      await world.close();
    }
  },
});

Deno.test({
  name: "agent: an SMTP server that is down changes neither the result nor the exit code",
  async fn() {
    const world = await makeWorld();
    try {
      const notify = smtpSettings({ port: closedPort() });
      world.saxium.addFault({ route: "pending", fault: { status: 401 } });
      const failing = await runWithNotify(world, notify);
      assert.equal(failing.code, 3, failing.stderr);
      assert.match(failing.stderr, /Alerte non envoyée par e-mail .*connexion refusée/);

      world.saxium.clearFaults();
      world.saxium.addExport({
        documentType: "devis_client",
        documentReference: "DV-OK",
        files: { xml: quoteXml("DV-OK") },
      });
      const passing = await runWithNotify(world, notify);
      assert.equal(passing.code, 0, passing.stderr);
      assert.equal(world.batigest.ledger.length, 1);
      assert.ok(passing.ms < 30_000);
    } finally {
      await world.close();
    }
  },
});

Deno.test({
  name: "agent: webhook alert from the real agent under its permission set",
  async fn() {
    const world = await makeWorld();
    const hook = startWebhookReceiver();
    try {
      world.saxium.addFault({ route: "pending", fault: { status: 401 } });
      const run = await runWithNotify(world, { webhookUrl: hook.url });
      assert.equal(run.code, 3, run.stderr);
      assert.equal(hook.received.length, 1);
      const body = hook.received[0].body as Record<string, unknown>;
      assert.equal(body.event, "sync.failure");
      assert.ok(
        (body.errors as string[]).every((e) => !e.startsWith("Fin de la synchronisation")),
        "the pass's conclusion is not one of its errors",
      );
      assert.ok(!(run.stdout + run.stderr).includes("XXXXsecretXXXX"));
    } finally {
      await hook.close();
      await world.close();
    }
  },
});

Deno.test("Batigest inactive: silent within the patience; past it one French alert (since when, what to do, nothing lost), not repeated; a later completed pass sends the recovery", async () => {
  await withBench(async ({ folders, log, clock }) => {
    const sent: { kind: string; subject: string; text: string }[] = [];
    const channel: NotifyChannel = {
      name: "webhook",
      label: "webhook de test",
      target: "127.0.0.1:9",
      send: (message) => {
        sent.push(message);
        return Promise.resolve();
      },
    };
    // Documents delivered on Thursday 30 January 2025 at 18:02, after closing time; the
    // clock starts on Friday at 10:00: exactly the 2 working hours of patience, not more.
    const since = new Date(2025, 0, 30, 18, 2);
    const inactive = () => ({
      exitCode: 5,
      status: "batigest_inactive",
      summary: { synced: 0, errors: 0, reacknowledged: 0, unfinished: 6 },
      message:
        "Batigest n'importe plus depuis le 30/01 à 18:02 : est-il ouvert, et son import automatique actif ? … rien n'est perdu ni en erreur",
      errors: [],
      batigestWait: batigestWait({ since, now: clock.now }),
    });
    const settings = { agentId: "SRV-01", notify: undefined };
    const options = { settings, folders, log, now: () => clock.now, channels: [channel] };
    await notifyAfterPass(inactive(), options);
    assert.equal(sent.length, 0, "within the patience: silent");
    clock.advanceHours(0.1);
    await notifyAfterPass(inactive(), options);
    clock.advanceHours(0.1);
    await notifyAfterPass(inactive(), options);
    assert.equal(sent.length, 1, "not repeated within repeatHours");
    assert.equal(sent[0].kind, "alert");
    assert.match(sent[0].subject, /Batigest n'importe plus/);
    assert.match(sent[0].text, /depuis le jeudi 30\/01\/2025 à 18:02/);
    assert.match(sent[0].text, /Rien n'est perdu et rien n'est en erreur/);
    assert.match(sent[0].text, /Vérifiez que Batigest est ouvert/);
    assert.match(sent[0].text, /Ne relancez aucun export dans Saxium/);

    clock.advanceHours(1);
    await notifyAfterPass({
      exitCode: 0,
      status: "completed",
      summary: { synced: 6, errors: 0, reacknowledged: 0, unfinished: 0 },
      errors: [],
    }, options);
    assert.equal(sent.length, 2);
    assert.equal(sent[1].kind, "recovery");
    assert.match(sent[1].subject, /retour à la normale/);
  });
});
