/**
 * The client against the answers the real Saxium gives (`saxium-api.md`,
 * "The real server, measured"): its three error shapes, its login middleware,
 * a login page or a redirect to one, `Retry-After`, a list too large for the
 * cap, a list with an item it got wrong. Each case checks what the
 * administrator reads: the server's reason quoted inside a French sentence,
 * never the token.
 */

import assert from "node:assert/strict";
import { SaxiumError } from "../../lib/saxium/client.ts";
import {
  type ClientHarness,
  type ClientHarnessOptions,
  saxiumFailure,
  withSaxiumClient,
} from "../support/saxium_client_harness.ts";
import type { SaxiumSimulator } from "../support/saxium_simulator.ts";
import { quoteXml } from "../support/documents.ts";

const TOKEN = "sxa_0123456789abcdef_REAL-answers-SECRET";

/** Run `fn` against a fresh simulator and client; everything is closed afterwards. */
function withClient(
  fn: (h: ClientHarness) => Promise<void>,
  options: ClientHarnessOptions = {},
): Promise<void> {
  return withSaxiumClient(fn, { token: TOKEN, agentId: "SRV-COMPTA", ...options });
}

/** The error `promise` rejects with: a SaxiumError on one line, without the token. */
function failure(promise: Promise<unknown>): Promise<SaxiumError> {
  return saxiumFailure(promise, TOKEN);
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

function addQuote(sim: SaxiumSimulator, ref = "DV-1730000000001") {
  return sim.addExport({
    documentType: "devis_client",
    documentReference: ref,
    files: { xml: quoteXml(ref) },
  });
}

const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

function typedError(message: string, code: string): string {
  return JSON.stringify({ success: false, error: { message, code } });
}

Deno.test("a typed 400 on a download: Saxium's reason quoted inside what to do, not retried", async () => {
  await withClient(async ({ sim, client, dir }) => {
    const e = addQuote(sim);
    sim.addFault({
      route: "download",
      fault: {
        status: 400,
        body: typedError("Format csv non disponible pour cet export", "VALIDATION_ERROR"),
        headers: JSON_TYPE,
      },
    });
    const error = await failure(client.downloadTo(e.id, { format: "csv", path: `${dir}/d.csv` }));
    assert.equal(error.kind, "http");
    assert.equal(error.status, 400);
    assert.equal(
      error.message,
      `Saxium a refusé GET /api/batigest/exports/${e.id}/download (HTTP 400), motif donné : ` +
        "« Format csv non disponible pour cet export » : corrigez ce que ce motif désigne " +
        "(dans Saxium ou dans la configuration de l'agent) ou transmettez-le à l'administrateur de Saxium.",
    );
    assert.equal(sim.requests.length, 1);
    assert.equal(await exists(`${dir}/d.csv`), false);
  });
});

Deno.test("the body validator's 400 on mark-synced: its error and details both quoted", async () => {
  await withClient(async ({ sim, client }) => {
    const e = addQuote(sim);
    sim.addFault({
      route: "mark-synced",
      fault: {
        status: 400,
        body: JSON.stringify({
          success: false,
          error: "Données invalides",
          details: { message: "exportId : Invalid uuid" },
        }),
        headers: JSON_TYPE,
      },
    });
    const error = await failure(
      client.markSynced(e.id, { batigestReference: "DV-1", importedAt: new Date().toISOString() }),
    );
    assert.equal(error.status, 400);
    assert.match(error.message, /motif donné : « Données invalides \(exportId : Invalid uuid\) »/);
  });
});

Deno.test("a typed 404 and a 500 quote their reason too; the 500 says the next pass retries", async () => {
  await withClient(async ({ sim, client }) => {
    sim.addFault({
      route: "mark-error",
      fault: { status: 404, body: typedError("Export non trouvé", "NOT_FOUND") },
    });
    const gone = await failure(
      client.markError(crypto.randomUUID(), { errorMessage: "refusé" }),
    );
    assert.equal(gone.kind, "not_found");
    assert.match(gone.message, /\(HTTP 404\), motif donné : « Export non trouvé »/);
    sim.clearFaults();
    sim.addFault({
      route: "pending",
      fault: { status: 500, body: typedError("Erreur interne du serveur", "ERROR") },
    });
    const down = await failure(client.listPending(50));
    assert.equal(down.kind, "http");
    assert.match(
      down.message,
      /^Saxium est en erreur \(HTTP 500 sur GET \/api\/batigest\/exports\/pending, motif donné : « Erreur interne du serveur »\), après 2 tentatives : la prochaine passe réessaiera/,
    );
  }, { maxAttempts: 2 });
});

Deno.test("401 from Saxium's login middleware: Saxium must accept agent tokens (README)", async () => {
  await withClient(async ({ sim, client, delays }) => {
    sim.addFault({
      route: "any",
      fault: { status: 401, body: '{"message":"Unauthorized"}', headers: JSON_TYPE },
    });
    const error = await failure(client.listPending(50));
    assert.equal(error.kind, "auth");
    assert.equal(error.status, 401);
    assert.equal(
      error.message,
      "Saxium a refusé l'agent (HTTP 401, « Unauthorized ») : ce refus vient de la connexion des " +
        "personnes, Saxium n'accepte pas encore les jetons d'agent : Saxium doit installer " +
        "l'authentification des agents (README, « Ce que Saxium doit fournir ») puis émettre un " +
        "jeton pour cet agent, à mettre dans SAXIUM_TOKEN ou « token » dans agent.json.",
    );
    assert.equal(sim.requests.length, 1);
    assert.deepEqual(delays, []);
  });
});

Deno.test("401 from the agent check: its reason (a revoked token) quoted, the token never", async () => {
  await withClient(async ({ sim, client }) => {
    const revoked = "Jeton d'agent révoqué le 2026-11-30 : faites émettre un nouveau jeton pour " +
      `l'agent « SRV-COMPTA » et remplacez l'ancien (${TOKEN}) dans sa configuration.`;
    sim.addFault({
      route: "any",
      fault: { status: 401, body: typedError(revoked, "agent_token_revoked") },
    });
    const error = await failure(client.status());
    assert.equal(error.kind, "auth");
    assert.match(
      error.message,
      /^Saxium a refusé l'agent \(HTTP 401\), motif donné : « Jeton d'agent révoqué le 2026-11-30 : .*l'ancien \(\*{8}\) .*» : faites ce que ce motif indique ; le jeton de l'agent se règle dans SAXIUM_TOKEN/,
    );
    // A 403 without a body: the token, and the Saxium side.
    sim.clearFaults();
    sim.addFault({ route: "any", fault: { status: 403 } });
    const forbidden = await failure(client.status());
    assert.equal(forbidden.kind, "auth");
    assert.match(
      forbidden.message,
      /HTTP 403, jeton absent, invalide ou expiré\) : vérifiez ou renouvelez le jeton .* Ce que Saxium doit fournir/,
    );
  });
});

