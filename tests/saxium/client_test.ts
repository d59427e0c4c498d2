import assert from "node:assert/strict";
import { SaxiumClient, SaxiumError } from "../../lib/saxium/client.ts";
import {
  type ClientHarness,
  type ClientHarnessOptions,
  saxiumFailure,
  withSaxiumClient,
} from "../support/saxium_client_harness.ts";
import { type SaxiumSimulator, startSaxiumSimulator } from "../support/saxium_simulator.ts";
import { orderCsv, quoteXml } from "../support/documents.ts";

const TOKEN = "tok-Sx9-SECRET-42";

/** Run `fn` against a fresh simulator and client; everything is closed afterwards. */
function withClient(
  fn: (h: ClientHarness) => Promise<void>,
  options: ClientHarnessOptions = {},
): Promise<void> {
  return withSaxiumClient(fn, { token: TOKEN, agentId: "POSTE-COMPTA", ...options });
}

/** The error `promise` rejects with: a SaxiumError on one line, without the token. */
function failure(promise: Promise<unknown>): Promise<SaxiumError> {
  return saxiumFailure(promise, TOKEN);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

function addQuote(sim: SaxiumSimulator, ref = "DV-1730000000001") {
  return sim.addExport({
    documentType: "devis_client",
    documentReference: ref,
    files: { xml: quoteXml(ref), csv: orderCsv(ref) },
  });
}

Deno.test("listPending reads the envelope and sends the agent's headers", async () => {
  await withClient(async ({ sim, client }) => {
    const e = addQuote(sim);
    const list = await client.listPending(10);
    assert.deepEqual(list, {
      items: [{
        id: e.id,
        documentType: "devis_client",
        documentReference: "DV-1730000000001",
        generatedAt: e.generatedAt,
        retryCount: 0,
      }],
      rejected: [],
    });
    const [req] = sim.requests;
    assert.equal(req.path, "/api/batigest/exports/pending");
    assert.deepEqual(req.query, { limit: "10", agentId: "POSTE-COMPTA" });
    assert.equal(req.headers["authorization"], `Bearer ${TOKEN}`);
    assert.equal(req.headers["x-agent-id"], "POSTE-COMPTA");
    assert.equal(
      req.headers["user-agent"],
      `saxium-batigest-agent/2.0.0 (Deno ${Deno.version.deno})`,
    );
    assert.equal(req.headers["accept"], "application/json");
  });
});

Deno.test("listPending accepts a bare array", async () => {
  await withClient(async ({ sim, client }) => {
    const item = {
      id: crypto.randomUUID(),
      documentType: "bon_commande",
      documentReference: "BC-1",
      xmlFileUrl: null,
      generatedAt: "2025-10-15T16:02:10.005Z",
      retryCount: 2,
    };
    sim.addFault({
      route: "pending",
      fault: {
        status: 200,
        body: JSON.stringify([item]),
        headers: { "content-type": "application/json" },
      },
    });
    const list = await client.listPending(50);
    assert.deepEqual(list.items, [{
      id: item.id,
      documentType: "bon_commande",
      documentReference: "BC-1",
      generatedAt: item.generatedAt,
      retryCount: 2,
    }]);
  });
});

Deno.test("without a token no Authorization header is sent", async () => {
  await withClient(async ({ sim, client }) => {
    assert.deepEqual(await client.listPending(5), { items: [], rejected: [] });
    assert.equal(sim.requests[0].headers["authorization"], undefined);
  }, { token: undefined, simToken: null });
});

Deno.test("downloadTo writes the exact bytes, read in several chunks, and encodes the id", async () => {
  await withClient(async ({ sim, client, dir }) => {
    const e = sim.addExport({
      id: "a/b c?",
      documentType: "devis_client",
      documentReference: "DV-2",
      // Several reads into the one reused buffer.
      files: { xml: quoteXml("DV-2", { targetBytes: 300 * 1024 }) },
    });
    const path = `${dir}/DV-2.xml`;
    await Deno.writeTextFile(path, "old content that must disappear, longer than nothing");
    const { bytes } = await client.downloadTo(e.id, { format: "xml", path });
    assert.deepEqual(await Deno.readFile(path), e.files.xml);
    assert.equal(bytes, e.files.xml!.length);
    assert.equal(sim.requests[0].path, "/api/batigest/exports/a%2Fb%20c%3F/download");
    assert.deepEqual(sim.requests[0].query, { format: "xml" });
    assert.equal(sim.requests[0].headers["accept"], "application/xml");
    assert.ok(sim.exports.get(e.id)!.downloadedAt);
  });
});

Deno.test("downloadTo of a format the export lacks is an http error without retry", async () => {
  await withClient(async ({ sim, client, dir }) => {
    const e = sim.addExport({
      documentType: "devis_client",
      documentReference: "DV-3",
      files: { xml: "<Devis/>" },
    });
    const error = await failure(client.downloadTo(e.id, { format: "csv", path: `${dir}/x.csv` }));
    assert.equal(error.kind, "http");
    assert.equal(error.status, 400);
    assert.match(error.message, /« Format csv non disponible pour cet export »/);
    assert.equal(sim.requests.length, 1);
    assert.equal(await exists(`${dir}/x.csv`), false);
  });
});

Deno.test("markSynced and markError send the documented bodies", async () => {
  await withClient(async ({ sim, client }) => {
    const a = addQuote(sim, "DV-10");
    const b = addQuote(sim, "DV-11");
    await client.markSynced(a.id, {
      batigestReference: "DV-10",
      importedAt: "2025-10-14T10:00:00.000Z",
    });
    await client.markError(b.id, {
      errorMessage: "Fichier refusé par Batigest",
      stage: "delivery",
      code: "E42",
    });
    assert.equal(sim.exports.get(a.id)!.status, "imported");
    assert.equal(sim.exports.get(b.id)!.status, "error");
    assert.equal(sim.exports.get(b.id)!.retryCount, 1);
    const [synced, errored] = sim.requests;
    assert.equal(synced.method, "POST");
    assert.equal(synced.path, `/api/batigest/exports/${a.id}/mark-synced`);
    assert.equal(synced.headers["content-type"], "application/json");
    assert.deepEqual(synced.body, {
      exportId: a.id,
      batigestReference: "DV-10",
      agentId: "POSTE-COMPTA",
      agentVersion: "2.0.0",
      batigestResponse: { importedAt: "2025-10-14T10:00:00.000Z", success: true },
    });
    const body = errored.body as { errorDetails: Record<string, string> };
    assert.match(body.errorDetails.timestamp, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(body, {
      exportId: b.id,
      errorMessage: "Fichier refusé par Batigest",
      agentId: "POSTE-COMPTA",
      errorDetails: {
        timestamp: body.errorDetails.timestamp,
        agentId: "POSTE-COMPTA",
        agentVersion: "2.0.0",
        stage: "delivery",
        code: "E42",
      },
    });
  });
});

Deno.test("markSynced of an unknown export is not_found", async () => {
  await withClient(async ({ sim, client }) => {
    const error = await failure(
      client.markSynced(crypto.randomUUID(), {
        batigestReference: "X",
        importedAt: new Date().toISOString(),
      }),
    );
    assert.equal(error.kind, "not_found");
    assert.equal(error.status, 404);
    assert.equal(sim.requests.length, 1);
  });
});

Deno.test("status returns the server's figures", async () => {
  await withClient(async ({ sim, client }) => {
    addQuote(sim, "DV-20");
    const status = await client.status();
    assert.deepEqual(status, {
      pending: 0,
      ready: 1,
      downloaded: 0,
      imported: 0,
      errors: 0,
      lastSync: null,
      queueHealth: "healthy",
    });
  });
});

Deno.test("probeStatus: one GET with the agent's headers; any status, a redirect not followed", async () => {
  await withClient(async ({ sim, client, delays }) => {
    const ok = await client.probeStatus();
    assert.equal(ok.status, 200);
    assert.equal(ok.saxiumBody, true);
    assert.ok(!Number.isNaN(Date.parse(ok.date!)), JSON.stringify(ok));
    assert.ok(ok.elapsedMs >= 0);
    const request = sim.requests.at(-1)!;
    assert.equal(request.path, "/api/batigest/status");
    assert.equal(request.headers["authorization"], `Bearer ${TOKEN}`);
    assert.equal(request.headers["x-agent-id"], "POSTE-COMPTA");

    sim.addFault({ route: "status", times: 1, fault: { status: 503 } });
    assert.equal((await client.probeStatus()).status, 503);
    sim.addFault({ route: "status", times: 1, fault: { redirectTo: `${sim.url}/ailleurs` } });
    const redirect = await client.probeStatus();
    assert.equal(redirect.status, 302);
    assert.equal(redirect.location, `${sim.url}/ailleurs`);
    sim.addFault({ route: "status", times: 1, fault: "html" });
    assert.equal((await client.probeStatus()).saxiumBody, false);
    assert.equal(sim.requests.length, 4, "one request each: no retry, no redirect followed");
    assert.deepEqual(delays, []);
  }, { maxAttempts: 5 });
  await withClient(async ({ client }) => {
    assert.equal((await client.probeStatus()).status, 401);
  }, { simToken: "un-autre-jeton" });
});

Deno.test("probeStatus: a closed port is network with the system's cause, a hang one timeout", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const client = new SaxiumClient({
    apiUrl: `http://127.0.0.1:${port}`,
    agentId: "POSTE-COMPTA",
    version: "2.0.0",
  });
  try {
    const error = await failure(client.probeStatus());
    assert.equal(error.kind, "network");
    assert.ok(error.cause instanceof Error, "the system's error is kept as the cause");
  } finally {
    client.close();
  }
  await withClient(async ({ sim, client }) => {
    sim.addFault({ route: "status", fault: "hang" });
    const error = await failure(client.probeStatus());
    assert.equal(error.kind, "timeout");
    assert.equal(sim.requests.length, 1);
  }, { timeoutMs: 150, maxAttempts: 3 });
});

Deno.test("503 twice then success: three requests, two backoff waits", async () => {
  const retries: { attempt: number; delayMs: number; reason: string }[] = [];
  await withClient(async ({ sim, client, delays }) => {
    addQuote(sim);
    sim.addFault({ route: "pending", times: 2, fault: { status: 503 } });
    const list = await client.listPending(50);
    assert.equal(list.items.length, 1);
    assert.equal(sim.requests.length, 3);
    assert.deepEqual(delays, [250, 500]);
    assert.deepEqual(retries.map((r) => [r.attempt, r.delayMs]), [[1, 250], [2, 500]]);
    assert.match(retries[0].reason, /HTTP 503/);
  }, { random: () => 0.5, onRetry: (info) => retries.push(info) });
});

Deno.test("429 Retry-After within maxDelayMs is waited for exactly, then the call goes on", async () => {
  await withClient(async ({ sim, client, delays }) => {
    sim.addFault({
      route: "status",
      times: 2,
      fault: { status: 429, headers: { "retry-after": "3" } },
    });
    await client.status();
    assert.deepEqual(delays, [3000, 3000]);
    assert.equal(sim.requests.length, 3);
  }, { maxDelayMs: 10_000 });
});

Deno.test("persistent 5xx gives up after maxAttempts with the status", async () => {
  await withClient(async ({ sim, client, delays }) => {
    sim.addFault({
      route: "pending",
      fault: {
        status: 500,
        body: JSON.stringify({ success: false, message: "Base de données\r\nindisponible" }),
      },
    });
    const error = await failure(client.listPending(50));
    assert.equal(error.kind, "http");
    assert.equal(error.status, 500);
    assert.match(error.message, /« Base de données indisponible »/);
    assert.match(error.message, /3 tentatives/);
    assert.equal(sim.requests.length, 3);
    assert.equal(delays.length, 2);
  }, { maxAttempts: 3 });
});

Deno.test("401 is an auth error at once, telling to renew the token", async () => {
  await withClient(async ({ sim, client, delays }) => {
    const error = await failure(client.listPending(50));
    assert.equal(error.kind, "auth");
    assert.equal(error.status, 401);
    assert.match(error.message, /SAXIUM_TOKEN/);
    assert.equal(sim.requests.length, 1);
    assert.deepEqual(delays, []);
  }, { simToken: "another-token-entirely" });
});

Deno.test("403 is an auth error too", async () => {
  await withClient(async ({ sim, client }) => {
    sim.addFault({ route: "any", fault: { status: 403 } });
    assert.equal((await failure(client.status())).kind, "auth");
    assert.equal(sim.requests.length, 1);
  });
});

Deno.test("other 4xx are not retried and quote the server's message, cleaned and capped", async () => {
  await withClient(async ({ sim, client }) => {
    const long = "Requête invalide\u0007\r\n" + "x".repeat(1000) + ` ${TOKEN}`;
    sim.addFault({
      route: "pending",
      fault: { status: 422, body: JSON.stringify({ success: false, message: long }) },
    });
    const error = await failure(client.listPending(50));
    assert.equal(error.kind, "http");
    assert.equal(error.status, 422);
    const quoted = /« (Requête invalide x+…) »/.exec(error.message);
    assert.ok(quoted, error.message);
    assert.equal(quoted[1].length, 300);
    assert.equal(sim.requests.length, 1);
  });
});

Deno.test("success: false in a 200 is an http error quoting the server", async () => {
  await withClient(async ({ sim, client }) => {
    sim.addFault({
      route: "status",
      fault: {
        status: 200,
        body: JSON.stringify({ success: false, message: `jeton ${TOKEN} expiré` }),
      },
    });
    const error = await failure(client.status());
    assert.equal(error.kind, "http");
    assert.match(error.message, /« jeton \*{8} expiré »/);
  });
});

Deno.test("a hanging server times out on every attempt", async () => {
  await withClient(async ({ sim, client, delays }) => {
    sim.addFault({ route: "pending", fault: "hang" });
    const started = Date.now();
    const error = await failure(client.listPending(50));
    assert.equal(error.kind, "timeout");
    assert.equal(sim.requests.length, 2);
    assert.equal(delays.length, 1);
    assert.ok(Date.now() - started < 5000);
  }, { timeoutMs: 150, maxAttempts: 2 });
});

Deno.test("a slow answer times out and the next attempt succeeds", async () => {
  await withClient(async ({ sim, client }) => {
    addQuote(sim);
    sim.addFault({ route: "pending", times: 1, fault: { delayMs: 1000 } });
    assert.equal((await client.listPending(5)).items.length, 1);
    assert.equal(sim.requests.length, 2);
  }, { timeoutMs: 200 });
});

Deno.test("the timeout also covers a body that stops arriving", async () => {
  // Headers and a first chunk arrive, then the body stalls until the attempt's signal fires.
  const stallingBody: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const bytes = await res.bytes();
    const signal = init!.signal!;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 10));
        signal.addEventListener("abort", () => controller.error(signal.reason), { once: true });
      },
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };
  await withClient(async ({ sim, client, dir }) => {
    const e = addQuote(sim);
    const path = `${dir}/slow.xml`;
    const error = await failure(client.downloadTo(e.id, { format: "xml", path }));
    assert.equal(error.kind, "timeout");
    assert.equal(sim.requests.length, 2);
    assert.equal(await exists(path), false);
  }, { timeoutMs: 150, downloadIdleMs: 150, maxAttempts: 2, fetch: stallingBody });
});

