import { notifyNetHosts, parseNotifySettings } from "../../lib/base/notify_settings.ts";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  BuildConfigError,
  buildInfo,
  checkArgs,
  compileArgs,
  entrySource,
  envFileSource,
  isRuntimeDownloadFailure,
  parseBuildConfig,
  siteOutput,
} from "../../lib/executable/build_config.ts";
import { permissionFlags } from "../../lib/executable/permissions.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const SAMPLE = JSON.stringify({
  apiUrl: "https://saxium.entreprise.fr/",
  workDir: "C:\\SaxiumBatigest",
  batigestImportDir: "C:\\Program Files\\Sage\\Batigest\\Import\\",
  notify: { smtpHost: "SMTP.entreprise.fr:587", webhookHost: "hooks.entreprise.fr" },
});

function problem(config: Record<string, unknown>): string {
  try {
    parseBuildConfig(JSON.stringify(config));
  } catch (error) {
    assert.ok(error instanceof BuildConfigError, String(error));
    return error.message;
  }
  assert.fail("the configuration was accepted");
}

const BASE = { apiUrl: "https://saxium.entreprise.fr" };

Deno.test("compile arguments for a sample build configuration", () => {
  const { config, warnings } = parseBuildConfig(SAMPLE, "build.json");
  assert.deepEqual(warnings, []);
  assert.deepEqual(compileArgs(config, { projectRoot: ROOT }), [
    "compile",
    "--no-check",
    "--exclude-unused-npm",
    "--target",
    "x86_64-pc-windows-msvc",
    "--output",
    "dist/saxium-batigest-agent.exe",
    "--allow-net=saxium.entreprise.fr:443,smtp.entreprise.fr:587,hooks.entreprise.fr:443",
    "--allow-read=C:\\SaxiumBatigest,C:\\Program Files\\Sage\\Batigest\\Import",
    "--allow-write=C:\\SaxiumBatigest,C:\\Program Files\\Sage\\Batigest\\Import",
    "--allow-run=schtasks.exe,icacls.exe,eventcreate.exe",
    "--allow-env=SAXIUM_API_URL,SAXIUM_TOKEN,SAXIUM_AGENT_ID,SAXIUM_WORK_DIR,BATIGEST_IMPORT_PATH,HTTPS_PROXY,HTTP_PROXY,NO_PROXY",
    "--ignore-env",
    "--allow-sys=hostname,statfs",
    "--no-prompt",
    "--v8-flags=--max-semi-space-size=2,--max-old-space-size=96",
    "--env-file=dist/build/agent.env",
    "dist/build/entry.ts",
  ]);
});

Deno.test("the permissions are exactly permissionFlags() of the configuration", () => {
  const { config } = parseBuildConfig(JSON.stringify({ ...BASE, workDir: "C:\\Agent" }));
  const args = compileArgs(config, { projectRoot: ROOT });
  const expected = permissionFlags({
    apiUrl: "https://saxium.entreprise.fr",
    workDir: "C:\\Agent",
    batigestImportDir: "C:\\Program Files\\Sage\\Batigest\\Import",
    schtasks: "schtasks.exe",
  });
  assert.deepEqual(args.slice(7, 7 + expected.length), expected);
});

Deno.test("the type check runs apart, with a normal heap; the heap caps reach only the executable", () => {
  const { config } = parseBuildConfig(SAMPLE);
  const check = checkArgs();
  assert.deepEqual(check, ["check", "dist/build/entry.ts"]);
  assert.ok(!check.some((a) => a.startsWith("--v8-flags")), "no heap cap on the type check");
  const compile = compileArgs(config, { projectRoot: ROOT });
  assert.ok(compile.includes("--no-check"), "deno compile does not check again under the cap");
  assert.ok(compile.includes("--v8-flags=--max-semi-space-size=2,--max-old-space-size=96"));
  // deno.json must not exclude the generated entry from `deno check`.
  const denoJson = JSON.parse(Deno.readTextFileSync(`${ROOT}/deno.json`));
  assert.equal(denoJson.exclude, undefined, "a top-level exclude would skip dist/build/entry.ts");
  assert.ok(denoJson.fmt.exclude.includes("dist/") && denoJson.lint.exclude.includes("dist/"));
});

