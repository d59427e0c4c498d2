/**
 * `doctor`'s Saxium checks against the simulator, a real HTTPS server with a
 * certificate from an unknown authority and a closed port; and the proxy.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  checkClock,
  checkProxy,
  checkSaxiumReachable,
  checkSaxiumTls,
  checkSaxiumToken,
  probeSaxium,
  type SaxiumFacts,
} from "../../lib/health/saxium_checks.ts";
import { assertFix, DOCTOR_TOKEN as TOKEN, withSaxium } from "../support/health.ts";
import { closedPort } from "../support/smtp_receiver.ts";

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
    // The system's English ("No such file or directory (os error 2)") stays out.
    assert.match(
      checkSaxiumTls(missing).detail,
      /absent\.pem illisible \(fichier ou dossier introuvable\)/,
    );
    assert.doesNotMatch(checkSaxiumTls(missing).detail, /os error|No such file/);
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
  assert.match(via.detail, /Saxium via le proxy http:\/\/\*{8}@proxy\.local:3128/);
  assert.match(via.detail, /NO_PROXY=localhost/);
  assert.ok(!via.detail.includes("motdepasse"));
  assertFix(
    checkProxy({ apiUrl: "https://s.example", env: { HTTP_PROXY: "http://proxy.local:3128" } }),
    "WARNING",
    /HTTPS_PROXY/,
  );
});
