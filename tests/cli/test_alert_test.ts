/**
 * `doctor --test-alert`: a real message on each configured channel, against
 * the test SMTP and webhook receivers (in process, then the agent under its
 * permission set), what each answered in one line, exit 0 only when every
 * channel accepted it; the Windows Event Log with a fake `eventcreate.exe`.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import type { CommandResult } from "../../lib/base/command_runner.ts";
import { notifyNetHosts } from "../../lib/base/notify_settings.ts";
import { doctorCommand } from "../../lib/cli/doctor.ts";
import { renderTestAlert, sendTestAlert } from "../../lib/notify/test_alert.ts";
import { makeWorld, runAgent } from "../support/agent_process.ts";
import { fakeContext } from "../support/context.ts";
import { DOCTOR_TOKEN, withRoot } from "../support/health.ts";
import { notifyConfig, SMTP_PASSWORD, smtpSettings, withSmtp } from "../support/notify_bench.ts";
import { closedPort } from "../support/smtp_receiver.ts";
import { startWebhookReceiver } from "../support/webhook_receiver.ts";

async function doctorTestAlert(
  root: string,
  notify: Record<string, unknown> | undefined,
  args: string[] = [],
) {
  const workDir = nodePath.join(root, "work");
  await Deno.mkdir(workDir, { recursive: true });
  await Deno.writeTextFile(nodePath.join(workDir, "agent.json"), JSON.stringify({ notify }));
  const run = fakeContext({
    env: {
      SAXIUM_API_URL: "https://saxium.example.com",
      SAXIUM_TOKEN: DOCTOR_TOKEN,
      SAXIUM_WORK_DIR: workDir,
      BATIGEST_IMPORT_PATH: nodePath.join(root, "import"),
    },
    now: () => new Date(2026, 11, 5, 23, 40, 12),
  });
  const code = await doctorCommand(["--test-alert", ...args], run.ctx);
  return { code, out: run.out.join("\n"), err: run.err.join("\n") };
}

Deno.test("doctor --test-alert: one real message on the e-mail and the webhook, each answer said, exit 0", async () => {
  await withRoot(async (root) => {
    await withSmtp({ user: "agent", password: SMTP_PASSWORD }, async (smtp) => {
      const hook = startWebhookReceiver();
      try {
        const notify = {
          ...smtpSettings({ port: smtp.port, user: "agent", password: SMTP_PASSWORD }),
          webhookUrl: hook.url,
        };
        const { code, out } = await doctorTestAlert(root, notify);
        assert.equal(code, 0, out);
        assert.equal(
          out,
          [
            "Message de test envoyé sur chaque canal d'alerte de SRV-TEST :",
            "  OK      e-mail à informatique@entreprise.fr, compta@entreprise.fr",
            `  OK      webhook http://127.0.0.1:${hook.port}/********`,
            "Chaque canal a accepté le message : vérifiez qu'il est bien arrivé chez ses destinataires.",
          ].join("\n"),
        );
        assert.equal(smtp.messages.length, 1);
        assert.equal(
          smtp.messages[0].subject,
          "[Agent Saxium → Batigest] SRV-TEST : message de test",
        );
        assert.match(
          smtp.messages[0].text,
          /Ceci est un message de test, envoyé le 05\/12\/2026 23:40:12 par la commande « saxium-batigest-agent doctor --test-alert » sur le poste SRV-TEST\./,
        );
        assert.deepEqual(smtp.messages[0].to, [
          "informatique@entreprise.fr",
          "compta@entreprise.fr",
        ]);
        assert.equal(hook.received.length, 1);
        const body = hook.received[0].body as Record<string, unknown>;
        assert.equal(body.event, "agent.test");
        assert.match(String(body.text), /message de test/);
        assert.ok(!out.includes("XXXXsecretXXXX") && !out.includes(SMTP_PASSWORD));
      } finally {
        await hook.close();
      }
    });
  });
});

Deno.test("doctor --test-alert: a refused login and a webhook answering 500 are each said, in French, exit 1", async () => {
  await withRoot(async (root) => {
    await withSmtp({ user: "agent", password: SMTP_PASSWORD }, async (smtp) => {
      const hook = startWebhookReceiver({ mode: { status: 500 } });
      try {
        const notify = {
          ...smtpSettings({ port: smtp.port, user: "agent", password: "mauvais-mot-de-passe" }),
          webhookUrl: hook.url,
        };
        const { code, out } = await doctorTestAlert(root, notify);
        assert.equal(code, 1, out);
        const lines = out.split("\n");
        assert.match(
          lines[1],
          new RegExp(
            `^ {2}ERREUR {2}e-mail à .* {2}identifiant ou mot de passe refusé par 127\\.0\\.0\\.1:${smtp.port} : vérifiez notify\\.smtp dans agent\\.json`,
          ),
        );
        assert.match(
          lines[2],
          /^ {2}ERREUR {2}webhook http:\/\/127\.0\.0\.1:\d+\/\*{8} +le webhook a répondu HTTP 500 : vérifiez notify\.webhookUrl/,
        );
        assert.equal(
          lines[3],
          "2 canaux sur 2 n'ont pas accepté le message : corrigez comme indiqué, puis relancez doctor --test-alert.",
        );
        assert.equal(smtp.messages.length, 0);
        assert.ok(!out.includes("mauvais-mot-de-passe"));
      } finally {
        await hook.close();
      }
    });
  });
});

Deno.test("doctor --test-alert --json: each channel's answer; an SMTP server down is one of them", async () => {
  await withRoot(async (root) => {
    const hook = startWebhookReceiver();
    try {
      const notify = { ...smtpSettings({ port: closedPort() }), webhookUrl: hook.url };
      const { code, out } = await doctorTestAlert(root, notify, ["--json"]);
      assert.equal(code, 1);
      const report = JSON.parse(out);
      assert.equal(report.ok, false);
      assert.deepEqual(report.channels.map((c: { channel: string }) => c.channel), [
        "smtp",
        "webhook",
      ]);
      assert.equal(report.channels[0].sent, false);
      assert.match(report.channels[0].reason, /^connexion refusée par 127\.0\.0\.1:\d+$/);
      assert.equal(report.channels[1].sent, true);
    } finally {
      await hook.close();
    }
  });
});

Deno.test("doctor --test-alert without any channel: says how to add one, exit 1", async () => {
  await withRoot(async (root) => {
    const { code, out } = await doctorTestAlert(root, undefined);
    assert.equal(code, 1);
    assert.equal(
      out,
      "Aucun canal d'alerte configuré pour SRV-TEST : ajoutez « notify » (e-mail ou webhook) dans agent.json, voir « Alertes » dans le README.",
    );
  });
});

Deno.test("the Windows Event Log: event 900 written by eventcreate, or its refusal said", async () => {
  const calls: string[][] = [];
  const answer = (result: CommandResult) => (_program: string, args: string[]) => {
    calls.push(args);
    return Promise.resolve(result);
  };
  const settings = { agentId: "SRV-01", workDir: "C:\\SaxiumBatigest" };
  const written = await sendTestAlert({
    settings,
    now: () => new Date(2026, 11, 5, 23, 40),
    os: "windows",
    runCommand: answer({ code: 0, stdout: "SUCCESS", stderr: "" }),
  });
  assert.deepEqual(written, [{
    channel: "eventlog",
    label: "le journal d'événements Windows",
    sent: true,
  }]);
  assert.deepEqual(calls[0].slice(0, 8), [
    "/L",
    "APPLICATION",
    "/SO",
    "SaxiumBatigestAgent",
    "/T",
    "INFORMATION",
    "/ID",
    "900",
  ]);
  const refused = await sendTestAlert({
    settings,
    now: () => new Date(),
    os: "windows",
    runCommand: answer({ code: 1, stdout: "", stderr: "ERROR: Access is denied." }),
  });
  assert.equal(refused[0].sent, false);
  assert.equal(
    renderTestAlert(refused, "SRV-01")[1],
    "  ERREUR  le journal d'événements Windows  accès refusé au journal d'événements Windows (la tâche planifiée, lancée par SYSTEM, y a droit) : lancez la commande en administrateur, ou laissez la tâche planifiée (SYSTEM) écrire ; « eventLog »: false dans agent.json pour s'en passer.",
  );
  const off = await sendTestAlert({
    settings: { ...settings, eventLog: false },
    now: () => new Date(),
    os: "windows",
    runCommand: answer({ code: 0, stdout: "", stderr: "" }),
  });
  assert.deepEqual(off, [], "« eventLog »: false: no Event Log");
});

Deno.test({
  name:
    "agent: doctor --test-alert under its permission set reaches the receivers it was built for",
  async fn() {
    const world = await makeWorld();
    const hook = startWebhookReceiver();
    try {
      await withSmtp({}, async (smtp) => {
        const notify = { ...smtpSettings({ port: smtp.port }), webhookUrl: hook.url };
        await Deno.mkdir(world.workDir, { recursive: true });
        await Deno.writeTextFile(
          nodePath.join(world.workDir, "agent.json"),
          JSON.stringify({ notify }),
        );
        const run = await runAgent(world, ["doctor", "--test-alert"], {
          extraNetHosts: notifyNetHosts(notifyConfig(notify)),
        });
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.match(run.stdout, /^ {2}OK {6}e-mail à /m);
        assert.match(run.stdout, /^ {2}OK {6}webhook /m);
        assert.equal(smtp.messages.length, 1);
        assert.equal(hook.received.length, 1);

        // Permissions without these hosts: not tried, and said so with the fix.
        const unbuilt = await runAgent(world, ["doctor", "--test-alert"]);
        assert.equal(unbuilt.code, 1, unbuilt.stdout + unbuilt.stderr);
        assert.match(
          unbuilt.stdout,
          /^ {2}ERREUR {2}e-mail à .*l'agent n'a pas la permission de joindre 127\.0\.0\.1:\d+ : reconstruisez l'exécutable avec ce « notify »/m,
        );
        assert.equal(smtp.messages.length, 1);
        assert.equal(hook.received.length, 1);
      });
    } finally {
      await hook.close();
      await world.close();
    }
  },
});
