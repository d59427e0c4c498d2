/**
 * Alerts: the `notify` settings, the decision to send (once per failure,
 * repeated after `repeatHours`, "back to normal" after recovery), the
 * messages, and delivery to a real SMTP server and a real HTTP receiver on
 * loopback, including servers that are down or hang. The last tests run the
 * agent itself under its permission set.
 */

import { maskWebhookUrl } from "../../lib/base/secrets.ts";
import assert from "node:assert/strict";
import nodePath from "node:path";
import { ConfigError } from "../../lib/base/config.ts";
import { Logger } from "../../lib/base/log.ts";
import {
  alertMessage,
  errorLinesSince,
  failureFingerprint,
  notifyAfterPass,
  type NotifyChannel,
  notifyNetHosts,
  notifySecrets,
  parseNotifySettings,
  recoveryMessage,
  verifySmtp,
} from "../../lib/notify/notify.ts";
import {
  emptyNotifyState,
  nextNotifyState,
  type NotifyState,
  notifyStatePath,
  planNotifications,
  readNotifyState,
  writeNotifyState,
} from "../../lib/notify/memory.ts";
import type { PassResult } from "../../lib/notify/notify.ts";
import { workFolders } from "../../lib/base/work_folders.ts";
import {
  type AgentRun,
  makeWorld,
  runAgent,
  TEST_TOKEN,
  type World,
} from "../support/agent_process.ts";
import { quoteXml } from "../support/documents.ts";
import {
  closedPort,
  type SmtpReceiver,
  startSilentServer,
  startSmtpReceiver,
} from "../support/smtp_receiver.ts";
import { startWebhookReceiver } from "../support/webhook_receiver.ts";

const SMTP_PASSWORD = "Sm7p-P4ssw0rd-NeverShown";

const UNREACHABLE: PassResult = {
  exitCode: 3,
  summary: { synced: 0, errors: 0, reacknowledged: 0, unfinished: 0 },
  message:
    "Saxium a refusé l'agent (HTTP 401, jeton absent, invalide ou expiré) : vérifiez ou renouvelez le jeton (SAXIUM_TOKEN ou « token » dans agent.json).",
};
const EXPORT_ERRORS: PassResult = {
  exitCode: 1,
  summary: { synced: 1, errors: 2, reacknowledged: 0, unfinished: 0 },
};
const SUCCESS: PassResult = {
  exitCode: 0,
  summary: { synced: 3, errors: 0, reacknowledged: 0, unfinished: 0 },
};

function smtpSettings(smtp: { port: number; user?: string; password?: string }) {
  return {
    smtp: {
      host: "127.0.0.1",
      port: smtp.port,
      security: "none",
      ...(smtp.user ? { user: smtp.user, password: smtp.password } : {}),
      from: "agent-saxium@entreprise.fr",
      to: ["informatique@entreprise.fr", "compta@entreprise.fr"],
    },
  };
}

/** A work folder, a logger that also keeps its lines, and a clock the test moves. */
async function withBench(
  body: (bench: {
    dir: string;
    folders: ReturnType<typeof workFolders>;
    log: Logger;
    lines: string[];
    clock: { now: Date; advanceHours(h: number): void };
  }) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "saxium-notify-" });
  try {
    const folders = workFolders({
      workDir: nodePath.join(dir, "work"),
      batigestImportDir: nodePath.join(dir, "import"),
    });
    const clock = {
      now: new Date(2025, 0, 31, 10, 0, 0),
      advanceHours(h: number) {
        this.now = new Date(this.now.getTime() + h * 3_600_000);
      },
    };
    const lines: string[] = [];
    const log = new Logger({
      dir: folders.logs,
      level: "DEBUG",
      retentionDays: 30,
      now: () => clock.now,
      console: (line) => lines.push(line),
    });
    await body({ dir, folders, log, lines, clock });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// ---------------------------------------------------------------------------
// Settings

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
    notifyNetHosts({
      smtp: {
        host: "SMTP.Entreprise.fr",
        port: 25,
        security: "none",
        from: "a@b.fr",
        to: "c@d.fr",
      },
      webhookUrl: "https://outlook.office.com/webhook/abc",
    }),
    ["smtp.entreprise.fr:25", "outlook.office.com:443"],
  );
  assert.deepEqual(notifyNetHosts({ webhookUrl: "http://127.0.0.1:8080/x" }), ["127.0.0.1:8080"]);
  assert.throws(() => notifyNetHosts({ webhookUrl: "ftp://x" }), ConfigError);
});