Deno.test("the JSON cap is 16 MiB by default, documents keep 50 MiB", async () => {
  await withClient(async ({ sim, client, dir }) => {
    sim.addFault({
      route: "status",
      times: 1,
      fault: { status: 200, body: JSON.stringify({ data: "x".repeat(16 * 1024 * 1024) }) },
    });
    const error = await failure(client.status());
    assert.equal(error.kind, "too_large");
    assert.match(error.message, /trop volumineuse \(plus de 16,0 Mo\)/);
    const big = sim.addExport({
      documentType: "devis_client",
      documentReference: "DV-GROS",
      files: { xml: quoteXml("DV-GROS", { targetBytes: 17 * 1024 * 1024 }) },
    });
    const { bytes } = await client.downloadTo(big.id, { format: "xml", path: `${dir}/gros.xml` });
    assert.ok(bytes > 16 * 1024 * 1024);
  });
});

Deno.test("the token is masked before a long reason is cut, so no part of it shows", async () => {
  await withClient(async ({ sim, client }) => {
    // The token straddles the 300-character cap.
    const reason = "x".repeat(280) + " " + TOKEN + " fin";
    sim.addFault({ route: "status", fault: { status: 422, body: typedError(reason, "X") } });
    const error = await failure(client.status());
    assert.ok(!error.message.includes(TOKEN.slice(0, 12)), error.message);
    assert.match(error.message, /x \*{8} fin »/);
  });
});

Deno.test("an HTML login page labelled application/xml: the agent not recognised, no file, one request", async () => {
  await withClient(async ({ sim, client, dir }) => {
    const e = addQuote(sim);
    const page = "\uFEFF\n<!DOCTYPE html>\n<html><head><title>Connexion</title></head>" +
      '<body><form action="/api/login"></form></body></html>';
    sim.addFault({
      route: "download",
      fault: { status: 200, body: page, headers: { "content-type": "application/xml" } },
    });
    const path = `${dir}/DV.xml`;
    const error = await failure(client.downloadTo(e.id, { format: "xml", path }));
    assert.equal(error.kind, "auth");
    assert.match(
      error.message,
      /page web \(HTML, HTTP 200, étiquetée application\/xml\) au lieu du document XML .*page de connexion.*vérifiez le jeton \(SAXIUM_TOKEN ou « token » dans agent\.json\) et que Saxium accepte les jetons d'agent/,
    );
    assert.doesNotMatch(error.message, /corrigez le document/);
    assert.equal(await exists(path), false, "the partial file is removed");
    assert.equal(sim.requests.length, 1);
  });
});