Deno.test("a truncated download is retried and ends complete", async () => {
  await withClient(async ({ sim, client, dir, delays }) => {
    const e = addQuote(sim);
    sim.addFault({ route: "download", times: 2, fault: "truncate" });
    const path = `${dir}/doc.xml`;
    const { bytes } = await client.downloadTo(e.id, { format: "xml", path });
    assert.equal(bytes, e.files.xml!.length);
    assert.deepEqual(await Deno.readFile(path), e.files.xml);
    assert.equal(sim.requests.length, 3);
    assert.equal(delays.length, 2);
  });
});

Deno.test("a download truncated every time fails and leaves no file", async () => {
  await withClient(async ({ sim, client, dir }) => {
    const e = addQuote(sim);
    sim.addFault({ route: "download", fault: "truncate" });
    const path = `${dir}/doc.xml`;
    const error = await failure(client.downloadTo(e.id, { format: "xml", path }));
    assert.equal(error.kind, "network");
    assert.match(error.message, /3 tentatives/);
    assert.equal(sim.requests.length, 3);
    assert.equal(await exists(path), false);
  }, { maxAttempts: 3 });
});

Deno.test("a connection reset is retried", async () => {
  await withClient(async ({ sim, client }) => {
    addQuote(sim);
    sim.addFault({ route: "pending", times: 1, fault: "reset" });
    assert.equal((await client.listPending(5)).items.length, 1);
    assert.equal(sim.requests.length, 2);
  });
});

