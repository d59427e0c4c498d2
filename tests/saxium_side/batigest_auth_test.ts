/**
 * The middleware in a real Express app: agents by token, people by their
 * session, refusals as 401 JSON (never a redirect, never the session's
 * answer), and the routes of the Saxium-like app it is tested in.
 */

import assert from "node:assert/strict";
import { issueAgentToken } from "../../saxium_side/agent_tokens.ts";
import {
  type AgentCredentialStore,
  MemoryCredentialStore,
} from "../../saxium_side/credential_store.ts";
import { HUMAN_COOKIE, type SaxiumLikeApp, startSaxiumLikeApp } from "./saxium_like_app.ts";

const PENDING = "/api/batigest/exports/pending";

async function get(
  saxium: SaxiumLikeApp,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; text: string; body: unknown }> {
  const res = await fetch(saxium.url + path, { headers, redirect: "manual" });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

async function withApp(
  body: (saxium: SaxiumLikeApp, store: MemoryCredentialStore, token: string) => Promise<void>,
): Promise<void> {
  const store = new MemoryCredentialStore();
  const { token } = await issueAgentToken(store, { agentId: "SRV-LYON" });
  await using saxium = await startSaxiumLikeApp(store);
  await body(saxium, store, token);
}

Deno.test("a person keeps their browser session; without it, the session's own 401", async () => {
  await withApp(async (saxium) => {
    const person = await get(saxium, PENDING, { cookie: HUMAN_COOKIE });
    assert.equal(person.status, 200);
    assert.deepEqual((person.body as { success: boolean }).success, true);

    const nobody = await get(saxium, PENDING, {});
    assert.equal(nobody.status, 401);
    assert.deepEqual(nobody.body, { message: "Unauthorized" });
  });
});

Deno.test("an agent with its token gets through, with the success envelope", async () => {
  await withApp(async (saxium, _store, token) => {
    const agent = await get(saxium, "/api/batigest/status", {
      authorization: `Bearer ${token}`,
      "x-agent-id": "SRV-LYON",
    });
    assert.equal(agent.status, 200);
    const body = agent.body as { success: boolean; data: { ready: number }; timestamp: string };
    assert.equal(body.success, true);
    assert.equal(body.data.ready, 0);
    assert.ok(!Number.isNaN(Date.parse(body.timestamp)));
  });
});

Deno.test("a refused agent gets 401 JSON saying why: never the session, never a redirect, never its token", async () => {
  await withApp(async (saxium, _store, token) => {
    const forged = `sxa_${token.slice(4, 20)}_${"0".repeat(64)}`;
    // Even with a person's cookie beside it, a bad token is not handed to the session.
    const refused = await get(saxium, PENDING, {
      authorization: `Bearer ${forged}`,
      "x-agent-id": "SRV-LYON",
      cookie: HUMAN_COOKIE,
    });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get("location"), null);
    assert.match(refused.headers.get("content-type") ?? "", /^application\/json/);
    assert.match(refused.headers.get("www-authenticate") ?? "", /^Bearer /);
    const body = refused.body as { success: boolean; error: { message: string; code: string } };
    assert.equal(body.success, false);
    assert.equal(body.error.code, "agent_token_unknown");
    assert.match(body.error.message, /^Jeton d'agent inconnu/);
    assert.ok(!refused.text.includes(forged.slice(4)) && !refused.text.includes(token.slice(4)));

    const noToken = await get(saxium, PENDING, { "x-agent-id": "SRV-LYON" });
    assert.equal(noToken.status, 401);
    assert.equal(
      (noToken.body as { error: { code: string } }).error.code,
      "agent_token_missing",
    );
  });
});

Deno.test("an agent's token opens only the routes the middleware guards", async () => {
  await withApp(async (saxium, _store, token) => {
    // Generating exports is for people: that route keeps the session alone.
    const res = await fetch(`${saxium.url}/api/batigest/documents/DV-1/export`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "x-agent-id": "SRV-LYON",
        "content-type": "application/json",
      },
      body: JSON.stringify({ documentType: "devis_client", xml: "<Devis/>" }),
    });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { message: "Unauthorized" });
    assert.equal(saxium.exports.size, 0);
  });
});

Deno.test("a credential store that fails answers 500 (try later), not a 401 (wrong token)", async () => {
  const failing: AgentCredentialStore = {
    findByTokenId: () => Promise.reject(new Error("connection to the database lost")),
    add: () => Promise.reject(new Error("unused")),
    revoke: () => Promise.reject(new Error("unused")),
  };
  await using saxium = await startSaxiumLikeApp(failing);
  const res = await get(saxium, PENDING, {
    authorization: `Bearer sxa_${"1".repeat(16)}_${"2".repeat(64)}`,
    "x-agent-id": "SRV-LYON",
  });
  assert.equal(res.status, 500);
  assert.deepEqual((res.body as { success: boolean }).success, false);
  assert.ok(!res.text.includes("database"), "the internal error leaks");
});

Deno.test("the Saxium-like app: exports created ready, listed newest first, 50 by default, status capped at 50", async () => {
  await withApp(async (saxium) => {
    for (let i = 0; i < 55; i++) {
      saxium.generate({
        documentType: "devis_client",
        documentReference: `DV-${i}`,
        xml: "<Devis/>",
      });
    }
    const [first] = saxium.exports.values();
    first.status = "imported";
    const person = { cookie: HUMAN_COOKIE };
    const list = (await get(saxium, PENDING, person)).body as {
      data: { documentReference: string; status: string }[];
    };
    assert.equal(list.data.length, 50);
    assert.deepEqual(list.data.slice(0, 2).map((e) => e.documentReference), ["DV-54", "DV-53"]);
    assert.ok(list.data.every((e) => e.status === "ready"));
    const three = (await get(saxium, `${PENDING}?limit=3`, person)).body as { data: unknown[] };
    assert.equal(three.data.length, 3);
    const status = (await get(saxium, "/api/batigest/status", person)).body as {
      data: Record<string, unknown>;
    };
    assert.equal(status.data.ready, 50);
    assert.equal(status.data.imported, 1);
  });
});

Deno.test("the Saxium-like app answers its three error shapes", async () => {
  await withApp(async (saxium) => {
    const e = saxium.generate({
      documentType: "devis_client",
      documentReference: "DV-1",
      xml: "<Devis/>",
    });
    const person = { cookie: HUMAN_COOKIE, "content-type": "application/json" };

    const csv = await get(saxium, `/api/batigest/exports/${e.id}/download?format=csv`, person);
    assert.equal(csv.status, 400);
    assert.deepEqual(csv.body, {
      success: false,
      error: { message: "Format csv non disponible pour cet export", code: "VALIDATION_ERROR" },
    });

    const missing = await get(
      saxium,
      `/api/batigest/exports/${crypto.randomUUID()}/download?format=xml`,
      person,
    );
    assert.equal(missing.status, 404);
    assert.equal(
      (missing.body as { error: { message: string } }).error.message,
      "Export Batigest non trouvé",
    );

    const invalid = await fetch(`${saxium.url}/api/batigest/exports/${e.id}/mark-synced`, {
      method: "POST",
      headers: person,
      body: JSON.stringify({ exportId: "not-a-uuid", batigestReference: "DV-1" }),
    });
    assert.equal(invalid.status, 400);
    const body = await invalid.json();
    assert.equal(body.success, false);
    assert.equal(typeof body.error, "string");
    assert.match(body.details.message, /exportId/);
  });
});
