/**
 * `doctor`: each check in its OK and failing forms (pure functions over facts),
 * the probes against real folders, the Saxium simulator, a real HTTPS server
 * with a certificate from an unknown authority, a real SMTP server, and the
 * command itself, in process and under the agent's permission set.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import type { CommandResult } from "../../lib/base/command_runner.ts";
import { doctorCommand } from "../../lib/cli/doctor.ts";
import { ConfigError, type Settings } from "../../lib/base/config.ts";
import { parseNotifySettings } from "../../lib/base/notify_settings.ts";
import type { CommandContext } from "../../lib/base/context.ts";
import {
  checkClock,
  checkConfig,
  checkDiskSpace,
  checkErrorsFolder,
  checkImportFolder,
  checkImportWaiting,
  checkNotify,
  checkProxy,
  type CheckResult,
  checkSaxiumReachable,
  checkSaxiumTls,
  checkSaxiumToken,
  checkTask,
  checkWorkFolder,
  DISK_WARNING_BYTES,
  type DoctorReport,
  isImportCandidate,
  listFiles,
  probeDiskSpace,
  probeFolder,
  probeNotify,
  probeSaxium,
  probeTask,
  renderDoctor,
  runDoctor,
  type SaxiumFacts,
} from "../../lib/health/doctor_checks.ts";
import { parseTaskQuery, RESULT_NEVER_RUN } from "../../lib/windows/task_definition.ts";
import { makeWorld, runAgent, TEST_TOKEN } from "../support/agent_process.ts";
import { startBatigestSimulator } from "../support/batigest_simulator.ts";
import { startSaxiumSimulator } from "../support/saxium_simulator.ts";
import { closedPort, startSmtpReceiver } from "../support/smtp_receiver.ts";
import { testSettings } from "../support/settings.ts";
import { isErrorDocument } from "../../lib/base/work_folders.ts";

const TOKEN = "doctor-token-SECRET-77";

/** A test root authority, and a certificate for `localhost` it signed (valid 2020–2120). */
const TEST_CA = `-----BEGIN CERTIFICATE-----
MIIBfzCCASSgAwIBAgICEAAwCgYIKoZIzj0EAwIwJTEjMCEGA1UEAwwaU2F4aXVt
IERvY3RvciBUZXN0IFJvb3QgQ0EwIBcNMjAwMTAxMDAwMDAwWhgPMjEyMDAxMDEw
MDAwMDBaMCUxIzAhBgNVBAMMGlNheGl1bSBEb2N0b3IgVGVzdCBSb290IENBMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE07lZUzukVxu0rB+CDeIAvSQydfkC1BLe
YYpr7PNUB7g+hO8wHRnxWaFLmvfWZFrYujrsOfzAYI+kEuZl5Fsv2KNCMEAwDwYD
VR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFBiopL1JFjuy
XeEsEdPLQzy+Pr7TMAoGCCqGSM49BAMCA0kAMEYCIQD6orb/S8It6fhoUAV7LCdZ
6GzrEr7pilnEgqCfAUAtnQIhANcSm8XTxdMw+x0yapDYqiNz3pPUkYE7E75xFEHX
yxox
-----END CERTIFICATE-----
`;
const LOCALHOST_CERT = `-----BEGIN CERTIFICATE-----
MIIBsTCCAVigAwIBAgICEAEwCgYIKoZIzj0EAwIwJTEjMCEGA1UEAwwaU2F4aXVt
IERvY3RvciBUZXN0IFJvb3QgQ0EwIBcNMjAwMTAxMDAwMDAwWhgPMjEyMDAxMDEw
MDAwMDBaMBQxEjAQBgNVBAMMCWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49
AwEHA0IABAlpxC3Xb1mbbo8Jaf791Ik1zqDARBqVN2MDqJOj4YhFVCGgEVdkBgKb
nXWHpUvY6gH+3U7/7DHKa4ZfVvIuo1ejgYYwgYMwFAYDVR0RBA0wC4IJbG9jYWxo
b3N0MAkGA1UdEwQCMAAwCwYDVR0PBAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMB
MB0GA1UdDgQWBBQsRhDEunTL5bAnxBXw4WhpNN+VXTAfBgNVHSMEGDAWgBQYqKS9
SRY7sl3hLBHTy0M8vj6+0zAKBggqhkjOPQQDAgNHADBEAiAKDJ+A613Az51uAIsO
U4gK+JbiB0SUQpxyMtBoQ8ZQrgIgCKGNlq90rH5Z4gyBq9jGIsn2KWnIszOyFHXq
2PaYGe0=
-----END CERTIFICATE-----
`;
const LOCALHOST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgcB5CDUirUi6472w/
u3UB1LyhQb8gtRYYb0tHfkjCZ+ChRANCAAQJacQt129Zm26PCWn+/dSJNc6gwEQa
lTdjA6iTo+GIRVQhoBFXZAYCm511h6VL2OoB/t1O/+wxymuGX1byLqNX
-----END PRIVATE KEY-----
`;

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`../fixtures/${name}`, import.meta.url));

/** The English `schtasks /Query` output with a given status and last result. */
function taskQuery(options: { status?: string; lastResult?: number } = {}): string {
  const [header, row] = fixture("schtasks-query-en.csv").trim().split(/\r?\n/);
  const cells = row.split('","');
  if (options.status) cells[3] = options.status;
  if (options.lastResult !== undefined) cells[6] = String(options.lastResult);
  return `${header}\r\n${cells.join('","')}\r\n`;
}

function schtasksAnswer(result: CommandResult) {
  return () => Promise.resolve(result);
}

function settingsFor(root: string, extra: Partial<Settings> = {}): Settings {
  return testSettings(root, { apiUrl: "http://127.0.0.1:1", token: TOKEN, ...extra });
}

async function withRoot(body: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "saxium-doctor-" });
  try {
    await Deno.mkdir(nodePath.join(root, "work"));
    await Deno.mkdir(nodePath.join(root, "import"));
    await body(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function assertFix(result: CheckResult, status: "WARNING" | "ERROR", fix: RegExp): void {
  assert.equal(result.status, status, JSON.stringify(result));
  assert.ok(result.fix, "a fix is given");
  assert.match(result.fix!, fix);
  assert.ok(!/\n/.test(result.fix!) && /[.]$/.test(result.fix!), "one sentence");
}

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
// Folders

Deno.test("work folder: OK when writable; missing, a file, unwritable, outside the permissions", async () => {
  await withRoot(async (root) => {
    const facts = await probeFolder(nodePath.join(root, "work"));
    assert.deepEqual(facts, {
      path: nodePath.join(root, "work"),
      exists: true,
      isDirectory: true,
      writable: true,
    });
    assert.equal(checkWorkFolder(facts).status, "OK");
    assert.deepEqual([...Deno.readDirSync(nodePath.join(root, "work"))], [], "nothing left behind");

    assertFix(
      checkWorkFolder(await probeFolder(nodePath.join(root, "absent"))),
      "WARNING",
      /sync --once/,
    );
    await Deno.writeTextFile(nodePath.join(root, "fichier"), "x");
    assertFix(
      checkWorkFolder(await probeFolder(nodePath.join(root, "fichier"))),
      "ERROR",
      /dossier/,
    );
    assertFix(
      checkWorkFolder({
        path: "C:\\SaxiumBatigest",
        exists: true,
        isDirectory: true,
        writable: false,
        writeError: "Accès refusé. (os error 5)",
      }),
      "ERROR",
      /SYSTEM/,
    );
    assertFix(
      checkWorkFolder({ path: "D:\\Autre", exists: false, notPermitted: true }),
      "ERROR",
      /reconstruisez l'exécutable/,
    );
    assertFix(
      checkWorkFolder({
        path: "C:\\S",
        exists: true,
        isDirectory: true,
        writable: true,
        leftover: "C:\\S\\~saxium-doctor-1.tmp",
      }),
      "WARNING",
      /Supprimez ce fichier/,
    );
  });
});

Deno.test("import folder: a rename under names Batigest ignores works, then nothing is left", async () => {
  await withRoot(async (root) => {
    const dir = nodePath.join(root, "import");
    const batigest = startBatigestSimulator({ dir });
    const seen = new Set<string>();
    const watcher = Deno.watchFs(dir);
    const watching = (async () => {
      for await (const event of watcher) {
        for (const p of event.paths) seen.add(nodePath.basename(p));
      }
    })();
    try {
      const facts = await probeFolder(dir, { rename: true });
      assert.equal(facts.renamed, true);
      assert.equal(checkImportFolder(facts).status, "OK");
      assert.match(checkImportFolder(facts).detail, /écriture et renommage possibles/);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      watcher.close();
      await watching;
      await batigest.close();
    }
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    assert.equal(batigest.ledger.length, 0, "Batigest imported nothing");
    for (const name of seen) assert.match(name, /^~saxium-doctor-[0-9a-f]{8}(-renomme)?\.tmp$/);
  });
});

Deno.test("import folder: missing, unwritable, rename refused", async () => {
  await withRoot(async (root) => {
    assertFix(
      checkImportFolder(await probeFolder(nodePath.join(root, "absent"), { rename: true })),
      "ERROR",
      /batigestImportDir/,
    );
    assertFix(
      checkImportFolder({
        path: "C:\\Batigest\\Import",
        exists: true,
        isDirectory: true,
        writable: false,
        writeError: "Accès refusé",
      }),
      "ERROR",
      /SYSTEM/,
    );
    const refused = checkImportFolder({
      path: "C:\\Batigest\\Import",
      exists: true,
      isDirectory: true,
      writable: true,
      renamed: false,
      renameError: "Le processus ne peut pas accéder au fichier (os error 32)",
    });
    assertFix(refused, "ERROR", /antivirus/);
    assert.match(refused.detail, /renommage impossible \(Le processus/);
  });
});

// ---------------------------------------------------------------------------
// Disk space

Deno.test("disk space: measured when allowed; low is WARNING or ERROR; unknown is an honest WARNING", async () => {
  const measured = await probeDiskSpace(Deno.cwd());
  assert.ok(
    measured.freeBytes! > 0 && measured.totalBytes! >= measured.freeBytes!,
    JSON.stringify(measured),
  );
  const roomy = checkDiskSpace([{ path: "C:\\S", freeBytes: 50 * DISK_WARNING_BYTES }]);
  assert.equal(roomy.status, "OK");
  assert.match(roomy.detail, /C:\\S : 50,0 Go libres/);
  assertFix(
    checkDiskSpace([{ path: "C:\\S", freeBytes: DISK_WARNING_BYTES / 2 }]),
    "WARNING",
    /Libérez/,
  );
  assertFix(checkDiskSpace([{ path: "C:\\S", freeBytes: 10 * 1024 * 1024 }]), "ERROR", /Libérez/);
  const unknown = checkDiskSpace([{ path: "C:\\S", unavailable: "permission" }]);
  assertFix(unknown, "WARNING", /Explorateur/);
  assert.match(unknown.detail, /^non vérifiable : .*--allow-sys=statfs/);
});

// ---------------------------------------------------------------------------
// Saxium

async function withSaxium(
  body: (url: string, sim: Awaited<ReturnType<typeof startSaxiumSimulator>>) => Promise<void>,
) {
  const sim = await startSaxiumSimulator({ token: TOKEN });
  try {
    await body(sim.url, sim);
  } finally {
    await sim.close();
  }
}

function saxiumChecks(facts: SaxiumFacts) {
  return {
    reachable: checkSaxiumReachable(facts),
    tls: checkSaxiumTls(facts),
    token: checkSaxiumToken(facts),
    clock: checkClock(facts),
  };
}

Deno.test("Saxium: reachable, token accepted, clock right (simulator)", async () => {
  await withSaxium(async (url, sim) => {
    const facts = await probeSaxium({ apiUrl: url, token: TOKEN, agentId: "SRV-TEST" });
    const c = saxiumChecks(facts);
    assert.equal(c.reachable.status, "OK");
    assert.match(c.reachable.detail, /répond en \d+ ms \(HTTP 200\)/);
    assert.equal(c.tls.status, "OK");
    assert.match(c.tls.detail, /sans objet/);
    assert.equal(c.token.status, "OK");
    assert.equal(c.clock.status, "OK");
    const request = sim.requests.at(-1)!;
    assert.equal(request.path, "/api/batigest/status");
    assert.equal(request.headers["authorization"], `Bearer ${TOKEN}`);
    assert.equal(request.headers["x-agent-id"], "SRV-TEST");
  });
});

Deno.test("Saxium: token refused, or none configured", async () => {
  await withSaxium(async (url) => {
    const wrong = await probeSaxium({ apiUrl: url, token: "pas-le-bon", agentId: "SRV" });
    assert.equal(checkSaxiumReachable(wrong).status, "OK");
    assertFix(checkSaxiumToken(wrong), "ERROR", /renouvelez le jeton/);
    const none = await probeSaxium({ apiUrl: url, agentId: "SRV" });
    const c = checkSaxiumToken(none);
    assertFix(c, "ERROR", /SAXIUM_TOKEN/);
    assert.match(c.detail, /aucun jeton configuré/);
  });
});

Deno.test("Saxium: server errors, redirects, wrong address, not Saxium", async () => {
  await withSaxium(async (url, sim) => {
    sim.addFault({ route: "status", times: 1, fault: { status: 503 } });
    assertFix(
      checkSaxiumReachable(await probeSaxium({ apiUrl: url, token: TOKEN, agentId: "S" })),
      "ERROR",
      /réessayez plus tard/,
    );
    sim.addFault({ route: "status", times: 1, fault: { redirectTo: "https://ailleurs.example/" } });
    const redirected = checkSaxiumReachable(
      await probeSaxium({ apiUrl: url, token: TOKEN, agentId: "S" }),
    );
    assertFix(redirected, "ERROR", /sans redirection/);
    assert.match(redirected.detail, /ailleurs\.example/);
    assertFix(
      checkSaxiumReachable(
        await probeSaxium({ apiUrl: `${url}/mauvais`, token: TOKEN, agentId: "S" }),
      ),
      "ERROR",
      /adresse de base/,
    );
    sim.addFault({ route: "status", times: 1, fault: "html" });
    assertFix(
      checkSaxiumToken(await probeSaxium({ apiUrl: url, token: TOKEN, agentId: "S" })),
      "WARNING",
      /désigne bien le serveur Saxium/,
    );
  });
});

Deno.test("Saxium unreachable: connection refused, and the dependent checks say not checked", async () => {
  const facts = await probeSaxium({ apiUrl: `http://127.0.0.1:${closedPort()}`, agentId: "S" });
  assert.equal(facts.failure?.kind, "refused", JSON.stringify(facts));
  const c = saxiumChecks(facts);
  assertFix(c.reachable, "ERROR", /pare-feu/);
  for (const check of [c.tls, c.token, c.clock]) {
    assert.equal(check.status, "WARNING");
    assert.match(check.detail, /^non vérifié/);
  }
});