Deno.test("the target can be this machine's, for a local build with DENORT_BIN", () => {
  const { config } = parseBuildConfig(JSON.stringify(BASE));
  const args = compileArgs(config, { projectRoot: ROOT, target: "x86_64-unknown-linux-gnu" });
  assert.equal(args[args.indexOf("--target") + 1], "x86_64-unknown-linux-gnu");
});

Deno.test("a site's executable is named after its Saxium host", () => {
  assert.equal(
    siteOutput({ apiUrl: "https://saxium.client.fr" }),
    "dist/saxium-batigest-agent-saxium.client.fr/saxium-batigest-agent.exe",
  );
  assert.equal(
    siteOutput({ apiUrl: "https://Saxium.Client.fr:8443/api" }),
    "dist/saxium-batigest-agent-saxium.client.fr-8443/saxium-batigest-agent.exe",
  );
});

Deno.test("the output can be moved, inside or outside the project", () => {
  const { config } = parseBuildConfig(JSON.stringify(BASE));
  const output = (path: string) => {
    const args = compileArgs(config, { projectRoot: ROOT, output: path });
    return args[args.indexOf("--output") + 1];
  };
  assert.equal(output("dist/agent-test.exe"), "dist/agent-test.exe");
  assert.equal(output(`${ROOT}/dist/x/agent.exe`), "dist/x/agent.exe");
  assert.equal(output("/tmp/agent.exe"), "/tmp/agent.exe");
});

Deno.test("a network share is refused, with what to do", () => {
  for (const key of ["workDir", "batigestImportDir"]) {
    for (const path of ["\\\\serveur\\partage\\Import", "//serveur/partage/Import"]) {
      const message = problem({ ...BASE, [key]: path });
      assert.match(message, new RegExp(`« ${key} » .* est un partage réseau`));
      assert.match(message, /permissions de Deno ne couvrent que des chemins locaux/);
      assert.match(message, /Que faire : installez l'agent sur le serveur/);
    }
  }
});

Deno.test("a drive other than C: is accepted with a warning about mapped drives", () => {
  const { config, warnings } = parseBuildConfig(
    JSON.stringify({ ...BASE, batigestImportDir: "E:\\Batigest\\Import" }),
  );
  assert.equal(config.batigestImportDir, "E:\\Batigest\\Import");
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /« batigestImportDir » est sur le lecteur E:/);
  assert.match(warnings[0], /lecteur mappé/);
  assert.match(warnings[0], /permissions de Deno ne couvrent que des chemins locaux/);
});