Deno.test("a document larger than maxDownloadBytes is too_large, not retried, no file", async () => {
  await withClient(async ({ sim, client, dir }) => {
    const e = sim.addExport({
      documentType: "devis_client",
      documentReference: "DV-BIG",
      files: { xml: quoteXml("DV-BIG", { targetBytes: 4096 }) },
    });
    const path = `${dir}/big.xml`;
    const error = await failure(client.downloadTo(e.id, { format: "xml", path }));
    assert.equal(error.kind, "too_large");
    assert.equal(sim.requests.length, 1);
    assert.equal(await exists(path), false);
  }, { maxDownloadBytes: 1024 });
});

Deno.test("the size cap also holds while streaming a body without Content-Length", async () => {
  const stripLength: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const headers = new Headers(res.headers);
    headers.delete("content-length");
    return new Response(res.body, { status: res.status, headers });
  };
  await withClient(async ({ sim, client, dir }) => {
    const e = sim.addExport({
      documentType: "devis_client",
      documentReference: "DV-BIG",
      files: { xml: quoteXml("DV-BIG", { targetBytes: 256 * 1024 }) },
    });
    const path = `${dir}/big.xml`;
    const error = await failure(client.downloadTo(e.id, { format: "xml", path }));
    assert.equal(error.kind, "too_large");
    assert.equal(await exists(path), false);
  }, { maxDownloadBytes: 64 * 1024, fetch: stripLength });
});

