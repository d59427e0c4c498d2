/**
 * The agent itself: `doctor`'s configuration check (loaded with or without a
 * token, or unreadable); the scheduled task's judgement, shared by `status`
 * and `doctor` (the probe against `schtasks` answers, doctor's check, and the
 * words status lists); and the alerts' check, against a real SMTP server
 * (nothing is sent).
 */

import assert from "node:assert/strict";
import { ConfigError } from "../../lib/base/config_error.ts";
import type { CommandResult } from "../../lib/base/command_runner.ts";
import { parseNotifySettings } from "../../lib/base/notify_settings.ts";
import {
  checkConfig,
  checkNotify,
  checkTask,
  judgeTask,
  probeNotify,
  probeTask,
} from "../../lib/health/agent_checks.ts";
import { parseTaskQuery, RESULT_NEVER_RUN } from "../../lib/windows/task_definition.ts";
import {
  assertFix,
  DOCTOR_TOKEN as TOKEN,
  settingsFor,
  taskQuery,
  withRoot,
} from "../support/health.ts";
import { closedPort, startSmtpReceiver } from "../support/smtp_receiver.ts";

// ---------------------------------------------------------------------------
// Configuration

Deno.test("config: OK with a token, WARNING without, ERROR when unreadable", () => {
  const settings = settingsFor("/x");
  const good = checkConfig({ settings, configFileExists: true });
  assert.equal(good.status, "OK");
  assert.match(
    good.detail,
    /agent\.json lu ; Saxium http:\/\/127\.0\.0\.1:1, agent SRV-TEST, jeton défini/,
  );
  assert.ok(!good.detail.includes(TOKEN));
  assertFix(
    checkConfig({ settings: { ...settings, token: undefined } }),
    "WARNING",
    /SAXIUM_TOKEN/,
  );
  const bad = checkConfig({
    error: new ConfigError("apiUrl", "Paramètre apiUrl manquant : indiquez l'adresse de Saxium."),
  });
  assertFix(bad, "ERROR", /apiUrl/);
  assert.match(bad.detail, /apiUrl manquant/);
});

// ---------------------------------------------------------------------------
// Scheduled task

function schtasksAnswer(result: CommandResult) {
  return () => Promise.resolve(result);
}

Deno.test("scheduled task: present and fine; absent; disabled; last run failed; not Windows", async () => {
  const name = "Saxium Batigest Sync";
  const good = await probeTask(
    schtasksAnswer({ code: 0, stdout: taskQuery({ lastResult: 0 }), stderr: "" }),
    name,
  );
  assert.equal(checkTask(good).status, "OK");
  assert.match(checkTask(good).detail, /« Saxium Batigest Sync » .*0 : OK/);

  const never = await probeTask(
    schtasksAnswer({ code: 0, stdout: taskQuery({ lastResult: RESULT_NEVER_RUN }), stderr: "" }),
    name,
  );
  assert.equal(checkTask(never).status, "OK");

  const absent = await probeTask(
    schtasksAnswer({
      code: 1,
      stdout: "",
      stderr: "ERROR: The system cannot find the file specified.\r\n",
    }),
    name,
  );
  assert.equal(absent.info, null);
  assertFix(checkTask(absent), "ERROR", /install-task/);

  const disabled = await probeTask(
    schtasksAnswer({ code: 0, stdout: taskQuery({ status: "Disabled" }), stderr: "" }),
    name,
  );
  assertFix(checkTask(disabled), "ERROR", /Activez la tâche/);

  const refused = await probeTask(
    schtasksAnswer({ code: 0, stdout: taskQuery({ lastResult: 3 }), stderr: "" }),
    name,
  );
  assertFix(checkTask(refused), "ERROR", /accès à Saxium/);
  assert.match(checkTask(refused).detail, /3 : serveur Saxium injoignable/);
  assertFix(
    checkTask({ name, info: parseTaskQuery(taskQuery({ lastResult: 1 }))! }),
    "WARNING",
    /Errors/,
  );

  const notWindows = await probeTask(
    () => Promise.reject(new Deno.errors.NotFound("schtasks")),
    name,
  );
  const c = checkTask(notWindows);
  assertFix(c, "WARNING", /Planificateur de tâches/);
  assert.match(c.detail, /^non vérifiable : .*schtasks\.exe introuvable/);
});