Deno.test("build configuration errors are one clear French line", () => {
  assert.match(problem({}), /« apiUrl » manquant/);
  assert.match(problem({ ...BASE, workDir: "SaxiumBatigest" }), /chemin Windows absolu/);
  assert.match(problem({ ...BASE, workDir: "\\SaxiumBatigest" }), /chemin Windows absolu/);
  assert.match(problem({ ...BASE, workDir: "/opt/saxium" }), /chemin Windows absolu/);
  assert.match(problem({ ...BASE, workDir: "C:\\Saxium,Batigest" }), /virgule/);
  assert.match(problem({ ...BASE, workDir: 42 }), /doit être un chemin Windows/);
  assert.match(problem({ ...BASE, apiUrl: "http://saxium.entreprise.fr" }), /seul https/);
  assert.match(problem({ ...BASE, pollInterval: 5 }), /paramètre inconnu « pollInterval »/);
  assert.match(
    problem({ ...BASE, workDir: "C:\\Sage", batigestImportDir: "C:\\Sage\\Import" }),
    /distincts/,
  );
  assert.throws(() => parseBuildConfig("{"), /n'est pas un JSON valide \(ligne 1, colonne 2 : /);
  assert.throws(() => parseBuildConfig("[]"), /doit contenir un objet JSON/);
});

Deno.test("a build configuration with a secret is refused, naming where it goes, never the secret", () => {
  const PASSWORD = "Mot2Passe-SMTP!";
  const KEY = "IncomingWebhook/abc123def456";
  const TOKEN = "sxm_live_T0k3n-DoNotLeak";
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...BASE, token: TOKEN }, /^build\.json : retirez « token » ; /],
    [
      {
        ...BASE,
        notify: {
          smtp: {
            host: "smtp.entreprise.fr",
            security: "tls",
            user: "agent@entreprise.fr",
            password: PASSWORD,
            from: "agent@entreprise.fr",
            to: ["it@entreprise.fr"],
          },
        },
      },
      /^build\.json : remplacez « notify\.smtp » par "smtpHost": "smtp\.entreprise\.fr:465" ; ses identifiants sont un secret : /,
    ],
    [
      { ...BASE, notify: { webhookUrl: `https://hooks.entreprise.fr/${KEY}` } },
      /^build\.json : remplacez « notify\.webhookUrl » par "webhookHost": "hooks\.entreprise\.fr" ; l'adresse complète du webhook contient sa clé : /,
    ],
  ];
  for (const [config, start] of cases) {
    const message = problem(config);
    assert.match(message, start);
    assert.match(
      message,
      /un secret n'entre jamais dans l'exécutable, que quiconque le copie peut lire : mettez-le dans agent\.json sur le serveur, qu'install-task réserve à SYSTEM et aux Administrateurs\.$/,
    );
    for (const secret of [PASSWORD, KEY, TOKEN, "abc123"]) {
      assert.ok(!message.includes(secret), `${secret} shown in: ${message}`);
    }
  }
  // An SMTP relay without credentials has no secret, but its settings are agent.json's too.
  assert.match(
    problem({ ...BASE, notify: { smtp: { host: "relais.local", security: "none" } } }),
    /remplacez « notify\.smtp » par "smtpHost": "relais\.local:25" ; le reste .* dans agent\.json/,
  );
  // A broken file is located, never quoted: its text may hold a secret.
  const broken = `{ "apiUrl": "https://s.fr", "token": "${TOKEN}", }`;
  assert.throws(
    () => parseBuildConfig(broken),
    (e: unknown) => e instanceof BuildConfigError && !e.message.includes(TOKEN),
  );
});