Deno.test("Saxium that never answers: timeout within the limit", async () => {
  await withSaxium(async (url, sim) => {
    sim.addFault({ route: "status", fault: "hang" });
    const started = performance.now();
    const facts = await probeSaxium({ apiUrl: url, token: TOKEN, agentId: "S" }, {
      timeoutMs: 300,
    });
    assert.ok(performance.now() - started < 3_000);
    assert.equal(facts.failure?.kind, "timeout");
    assertFix(checkSaxiumReachable(facts), "ERROR", /proxy/);
  });
});

Deno.test("clock: more than 5 minutes ahead or behind Saxium is an ERROR", async () => {
  await withSaxium(async (url) => {
    const ahead = await probeSaxium(
      { apiUrl: url, token: TOKEN, agentId: "S" },
      { now: () => new Date(Date.now() + 10 * 60_000) },
    );
    const c = checkClock(ahead);
    assertFix(c, "ERROR", /w32tm/);
    assert.match(c.detail, /10 min d'avance/);
    const behind = await probeSaxium(
      { apiUrl: url, token: TOKEN, agentId: "S" },
      { now: () => new Date(Date.now() - 7 * 60_000) },
    );
    assert.match(checkClock(behind).detail, /7 min de retard/);
    const slightly = await probeSaxium(
      { apiUrl: url, token: TOKEN, agentId: "S" },
      { now: () => new Date(Date.now() + 4 * 60_000) },
    );
    assert.equal(checkClock(slightly).status, "OK");
  });
  const noDate = checkClock({
    apiUrl: "https://s",
    tokenSent: true,
    status: 200,
    receivedAt: new Date().toISOString(),
  });
  assertFix(noDate, "WARNING", /w32tm/);
});

Deno.test("TLS: unknown authority names DENO_TLS_CA_STORE; caFile fixes it; wrong name; unreadable caFile", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: LOCALHOST_CERT, key: LOCALHOST_KEY, onListen() {} },
    () => Response.json({ success: true, data: {} }),
  );
  const root = await Deno.makeTempDir();
  try {
    const apiUrl = `https://localhost:${server.addr.port}`;
    const unknown = await probeSaxium({ apiUrl, token: TOKEN, agentId: "S" });
    assert.equal(unknown.failure?.tls, "unknown-issuer", JSON.stringify(unknown));
    const c = saxiumChecks(unknown);
    assert.equal(c.reachable.status, "OK");
    assertFix(c.tls, "ERROR", /DENO_TLS_CA_STORE=mozilla,system/);
    assert.match(c.tls.fix!, /caFile/);
    assert.equal(c.token.status, "WARNING");

    const caFile = nodePath.join(root, "racine.pem");
    await Deno.writeTextFile(caFile, TEST_CA);
    const trusted = await probeSaxium({ apiUrl, token: TOKEN, agentId: "S", caFile });
    const t = saxiumChecks(trusted);
    assert.equal(t.tls.status, "OK", JSON.stringify(trusted));
    assert.match(t.tls.detail, /certificat valide/);
    assert.equal(t.token.status, "OK");

    const wrongName = await probeSaxium({
      apiUrl: `https://127.0.0.1:${server.addr.port}`,
      agentId: "S",
      caFile,
    });
    assertFix(checkSaxiumTls(wrongName), "ERROR", /nom exact/);

    const missing = await probeSaxium({
      apiUrl,
      agentId: "S",
      caFile: nodePath.join(root, "absent.pem"),
    });
    assertFix(checkSaxiumTls(missing), "ERROR", /PEM/);
    assert.equal(checkSaxiumReachable(missing).status, "WARNING");
  } finally {
    await server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
});

