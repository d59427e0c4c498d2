/**
 * The alerts' settings: what `notify` accepts, its defaults, one French line
 * per mistake, the network targets and secrets it implies; and that a wrong
 * `notify` stops the settings at load, like any other setting.
 */

import { ConfigError } from "../../lib/base/config_error.ts";
import assert from "node:assert/strict";
import nodePath from "node:path";
import { resolveSettings } from "../../lib/base/config.ts";
import {
  notifyNetHosts,
  notifySecrets,
  parseNotifySettings,
} from "../../lib/base/notify_settings.ts";
import { maskWebhookUrl } from "../../lib/base/text.ts";

const SMTP_PASSWORD = "Sm7p-P4ssw0rd-NeverShown";

Deno.test("notify settings: SMTP and webhook with their defaults", () => {
  const config = parseNotifySettings({
    smtp: {
      host: "smtp.entreprise.fr",
      from: "agent@entreprise.fr",
      to: "a@entreprise.fr; b@x.fr",
    },
    webhookUrl: "https://hooks.example.com/services/T0/B0/secret",
  });
  assert.deepEqual(config, {
    repeatHours: 24,
    smtp: {
      host: "smtp.entreprise.fr",
      port: 587,
      security: "starttls",
      from: "agent@entreprise.fr",
      to: ["a@entreprise.fr", "b@x.fr"],
    },
    webhookUrl: "https://hooks.example.com/services/T0/B0/secret",
  });
  assert.equal(
    parseNotifySettings({
      smtp: { host: "mail", security: "TLS", from: "a@b.fr", to: ["c@d.fr"] },
      repeatHours: 0.5,
    })!.smtp!.port,
    465,
  );
  assert.equal(parseNotifySettings(undefined), undefined);
});

Deno.test("notify settings: each mistake is one French line naming the setting", () => {
  const cases: [unknown, RegExp][] = [
    [{}, /ni « smtp » ni « webhookUrl »/],
    [
      { webhookURL: "https://x" },
      /clé inconnue « webhookURL » \(vouliez-vous dire « webhookUrl » \?\)/,
    ],
    [{ webhookUrl: "http://hooks.example.com/x" }, /seul https:\/\/ est accepté/],
    [{ webhookUrl: "https://user:pw@hooks.example.com/x" }, /retirez l'identifiant/],
    [{ webhookUrl: "pas une adresse" }, /adresse complète/],
    [{ repeatHours: 0, webhookUrl: "https://h.example.com/" }, /notify\.repeatHours/],
    [
      { smtp: { host: "smtp.x.fr:587", from: "a@b.fr", to: ["c@d.fr"] } },
      /le port va dans « port »/,
    ],
    [{ smtp: { host: "smtp.x.fr", security: "ssl", from: "a@b.fr", to: ["c@d.fr"] } }, /starttls/],
    [{ smtp: { host: "smtp.x.fr", port: 70000, from: "a@b.fr", to: ["c@d.fr"] } }, /port/],
    [
      { smtp: { host: "smtp.x.fr", from: "pas-une-adresse", to: ["c@d.fr"] } },
      /notify\.smtp\.from/,
    ],
    [{ smtp: { host: "smtp.x.fr", from: "a@b.fr", to: [] } }, /au moins un destinataire/],
    [{ smtp: { host: "smtp.x.fr", from: "a@b.fr", to: ["c@d.fr"], user: "u" } }, /vont ensemble/],
    [
      {
        smtp: {
          host: "smtp.x.fr",
          security: "none",
          user: "u",
          password: "p",
          from: "a@b.fr",
          to: ["c@d.fr"],
        },
      },
      /en clair/,
    ],
    [{ smtp: { host: "smtp.x.fr", from: "a@b.fr", to: ["c@d.fr"], pasword: "p" } }, /clé inconnue/],
  ];
  for (const [raw, pattern] of cases) {
    assert.throws(
      () => parseNotifySettings(raw as Record<string, unknown>),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.equal(e.setting, "notify");
        assert.match(e.message, pattern);
        assert.ok(!e.message.includes("\n"));
        return true;
      },
      JSON.stringify(raw),
    );
  }
});

Deno.test("notifyNetHosts: the SMTP server and the webhook host, for the permission set", () => {
  assert.deepEqual(notifyNetHosts(undefined), []);
  assert.deepEqual(
    notifyNetHosts(parseNotifySettings({
      smtp: {
        host: "SMTP.Entreprise.fr",
        port: 25,
        security: "none",
        from: "a@b.fr",
        to: "c@d.fr",
      },
      webhookUrl: "https://outlook.office.com/webhook/abc",
    })),
    ["smtp.entreprise.fr:25", "outlook.office.com:443"],
  );
  assert.deepEqual(
    notifyNetHosts(parseNotifySettings({ webhookUrl: "http://127.0.0.1:8080/x" })),
    ["127.0.0.1:8080"],
  );
  assert.throws(() => notifyNetHosts(parseNotifySettings({ webhookUrl: "ftp://x" })), ConfigError);
});

Deno.test("secrets of notify: the password and the webhook's path; the URL shown masked", () => {
  const notify = {
    smtp: { host: "h", from: "a@b.fr", to: "c@d.fr", user: "u", password: SMTP_PASSWORD },
    webhookUrl: "https://hooks.example.com/services/T0/B0/s3cr3t",
  };
  assert.deepEqual(notifySecrets(parseNotifySettings(notify)), [
    SMTP_PASSWORD,
    "https://hooks.example.com/services/T0/B0/s3cr3t",
    "/services/T0/B0/s3cr3t",
  ]);
  assert.equal(maskWebhookUrl(notify.webhookUrl), "https://hooks.example.com/********");
});

Deno.test("a wrong notify is a ConfigError when the settings are loaded, before anything runs", () => {
  const load = (notify: unknown, where: "file" | "build") =>
    resolveSettings({}, {
      env: (name) => name === "SAXIUM_API_URL" ? "https://saxium.example.com" : undefined,
      readTextFile: () => where === "file" ? JSON.stringify({ notify }) : undefined,
      hostname: () => "SRV-01",
      buildDefaults: where === "build" ? { notify: notify as Record<string, unknown> } : {},
      pathApi: nodePath.win32,
    });
  for (const where of ["file", "build"] as const) {
    assert.throws(
      () => load({ smtp: "oui" }, where),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.equal(e.setting, "notify");
        assert.match(e.message, /^Paramètre notify\.smtp invalide dans agent\.json/);
        return true;
      },
    );
    assert.deepEqual(load({ webhookUrl: "https://hooks.example.com/x" }, where).notify, {
      repeatHours: 24,
      webhookUrl: "https://hooks.example.com/x",
    });
  }
  assert.throws(() => load([], "file"), /Paramètre notify invalide : un objet JSON est attendu/);
});