Deno.test("secrets of notify: the password and the webhook's path; the URL shown masked", () => {
  const notify = {
    smtp: { host: "h", from: "a@b.fr", to: "c@d.fr", user: "u", password: SMTP_PASSWORD },
    webhookUrl: "https://hooks.example.com/services/T0/B0/s3cr3t",
  };
  assert.deepEqual(notifySecrets(notify), [
    SMTP_PASSWORD,
    "https://hooks.example.com/services/T0/B0/s3cr3t",
    "/services/T0/B0/s3cr3t",
  ]);
  assert.equal(maskWebhookUrl(notify.webhookUrl), "https://hooks.example.com/********");
});

// ---------------------------------------------------------------------------
// Decisions

Deno.test("decisions: one alert per failure, repeated after repeatHours, recovery once", () => {
  const at = (h: number) => new Date(Date.UTC(2025, 0, 31, 10) + h * 3_600_000);
  let state: NotifyState = emptyNotifyState();
  const step = (failed: boolean, fingerprint: string, h: number, delivered = true) => {
    const outcome = { failed, fingerprint, at: at(h) };
    const plan = planNotifications(state, { outcome, channels: ["smtp"], repeatHours: 24 });
    state = nextNotifyState(state, {
      outcome,
      plan,
      delivered: { smtp: delivered },
      repeatHours: 24,
    });
    return plan.smtp;
  };
  assert.equal(step(false, "", 0), "none", "nothing to say while all is well");
  assert.equal(step(true, "3:a", 1), "alert");
  assert.equal(state.failingSince, at(1).toISOString());
  assert.equal(step(true, "3:a", 2), "none", "same failure within 24 h");
  assert.equal(step(true, "3:b", 3), "alert", "another failure");
  assert.equal(step(true, "3:a", 24.9), "none");
  assert.equal(step(true, "3:a", 25), "alert", "24 h after the last alert");
  assert.equal(state.failingSince, at(1).toISOString(), "still the same run of failures");
  assert.equal(step(false, "", 26, false), "recovery");
  assert.equal(state.channels.smtp.open, true, "a recovery not delivered stays owed");
  assert.equal(state.failingSince, undefined);
  assert.equal(step(false, "", 27), "recovery");
  assert.equal(step(false, "", 28), "none", "said once");
  assert.equal(step(true, "3:c", 29, false), "alert");
  assert.equal(step(true, "3:c", 29.1), "alert", "an alert not delivered is tried again");
  assert.equal(step(true, "3:c", 29.2), "none");
});

Deno.test("decisions: each channel keeps its own memory", () => {
  const outcome = { failed: true, fingerprint: "1:x", at: new Date() };
  const plan = planNotifications(emptyNotifyState(), {
    outcome,
    channels: ["smtp", "webhook"],
    repeatHours: 24,
  });
  const state = nextNotifyState(emptyNotifyState(), {
    outcome,
    plan,
    delivered: { smtp: false, webhook: true },
    repeatHours: 24,
  });
  assert.deepEqual(
    planNotifications(state, { outcome, channels: ["smtp", "webhook"], repeatHours: 24 }),
    { smtp: "alert", webhook: "none" },
  );
});

Deno.test("state file: written atomically, read back; garbage reads as empty", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = notifyStatePath({ state: nodePath.join(dir, "State") });
    assert.deepEqual(await readNotifyState(path), emptyNotifyState());
    const state: NotifyState = {
      failing: true,
      failingSince: "2025-01-31T10:00:00.000Z",
      channels: { smtp: { sent: { "3:a": "2025-01-31T10:00:00.000Z" }, open: true } },
    };
    await writeNotifyState(path, state);
    assert.deepEqual(await readNotifyState(path), state);
    assert.deepEqual([...Deno.readDirSync(nodePath.dirname(path))].map((e) => e.name), [
      "notify.json",
    ]);
    await Deno.writeTextFile(path, "{ pas du json");
    assert.deepEqual(await readNotifyState(path), emptyNotifyState());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fingerprint: numbers and ids do not make a new failure; the exit code does", () => {
  const a = failureFingerprint(
    { ...UNREACHABLE, message: "Saxium n'a pas répondu dans le délai de 30 s (5 tentatives)" },
    [],
  );
  const b = failureFingerprint(
    { ...UNREACHABLE, message: "Saxium n'a pas répondu dans le délai de 30 s (3 tentatives)" },
    ["x"],
  );
  assert.equal(a, b);
  const e1 = failureFingerprint(EXPORT_ERRORS, [
    "L'export DV-17 [7b599c58] : Batigest n'a pas importé DV-17.xml en 30 s",
  ]);
  const e2 = failureFingerprint(EXPORT_ERRORS, [
    "L'export DV-18 [0e2f4a11] : Batigest n'a pas importé DV-18.xml en 30 s",
  ]);
  assert.equal(e1, e2);
  assert.notEqual(e1, failureFingerprint(EXPORT_ERRORS, ["Document refusé : DOCTYPE interdit"]));
  assert.notEqual(failureFingerprint({ ...UNREACHABLE, message: "x" }, []), "1:x");
});