Deno.test("the build's notify holds the alert hosts only, checked", () => {
  const hosts = (notify: unknown) =>
    parseBuildConfig(JSON.stringify({ ...BASE, notify })).config.notify;
  assert.deepEqual(hosts({ smtpHost: "SMTP.Entreprise.fr:25" }), {
    smtpHost: "smtp.entreprise.fr:25",
  });
  assert.deepEqual(hosts({ webhookHost: "hooks.entreprise.fr:8443" }), {
    webhookHost: "hooks.entreprise.fr:8443",
  });
  assert.deepEqual(hosts({ smtpHost: "[::1]:25" }), { smtpHost: "[::1]:25" });
  assert.match(problem({ ...BASE, notify: { smtpHost: "smtp.entreprise.fr" } }), /n'a pas de port/);
  assert.match(problem({ ...BASE, notify: { smtpHost: "smtp.fr:99999" } }), /port hors de/);
  const withPath = problem({ ...BASE, notify: { webhookHost: "https://hooks.fr/cle-secrete" } });
  assert.match(withPath, /« notify\.webhookHost » doit être un nom d'hôte seul, sans https:\/\//);
  assert.ok(!withPath.includes("cle-secrete"), withPath);
  assert.match(
    problem({ ...BASE, notify: { smtpHost: "smtp.fr:587", repeatHours: 4 } }),
    /« notify\.repeatHours » n'a pas sa place dans la construction, .* agent\.json/,
  );
  assert.match(problem({ ...BASE, notify: {} }), /sans « smtpHost » ni « webhookHost »/);
  assert.match(problem({ ...BASE, notify: "smtp.fr" }), /« notify » doit être un objet/);
});

Deno.test("generated entry bakes the defaults and the build's description, and calls main", () => {
  const { config } = parseBuildConfig(SAMPLE);
  assert.equal(
    entrySource(config),
    `// Generated by scripts/compile.ts: do not edit, do not commit.
import { main } from "../../main.ts";

Deno.exit(await main(Deno.args, {
  buildDefaults: {
    "apiUrl": "https://saxium.entreprise.fr",
    "workDir": "C:\\\\SaxiumBatigest",
    "batigestImportDir": "C:\\\\Program Files\\\\Sage\\\\Batigest\\\\Import"
  },
  build: {
    "apiUrl": "https://saxium.entreprise.fr",
    "workDir": "C:\\\\SaxiumBatigest",
    "batigestImportDir": "C:\\\\Program Files\\\\Sage\\\\Batigest\\\\Import",
    "netHosts": [
      "saxium.entreprise.fr:443",
      "smtp.entreprise.fr:587",
      "hooks.entreprise.fr:443"
    ],
    "smtpHost": "smtp.entreprise.fr:587",
    "webhookHost": "hooks.entreprise.fr:443"
  },
}));
`,
  );
  assert.deepEqual(buildInfo(config).netHosts, [
    "saxium.entreprise.fr:443",
    "smtp.entreprise.fr:587",
    "hooks.entreprise.fr:443",
  ]);
});

Deno.test("generated env file trusts the system's certificates by default", () => {
  const text = envFileSource();
  const variables = text.split("\n").filter((line) => line && !line.startsWith("#"));
  assert.deepEqual(variables, ["DENO_TLS_CA_STORE=mozilla,system"]);
});

Deno.test("notification hosts", () => {
  assert.deepEqual(notifyNetHosts(undefined), []);
  assert.deepEqual(
    notifyNetHosts(parseNotifySettings({
      smtp: { host: "SMTP.Example.com", port: 25, security: "none", from: "a@b.fr", to: "c@d.fr" },
    })),
    ["smtp.example.com:25"],
  );
  assert.deepEqual(
    notifyNetHosts(parseNotifySettings({ webhookUrl: "https://hooks.example.com:8443/a" })),
    [
      "hooks.example.com:8443",
    ],
  );
  assert.throws(
    () => notifyNetHosts(parseNotifySettings({ other: "x", webhookUrl: "https://h.example.com/" })),
    /clé inconnue « other »/,
  );
});

Deno.test("a runtime download failure is recognised", () => {
  assert.ok(isRuntimeDownloadFailure(
    "error: Writing deno compile executable to temporary file 'x'\n\nCaused by:\n    0: Setting up base binary.\n    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-pc-windows-msvc.zip)",
  ));
  assert.ok(!isRuntimeDownloadFailure("error: TS2322 [ERROR]: Type 'string' is not assignable"));
});

Deno.test("compile script: --print-args, and a refused configuration", async () => {
  const script = fileURLToPath(new URL("../../scripts/compile.ts", import.meta.url));
  const example = fileURLToPath(new URL("../../scripts/build.example.json", import.meta.url));
  const run = (args: string[]) =>
    new Deno.Command(Deno.execPath(), { args: ["run", "--allow-all", script, ...args] }).output();

  const printed = await run(["--config", example, "--print-args"]);
  assert.equal(printed.code, 0, new TextDecoder().decode(printed.stderr));
  const { config } = parseBuildConfig(Deno.readTextFileSync(example));
  assert.deepEqual(
    JSON.parse(new TextDecoder().decode(printed.stdout)),
    compileArgs(config, { projectRoot: ROOT }),
  );

  const dir = await Deno.makeTempDir({ prefix: "build_config_test_" });
  try {
    const bad = `${dir}/build.json`;
    Deno.writeTextFileSync(bad, JSON.stringify({ ...BASE, batigestImportDir: "\\\\srv\\b" }));
    const refused = await run(["--config", bad]);
    assert.equal(refused.code, 2);
    assert.match(new TextDecoder().decode(refused.stderr), /partage réseau/);
    assert.equal(new TextDecoder().decode(refused.stdout), "");

    // A site's alerts with their secrets: refused before anything is printed or built.
    const secret = `${dir}/secret.json`;
    Deno.writeTextFileSync(
      secret,
      JSON.stringify({
        ...BASE,
        notify: {
          smtp: {
            host: "smtp.fr",
            user: "a@b.fr",
            password: "Pa55-w0rd",
            from: "a@b.fr",
            to: "c@d.fr",
          },
          webhookUrl: "https://hooks.fr/cle-du-webhook",
        },
      }),
    );
    const leaked = await run(["--config", secret]);
    const said = new TextDecoder().decode(leaked.stdout) + new TextDecoder().decode(leaked.stderr);
    assert.equal(leaked.code, 2);
    assert.equal(said.trim().split("\n").length, 1, said);
    assert.match(said, /agent\.json sur le serveur/);
    assert.doesNotMatch(said, /Pa55-w0rd|cle-du-webhook/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
