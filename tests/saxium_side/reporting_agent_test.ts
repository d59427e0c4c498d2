/**
 * `reportingAgentId` in the routes of a real Express app: the authenticated
 * agent first, then the body's top-level `agentId`, then `errorDetails.agentId`.
 */

import assert from "node:assert/strict";
import { issueAgentToken } from "../../saxium_side/agent_tokens.ts";
import { MemoryCredentialStore } from "../../saxium_side/credential_store.ts";
import { HUMAN_COOKIE, type SaxiumLikeApp, startSaxiumLikeApp } from "./saxium_like_app.ts";

async function markError(
  saxium: SaxiumLikeApp,
  headers: Record<string, string>,
  body: Record<string, unknown>,
): Promise<string | null> {
  const e = saxium.generate({ documentType: "devis_client", documentReference: "DV-1", xml: "x" });
  const res = await fetch(`${saxium.url}/api/batigest/exports/${e.id}/mark-error`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ exportId: e.id, errorMessage: "Refusé", ...body }),
  });
  assert.equal(res.status, 200, await res.text());
  return e.reportedBy;
}

Deno.test("the agent id is read where the agent sends it, the authenticated agent first", async () => {
  const store = new MemoryCredentialStore();
  const { token } = await issueAgentToken(store, { agentId: "SRV-LYON" });
  await using saxium = await startSaxiumLikeApp(store);
  const person = { cookie: HUMAN_COOKIE };
  const agent = { authorization: `Bearer ${token}`, "x-agent-id": "SRV-LYON" };

  assert.equal(
    await markError(saxium, person, {
      agentId: "SRV-TOP",
      errorDetails: { agentId: "SRV-DETAILS" },
    }),
    "SRV-TOP",
  );
  assert.equal(
    await markError(saxium, person, { errorDetails: { agentId: "SRV-DETAILS" } }),
    "SRV-DETAILS",
  );
  assert.equal(
    await markError(saxium, person, { agentId: " ", errorDetails: { agentId: "SRV-DETAILS" } }),
    "SRV-DETAILS",
  );
  assert.equal(await markError(saxium, person, { errorDetails: { stage: "check" } }), null);
  // What an agent claims in its body does not outweigh the id its token is bound to.
  assert.equal(
    await markError(saxium, agent, {
      agentId: "SRV-OTHER",
      errorDetails: { agentId: "SRV-OTHER" },
    }),
    "SRV-LYON",
  );
});