// ---------------------------------------------------------------------------
// Proxy

Deno.test("proxy: direct, through a proxy (credentials masked), HTTP_PROXY alone for https", () => {
  assert.match(
    checkProxy({ apiUrl: "https://s.example", env: {} }).detail,
    /connexion directe à Saxium/,
  );
  const via = checkProxy({
    apiUrl: "https://s.example",
    proxy: "http://jean:motdepasse@proxy.local:3128",
    env: { HTTPS_PROXY: "http://jean:motdepasse@proxy.local:3128", NO_PROXY: "localhost" },
  });
  assert.equal(via.status, "OK");
  assert.match(via.detail, /Saxium via le proxy http:\/\/\*\*\*@proxy\.local:3128/);
  assert.match(via.detail, /NO_PROXY=localhost/);
  assert.ok(!via.detail.includes("motdepasse"));
  assertFix(
    checkProxy({ apiUrl: "https://s.example", env: { HTTP_PROXY: "http://proxy.local:3128" } }),
    "WARNING",
    /HTTPS_PROXY/,
  );
});

// ---------------------------------------------------------------------------
// Scheduled task

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

// ---------------------------------------------------------------------------
// Files waiting

Deno.test("Errors folder and import folder: files older than a day are reported", async () => {
  await withRoot(async (root) => {
    const now = new Date();
    const twoDaysAgo = new Date(now.getTime() - 48 * 3_600_000);
    const errors = nodePath.join(root, "work", "Errors");
    await Deno.mkdir(errors);
    assert.match(
      checkErrorsFolder(await listFiles(errors, isErrorDocument), { dir: errors, now }).detail,
      /aucun fichier en erreur/,
    );
    await Deno.writeTextFile(nodePath.join(errors, "recent.xml"), "x");
    await Deno.writeTextFile(nodePath.join(errors, "recent.xml.erreur.txt"), "raison");
    const fresh = checkErrorsFolder(await listFiles(errors, isErrorDocument), { dir: errors, now });
    assert.equal(fresh.status, "OK");
    assert.match(fresh.detail, /1 fichier\(s\) de moins d'un jour/);
    await Deno.writeTextFile(nodePath.join(errors, "ancien.xml"), "x");
    await Deno.utime(nodePath.join(errors, "ancien.xml"), twoDaysAgo, twoDaysAgo);
    await Deno.writeTextFile(nodePath.join(errors, "ancien.xml.erreur.txt"), "raison");
    await Deno.utime(nodePath.join(errors, "ancien.xml.erreur.txt"), twoDaysAgo, twoDaysAgo);
    const old = checkErrorsFolder(await listFiles(errors, isErrorDocument), { dir: errors, now });
    assertFix(old, "WARNING", /\.erreur\.txt/);
    assert.match(
      old.detail,
      /^1 fichier\(s\) en erreur depuis plus d'un jour, le plus ancien ancien\.xml/,
    );

    const importDir = nodePath.join(root, "import");
    for (const name of ["vieux.zip", "~saxium-doctor-abcd1234.tmp"]) {
      await Deno.writeTextFile(nodePath.join(importDir, name), "x");
      await Deno.utime(nodePath.join(importDir, name), twoDaysAgo, twoDaysAgo);
    }
    await Deno.writeTextFile(nodePath.join(importDir, "DV-NEUF.xml"), "x");
    const waitingFresh = checkImportWaiting(await listFiles(importDir, isImportCandidate), {
      dir: importDir,
      now,
    });
    assert.equal(waitingFresh.status, "OK");
    assert.match(waitingFresh.detail, /1 fichier\(s\) récents/);
    await Deno.writeTextFile(nodePath.join(importDir, "DV-VIEUX.xml"), "x");
    await Deno.utime(nodePath.join(importDir, "DV-VIEUX.xml"), twoDaysAgo, twoDaysAgo);
    const waiting = checkImportWaiting(await listFiles(importDir, isImportCandidate), {
      dir: importDir,
      now,
    });
    assertFix(waiting, "ERROR", /Batigest est ouvert/);
    assert.match(waiting.detail, /^1 fichier\(s\) attendent .* DV-VIEUX\.xml/);
  });
});

// ---------------------------------------------------------------------------
// Alerts

Deno.test("alerts: none configured is fine; invalid; SMTP accepting the login; SMTP down; not permitted", async () => {
  await withRoot(async (root) => {
    const base = settingsFor(root);
    assert.equal(checkNotify(await probeNotify(base)).status, "OK");
    // A wrong `notify` now stops the settings at load (doctor's configuration check shows it);
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

// ---------------------------------------------------------------------------
// The whole command

function contextFor(env: Record<string, string>, schtasks: CommandResult) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CommandContext = {
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    env: (name) => env[name],
    hostname: () => "SRV-TEST",
    now: () => new Date(),
    runCommand: () => Promise.resolve(schtasks),
    buildDefaults: {},
    executable: { path: "agent.exe", standalone: true },
    signal: new AbortController().signal,
    failpoint: () => {},
  };
  return { ctx, out, err };
}

Deno.test("doctor: all OK gives exit 0, one screen and JSON; a problem gives exit 1 with its fix", async () => {
  await withRoot(async (root) => {
    await withSaxium(async (url) => {
      const env = {
        SAXIUM_API_URL: url,
        SAXIUM_TOKEN: TOKEN,
        SAXIUM_WORK_DIR: nodePath.join(root, "work"),
        BATIGEST_IMPORT_PATH: nodePath.join(root, "import"),
      };
      const healthy = { code: 0, stdout: taskQuery({ lastResult: 0 }), stderr: "" };
      const screen = contextFor(env, healthy);
      const code = await doctorCommand([], screen.ctx);
      const text = screen.out.join("\n");
      assert.equal(code, 0, text);
      assert.match(
        text,
        /^Diagnostic de l'agent Saxium → Batigest .* \(SRV-TEST\) : tout est en ordre/,
      );
      assert.equal(screen.out.filter((l) => /^ {2}OK /.test(l)).length, 13, text);
      assert.ok(!text.includes(TOKEN));

      const json = contextFor(env, healthy);
      assert.equal(await doctorCommand(["--json"], json.ctx), 0);
      const report = JSON.parse(json.out.join("\n")) as DoctorReport;
      assert.equal(report.ok, true);
      assert.deepEqual(report.counts, { ok: 13, warnings: 0, errors: 0 });
      assert.deepEqual(report.checks.map((c) => c.id), [
        "config",
        "work-folder",
        "import-folder",
        "disk-space",
        "saxium-reachable",
        "saxium-tls",
        "saxium-token",
        "clock",
        "proxy",
        "scheduled-task",
        "errors-folder",
        "import-waiting",
        "notify",
      ]);

      const broken = contextFor(
        { ...env, SAXIUM_TOKEN: "jeton-perime" },
        { code: 1, stdout: "", stderr: "ERROR: The system cannot find the file specified." },
      );
      assert.equal(await doctorCommand([], broken.ctx), 1);
      const brokenText = broken.out.join("\n");
      assert.match(brokenText, /: 2 erreur\(s\), 0 avertissement\(s\)/);
      assert.match(
        brokenText,
        /ERREUR +Jeton Saxium +jeton refusé par Saxium \(HTTP 401\)\n +→ Vérifiez ou renouvelez/,
      );
      assert.match(brokenText, /ERREUR +Tâche planifiée .*\n +→ Lancez install-task/);
      assert.match(brokenText, /doctor --bundle/);
    });
  });
});

Deno.test("doctor: an unreadable configuration is reported as the one ERROR, exit 2", async () => {
  const { ctx, out } = contextFor({}, { code: 0, stdout: "", stderr: "" });
  assert.equal(await doctorCommand(["--work-dir", "relatif"], ctx), 2);
  const text = out.join("\n");
  assert.match(text, /ERREUR +Configuration +Paramètre workDir invalide/);
  assert.match(text, /→ Corrigez le paramètre workDir/);
  assert.equal(
    await doctorCommand(["--inconnu"], ctx).catch((e) => e instanceof ConfigError),
    true,
  );
});

Deno.test("doctor --help, and renderDoctor keeps one line per check plus its fix", async () => {
  const { ctx, out } = contextFor({}, { code: 0, stdout: "", stderr: "" });
  assert.equal(await doctorCommand(["--help"], ctx), 0);
  assert.match(out.join("\n"), /--bundle/);
  const report = await runDoctor({
    configError: new ConfigError("apiUrl", "Paramètre apiUrl manquant."),
    env: () => undefined,
    runCommand: () => Promise.reject(new Error("pas appelé")),
    now: () => new Date(),
    taskName: "T",
  });
  assert.equal(report.ok, false);
  const lines = renderDoctor(report);
  assert.equal(lines.length, 4, lines.join("\n"));
  assert.match(lines[0], /: 1 erreur\(s\), 0 avertissement\(s\)$/);
  assert.match(lines[2], /^ {2}ERREUR {5}Configuration {2}Paramètre apiUrl manquant\.$/);
  assert.match(
    lines[3],
    /^ {28}→ Corrigez le paramètre apiUrl comme indiqué, puis relancez doctor\.$/,
  );
});

// ---------------------------------------------------------------------------
// Under the agent's own permission set (needs `doctor` in main.ts's commands)

Deno.test({
  name: "agent: doctor runs under its permission set; disk space honestly not verifiable",
  async fn() {
    const world = await makeWorld();
    try {
      const run = await runAgent(world, ["doctor", "--json"]);
      assert.equal(run.code, 1, run.stderr);
      const report = JSON.parse(run.stdout) as DoctorReport;
      const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
      assert.equal(byId["config"].status, "OK");
      assert.equal(byId["import-folder"].status, "OK");
      assert.equal(byId["saxium-token"].status, "OK");
      assert.equal(byId["clock"].status, "OK");
      // Free space comes from statfs, which the permission set grants (sys: hostname, statfs).
      assert.equal(byId["disk-space"].status, "OK", byId["disk-space"].detail);
      assert.equal(byId["scheduled-task"].status, "WARNING");
      assert.ok(!run.stdout.includes(TEST_TOKEN) && !run.stderr.includes(TEST_TOKEN));
      assert.deepEqual(
        [...Deno.readDirSync(world.importDir)],
        [],
        "nothing left in Batigest's folder",
      );
    } finally {
      await world.close();
    }
  },
});
