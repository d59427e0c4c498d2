/** `doctor`'s alerts check, against a real SMTP server (nothing is sent). */

import { ConfigError } from "../../lib/base/config_error.ts";
import assert from "node:assert/strict";
import { parseNotifySettings } from "../../lib/base/notify_settings.ts";
import { checkNotify, probeNotify } from "../../lib/health/checks_alerts.ts";
import { assertFix, settingsFor, withRoot } from "../support/health.ts";
import { closedPort, startSmtpReceiver } from "../support/smtp_receiver.ts";

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
