/**
 * Alerts by e-mail, against a real SMTP server on loopback: the message as
 * received, once per failure and again after `repeatHours`, a server down,
 * silent or refusing the login (a warning, never the password), and the
 * login test doctor runs.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { notifyAfterPass } from "../../lib/notify/after_pass.ts";
import type { RunReport } from "../../lib/notify/messages.ts";
import { fileAlertStore, loadNotifyState } from "../../lib/notify/memory.ts";
import { verifySmtp } from "../../lib/notify/smtp.ts";
import {
  EXPORT_ERRORS,
  notifyConfig,
  SMTP_PASSWORD,
  smtpSettings,
  SUCCESS,
  UNREACHABLE,
  withBench,
  withSmtp,
} from "../support/notify_bench.ts";
import { closedPort, startSilentServer } from "../support/smtp_receiver.ts";

Deno.test("SMTP: one alert for a failing pass, none for the same failure, one after recovery", async () => {
  await withSmtp({ user: "agent", password: SMTP_PASSWORD }, async (smtp) => {
    await withBench(async ({ folders, log, lines, clock }) => {
      const settings = {
        agentId: "SRV-01",
        notify: notifyConfig(
          smtpSettings({ port: smtp.port, user: "agent", password: SMTP_PASSWORD }),
        ),
      };
      const pass = async (report: RunReport) => {
        const errors = report.exitCode !== 0 ? ["Impossible d'obtenir la liste : HTTP 401"] : [];
        await notifyAfterPass({ ...report, errors }, {
          settings,
          folders,
          log,
          now: () => clock.now,
        });
      };

      await pass(UNREACHABLE);
      assert.equal(smtp.messages.length, 1);
      const mail = smtp.messages[0];
      assert.equal(mail.from, "agent-saxium@entreprise.fr");
      assert.deepEqual(mail.to, ["informatique@entreprise.fr", "compta@entreprise.fr"]);
      assert.equal(mail.user, "agent");
      assert.equal(
        mail.subject,
        "[Agent Saxium → Batigest] SRV-01 : Saxium injoignable ou accès refusé",
      );
      assert.match(mail.text, /Saxium a refusé l'agent \(HTTP 401/);
      assert.match(mail.text, /Impossible d'obtenir la liste : HTTP 401/);
      assert.match(mail.text, /Que faire :/);
      assert.ok(lines.some((l) => /\[INFO\] Alerte envoyée par e-mail à informatique@/.test(l)));

      clock.advanceHours(0.1);
      await pass(UNREACHABLE);
      assert.equal(smtp.messages.length, 1, "same failure within repeatHours: nothing sent");

      clock.advanceHours(0.1);
      await pass(SUCCESS);
      assert.equal(smtp.messages.length, 2);
      assert.equal(
        smtp.messages[1].subject,
        "[Agent Saxium → Batigest] SRV-01 : retour à la normale",
      );
      assert.match(smtp.messages[1].text, /durait depuis le 31\/01\/2025 10:00:00/);

      clock.advanceHours(0.1);
      await pass(SUCCESS);
      assert.equal(smtp.messages.length, 2, "back to normal is said once");

      const written = await Deno.readTextFile(nodePath.join(folders.logs, "sync-2025-01-31.log"));
      assert.ok(!written.includes(SMTP_PASSWORD));
    });
  });
});

Deno.test("SMTP: the same failure is announced again after repeatHours", async () => {
  await withSmtp({}, async (smtp) => {
    await withBench(async ({ folders, log, clock }) => {
      const settings = {
        agentId: "SRV-01",
        notify: notifyConfig({ ...smtpSettings(smtp), repeatHours: 2 }),
      };
      const options = { settings, folders, log, now: () => clock.now };
      const failed = { ...EXPORT_ERRORS, errors: ["DV-1 refusé"] };
      await notifyAfterPass(failed, options);
      clock.advanceHours(1.5);
      await notifyAfterPass(failed, options);
      assert.equal(smtp.messages.length, 1);
      clock.advanceHours(0.5);
      await notifyAfterPass(failed, options);
      assert.equal(smtp.messages.length, 2);
      assert.match(smtp.messages[1].subject, /2 exports en erreur/);
      assert.match(smtp.messages[1].text, /pas répétée pour la même panne avant 2 h/);
    });
  });
});

Deno.test("SMTP down: nothing thrown, one warning, the alert is tried again next pass", async () => {
  await withBench(async ({ folders, log, lines, clock }) => {
    const port = closedPort();
    const settings = { agentId: "SRV-01", notify: notifyConfig(smtpSettings({ port })) };
    await notifyAfterPass(UNREACHABLE, { settings, folders, log, now: () => clock.now });
    const warning = lines.find((l) => l.includes("[WARNING] Alerte non envoyée"))!;
    assert.match(warning, new RegExp(`connexion refusée par 127\\.0\\.0\\.1:${port}`));
    assert.match(warning, /la synchronisation n'en est pas affectée/);
    const state = loadNotifyState(fileAlertStore(folders));
    assert.equal(state.failing, true);
    assert.deepEqual(state.channels, {}, "nothing remembered as sent");

    await withSmtp({}, async (smtp) => {
      const settingsUp = {
        agentId: "SRV-01",
        notify: notifyConfig(smtpSettings({ port: smtp.port })),
      };
      clock.advanceHours(0.1);
      await notifyAfterPass(UNREACHABLE, {
        settings: settingsUp,
        folders,
        log,
        now: () => clock.now,
      });
      assert.equal(smtp.messages.length, 1, "sent once the server is back");
    });
  });
});

Deno.test("SMTP that never answers: the alert gives up within its time limit", async () => {
  const silent = startSilentServer();
  try {
    await withBench(async ({ folders, log, lines }) => {
      const settings = {
        agentId: "SRV-01",
        notify: notifyConfig(smtpSettings({ port: silent.port })),
      };
      const started = performance.now();
      await notifyAfterPass(UNREACHABLE, { settings, folders, log, timeoutMs: 700 });
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 3_000, `${elapsed} ms`);
      assert.ok(lines.some((l) => /\[WARNING\] Alerte non envoyée/.test(l)), lines.join("\n"));
    });
  } finally {
    await silent.close();
  }
});

Deno.test("SMTP login refused: a warning naming the cause, never the password", async () => {
  await withSmtp({ user: "agent", password: "the-right-one" }, async (smtp) => {
    await withBench(async ({ folders, log, lines }) => {
      const settings = {
        agentId: "SRV-01",
        notify: notifyConfig(
          smtpSettings({ port: smtp.port, user: "agent", password: SMTP_PASSWORD }),
        ),
      };
      await notifyAfterPass(UNREACHABLE, { settings, folders, log });
      assert.equal(smtp.messages.length, 0);
      assert.equal(smtp.logins[0].password, SMTP_PASSWORD);
      assert.ok(lines.some((l) => /identifiant ou mot de passe refusé/.test(l)), lines.join("\n"));
      assert.ok(!lines.join("\n").includes(SMTP_PASSWORD));
    });
  });
});

Deno.test("verifySmtp (for doctor): connects and logs in without sending", async () => {
  await withSmtp({ user: "agent", password: SMTP_PASSWORD }, async (smtp) => {
    const config = notifyConfig(
      smtpSettings({ port: smtp.port, user: "agent", password: SMTP_PASSWORD }),
    );
    await verifySmtp(config.smtp!);
    assert.equal(smtp.messages.length, 0);
    assert.equal(smtp.logins.length, 1);
    await assert.rejects(
      () => verifySmtp({ ...config.smtp!, password: "faux" }),
      /identifiant ou mot de passe refusé par 127\.0\.0\.1/,
    );
  });
  await assert.rejects(
    () =>
      verifySmtp({
        host: "127.0.0.1",
        port: closedPort(),
        security: "none",
        from: "a@b.fr",
        to: ["c@d.fr"],
      }),
    /connexion refusée/,
  );
});