Deno.test("an HTML page labelled text/csv is found out the same way", async () => {
  await withClient(async ({ sim, client, dir }) => {
    const e = addQuote(sim);
    sim.addFault({
      route: "download",
      fault: {
        status: 200,
        body: "<html><body>Se connecter</body></html>",
        headers: { "content-type": "text/csv" },
      },
    });
    const error = await failure(client.downloadTo(e.id, { format: "csv", path: `${dir}/d.csv` }));
    assert.equal(error.kind, "auth");
    assert.match(error.message, /étiquetée text\/csv\) au lieu du document CSV/);
    assert.equal(await exists(`${dir}/d.csv`), false);
  });
});

Deno.test("a plain-text error page's words are quoted too", async () => {
  await withClient(async ({ sim, client }) => {
    sim.addFault({
      route: "status",
      fault: {
        status: 502,
        body: "Bad Gateway: upstream saxium-api down",
        headers: { "content-type": "text/plain" },
      },
    });
    const error = await failure(client.status());
    assert.match(
      error.message,
      /HTTP 502 .*motif donné : « Bad Gateway: upstream saxium-api down »/,
    );
  }, { maxAttempts: 1 });
});

Deno.test("an HTML page labelled text/html on a download is the same, not retried", async () => {
  await withClient(async ({ sim, client, dir }) => {
    const e = addQuote(sim);
    sim.addFault({ route: "download", fault: "html" });
    const error = await failure(client.downloadTo(e.id, { format: "xml", path: `${dir}/d.xml` }));
    assert.equal(error.kind, "auth");
    assert.match(error.message, /page web \(HTML, HTTP 200, text\/html\) au lieu du document XML/);
    assert.equal(sim.requests.length, 1);
  });
});

Deno.test("a document that only mentions <html> later is written as it is", async () => {
  await withClient(async ({ sim, client, dir }) => {
    const xml = `<?xml version="1.0"?>\n<Devis><Note>&lt;html&gt;</Note>${" ".repeat(600)}</Devis>`;
    const e = sim.addExport({
      documentType: "devis_client",
      documentReference: "DV-2",
      files: { xml },
    });
    const path = `${dir}/d.xml`;
    await client.downloadTo(e.id, { format: "xml", path });
    assert.equal(await Deno.readTextFile(path), xml);
  });
});

Deno.test("a redirect to a login page (same server or another) is the agent not recognised", async () => {
  await withClient(async ({ sim, client }) => {
    for (const target of ["/login?returnTo=%2Fapi", "https://sso.example.com/oidc/authorize?x=1"]) {
      sim.clearFaults();
      sim.addFault({ route: "pending", fault: { redirectTo: target } });
      const before = sim.requests.length;
      const error = await failure(client.listPending(50));
      assert.equal(error.kind, "auth", target);
      assert.match(
        error.message,
        /^Saxium redirige l'agent vers une page de connexion \(.*(login|oidc\/authorize), HTTP 302\) au lieu de lui répondre : l'agent n'a pas été reconnu : vérifiez le jeton .*Ce que Saxium doit fournir/,
      );
      assert.doesNotMatch(error.message, /returnTo|x=1/);
      assert.equal(sim.requests.length - before, 1, "never followed");
    }
    // Another server, not clearly a login page: refused, naming both causes.
    sim.clearFaults();
    sim.addFault({ route: "pending", fault: { redirectTo: "https://ailleurs.example/x" } });
    const elsewhere = await failure(client.listPending(50));
    assert.equal(elsewhere.kind, "redirect");
    assert.match(
      elsewhere.message,
      /redirige vers un autre serveur \(https:\/\/ailleurs\.example\), redirection refusée : s'il s'agit d'une page de connexion, vérifiez le jeton .* ; sinon vérifiez apiUrl/,
    );
  });
});

Deno.test("429 with Retry-After longer than maxDelayMs: one request, the delay carried, until when said", async () => {
  await withClient(async ({ sim, client, delays }) => {
    sim.addFault({
      route: "pending",
      fault: { status: 429, headers: { "retry-after": "120" } },
    });
    const before = Date.now();
    const error = await failure(client.listPending(50));
    assert.equal(error.kind, "http");
    assert.equal(error.status, 429);
    assert.equal(error.retryAfterMs, 120_000);
    assert.equal(sim.requests.length, 1);
    assert.deepEqual(delays, []);
    const at = new Date(Math.ceil((before + 120_000) / 60_000) * 60_000);
    const hhmm = `${String(at.getHours()).padStart(2, "0")}:${
      String(at.getMinutes()).padStart(2, "0")
    }`;
    assert.match(
      error.message,
      // The same day "jusqu'à 14:32"; past midnight "jusqu'au 06/12 à 00:01".
      new RegExp(
        `^Saxium demande d'attendre jusqu'(à|au \\d\\d/\\d\\d à) (${hhmm}|\\d\\d:\\d\\d) `,
      ),
    );
    assert.match(
      error.message,
      /\(HTTP 429 sur GET \/api\/batigest\/exports\/pending\) : rien n'est perdu, la prochaine passe reprendra d'elle-même ; si cela revient souvent, espacez les passes de la tâche planifiée \(install-task --every <minutes>\)\.$/,
    );
    assert.doesNotMatch(error.message, /pollIntervalSeconds/);
  }, { maxDelayMs: 30_000 });
});

