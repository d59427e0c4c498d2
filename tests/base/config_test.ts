import { type SettingSources } from "../../lib/base/settings.ts";
import { FILE_KEYS, SETTING_KEYS, settingRow } from "../../lib/base/setting_table.ts";
import { ConfigError } from "../../lib/base/config_error.ts";
import assert from "node:assert/strict";
import nodePath from "node:path";
import { maskedSettings, resolveSettings, resolveWorkDir } from "../../lib/base/config.ts";
import { isLoopbackHost } from "../../lib/base/net.ts";

function sources(
  options: {
    env?: Record<string, string>;
    file?: unknown;
    build?: SettingSources["buildDefaults"];
  } = {},
): SettingSources {
  return {
    env: (name) => options.env?.[name],
    readTextFile: () =>
      options.file === undefined
        ? undefined
        : typeof options.file === "string"
        ? options.file
        : JSON.stringify(options.file),
    hostname: () => "SRV-BATI01",
    buildDefaults: options.build,
    pathApi: nodePath.win32,
  };
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `ConfigError attendu, reçu ${error}`);
    return error;
  }
  throw new Error("no ConfigError thrown");
}

const API = { env: { SAXIUM_API_URL: "https://saxium.example.com/" } };

Deno.test("defaults come from the contract, agent id from the host name", () => {
  const s = resolveSettings({}, sources(API));
  assert.deepEqual(s.apiUrl, "https://saxium.example.com");
  assert.deepEqual(s.agentId, "SRV-BATI01");
  assert.deepEqual(s.workDir, "C:\\SaxiumBatigest");
  assert.deepEqual(s.batigestImportDir, "C:\\Program Files\\Sage\\Batigest\\Import");
  assert.deepEqual(s.formats, ["xml"]);
  assert.deepEqual(
    [
      s.pollIntervalSeconds,
      s.batchSize,
      s.importTimeoutSeconds,
      s.downloadIdleSeconds,
      s.logRetentionDays,
    ],
    [300, 50, 30, 30, 30],
  );
  assert.deepEqual(s.logLevel, "INFO");
  assert.deepEqual(s.token, undefined);
});

Deno.test("precedence: flag > env > agent.json > build-time > default", () => {
  const build = { apiUrl: "https://build.example.com", agentId: "build", batchSize: 7 };
  const file = { apiUrl: "https://file.example.com", agentId: "file", batchSize: 8 };
  const env = { SAXIUM_API_URL: "https://env.example.com", SAXIUM_AGENT_ID: "env" };
  assert.deepEqual(resolveSettings({}, sources({ build })).apiUrl, "https://build.example.com");
  assert.deepEqual(
    resolveSettings({}, sources({ build, file })).apiUrl,
    "https://file.example.com",
  );
  assert.deepEqual(resolveSettings({}, sources({ build, file })).batchSize, 8);
  const all = resolveSettings({}, sources({ build, file, env }));
  assert.deepEqual([all.apiUrl, all.agentId], ["https://env.example.com", "env"]);
  const flagged = resolveSettings(
    { "api-url": "https://flag.example.com", "batch-size": "9" },
    sources({ build, file, env }),
  );
  assert.deepEqual([flagged.apiUrl, flagged.batchSize], ["https://flag.example.com", 9]);
});

Deno.test("agent.json is read from the work folder chosen by flag, env or build", () => {
  const seen: string[] = [];
  const src = { ...sources(API), readTextFile: (p: string) => (seen.push(p), undefined) };
  resolveSettings({ "work-dir": "D:\\Agent" }, src);
  resolveSettings({}, {
    ...src,
    env: (n: string) => n === "SAXIUM_WORK_DIR" ? "E:\\W" : API.env[n as "SAXIUM_API_URL"],
  });
  assert.deepEqual(seen, ["D:\\Agent\\agent.json", "E:\\W\\agent.json"]);
});