Deno.test("an HTML page instead of JSON is the agent not recognised (auth), not retried", async () => {
  await withClient(async ({ sim, client }) => {
    sim.addFault({ route: "pending", fault: "html" });
    const error = await failure(client.listPending(50));
    assert.equal(error.kind, "auth");
    assert.equal(error.status, 200);
    assert.match(
      error.message,
      /page web \(HTML, HTTP 200, text\/html\) au lieu de JSON .*page de connexion.*SAXIUM_TOKEN.*Ce que Saxium doit fournir/,
    );
    assert.equal(sim.requests.length, 1);
  });
});

Deno.test("a text that is neither JSON nor HTML is a protocol error naming what was expected", async () => {
  await withClient(async ({ sim, client }) => {
    sim.addFault({
      route: "pending",
      fault: { status: 200, body: "OK", headers: { "content-type": "text/plain" } },
    });
    const error = await failure(client.listPending(50));
    assert.equal(error.kind, "protocol");
    assert.match(error.message, /Réponse illisible de Saxium .*text\/plain.*liste d'exports/);
  });
});

Deno.test("an HTML 502 page is a protocol error retried like a 5xx", async () => {
  await withClient(async ({ sim, client }) => {
    sim.addFault({
      route: "status",
      fault: {
        status: 502,
        body: "<html><body>Bad Gateway</body></html>",
        headers: { "content-type": "text/html" },
      },
    });
    const error = await failure(client.status());
    assert.equal(error.kind, "protocol");
    assert.equal(error.status, 502);
    assert.equal(sim.requests.length, 3);
  }, { maxAttempts: 3 });
});

Deno.test("a JSON answer with no list is a protocol error naming what was expected, in French", async () => {
  await withClient(async ({ sim, client }) => {
    sim.addFault({
      route: "pending",
      fault: { status: 200, body: JSON.stringify({ success: true, data: { id: 42 } }) },
    });
    const error = await failure(client.listPending(50));
    assert.equal(error.kind, "protocol");
    assert.match(error.message, /la liste \(data\) est un objet au lieu d'un tableau/);
    assert.match(error.message, /liste d'exports/);
    sim.clearFaults();
    sim.addFault({
      route: "status",
      fault: { status: 200, body: JSON.stringify({ success: true, data: { pending: "3" } }) },
    });
    const status = await failure(client.status());
    assert.equal(status.kind, "protocol");
    assert.match(status.message, /champ pending : nombre attendu/);
    assert.doesNotMatch(status.message, /Invalid|expected/);
  });
});

Deno.test("a redirect to another host is refused and names it", async () => {
  await withClient(async ({ sim, client }) => {
    sim.addFault({ route: "pending", fault: { redirectTo: "https://evil.example:8443/steal" } });
    const error = await failure(client.listPending(50));
    assert.equal(error.kind, "redirect");
    assert.match(error.message, /evil\.example:8443/);
    assert.equal(sim.requests.length, 1);
  });
});

Deno.test("a redirect to another port of the same host is refused", async () => {
  await withClient(async ({ sim, client }) => {
    sim.addFault({
      route: "status",
      fault: { redirectTo: `http://127.0.0.1:${sim.port + 1}/api/batigest/status` },
    });
    assert.equal((await failure(client.status())).kind, "redirect");
  });
});

Deno.test("a same-origin redirect is followed, a loop is stopped", async () => {
  await withClient(async ({ sim, client }) => {
    addQuote(sim);
    sim.addFault({
      route: "pending",
      times: 1,
      fault: { redirectTo: "/api/batigest/exports/pending?limit=5&agentId=POSTE-COMPTA" },
    });
    assert.equal((await client.listPending(5)).items.length, 1);
    assert.equal(sim.requests.length, 2);
    assert.equal(sim.requests[1].headers["authorization"], `Bearer ${TOKEN}`);

    sim.addFault({ route: "status", fault: { redirectTo: `${sim.url}/api/batigest/status` } });
    const error = await failure(client.status());
    assert.equal(error.kind, "redirect");
    assert.equal(sim.requests.length, 2 + 4);
  });
});

Deno.test("a closed port is a network error after the retries", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const delays: number[] = [];
  const client = new SaxiumClient({
    apiUrl: `http://127.0.0.1:${port}`,
    token: TOKEN,
    agentId: "POSTE-COMPTA",
    version: "2.0.0",
    maxAttempts: 3,
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
  });
  try {
    const error = await failure(client.listPending(50));
    assert.equal(error.kind, "network");
    assert.equal(error.status, undefined);
    assert.match(error.message, /Connexion à Saxium impossible \(127\.0\.0\.1:\d+ .*3 tentatives/);
    assert.equal(delays.length, 2);
  } finally {
    client.close();
  }
});

Deno.test("the token never appears in error messages or retry reasons", async () => {
  const reasons: string[] = [];
  await withClient(async ({ sim, client, dir }) => {
    const e = addQuote(sim);
    const echo = JSON.stringify({ success: false, message: `Authorization: Bearer ${TOKEN}` });
    const faults = [
      { status: 500, body: echo },
      { status: 400, body: echo },
      { status: 401, body: echo },
      { status: 502, body: `<html>${TOKEN}</html>` },
      "hang" as const,
      "truncate" as const,
      { redirectTo: `http://${TOKEN}.example/` },
    ];
    for (const fault of faults) {
      sim.clearFaults();
      sim.addFault({ route: "any", fault });
      await failure(client.downloadTo(e.id, { format: "xml", path: `${dir}/f.xml` }));
      await failure(
        client.markSynced(e.id, { batigestReference: "R", importedAt: "2025-01-01T00:00:00Z" }),
      );
    }
  }, {
    maxAttempts: 2,
    timeoutMs: 100,
    downloadIdleMs: 100,
    onRetry: (info) => reasons.push(info.reason),
  });
  assert.ok(reasons.length > 0);
  for (const reason of reasons) assert.ok(!reason.includes(TOKEN), reason);
});

Deno.test("a token with a line break is refused at construction, without echoing it", () => {
  assert.throws(
    () =>
      new SaxiumClient({
        apiUrl: "https://saxium.example",
        token: "abc\r\ndef",
        agentId: "A",
        version: "1",
      }),
    (error: unknown) =>
      error instanceof SaxiumError && error.kind === "auth" && !error.message.includes("abc"),
  );
});

Deno.test("requests go through the configured proxy", async () => {
  const sim = await startSaxiumSimulator({ token: TOKEN });
  addQuote(sim);
  const client = new SaxiumClient({
    apiUrl: "http://saxium.invalid",
    token: TOKEN,
    agentId: "POSTE-COMPTA",
    version: "2.0.0",
    proxy: sim.url,
    maxAttempts: 1,
  });
  try {
    assert.equal((await client.listPending(5)).items.length, 1);
    assert.equal(sim.requests[0].path, "/api/batigest/exports/pending");
  } finally {
    client.close();
    await sim.close();
  }
});
