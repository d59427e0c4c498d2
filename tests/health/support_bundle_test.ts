/**
 * The support bundle: where it may be written, what it holds (the last 24 h of
 * logs, the configuration with secrets masked, status and doctor as JSON), and
 * that no secret is ever inside, checked by opening the archive.
 */

import { type Settings } from "../../lib/base/settings.ts";
import { ConfigError } from "../../lib/base/config_error.ts";
import { redact } from "../../lib/base/text.ts";
import assert from "node:assert/strict";
import nodePath from "node:path";
import { unzipSync } from "fflate";
import { doctorCommand } from "../../lib/cli/doctor.ts";
import { parseNotifySettings } from "../../lib/base/notify_settings.ts";
import { formatLine, logFileName } from "../../lib/base/log.ts";
import {
  bundleSecrets,
  defaultBundlePath,
  resolveBundlePath,
  writeSupportBundle,
} from "../../lib/health/support_bundle.ts";
import { makeWorld, runAgent, TEST_TOKEN } from "../support/agent_process.ts";
import { fakeContext } from "../support/context.ts";
import { quoteXml } from "../support/documents.ts";
import { startSaxiumSimulator } from "../support/saxium_simulator.ts";
import { testSettings } from "../support/settings.ts";

const TOKEN = "bundle-token-SECRET-4242";
const SMTP_PASSWORD = "Smtp-Bundle-P4ss";
const WEBHOOK = "https://hooks.example.com/services/T0/B0/WebhookSecretPart";
const PROXY = "http://jean:Pr0xyPass@proxy.local:3128";

function settingsFor(root: string, extra: Partial<Settings> = {}): Settings {
  return testSettings(root, { apiUrl: "https://saxium.example.com", token: TOKEN, ...extra });
}

const NOTIFY = {
  smtp: {
    host: "smtp.entreprise.fr",
    port: 587,
    security: "starttls",
    user: "agent@entreprise.fr",
    password: SMTP_PASSWORD,
    from: "agent@entreprise.fr",
    to: ["it@entreprise.fr"],
  },
  webhookUrl: WEBHOOK,
};

function openZip(bytes: Uint8Array): Record<string, string> {
  const files = unzipSync(bytes);
  return Object.fromEntries(
    Object.entries(files).map(([name, data]) => [name, new TextDecoder().decode(data)]),
  );
}

function assertNoSecret(files: Record<string, string>, secrets: string[]): void {
  for (const [name, text] of Object.entries(files)) {
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), `« ${secret} » trouvé dans ${name}`);
    }
  }
}

Deno.test("bundle path: default in the work folder; relative taken there; elsewhere refused in French", () => {
  const root = nodePath.resolve("/srv/agent");
  const settings = settingsFor(root);
  const now = new Date(2025, 0, 31, 14, 5, 9);
  assert.equal(
    defaultBundlePath(settings, now),
    nodePath.join(settings.workDir, "support-2025-01-31-140509.zip"),
  );
  assert.equal(resolveBundlePath(undefined, { settings, now }), defaultBundlePath(settings, now));
  assert.equal(resolveBundlePath("", { settings, now }), defaultBundlePath(settings, now));
  assert.equal(
    resolveBundlePath("pour-support.zip", { settings, now }),
    nodePath.join(settings.workDir, "pour-support.zip"),
  );
  for (
    const refused of [
      // Batigest's import folder is for documents to import, never for the archive.
      nodePath.join(settings.batigestImportDir, "support.zip"),
      nodePath.resolve("/tmp/support.zip"),
      "../support.zip",
      nodePath.join(settings.workDir, "..", "outside", "x.zip"),
      settings.workDir + ".zip",
    ]
  ) {
    assert.throws(
      () => resolveBundlePath(refused, { settings, now }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(
          e.message,
          /choisissez un chemin sous .*work, par exemple --bundle .*support-/,
        );
        assert.doesNotMatch(e.message, /import/i);
        return true;
      },
      refused,
    );
  }
  assert.throws(
    () => resolveBundlePath("support.tar", { settings, now }),
    /doit être un fichier \.zip/,
  );
});

Deno.test("secrets: token, SMTP password, webhook URL and its path, proxy credentials", () => {
  const secrets = bundleSecrets({
    token: TOKEN,
    proxy: PROXY,
    notify: parseNotifySettings(NOTIFY),
  });
  for (
    const s of [TOKEN, SMTP_PASSWORD, WEBHOOK, "/services/T0/B0/WebhookSecretPart", "Pr0xyPass"]
  ) {
    assert.ok(secrets.includes(s), s);
  }
  assert.equal(
    redact(`a ${TOKEN} b ${WEBHOOK} c`, secrets),
    "a ******** b ******** c",
  );
});