Deno.test("missing apiUrl names the setting and every way to set it", () => {
  const error = configError(() => resolveSettings({}, sources()));
  assert.deepEqual(error.setting, "apiUrl");
  assert.ok(error.message.includes("--api-url"));
  assert.ok(error.message.includes("SAXIUM_API_URL"));
  assert.ok(error.message.includes("agent.json"));
  assert.ok(!error.message.includes("\n"));
});

Deno.test("http:// only for loopback hosts", () => {
  for (const url of ["http://127.0.0.1:8080", "http://localhost:3000", "http://[::1]:9"]) {
    assert.deepEqual(
      resolveSettings({ "api-url": url }, sources()).apiUrl.startsWith("http://"),
      true,
    );
  }
  for (const url of ["http://saxium.example.com", "http://10.0.0.5", "ftp://x.example.com"]) {
    const error = configError(() => resolveSettings({ "api-url": url }, sources()));
    assert.deepEqual(error.setting, "apiUrl");
    assert.ok(error.message.includes("https://"), error.message);
  }
  assert.ok(isLoopbackHost("127.5.6.7"));
  assert.ok(!isLoopbackHost("127.0.0.1.evil.com"));
});

Deno.test("apiUrl with credentials, query or garbage is refused", () => {
  for (
    const url of ["https://u:p@saxium.example.com", "https://s.example.com/?a=1", "pas une url"]
  ) {
    assert.deepEqual(
      configError(() => resolveSettings({ "api-url": url }, sources())).setting,
      "apiUrl",
    );
  }
});

Deno.test("numbers, formats and levels are validated with their range", () => {
  const cases: [Record<string, string>, string][] = [
    [{ "batch-size": "0" }, "batchSize"],
    [{ "batch-size": "abc" }, "batchSize"],
    [{ "poll-interval": "5" }, "pollIntervalSeconds"],
    [{ "import-timeout": "1.5" }, "importTimeoutSeconds"],
    [{ "download-idle": "2" }, "downloadIdleSeconds"],
    [{ "download-idle": "3601" }, "downloadIdleSeconds"],
    [{ "formats": "pdf" }, "formats"],
    [{ "formats": "xml,xml" }, "formats"],
    [{ "log-level": "bavard" }, "logLevel"],
  ];
  for (const [flags, setting] of cases) {
    const error = configError(() => resolveSettings(flags, sources(API)));
    assert.deepEqual(error.setting, setting);
  }
  // Ranges are written the French way, thousands grouped (86 400, not 86400).
  const ranges: [Record<string, string>, RegExp][] = [
    [{ "poll-interval": "5" }, /entre 10 et 86\u202f400 est attendu/],
    [{ "import-timeout": "0" }, /entre 1 et 3\u202f600 est attendu/],
    [{ "log-retention-days": "0" }, /entre 1 et 3\u202f650 est attendu/],
  ];
  for (const [flags, range] of ranges) {
    assert.match(configError(() => resolveSettings(flags, sources(API))).message, range);
  }
  const hours = configError(() =>
    resolveSettings({}, sources({ ...API, file: { batigestRefusalHours: 0 } }))
  );
  assert.match(hours.message, /entre 1 et 8\u202f760 est attendu/);
  const s = resolveSettings({ formats: "xml,csv", "log-level": "warn" }, sources(API));
  assert.deepEqual(s.formats, ["xml", "csv"]);
  assert.deepEqual(s.logLevel, "WARNING");
  assert.deepEqual(resolveSettings({ verbose: true }, sources(API)).logLevel, "DEBUG");
  assert.deepEqual(resolveSettings({}, sources({ ...API, file: { formats: ["csv"] } })).formats, [
    "csv",
  ]);
});

