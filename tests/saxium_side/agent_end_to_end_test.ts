/**
 * The real agent (a subprocess under its own permission set) against a real
 * Express app that mounts the Saxium-side piece: with its token it syncs;
 * with a wrong, revoked or borrowed token it is refused (exit 3) and nothing
 * reaches Batigest; the exports Saxium generates (`ready`) reach it; its
 * error reports are stored under the agent that made them.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { listFiles } from "../support/agent_process.ts";
import { orderXml, quoteXml } from "../support/documents.ts";
import { issueAgentToken, revokeAgentToken } from "../../saxium_side/agent_tokens.ts";
import { type ExpressWorld, syncOnce, withExpressWorld } from "./express_world.ts";
import { HUMAN_COOKIE, type StoredExport } from "./saxium_like_app.ts";

const AGENT = "SRV-LYON";

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** A person generates a quote from Saxium's pages, through their browser session. */
async function generateAsPerson(w: ExpressWorld, reference: string): Promise<StoredExport> {
  const res = await fetch(`${w.saxium.url}/api/batigest/documents/${reference}/export`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: HUMAN_COOKIE },
    body: JSON.stringify({ documentType: "devis_client", xml: quoteXml(reference) }),
  });
  assert.equal(res.status, 201);
  const body = await res.json();
  return w.saxium.exports.get(body.data.id)!;
}

/** Nothing was taken from Saxium nor delivered to Batigest, and the exports still wait. */
async function assertNothingMoved(w: ExpressWorld, exports: StoredExport[]): Promise<void> {
  assert.deepEqual(w.world.batigest.ledger, []);
  assert.deepEqual(await listFiles(w.world.importDir), []);
  assert.ok(w.saxium.calls.every((c) => c.status === 401), "a request got past the middleware");
  for (const e of exports) {
    assert.equal(e.status, "ready");
    assert.equal(e.downloadedAt, null);
  }
}

/** The middleware's refusal codes the agent's requests met. */
function refusals(w: ExpressWorld): string[] {
  return [
    ...new Set(w.saxium.calls.map((c) => {
      const answer = c.answer as { error?: { code?: string } } | undefined;
      return answer?.error?.code ?? `HTTP ${c.status}`;
    })),
  ];
}

Deno.test("with its token, the agent syncs what Saxium generated (ready), and Saxium records it", async () => {
  await withExpressWorld(async (w) => {
    const { token } = await issueAgentToken(w.store, { agentId: AGENT, label: "Agence de Lyon" });
    const quote = await generateAsPerson(w, "DV-1730000000101");
    const order = w.saxium.generate({
      documentType: "bon_commande",
      documentReference: "BC-1730000000102",
      xml: orderXml("BC-1730000000102"),
    });
    assert.equal(quote.status, "ready");
    const before = w.saxium.calls.length;

    const run = await syncOnce(w, { token, agentId: AGENT });

    assert.equal(run.code, 0, run.stderr + run.stdout);
    const ledger = w.world.batigest.ledger.map((e) => [e.name, e.sha256]).sort();
    assert.deepEqual(ledger, [
      ["BC-1730000000102.xml", sha256(order.files.xml!)],
      ["DV-1730000000101.xml", sha256(quote.files.xml!)],
    ]);
    for (const e of [quote, order]) {
      assert.equal(e.status, "imported");
      assert.equal(e.batigestReference, e.documentReference);
      assert.equal(e.reportedBy, AGENT);
    }
    const agentCalls = w.saxium.calls.slice(before);
    assert.ok(agentCalls.length > 0);
    assert.ok(agentCalls.every((c) => c.status < 300 && c.agentId === AGENT));
  });
});

Deno.test("with a wrong token, the agent is refused (exit 3) and nothing is delivered", async () => {
  await withExpressWorld(async (w) => {
    const { token } = await issueAgentToken(w.store, { agentId: AGENT });
    const quote = w.saxium.generate({
      documentType: "devis_client",
      documentReference: "DV-1730000000201",
      xml: quoteXml("DV-1730000000201"),
    });
    // The right token id with another secret: what a guess, or a mistyped copy, looks like.
    const wrong = token.slice(0, -8) + (token.endsWith("00000000") ? "11111111" : "00000000");

    const run = await syncOnce(w, { token: wrong, agentId: AGENT });

    assert.equal(run.code, 3, run.stderr + run.stdout);
    await assertNothingMoved(w, [quote]);
    assert.deepEqual(refusals(w), ["agent_token_unknown"]);
  });
});

Deno.test("with a revoked token, the agent is refused (exit 3) and nothing is delivered", async () => {
  await withExpressWorld(async (w) => {
    const { token, record } = await issueAgentToken(w.store, { agentId: AGENT });
    const quote = w.saxium.generate({
      documentType: "devis_client",
      documentReference: "DV-1730000000301",
      xml: quoteXml("DV-1730000000301"),
    });
    assert.ok(await revokeAgentToken(w.store, record.tokenId));

    const run = await syncOnce(w, { token, agentId: AGENT });

    assert.equal(run.code, 3, run.stderr + run.stdout);
    await assertNothingMoved(w, [quote]);
    assert.deepEqual(refusals(w), ["agent_token_revoked"]);
  });
});

Deno.test("a token used under another agent id is refused (exit 3), nothing delivered", async () => {
  await withExpressWorld(async (w) => {
    const { token } = await issueAgentToken(w.store, { agentId: AGENT });
    const quote = w.saxium.generate({
      documentType: "devis_client",
      documentReference: "DV-1730000000401",
      xml: quoteXml("DV-1730000000401"),
    });

    const run = await syncOnce(w, { token, agentId: "SRV-PARIS" });

    assert.equal(run.code, 3, run.stderr + run.stdout);
    await assertNothingMoved(w, [quote]);
    assert.deepEqual(refusals(w), ["agent_id_mismatch"]);
  });
});

Deno.test("a document the agent refuses is marked in error under the authenticated agent", async () => {
  await withExpressWorld(async (w) => {
    const { token } = await issueAgentToken(w.store, { agentId: AGENT });
    const broken = w.saxium.generate({
      documentType: "devis_client",
      documentReference: "DV-1730000000501",
      xml: quoteXml("DV-1730000000501").slice(0, 200),
    });

    const run = await syncOnce(w, { token, agentId: AGENT });

    assert.equal(run.code, 1, run.stderr + run.stdout);
    assert.deepEqual(w.world.batigest.ledger, []);
    assert.equal(broken.status, "error");
    assert.equal(broken.retryCount, 1);
    assert.equal(broken.reportedBy, AGENT);
    assert.ok(broken.errorMessage && broken.errorMessage.length > 0);
  });
});
