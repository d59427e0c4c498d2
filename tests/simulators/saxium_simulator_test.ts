import assert from "node:assert/strict";
import { type SaxiumSimulator, startSaxiumSimulator } from "../support/saxium_simulator.ts";
import { orderCsv, orderXml, quoteCsv, quoteXml } from "../support/documents.ts";

const TOKEN = "sim-token-123";
const AUTH = { authorization: `Bearer ${TOKEN}` };

async function withSim(
  fn: (sim: SaxiumSimulator) => Promise<void>,
  options: { token?: string; latencyMs?: number; queueGap?: boolean } = { token: TOKEN },
): Promise<void> {
  const sim = await startSaxiumSimulator(options);
  try {
    await fn(sim);
  } finally {
    await sim.close();
  }
}

async function call(
  sim: SaxiumSimulator,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(sim.url + path, {
    method: init.method ?? "GET",
    headers: { ...AUTH, "content-type": "application/json", ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

function pendingIds(r: { json: Record<string, unknown> }): string[] {
  return (r.json.data as { id: string }[]).map((e) => e.id);
}

Deno.test("pending lists what Saxium offers newest first, in its envelope, and repeats it until marked", async () => {
  await withSim(async (sim) => {
    const late = sim.addExport({
      documentType: "devis_client",
      documentReference: "DV-2",
      files: { xml: quoteXml("DV-2") },
      generatedAt: "2025-10-14T10:00:00.000Z",
    });
    const b = sim.addExport({
      documentType: "bon_commande",
      documentReference: "BC-1",
      files: { xml: orderXml("BC-1"), csv: orderCsv("BC-1") },
      generatedAt: "2025-10-14T09:00:00.000Z",
    });
    // Generated at the same time as BC-1, created after it: listed before it.
    const a = sim.addExport({
      documentType: "devis_client",
      documentReference: "DV-1",
      files: { xml: quoteXml("DV-1") },
      generatedAt: "2025-10-14T09:00:00.000Z",
    });
    assert.equal(a.status, "ready", "created ready, as Saxium's generators do");
    const first = await call(sim, "/api/batigest/exports/pending?limit=50&agentId=PC");
    assert.equal(first.status, 200);
    assert.equal(first.json.success, true);
    assert.ok(
      !Number.isNaN(Date.parse(first.json.timestamp as string)),
      "{ success, data, timestamp }",
    );
    assert.deepEqual(pendingIds(first), [late.id, a.id, b.id]);
    const item = (first.json.data as Record<string, unknown>[])[2];
    assert.equal(item.documentReference, "BC-1");
    assert.equal(item.documentType, "bon_commande");
    assert.equal(item.retryCount, 0);
    assert.equal(item.xmlFileUrl, `/api/batigest/exports/${b.id}/download?format=xml`);

    assert.deepEqual(pendingIds(await call(sim, "/api/batigest/exports/pending?limit=2")), [
      late.id,
      a.id,
    ]);
    // agentId is not a filter: every agent sees every export.
    assert.deepEqual(
      pendingIds(await call(sim, "/api/batigest/exports/pending?agentId=AUTRE-POSTE")),
      [late.id, a.id, b.id],
    );

    await call(sim, `/api/batigest/exports/${a.id}/mark-synced`, {
      method: "POST",
      body: { exportId: a.id, batigestReference: "DV-1" },
    });
    await call(sim, `/api/batigest/exports/${b.id}/mark-error`, {
      method: "POST",
      body: { exportId: b.id, errorMessage: "Refusé" },
    });
    assert.deepEqual(pendingIds(await call(sim, "/api/batigest/exports/pending")), [late.id]);
    const zero = await call(sim, "/api/batigest/exports/pending?limit=0");
    assert.equal(zero.status, 400);
    assert.equal(typeof (zero.json.error as Record<string, unknown>).message, "string");
  });
});

Deno.test("the list gives 50 exports unless asked for another limit, the newest ones", async () => {
  await withSim(async (sim) => {
    const added = Array.from({ length: 55 }, (_, i) =>
      sim.addExport({
        documentType: "devis_client",
        documentReference: `DV-${i}`,
        files: { xml: quoteXml(`DV-${i}`) },
      }));
    const listed = pendingIds(await call(sim, "/api/batigest/exports/pending"));
    assert.deepEqual(listed, added.toReversed().slice(0, 50).map((e) => e.id));
    assert.equal(pendingIds(await call(sim, "/api/batigest/exports/pending?limit=100")).length, 55);
  });
});

Deno.test("queueGap: the real queue offers nothing created (ready), while the status route counts it", async () => {
  await withSim(async (sim) => {
    const quotes = ["DV-1", "DV-2", "DV-3"].map((ref) =>
      sim.addExport({ documentType: "devis_client", documentReference: ref, files: {} })
    );
    assert.deepEqual(pendingIds(await call(sim, "/api/batigest/exports/pending")), []);
    const data = (await call(sim, "/api/batigest/status")).json.data as Record<string, unknown>;
    assert.equal(data.ready, 3);
    assert.equal(data.pending, 0);
    // Only `pending` is listed, a status no route of the real server sets.
    sim.exports.get(quotes[0].id)!.status = "pending";
    assert.deepEqual(pendingIds(await call(sim, "/api/batigest/exports/pending")), [
      quotes[0].id,
    ]);
    // Saxium's fix (saxium_side/offered_exports.ts): ready and pending are offered.
    sim.queueGap = false;
    assert.deepEqual(
      pendingIds(await call(sim, "/api/batigest/exports/pending")),
      quotes.toReversed().map((q) => q.id),
    );
  }, { token: TOKEN, queueGap: true });
});

Deno.test("download answers the bytes with type, length and disposition, and sets downloadedAt", async () => {
  await withSim(async (sim) => {
    const e = sim.addExport({
      documentType: "devis_client",
      documentReference: 'DV-é"1',
      files: { xml: quoteXml("DV-1"), csv: quoteCsv("DV-1") },
    });
    const res = await fetch(`${sim.url}/api/batigest/exports/${e.id}/download?format=csv`, {
      headers: AUTH,
    });
    const bytes = await res.bytes();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/csv");
    assert.equal(res.headers.get("content-length"), String(e.files.csv!.length));
    assert.equal(
      res.headers.get("content-disposition"),
      `attachment; filename="DV-?\\"1.csv"; filename*=UTF-8''DV-%C3%A9%221.csv`,
    );
    assert.deepEqual(bytes, e.files.csv);
    assert.ok(sim.exports.get(e.id)!.downloadedAt);

    const xml = await fetch(`${sim.url}/api/batigest/exports/${e.id}/download?format=xml`, {
      headers: AUTH,
    });
    assert.equal(xml.headers.get("content-type"), "application/xml");
    assert.deepEqual(await xml.bytes(), e.files.xml);
  });
});

Deno.test("download of a missing format is a typed 400, of an unknown export a typed 404", async () => {
  await withSim(async (sim) => {
    const e = sim.addExport({
      documentType: "devis_client",
      documentReference: "DV-1",
      files: { xml: "<Devis/>" },
    });
    const missing = await call(sim, `/api/batigest/exports/${e.id}/download?format=csv`);
    assert.equal(missing.status, 400);
    // A typed error: { success: false, error: { message, code } }.
    assert.deepEqual(missing.json.success, false);
    assert.deepEqual(missing.json.error, {
      message: "Format csv non disponible pour cet export",
      code: "VALIDATION_ERROR",
    });
    assert.equal(
      (await call(sim, `/api/batigest/exports/${e.id}/download?format=pdf`)).status,
      400,
    );
    const unknown = await call(
      sim,
      `/api/batigest/exports/${crypto.randomUUID()}/download?format=xml`,
    );
    assert.equal(unknown.status, 404);
    assert.equal((unknown.json.error as Record<string, unknown>).code, "NOT_FOUND");
    assert.equal(sim.exports.get(e.id)!.downloadedAt, undefined);
  });
});

Deno.test("mark-synced validates its body, 404s unknown ids, and is harmless when repeated", async () => {
  await withSim(async (sim) => {
    const e = sim.addExport({
      documentType: "devis_client",
      documentReference: "DV-1",
      files: { xml: "<Devis/>" },
    });
    const path = `/api/batigest/exports/${e.id}/mark-synced`;
    const post = (p: string, body: unknown) => call(sim, p, { method: "POST", body });
    // The body validator's own shape: { success: false, error, details: { message } }.
    const invalid = await post(path, { exportId: "not-a-uuid", batigestReference: "DV-1" });
    assert.equal(invalid.status, 400);
    assert.deepEqual(invalid.json, {
      success: false,
      error: "Données invalides",
      details: { message: "exportId : UUID attendu" },
    });
    assert.equal(
      (await post(path, { exportId: crypto.randomUUID(), batigestReference: "DV-1" })).status,
      400,
    );
    assert.equal((await post(path, { exportId: e.id, batigestReference: 42 })).status, 400);
    assert.equal((await post(path, { exportId: e.id })).status, 400);
    assert.equal(sim.exports.get(e.id)!.status, "ready");

    const unknown = crypto.randomUUID();
    const notFound = await post(`/api/batigest/exports/${unknown}/mark-synced`, {
      exportId: unknown,
      batigestReference: "X",
    });
    assert.equal(notFound.status, 404);
    assert.equal(notFound.json.success, false);

    const ok = await post(path, { exportId: e.id, batigestReference: "DV-1", agentId: "PC" });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.success, true);
    assert.equal(sim.exports.get(e.id)!.reportedBy, "PC");
    assert.equal((await post(path, { exportId: e.id, batigestReference: "DV-1" })).status, 200);
    assert.equal(sim.exports.get(e.id)!.status, "imported");
    assert.equal(sim.exports.get(e.id)!.syncedCount, 2);
  });
});

Deno.test("mark-error validates, sets error, increments retryCount, stores the details and the top-level agentId", async () => {
  await withSim(async (sim) => {
    const e = sim.addExport({
      documentType: "devis_client",
      documentReference: "DV-1",
      files: { xml: "<Devis/>" },
    });
    const path = `/api/batigest/exports/${e.id}/mark-error`;
    const invalid = await call(sim, path, { method: "POST", body: { exportId: e.id } });
    assert.equal(invalid.status, 400);
    assert.deepEqual(invalid.json.details, { message: "errorMessage : texte attendu" });
    const details = { timestamp: "2025-10-14T10:00:00Z", agentId: "PC", stage: "delivery" };
    // Inside errorDetails only: Saxium does not read it there.
    await call(sim, path, {
      method: "POST",
      body: { exportId: e.id, errorMessage: "Batigest fermé", errorDetails: details },
    });
    assert.equal(sim.exports.get(e.id)!.reportedBy, undefined);
    const ok = await call(sim, path, {
      method: "POST",
      body: {
        exportId: e.id,
        errorMessage: "Batigest fermé",
        errorDetails: details,
        agentId: "PC",
      },
    });
    assert.equal(ok.status, 200);
    const stored = sim.exports.get(e.id)!;
    assert.equal(stored.status, "error");
    assert.equal(stored.retryCount, 2);
    assert.equal(stored.errorMessage, "Batigest fermé");
    assert.deepEqual(stored.errorDetails, details);
    assert.equal(stored.reportedBy, "PC");
    const unknown = crypto.randomUUID();
    const notFound = await call(sim, `/api/batigest/exports/${unknown}/mark-error`, {
      method: "POST",
      body: { exportId: unknown, errorMessage: "x" },
    });
    assert.equal(notFound.status, 404);
  });
});

Deno.test("status counts exports and warns above 10 errors", async () => {
  await withSim(async (sim) => {
    for (let i = 0; i < 12; i++) {
      const e = sim.addExport({
        documentType: "devis_client",
        documentReference: `DV-${i}`,
        files: { xml: "<Devis/>" },
      });
      if (i < 11) e.status = "error";
    }
    const synced = sim.addExport({
      documentType: "devis_client",
      documentReference: "DV-S",
      files: { xml: "<D/>" },
    });
    await call(sim, `/api/batigest/exports/${synced.id}/mark-synced`, {
      method: "POST",
      body: { exportId: synced.id, batigestReference: "DV-S" },
    });
    const status = await call(sim, "/api/batigest/status");
    assert.ok(!Number.isNaN(Date.parse(status.json.timestamp as string)));
    const data = status.json.data as Record<string, unknown>;
    assert.equal(data.ready, 1);
    assert.equal(data.pending, 0);
    assert.equal(data.errors, 11);
    assert.equal(data.imported, 1);
    assert.equal(data.queueHealth, "warning");
    assert.equal(data.lastSync, sim.exports.get(synced.id)!.importedAt);
  });
});

Deno.test("status caps each count at 50; lastSync is the import of the most recently generated imported export", async () => {
  await withSim(async (sim) => {
    const added = Array.from({ length: 55 }, (_, i) =>
      sim.addExport({
        documentType: "devis_client",
        documentReference: `DV-${i}`,
        files: { xml: "<Devis/>" },
      }));
    for (const e of added.slice(0, 54)) e.status = "imported";
    const [older, newer] = [added[0], added[54]];
    // The newest generated is imported first, the oldest last.
    for (const e of [newer, older]) {
      await call(sim, `/api/batigest/exports/${e.id}/mark-synced`, {
        method: "POST",
        body: { exportId: e.id, batigestReference: e.documentReference },
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const data = (await call(sim, "/api/batigest/status")).json.data as Record<string, unknown>;
    assert.equal(data.imported, 50, "55 imported, counted 50");
    assert.equal(data.ready, 0);
    assert.equal(data.lastSync, sim.exports.get(newer.id)!.importedAt);
    assert.notEqual(data.lastSync, sim.exports.get(older.id)!.importedAt);
  });
});

Deno.test("auth: missing or wrong Bearer is the login middleware's 401 on every route", async () => {
  await withSim(async (sim) => {
    const none = await fetch(`${sim.url}/api/batigest/exports/pending`);
    assert.equal(none.status, 401);
    assert.deepEqual(await none.json(), { message: "Unauthorized" });
    const wrong = await call(sim, "/api/batigest/status", {
      headers: { authorization: "Bearer nope" },
    });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.json, { message: "Unauthorized" });
    assert.equal((await call(sim, "/api/batigest/status")).status, 200);
    assert.equal(sim.requests[0].headers["authorization"], undefined);
    assert.equal(sim.requests[2].headers["authorization"], `Bearer ${TOKEN}`);
  });
});

Deno.test("requests are recorded with method, path, query, headers and body", async () => {
  await withSim(async (sim) => {
    const e = sim.addExport({
      documentType: "devis_client",
      documentReference: "DV-1",
      files: { xml: "<Devis/>" },
    });
    await call(sim, `/api/batigest/exports/${e.id}/mark-error?x=1`, {
      method: "POST",
      body: { exportId: e.id, errorMessage: "m" },
      headers: { "x-agent-id": "PC-1" },
    });
    const [r] = sim.requests;
    assert.equal(r.method, "POST");
    assert.equal(r.path, `/api/batigest/exports/${e.id}/mark-error`);
    assert.deepEqual(r.query, { x: "1" });
    assert.equal(r.headers["x-agent-id"], "PC-1");
    assert.deepEqual(r.body, { exportId: e.id, errorMessage: "m" });
    assert.equal(typeof r.at, "number");
  });
});

Deno.test("faults: status with headers, times consumed, filtered by route and export", async () => {
  await withSim(async (sim) => {
    const e = sim.addExport({
      documentType: "devis_client",
      documentReference: "DV-1",
      files: { xml: "<Devis/>" },
    });
    sim.addFault({ route: "download", exportId: "other", fault: { status: 500 } });
    sim.addFault({
      route: "pending",
      times: 2,
      fault: { status: 429, headers: { "retry-after": "7" } },
    });
    const first = await fetch(`${sim.url}/api/batigest/exports/pending`, { headers: AUTH });
    await first.body?.cancel();
    assert.equal(first.status, 429);
    assert.equal(first.headers.get("retry-after"), "7");
    assert.equal((await call(sim, "/api/batigest/status")).status, 200);
    const second = await fetch(`${sim.url}/api/batigest/exports/pending`, { headers: AUTH });
    await second.body?.cancel();
    assert.equal(second.status, 429);
    assert.equal((await call(sim, "/api/batigest/exports/pending")).status, 200);
    const dl = await fetch(`${sim.url}/api/batigest/exports/${e.id}/download?format=xml`, {
      headers: AUTH,
    });
    assert.equal(dl.status, 200);
    await dl.body?.cancel();
    sim.addFault({ route: "any", probability: 0, fault: { status: 500 } });
    assert.equal((await call(sim, "/api/batigest/status")).status, 200);
    sim.clearFaults();
    sim.addFault({ route: "any", method: "POST", fault: { status: 503 } });
    assert.equal((await call(sim, "/api/batigest/status")).status, 200);
  });
});

Deno.test("faults: truncate declares the full length, sends half, and the client sees an error", async () => {
  await withSim(async (sim) => {
    const e = sim.addExport({
      documentType: "devis_client",
      documentReference: "DV-1",
      files: { xml: quoteXml("DV-1", { lines: 30 }) },
    });
    sim.addFault({ route: "download", times: 1, fault: "truncate" });
    const res = await fetch(`${sim.url}/api/batigest/exports/${e.id}/download?format=xml`, {
      headers: AUTH,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), String(e.files.xml!.length));
    await assert.rejects(res.bytes(), TypeError);
  });
});

Deno.test("faults: reset drops the connection without any response", async () => {
  await withSim(async (sim) => {
    sim.addFault({ route: "status", times: 1, fault: "reset" });
    await assert.rejects(fetch(`${sim.url}/api/batigest/status`, { headers: AUTH }), TypeError);
    assert.equal((await call(sim, "/api/batigest/status")).status, 200);
  });
});

Deno.test("faults: html, redirect and delay", async () => {
  await withSim(async (sim) => {
    sim.addFault({ route: "status", times: 1, fault: "html" });
    const html = await fetch(`${sim.url}/api/batigest/status`, { headers: AUTH });
    assert.match(html.headers.get("content-type")!, /text\/html/);
    assert.match(await html.text(), /<html>/);

    sim.addFault({
      route: "status",
      times: 1,
      fault: { redirectTo: "https://elsewhere.example/x" },
    });
    const redirect = await fetch(`${sim.url}/api/batigest/status`, {
      headers: AUTH,
      redirect: "manual",
    });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get("location"), "https://elsewhere.example/x");
    await redirect.body?.cancel();

    sim.addFault({ route: "status", times: 1, fault: { delayMs: 150 } });
    const started = Date.now();
    assert.equal((await call(sim, "/api/batigest/status")).status, 200);
    assert.ok(Date.now() - started >= 140);
  });
});

Deno.test("faults: a hang ends when the client gives up, and close() is not held by hangs", async () => {
  const sim = await startSaxiumSimulator();
  sim.addFault({ route: "status", fault: "hang" });
  await assert.rejects(
    fetch(`${sim.url}/api/batigest/status`, { signal: AbortSignal.timeout(100) }),
    (e: unknown) => e instanceof DOMException && e.name === "TimeoutError",
  );
  const stillHanging = fetch(`${sim.url}/api/batigest/status`).then(
    () => "answered",
    () => "failed",
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = Date.now();
  await sim.close();
  assert.ok(Date.now() - started < 2000);
  assert.ok(["answered", "failed"].includes(await stillHanging));
});

Deno.test("latencyMs delays every answer", async () => {
  await withSim(async (sim) => {
    const started = Date.now();
    const res = await fetch(`${sim.url}/api/batigest/status`);
    await res.body?.cancel();
    assert.equal(res.status, 200);
    assert.ok(Date.now() - started >= 90);
  }, { latencyMs: 100 });
});

Deno.test("documents: consistent totals in cents, text in CDATA as is or escaped as Saxium does, target size", () => {
  const xml = quoteXml("DV-9", { lines: 7, name: "Dupont & Fils Rénovation" });
  assert.match(xml, /<Nom><!\[CDATA\[Dupont & Fils Rénovation\]\]><\/Nom>/);
  const escaped = quoteXml("DV-9", { name: "L'Atelier & Fils", saxiumEscapes: true });
  assert.match(escaped, /<Nom><!\[CDATA\[L&apos;Atelier &amp; Fils\]\]><\/Nom>/);
  const cents = (s: string) => Math.round(Number(s) * 100);
  const amounts = [...xml.matchAll(/<MontantHT>([\d.]+)<\/MontantHT>/g)].map((m) => cents(m[1]));
  assert.equal(amounts.length, 7);
  const ht = cents(/<TotalHT>([\d.]+)</.exec(xml)![1]);
  const tva = cents(/<TotalTVA>([\d.]+)</.exec(xml)![1]);
  const ttc = cents(/<TotalTTC>([\d.]+)</.exec(xml)![1]);
  assert.equal(amounts.reduce((a, b) => a + b, 0), ht);
  assert.equal(tva, Math.round(ht * 0.2));
  assert.equal(ht + tva, ttc);

  const csv = quoteCsv("DV-9", { lines: 7, name: "Dupont & Fils Rénovation" });
  const rows = csv.trimEnd().split("\n");
  assert.equal(rows.length, 8);
  assert.equal(rows[1].split(";")[8], (ht / 100).toFixed(2));
  assert.ok(rows.slice(1).every((r) => r.split(";").length === 11));
  assert.match(orderCsv("BC-9"), /^Type;Reference;Date;FournisseurNom;/);
  assert.match(orderXml("BC-9"), /<BonCommande>[\s\S]*<Fournisseur>/);

  const big = new TextEncoder().encode(orderXml("BC-BIG", { targetBytes: 1024 * 1024 })).length;
  assert.ok(big >= 1024 * 1024 && big < 1.1 * 1024 * 1024, String(big));
});