Deno.test("503 with a long Retry-After (maintenance) fails at once too, without the task advice", async () => {
  await withClient(async ({ sim, client }) => {
    sim.addFault({
      route: "status",
      fault: {
        status: 503,
        body: typedError("Maintenance en cours", "MAINTENANCE"),
        headers: { "retry-after": "3600" },
      },
    });
    const error = await failure(client.status());
    assert.equal(error.retryAfterMs, 3_600_000);
    assert.equal(sim.requests.length, 1);
    assert.match(
      error.message,
      /motif donné : « Maintenance en cours »\) : rien à faire : la prochaine passe reprendra d'elle-même\.$/,
    );
    assert.doesNotMatch(error.message, /install-task/);
  });
});

Deno.test("429 without Retry-After, to the end: the advice names the scheduled task, never pollIntervalSeconds", async () => {
  await withClient(async ({ sim, client, delays }) => {
    sim.addFault({ route: "pending", fault: { status: 429 } });
    const error = await failure(client.listPending(50));
    assert.equal(sim.requests.length, 2);
    assert.equal(delays.length, 1);
    assert.match(
      error.message,
      /^Saxium reçoit trop de requêtes \(HTTP 429 sur .*\), après 2 tentatives : la prochaine passe reprendra d'elle-même ; .*install-task --every <minutes>/,
    );
    assert.doesNotMatch(error.message, /pollIntervalSeconds/);
  }, { maxAttempts: 2 });
});

Deno.test("a pending list over the JSON cap is too_large, naming the limit and batchSize", async () => {
  await withClient(async ({ sim, client }) => {
    for (let i = 0; i < 20; i++) addQuote(sim, `DV-${"X".repeat(60)}-${i}`);
    const error = await failure(client.listPending(20));
    assert.equal(error.kind, "too_large");
    assert.equal(
      error.message,
      "La liste des exports en attente dépasse 4,0 Ko pour 20 exports : baissez batchSize dans agent.json.",
    );
    assert.equal((await client.listPending(5)).items.length, 5, "a smaller list fits");
    sim.addFault({
      route: "pending",
      fault: { status: 200, body: JSON.stringify({ success: true, data: "x".repeat(5000) }) },
    });
    const single = await failure(client.listPending(1));
    assert.match(single.message, /pour un seul export : réponse anormale de Saxium/);
  }, { maxJsonBytes: 4096 });
});

Deno.test("a list with items Saxium got wrong: the usable ones, and the others apart with why", async () => {
  await withClient(async ({ sim, client }) => {
    const good = addQuote(sim, "DV-BON");
    sim.listQuirks.head = [
      { id: crypto.randomUUID(), documentType: "devis_client", documentReference: null },
      { id: 42, documentType: "bon_commande", documentReference: "BC-42", retryCount: 0 },
      {
        id: crypto.randomUUID(),
        documentType: "devis_client",
        documentReference: "DV-NUL",
        retryCount: null,
        generatedAt: null,
      },
    ];
    const { items, rejected } = await client.listPending(50);
    assert.deepEqual(items.map((e) => [e.documentReference, e.retryCount]), [
      ["DV-NUL", 0],
      ["DV-BON", 0],
    ]);
    assert.equal(items[1].id, good.id);
    assert.equal(items[1].generatedAt, good.generatedAt);
    assert.deepEqual(rejected.map((r) => r.reason), [
      "la référence du document (documentReference) vaut null",
      "l'identifiant (id) est un nombre (42)",
    ]);
  });
});

Deno.test("mark-error sends agentId at the top level, where Saxium reads it, and in errorDetails", async () => {
  await withClient(async ({ sim, client }) => {
    const e = addQuote(sim);
    await client.markError(e.id, { errorMessage: "Document refusé", stage: "check" });
    const body = sim.requests[0].body as Record<string, unknown>;
    assert.equal(body.agentId, "SRV-COMPTA");
    assert.equal((body.errorDetails as Record<string, unknown>).agentId, "SRV-COMPTA");
  });
});