Deno.test("bundle: last 24 h of logs, masked configuration, status and doctor; no secret inside", async () => {
  const root = await Deno.makeTempDir({ prefix: "saxium-bundle-" });
  try {
    const settings = settingsFor(root, { proxy: PROXY, notify: parseNotifySettings(NOTIFY) });
    const logs = nodePath.join(settings.workDir, "Logs");
    const errors = nodePath.join(settings.workDir, "Errors");
    const state = nodePath.join(settings.workDir, "State");
    for (const dir of [logs, errors, state, settings.batigestImportDir]) {
      await Deno.mkdir(dir, { recursive: true });
    }
    const now = new Date(2025, 0, 31, 10, 0, 0);
    const at = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * 3_600_000);
    const line = (hoursAgo: number, message: string) =>
      formatLine(at(hoursAgo), "INFO", message) + "\r\n";
    await Deno.writeTextFile(
      nodePath.join(logs, logFileName(at(30))),
      line(30, "trop ancien") + line(23, "hier soir, dans les 24 h") +
        line(20, `fuite accidentelle du jeton ${TOKEN}`),
    );
    await Deno.writeTextFile(
      nodePath.join(logs, logFileName(now)),
      line(2, "ce matin") + line(1, `Début de la synchronisation (agent, ${settings.apiUrl}).`),
    );
    await Deno.writeTextFile(nodePath.join(logs, logFileName(at(24 * 5))), line(24 * 5, "vieux"));
    await Deno.writeTextFile(
      nodePath.join(settings.workDir, "agent.json"),
      JSON.stringify({ token: TOKEN, proxy: PROXY, notify: NOTIFY }, null, 2),
    );
    await Deno.writeTextFile(nodePath.join(errors, "2025-01-30-101010-DV-1.xml"), "<Devis/>");
    await Deno.writeTextFile(
      nodePath.join(errors, "2025-01-30-101010-DV-1.xml.erreur.txt"),
      "Document refusé : DOCTYPE interdit.\r\n",
    );
    await Deno.writeTextFile(
      nodePath.join(state, "notify.json"),
      '{"failing":false,"channels":{}}',
    );

    const path = resolveBundlePath(undefined, { settings, now });
    const status = { healthy: false, problems: [`Saxium : refus du jeton ${TOKEN}`] };
    const doctor = {
      ok: false,
      checks: [{ id: "config", detail: `mot de passe ${SMTP_PASSWORD}` }],
    };
    const written = await writeSupportBundle(path, { settings, status, doctor, now });
    assert.equal(written.path, nodePath.join(settings.workDir, "support-2025-01-31-100000.zip"));
    assert.deepEqual(
      [...Deno.readDirSync(settings.workDir)].filter((e) => e.isFile).map((e) => e.name).sort(),
      ["agent.json", "support-2025-01-31-100000.zip"],
      "no temporary file left",
    );

    const files = openZip(await Deno.readFile(path));
    assert.deepEqual(
      Object.keys(files).sort(),
      [
        "LISEZMOI.txt",
        "configuration/agent.json",
        "configuration/effective.json",
        "doctor.json",
        "errors.txt",
        `logs/${logFileName(at(30))}`,
        `logs/${logFileName(now)}`,
        "state/notify.json",
        "status.json",
      ].sort(),
    );
    assert.deepEqual(written.files.sort(), Object.keys(files).sort());

    const yesterday = files[`logs/${logFileName(at(30))}`];
    assert.ok(!yesterday.includes("trop ancien"), "older than 24 h: left out");
    assert.match(yesterday, /hier soir, dans les 24 h/);
    assert.match(yesterday, /fuite accidentelle du jeton \*{8}/);
    assert.match(files[`logs/${logFileName(now)}`], /ce matin\r\n.*Début de la synchronisation/);

    const config = JSON.parse(files["configuration/agent.json"]);
    assert.equal(config.token, "********");
    assert.equal(config.notify.smtp.password, "********");
    assert.equal(config.notify.smtp.host, "smtp.entreprise.fr", "what is not secret stays");
    assert.equal(config.notify.webhookUrl, "https://hooks.example.com/********");
    assert.equal(config.proxy, "http://********@proxy.local:3128");
    const effective = JSON.parse(files["configuration/effective.json"]);
    assert.equal(effective.apiUrl, "https://saxium.example.com");
    assert.equal(effective.notify.webhookUrl, "https://hooks.example.com/********");

    assert.deepEqual(JSON.parse(files["status.json"]).problems, [
      "Saxium : refus du jeton ********",
    ]);
    assert.equal(JSON.parse(files["doctor.json"]).ok, false);
    assert.match(
      files["errors.txt"],
      /2025-01-30-101010-DV-1\.xml\r\n {4}Document refusé : DOCTYPE interdit\./,
    );
    assert.ok(!Object.values(files).some((t) => t.includes("<Devis/>")), "no document inside");
    assert.match(files["LISEZMOI.txt"], /Aucun secret n'est inclus/);

    assertNoSecret(files, [
      TOKEN,
      SMTP_PASSWORD,
      "WebhookSecretPart",
      "Pr0xyPass",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("bundle: an agent.json that is not JSON still has its secrets masked", async () => {
  const root = await Deno.makeTempDir({ prefix: "saxium-bundle-" });
  try {
    const settings = settingsFor(root);
    await Deno.mkdir(settings.workDir, { recursive: true });
    await Deno.writeTextFile(
      nodePath.join(settings.workDir, "agent.json"),
      `{ "token": "${TOKEN}", "notify": { "smtp": { "password": "autre-secret-9" } }, }`,
    );
    const path = nodePath.join(settings.workDir, "s.zip");
    await writeSupportBundle(path, { settings, status: {}, doctor: {}, now: new Date() });
    const files = openZip(await Deno.readFile(path));
    assert.match(files["configuration/agent.json"], /n'est pas un JSON valide/);
    assertNoSecret(files, [TOKEN, "autre-secret-9"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("doctor --bundle: writes the default archive; a path outside is refused, nothing written", async () => {
  const root = await Deno.makeTempDir({ prefix: "saxium-bundle-" });
  const sim = await startSaxiumSimulator({ token: TOKEN });
  try {
    const workDir = nodePath.join(root, "work");
    const importDir = nodePath.join(root, "import");
    await Deno.mkdir(importDir);
    const env: Record<string, string> = {
      SAXIUM_API_URL: sim.url,
      SAXIUM_TOKEN: TOKEN,
      SAXIUM_WORK_DIR: workDir,
      BATIGEST_IMPORT_PATH: importDir,
    };
    const { ctx, lines: out } = fakeContext({
      env,
      runCommand: () => Promise.resolve({ code: 1, stdout: "", stderr: "ERROR: cannot find" }),
    });
    await assert.rejects(
      () => doctorCommand(["--bundle", nodePath.join(root, "ailleurs.zip")], ctx),
      (e: unknown) => e instanceof ConfigError && /choisissez un chemin sous/.test(e.message),
    );
    assert.equal(out.length, 0, "refused before any check");

    await Deno.mkdir(workDir);
    await Deno.writeTextFile(nodePath.join(workDir, "afile"), "");
    const underFile = nodePath.join(workDir, "afile", "support.zip");
    await assert.rejects(
      () => doctorCommand(["--bundle", underFile], ctx),
      (e: unknown) =>
        e instanceof ConfigError &&
        /afile est un fichier, pas un dossier : choisissez un autre nom/.test(e.message),
    );
    await Deno.remove(nodePath.join(workDir, "afile"));
    out.length = 0;

    const code = await doctorCommand(["--bundle"], ctx);
    assert.equal(code, 1, out.join("\n"));
    const line = out.find((l) => l.startsWith("Archive pour le support écrite : "))!;
    assert.ok(line, out.join("\n"));
    const zips = [...Deno.readDirSync(workDir)].filter((e) => /^support-.*\.zip$/.test(e.name));
    assert.equal(zips.length, 1);
    const files = openZip(await Deno.readFile(nodePath.join(workDir, zips[0].name)));
    assert.equal(JSON.parse(files["doctor.json"]).agentId, "SRV-TEST");
    assert.equal(JSON.parse(files["status.json"]).server.pending, 0);
    assertNoSecret(files, [TOKEN]);
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name).sort(), ["import", "work"]);
  } finally {
    await sim.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "agent: doctor --bundle under its permission set, after a real pass; no secret inside",
  async fn() {
    const world = await makeWorld();
    try {
      await Deno.mkdir(world.workDir, { recursive: true });
      await Deno.writeTextFile(
        nodePath.join(world.workDir, "agent.json"),
        JSON.stringify({ notify: NOTIFY }),
      );
      world.saxium.addExport({
        documentType: "devis_client",
        documentReference: "DV-BUNDLE",
        files: { xml: quoteXml("DV-BUNDLE") },
      });
      const sync = await runAgent(world, ["sync", "--once"]);
      assert.equal(sync.code, 0, sync.stderr);

      const outside = nodePath.join(world.outsideDir, "support.zip");
      const refused = await runAgent(world, ["doctor", "--bundle", outside]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /choisissez un chemin sous/);
      assert.deepEqual([...Deno.readDirSync(world.outsideDir)].map((e) => e.name), ["canary.txt"]);

      const run = await runAgent(world, ["doctor", "--bundle", "pour-le-support.zip"]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stdout, /Archive pour le support écrite : .*pour-le-support\.zip/);
      const files = openZip(
        await Deno.readFile(nodePath.join(world.workDir, "pour-le-support.zip")),
      );
      const log = Object.keys(files).find((n) => n.startsWith("logs/sync-"))!;
      assert.match(files[log], /Fin de la synchronisation : 1 synchronisé, 0 en erreur/);
      assert.equal(JSON.parse(files["configuration/agent.json"]).notify.smtp.password, "********");
      assert.equal(JSON.parse(files["status.json"]).lastRun.exitCode, 0);
      assert.equal(JSON.parse(files["doctor.json"]).agentId, "SRV-TEST");
      assertNoSecret(files, [TEST_TOKEN, SMTP_PASSWORD, "WebhookSecretPart"]);
    } finally {
      await world.close();
    }
  },
});