Deno.test("judgeTask: status lists what is wrong and doctor's fix, in one line each", () => {
  const name = "Saxium Batigest Sync";
  const fine = judgeTask({ name, info: parseTaskQuery(taskQuery({ lastResult: 0 }))! });
  assert.equal(fine.level, "OK");
  assert.equal(fine.problem, undefined);
  assert.equal(fine.fix, undefined);

  const absent = judgeTask({ name, info: null });
  assert.equal(absent.level, "ERROR");
  assert.equal(absent.problem, "La tâche planifiée « Saxium Batigest Sync » n'existe pas.");
  assert.match(absent.fix!, /^Lancez install-task/);

  const disabled = judgeTask({ name, info: parseTaskQuery(taskQuery({ status: "Disabled" }))! });
  assert.equal(disabled.level, "ERROR");
  assert.match(disabled.problem!, /est désactivée\.$/);

  const locked = judgeTask({ name, info: parseTaskQuery(taskQuery({ lastResult: 4 }))! });
  assert.equal(locked.level, "ERROR");
  assert.match(locked.problem!, /a fini avec le code 4 : une autre instance/);
  assert.match(locked.fix!, /restée bloquée\.$/);

  const unreadable = judgeTask({ name, error: "schtasks.exe introuvable" });
  assert.equal(unreadable.level, "WARNING");
  assert.equal(unreadable.detail, "non vérifiable : schtasks.exe introuvable");
  assert.equal(
    unreadable.problem,
    "Tâche planifiée « Saxium Batigest Sync » illisible : schtasks.exe introuvable.",
  );
});

// ---------------------------------------------------------------------------
// Alerts

Deno.test("alerts: none configured is fine; invalid; SMTP accepting the login; SMTP down; not permitted", async () => {
  await withRoot(async (root) => {
    const base = settingsFor(root);
    assert.equal(checkNotify(await probeNotify(base)).status, "OK");
    // A wrong `notify` stops the settings at load (doctor's configuration check shows it);
    // checkNotify still words the problem when given one.
    assert.throws(() => parseNotifySettings({ smtp: { host: "x" } }), ConfigError);
    assertFix(
      checkNotify({ configured: true, error: "Paramètre notify.smtp invalide" }),
      "ERROR",
      /Corrigez « notify »/,
    );
    const smtp = await startSmtpReceiver({ user: "agent", password: "mot-de-passe-smtp" });
    try {
      const notify = {
        smtp: {
          host: "127.0.0.1",
          port: smtp.port,
          security: "none",
          user: "agent",
          password: "mot-de-passe-smtp",
          from: "agent@entreprise.fr",
          to: ["it@entreprise.fr"],
        },
        webhookUrl: "https://hooks.example.com/services/T0/B0/secret",
      };
      const good = checkNotify(
        await probeNotify({ ...base, notify: parseNotifySettings(notify) }),
      );
      assert.equal(good.status, "OK", JSON.stringify(good));
      assert.match(
        good.detail,
        /e-mail par 127\.0\.0\.1:\d+ à it@entreprise\.fr \(connexion acceptée\)/,
      );
      assert.match(good.detail, /webhook https:\/\/hooks\.example\.com\/\*{8}/);
      assert.ok(!good.detail.includes("secret"));
      assert.equal(smtp.messages.length, 0, "doctor sends nothing");

      const wrongPassword = checkNotify(
        await probeNotify({
          ...base,
          notify: parseNotifySettings({ smtp: { ...notify.smtp, password: "faux" } }),
        }),
      );
      assertFix(wrongPassword, "ERROR", /notify\.smtp/);
      assert.match(wrongPassword.detail, /mot de passe refusé/);

      const blocked = checkNotify(
        await probeNotify({ ...base, notify: parseNotifySettings(notify) }, {
          permitted: (t) => !t.startsWith("hooks."),
        }),
      );
      assertFix(blocked, "ERROR", /Reconstruisez l'exécutable/);
      assert.match(blocked.detail, /permission de joindre hooks\.example\.com:443/);
    } finally {
      await smtp.close();
    }
    const down = checkNotify(
      await probeNotify({
        ...base,
        notify: parseNotifySettings({
          smtp: {
            host: "127.0.0.1",
            port: closedPort(),
            security: "none",
            from: "a@b.fr",
            to: ["c@d.fr"],
          },
        }),
      }),
    );
    assertFix(down, "ERROR", /notify\.smtp/);
    assert.match(down.detail, /connexion refusée/);
  });
});

Deno.test("alerts: the last alert's date is written the French way", () => {
  const check = checkNotify({
    configured: true,
    webhook: {
      url: "https://hooks.example.com/…",
      target: "hooks.example.com:443",
      permitted: true,
    },
    lastAlertAt: new Date(2026, 10, 27, 14, 51, 24).toISOString(),
  });
  assert.match(check.detail, /dernière alerte le 27\/11\/2026 14:51:24/);
});