// ---------------------------------------------------------------------------
// Messages

Deno.test("messages: what failed and what to do, in French; recovery names the outage", () => {
  const folders = { root: "C:\\Saxium", errors: "C:\\Saxium\\Errors", logs: "C:\\Saxium\\Logs" };
  const at = new Date(2025, 0, 31, 10, 5, 0);
  const alert = alertMessage({
    agentId: "SRV-01",
    result: UNREACHABLE,
    errors: ["Impossible d'obtenir la liste des exports en attente : HTTP 401"],
    at,
    failingSince: new Date(2025, 0, 31, 9, 0, 0),
    folders,
    repeatHours: 24,
  });
  assert.equal(
    alert.subject,
    "[Agent Saxium → Batigest] SRV-01 : Saxium injoignable ou accès refusé",
  );
  assert.match(
    alert.text,
    /n'a pas pu travailler avec Saxium lors de la passe du 2025-01-31 10:05:00/,
  );
  assert.match(alert.text, /Ce qui s'est passé :\n {2}Saxium a refusé l'agent \(HTTP 401/);
  assert.match(alert.text, /Que faire :\n {2}- Corrigez la cause/);
  assert.match(alert.text, /doctor/);
  assert.match(alert.text, /En échec depuis : 2025-01-31 09:00:00/);
  assert.match(alert.text, /pas répétée pour la même panne avant 24 h/);
  assert.equal(alert.payload.event, "sync.failure");
  assert.equal((alert.payload.pass as { exitCode: number }).exitCode, 3);
  assert.equal(alert.payload.text, alert.text);

  const errors = Array.from({ length: 14 }, (_, i) => `erreur ${i}`);
  const exportAlert = alertMessage({
    agentId: "SRV-01",
    result: EXPORT_ERRORS,
    errors,
    at,
    folders,
    repeatHours: 24,
  });
  assert.match(exportAlert.subject, /SRV-01 : 2 export\(s\) en erreur$/);
  assert.match(exportAlert.text, /C:\\Saxium\\Errors/);
  assert.match(exportAlert.text, /relancez l'export depuis Saxium/);
  assert.match(exportAlert.text, /erreur 9\n {2}… et 4 autre\(s\), voir le journal\./);

  const back = recoveryMessage({
    agentId: "SRV-01",
    result: SUCCESS,
    errors: [],
    at,
    failingSince: new Date(2025, 0, 31, 9, 0, 0),
    folders,
    repeatHours: 24,
  });
  assert.equal(back.subject, "[Agent Saxium → Batigest] SRV-01 : retour à la normale");
  assert.match(back.text, /fonctionne de nouveau/);
  assert.match(back.text, /durait depuis le 2025-01-31 09:00:00/);
  assert.equal(back.payload.event, "sync.recovery");
});

Deno.test("error lines: the ERROR lines of the pass, from the log, closing line left out", async () => {
  await withBench(async ({ folders, log, clock }) => {
    log.error("avant la passe");
    clock.advanceHours(1);
    const since = clock.now;
    log.info("Début de la synchronisation");
    log.error("Impossible d'obtenir la liste des exports en attente : HTTP 401");
    log.warning("un avertissement");
    log.error("Fin de la synchronisation : 0 synchronisé(s), 0 en erreur.");
    assert.deepEqual(await errorLinesSince(folders.logs, { since, until: clock.now }), [
      "Impossible d'obtenir la liste des exports en attente : HTTP 401",
    ]);
  });
});

// ---------------------------------------------------------------------------
// Delivery, against real servers on loopback

async function withSmtp(
  options: { user?: string; password?: string },
  body: (smtp: SmtpReceiver) => Promise<void>,
): Promise<void> {
  const smtp = await startSmtpReceiver(options);
  try {
    await body(smtp);
  } finally {
    await smtp.close();
  }
}

Deno.test("SMTP: one alert for a failing pass, none for the same failure, one after recovery", async () => {
  await withSmtp({ user: "agent", password: SMTP_PASSWORD }, async (smtp) => {
    await withBench(async ({ folders, log, lines, clock }) => {
      const settings = {
        agentId: "SRV-01",
        notify: smtpSettings({ port: smtp.port, user: "agent", password: SMTP_PASSWORD }),
      };
      const pass = async (result: PassResult) => {
        const startedAt = clock.now;
        if (result.exitCode !== 0) log.error("Impossible d'obtenir la liste : HTTP 401");
        await notifyAfterPass(result, { settings, folders, log, now: () => clock.now, startedAt });
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
      assert.match(smtp.messages[1].text, /durait depuis le 2025-01-31 10:00:00/);

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
      const settings = { agentId: "SRV-01", notify: { ...smtpSettings(smtp), repeatHours: 2 } };
      const options = { settings, folders, log, now: () => clock.now };
      await notifyAfterPass(EXPORT_ERRORS, { ...options, errors: ["DV-1 refusé"] });
      clock.advanceHours(1.5);
      await notifyAfterPass(EXPORT_ERRORS, { ...options, errors: ["DV-1 refusé"] });
      assert.equal(smtp.messages.length, 1);
      clock.advanceHours(0.5);
      await notifyAfterPass(EXPORT_ERRORS, { ...options, errors: ["DV-1 refusé"] });
      assert.equal(smtp.messages.length, 2);
      assert.match(smtp.messages[1].subject, /2 export\(s\) en erreur/);
      assert.match(smtp.messages[1].text, /pas répétée pour la même panne avant 2 h/);
    });
  });
});

Deno.test("SMTP down: nothing thrown, one warning, the alert is tried again next pass", async () => {
  await withBench(async ({ folders, log, lines, clock }) => {
    const port = closedPort();
    const settings = { agentId: "SRV-01", notify: smtpSettings({ port }) };
    await notifyAfterPass(UNREACHABLE, { settings, folders, log, now: () => clock.now });
    const warning = lines.find((l) => l.includes("[WARNING] Alerte non envoyée"))!;
    assert.match(warning, new RegExp(`connexion refusée par 127\\.0\\.0\\.1:${port}`));
    assert.match(warning, /la synchronisation n'en est pas affectée/);
    const state = await readNotifyState(notifyStatePath(folders));
    assert.equal(state.failing, true);
    assert.deepEqual(state.channels, {}, "nothing remembered as sent");

    await withSmtp({}, async (smtp) => {
      const settingsUp = { agentId: "SRV-01", notify: smtpSettings({ port: smtp.port }) };
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
      const settings = { agentId: "SRV-01", notify: smtpSettings({ port: silent.port }) };
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
        notify: smtpSettings({ port: smtp.port, user: "agent", password: SMTP_PASSWORD }),
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
    const config = parseNotifySettings(
      smtpSettings({ port: smtp.port, user: "agent", password: SMTP_PASSWORD }),
    )!;
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

Deno.test("webhook: one JSON alert, none for the same failure, one after recovery", async () => {
  const hook = startWebhookReceiver();
  try {
    await withBench(async ({ folders, log, lines, clock }) => {
      const settings = { agentId: "SRV-01", notify: { webhookUrl: hook.url } };
      const options = { settings, folders, log, now: () => clock.now };
      await notifyAfterPass(UNREACHABLE, { ...options, errors: ["HTTP 401"] });
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
      await notifyAfterPass(UNREACHABLE, { ...options, errors: ["HTTP 401"] });
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
      const settings = { agentId: "SRV-01", notify: { webhookUrl: hook.url } };
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

Deno.test("both channels: each gets one alert; a broken channel does not stop the other", async () => {
  const hook = startWebhookReceiver();
  try {
    await withBench(async ({ folders, log, clock }) => {
      const settings = {
        agentId: "SRV-01",
        notify: { ...smtpSettings({ port: closedPort() }), webhookUrl: hook.url },
      };
      await notifyAfterPass(UNREACHABLE, { settings, folders, log, now: () => clock.now });
      assert.equal(hook.received.length, 1);
      const state = await readNotifyState(notifyStatePath(folders));
      assert.deepEqual(Object.keys(state.channels), ["webhook"]);
    });
  } finally {
    await hook.close();
  }
});

Deno.test("notifyAfterPass never throws: bad settings, a throwing channel, an unwritable state", async () => {
  await withBench(async ({ dir, folders, log, lines }) => {
    await notifyAfterPass(UNREACHABLE, {
      settings: { agentId: "SRV-01", notify: { smtp: "oui" } },
      folders,
      log,
    });
    assert.ok(
      lines.some((l) => /\[WARNING\] Alertes non envoyées : Paramètre notify\.smtp/.test(l)),
    );

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
    extraNetHosts: notifyNetHosts(notify),
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
      assert.equal((hook.received[0].body as Record<string, unknown>).event, "sync.failure");
      assert.ok(!(run.stdout + run.stderr).includes("XXXXsecretXXXX"));
    } finally {
      await hook.close();
      await world.close();
    }
  },
});
