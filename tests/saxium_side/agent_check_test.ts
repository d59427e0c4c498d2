/**
 * The decision on an agent's request, without Express: who is an agent, each
 * refusal with its code, and a message that never holds the token.
 */

import assert from "node:assert/strict";
import {
  type AgentHeaders,
  bearerToken,
  checkAgent,
  isAgentRequest,
} from "../../saxium_side/agent_check.ts";
import { issueAgentToken, revokeAgentToken } from "../../saxium_side/agent_tokens.ts";
import { MemoryCredentialStore } from "../../saxium_side/credential_store.ts";

async function storeWithToken() {
  const store = new MemoryCredentialStore();
  const { token, record } = await issueAgentToken(store, { agentId: "SRV-LYON" });
  return { store, token, record };
}

Deno.test("a request is an agent's when it carries a Bearer token or an X-Agent-Id", () => {
  assert.equal(isAgentRequest({}), false);
  assert.equal(isAgentRequest({ authorization: "Basic dXNlcjpwYXNz" }), false);
  assert.equal(isAgentRequest({ authorization: "Bearer x" }), true);
  assert.equal(isAgentRequest({ authorization: "bearer" }), true);
  assert.equal(isAgentRequest({ agentId: "SRV-LYON" }), true);
  assert.equal(bearerToken("Bearer  sxa_1 "), "sxa_1");
  assert.equal(bearerToken("BEARER sxa_1"), "sxa_1");
  assert.equal(bearerToken("Bearer"), "");
  assert.equal(bearerToken("Bearersxa_1"), undefined);
  assert.equal(bearerToken(undefined), undefined);
});

Deno.test("the agent with its own token and agent id is accepted", async () => {
  const { store, token, record } = await storeWithToken();
  const verdict = await checkAgent(store, {
    authorization: `Bearer ${token}`,
    agentId: "SRV-LYON",
  });
  assert.deepEqual(verdict, {
    ok: true,
    agent: { agentId: "SRV-LYON", tokenId: record.tokenId },
  });
});

Deno.test("each refusal says what is wrong, and never quotes the token", async () => {
  const { store, token, record } = await storeWithToken();
  const other = await issueAgentToken(store, { agentId: "SRV-PARIS" });
  await revokeAgentToken(store, other.record.tokenId);
  const wrongSecret = `sxa_${record.tokenId}_${"0".repeat(64)}`;
  const cases: [AgentHeaders, string, RegExp][] = [
    [{ agentId: "SRV-LYON" }, "agent_token_missing", /^Jeton d'agent absent/],
    [{ authorization: "Bearer ", agentId: "SRV-LYON" }, "agent_token_missing", /absent/],
    [
      { authorization: `Bearer ${token.slice(0, -1)}`, agentId: "SRV-LYON" },
      "agent_token_malformed",
      /^Jeton d'agent illisible/,
    ],
    [
      { authorization: `Bearer ${wrongSecret}`, agentId: "SRV-LYON" },
      "agent_token_unknown",
      /^Jeton d'agent inconnu/,
    ],
    [
      { authorization: `Bearer sxa_${"f".repeat(16)}_${"0".repeat(64)}`, agentId: "SRV-LYON" },
      "agent_token_unknown",
      /^Jeton d'agent inconnu/,
    ],
    [
      { authorization: `Bearer ${other.token}`, agentId: "SRV-PARIS" },
      "agent_token_revoked",
      /^Jeton d'agent révoqué le \d{4}-\d\d-\d\d : .*« SRV-PARIS »/,
    ],
    [
      { authorization: `Bearer ${token}` },
      "agent_id_missing",
      /^En-tête X-Agent-Id absent : ce jeton est lié à l'agent « SRV-LYON »/,
    ],
    [
      { authorization: `Bearer ${token}`, agentId: "SRV-PARIS" },
      "agent_id_mismatch",
      /lié à l'agent « SRV-LYON », la requête se présente comme « SRV-PARIS »/,
    ],
    [
      { authorization: `Bearer ${token}`, agentId: "srv-lyon" },
      "agent_id_mismatch",
      /« srv-lyon »/,
    ],
  ];
  for (const [headers, code, message] of cases) {
    const verdict = await checkAgent(store, headers);
    assert.ok(!verdict.ok, JSON.stringify(headers));
    assert.equal(verdict.code, code);
    assert.match(verdict.message, message);
    for (const secret of [token, other.token, wrongSecret, token.slice(4), token.slice(-64)]) {
      assert.ok(!verdict.message.includes(secret), `${code} quotes a token`);
    }
  }
});

Deno.test("a revoked or borrowed token is judged only once its secret is proven", async () => {
  const { store, record } = await storeWithToken();
  await revokeAgentToken(store, record.tokenId);
  // Knowing the (public) token id is not enough to learn it is revoked, or whose it is.
  const guess = `Bearer sxa_${record.tokenId}_${"0".repeat(64)}`;
  for (const agentId of ["SRV-LYON", "SRV-PARIS"]) {
    const verdict = await checkAgent(store, { authorization: guess, agentId });
    assert.ok(!verdict.ok);
    assert.equal(verdict.code, "agent_token_unknown");
    assert.ok(!verdict.message.includes("SRV-LYON"));
  }
});

Deno.test("an agent id quoted back is cut to printable ASCII and 64 characters", async () => {
  const { store, token } = await storeWithToken();
  const verdict = await checkAgent(store, {
    authorization: `Bearer ${token}`,
    agentId: "Ünicode\u0007" + "x".repeat(100),
  });
  assert.ok(!verdict.ok);
  assert.match(verdict.message, /« \?nicode\?x{56}… »/);
});