Deno.test("agent.json: invalid JSON, unknown key (with a suggestion) and workDir are refused", () => {
  assert.deepEqual(
    configError(() => resolveSettings({}, sources({ ...API, file: "{ nope" }))).setting,
    "agent.json",
  );
  const typo = configError(() => resolveSettings({}, sources({ ...API, file: { apiURL: "x" } })));
  assert.deepEqual(typo.setting, "apiURL");
  assert.ok(typo.message.includes("apiUrl"));
  assert.deepEqual(
    configError(() => resolveSettings({}, sources({ ...API, file: { workDir: "C:\\x" } }))).setting,
    "workDir",
  );
  assert.deepEqual(
    configError(() => resolveSettings({}, sources({ ...API, file: [1] }))).setting,
    "agent.json",
  );
});

Deno.test("agent.json with single backslashes: one French line with the place and the fix", () => {
  const file =
    '{\n  "apiUrl": "https://saxium.example.com",\n  "batigestImportDir": "C:\\Sage\\Import"\n}';
  const error = configError(() => resolveSettings({}, sources({ file })));
  assert.equal(error.setting, "agent.json");
  assert.match(error.message, /ligne 3, colonne 27/);
  assert.match(error.message, /doublez les \\ \(C:\\\\Program Files\\\\…\) ou utilisez \//);
  assert.doesNotMatch(error.message, /position|Bad escaped|JSON at/);
  assert.equal(error.message.split("\n").length, 1);
});

Deno.test("a bad value typed as an option is named by the option typed", () => {
  const fromFlag = configError(() => resolveSettings({ "poll-interval": "5" }, sources(API)));
  assert.equal(fromFlag.setting, "pollIntervalSeconds");
  assert.match(fromFlag.message, /^Option --poll-interval invalide \(« 5 »\)/);
  const fromFile = configError(() =>
    resolveSettings({}, sources({ ...API, file: { pollIntervalSeconds: 5 } }))
  );
  assert.match(fromFile.message, /^Paramètre pollIntervalSeconds invalide/);
  assert.match(
    configError(() => resolveSettings({ "log-level": "bavard" }, sources(API))).message,
    /^Option --log-level invalide/,
  );
  assert.equal(resolveSettings({ "log-level": "erreur" }, sources(API)).logLevel, "ERROR");
  // The option is feminine: « refusée », never « Option --api-url refusé ».
  assert.match(
    configError(() => resolveSettings({ "api-url": "http://saxium.example.com" }, sources(API)))
      .message,
    /^Option --api-url refusée \(http:/,
  );
  // The work folder alone (history) is named as typed too.
  assert.match(
    configError(() => resolveWorkDir({ "work-dir": "work" }, sources(API))).message,
    /^Option --work-dir invalide \(work\)/,
  );
});

Deno.test("an empty value typed is refused, --work-dir as --agent-id, never skipped for the variable", () => {
  const env = { ...API, env: { ...API.env, SAXIUM_WORK_DIR: "D:\\Agent" } };
  for (const flags of [{ "work-dir": "" }, { "work-dir": "  " }, { "agent-id": "" }]) {
    const error = configError(() => resolveSettings(flags, sources(env)));
    assert.match(error.message, /^Option --(work-dir vide|agent-id invalide)/, error.message);
  }
  assert.match(
    configError(() => resolveWorkDir({ "work-dir": "" }, sources(env))).message,
    /^Option --work-dir vide : indiquez un dossier/,
  );
});

Deno.test("folders: absolute, local, distinct", () => {
  const cases: [Record<string, string>, string][] = [
    [{ "work-dir": "relatif\\dossier" }, "workDir"],
    [{ "work-dir": "\\\\serveur\\partage\\agent" }, "workDir"],
    [{ "batigest-import-dir": "\\\\serveur\\Batigest\\Import" }, "batigestImportDir"],
    [{ "batigest-import-dir": "C:\\SaxiumBatigest\\Import" }, "batigestImportDir"],
    [{ "work-dir": "C:\\Batigest", "batigest-import-dir": "c:\\batigest" }, "batigestImportDir"],
  ];
  for (const [flags, setting] of cases) {
    const error = configError(() => resolveSettings(flags, sources(API)));
    assert.deepEqual(error.setting, setting, error.message);
  }
  const unc = configError(() =>
    resolveSettings({ "batigest-import-dir": "\\\\srv\\share" }, sources(API))
  );
  assert.ok(unc.message.includes("partage réseau"));
});

Deno.test("caFile must sit in the work folder; agentId and token reject control characters", () => {
  const ok = resolveSettings({ "ca-file": "proxy-ca.pem" }, sources(API));
  assert.deepEqual(ok.caFile, "C:\\SaxiumBatigest\\proxy-ca.pem");
  assert.deepEqual(
    configError(() => resolveSettings({ "ca-file": "C:\\Windows\\ca.pem" }, sources(API))).setting,
    "caFile",
  );
  assert.deepEqual(
    configError(() => resolveSettings({ "ca-file": "..\\ca.pem" }, sources(API))).setting,
    "caFile",
  );
  assert.deepEqual(
    configError(() => resolveSettings({ "agent-id": "a\r\nX-Evil: 1" }, sources(API))).setting,
    "agentId",
  );
  const token = configError(() =>
    resolveSettings({}, sources({ env: { ...API.env, SAXIUM_TOKEN: "abc\ndef" } }))
  );
  assert.deepEqual(token.setting, "token");
  assert.ok(!token.message.includes("abc"));
});

Deno.test("masked settings never show the token or passwords", () => {
  const s = resolveSettings(
    {},
    sources({
      env: { ...API.env, SAXIUM_TOKEN: "tok-SECRET-123456" },
      file: {
        notify: {
          smtp: { host: "mail", user: "u", password: "hunter2", from: "a@b.fr", to: ["c@d.fr"] },
        },
      },
    }),
  );
  const text = JSON.stringify(maskedSettings(s));
  assert.ok(!text.includes("SECRET"));
  assert.ok(!text.includes("hunter2"));
  assert.ok(text.includes("mail"));
});

Deno.test("a bad value from an environment variable names the variable", () => {
  const url = configError(() =>
    resolveSettings({}, sources({ env: { SAXIUM_API_URL: "saxium.client.fr" } }))
  );
  assert.equal(url.setting, "apiUrl");
  assert.match(
    url.message,
    /^Variable d'environnement SAXIUM_API_URL invalide \(« saxium\.client\.fr »/,
  );
  const refused = configError(() =>
    resolveSettings({}, sources({ env: { SAXIUM_API_URL: "http://saxium.client.fr" } }))
  );
  assert.match(refused.message, /^Variable d'environnement SAXIUM_API_URL refusée \(http:/);
  const proxy = configError(() =>
    resolveSettings({}, sources({ env: { ...API.env, HTTPS_PROXY: "socks5://proxy.local:1080" } }))
  );
  assert.match(proxy.message, /^Variable d'environnement HTTPS_PROXY invalide/);
  const token = configError(() =>
    resolveSettings({}, sources({ env: { ...API.env, SAXIUM_TOKEN: "deux mots" } }))
  );
  assert.match(token.message, /^Variable d'environnement SAXIUM_TOKEN invalide/);
  const workDir = configError(() =>
    resolveSettings({}, sources({ env: { ...API.env, SAXIUM_WORK_DIR: "relatif" } }))
  );
  assert.match(workDir.message, /^Variable d'environnement SAXIUM_WORK_DIR invalide/);
  // The option typed beats the variable; agent.json keeps its key's name.
  const typed = configError(() =>
    resolveSettings({ "api-url": "x" }, sources({ env: { SAXIUM_API_URL: "y" } }))
  );
  assert.match(typed.message, /^Option --api-url invalide \(« x »/);
  const inFile = configError(() =>
    resolveSettings({}, sources({ file: { apiUrl: "saxium.client.fr" } }))
  );
  assert.match(inFile.message, /^Paramètre apiUrl invalide/);
});

Deno.test("a proxy without scheme is read as http://, as curl does", () => {
  for (const given of ["proxy.local:3128", " proxy.local:3128 "]) {
    const settings = resolveSettings({}, sources({ env: { ...API.env, HTTPS_PROXY: given } }));
    assert.equal(settings.proxy, "http://proxy.local:3128");
  }
  const withCredentials = resolveSettings(
    {},
    sources({ ...API, file: { proxy: "jean:s3cret@proxy.local:3128" } }),
  );
  assert.equal(withCredentials.proxy, "http://jean:s3cret@proxy.local:3128");
  assert.equal(
    resolveSettings({}, sources({ env: { ...API.env, HTTPS_PROXY: "https://p.local:8443" } }))
      .proxy,
    "https://p.local:8443",
  );
});

/** Saxium's address from the lowest source: any other gives the value under test. */
const BUILT_API = { apiUrl: "https://saxium.example.com" };

Deno.test("every key agent.json may hold is checked there, and its error names the key", () => {
  assert.ok(!FILE_KEYS.includes("workDir"));
  for (const key of FILE_KEYS) {
    const error = configError(() =>
      resolveSettings({}, sources({ file: { [key]: {} }, build: BUILT_API }))
    );
    assert.equal(error.setting, key);
    assert.match(error.message, new RegExp(`^Paramètre ${key}\\b`), error.message);
  }
});

Deno.test("every setting's variable is read, and its error names the variable", () => {
  for (const key of SETTING_KEYS) {
    const variable = settingRow(key).env;
    if (!variable) continue;
    const error = configError(() =>
      resolveSettings({}, sources({ env: { [variable]: " " }, build: BUILT_API }))
    );
    assert.equal(error.setting, key);
    assert.ok(error.message.startsWith(`Variable d'environnement ${variable} `), error.message);
  }
});

Deno.test("every setting's option is read, and its error names the option", () => {
  for (const key of SETTING_KEYS) {
    const flag = settingRow(key).flag;
    if (!flag) continue;
    const error = configError(() =>
      resolveSettings({ [flag.name]: " " }, sources({ build: BUILT_API }))
    );
    assert.equal(error.setting, key);
    assert.ok(error.message.startsWith(`Option --${flag.name} `), error.message);
  }
});

Deno.test("a token shorter than Saxium's is refused: a typo or a placeholder, never a secret", () => {
  assert.throws(
    () => resolveSettings({}, sources({ env: { ...API.env, SAXIUM_TOKEN: "x" } })),
    (error: ConfigError) =>
      /^Variable d'environnement SAXIUM_TOKEN refusée : 1 caractère, trop court pour être un jeton Saxium \(16 au moins\)/
        .test(error.message),
  );
  const long = resolveSettings({}, sources({ env: { ...API.env, SAXIUM_TOKEN: "x".repeat(16) } }));
  assert.equal(long.token, "x".repeat(16));
});

Deno.test("apiUrl ending in /api (which gave GET /api/api/… 404) says to remove /api, naming the base", () => {
  const file = configError(() =>
    resolveSettings({}, sources({ file: { apiUrl: "https://saxium.client.fr/api/" } }))
  );
  assert.equal(file.setting, "apiUrl");
  assert.match(
    file.message,
    /Paramètre apiUrl invalide \(https:\/\/saxium\.client\.fr\/api\/\) : l'agent ajoute lui-même « \/api\/batigest\/… » ; retirez « \/api » de la fin et indiquez https:\/\/saxium\.client\.fr\./,
  );
  const deeper = configError(() =>
    resolveSettings({ "api-url": "https://x.fr/saxium/api/batigest" }, sources())
  );
  assert.match(
    deeper.message,
    /retirez « \/api\/batigest » de la fin et indiquez https:\/\/x\.fr\/saxium\./,
  );
  // A base path of its own stays: Saxium served under /saxium, or a path merely ending in "api".
  for (const url of ["https://x.fr/saxium", "https://x.fr/rapi"]) {
    assert.equal(resolveSettings({ "api-url": url }, sources()).apiUrl, url);
  }
});
