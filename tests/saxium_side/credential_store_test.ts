/** The credential store in memory, and the SQL given to Saxium for its table. */

import assert from "node:assert/strict";
import {
  type AgentCredential,
  CREDENTIALS_TABLE_SQL,
  insertStatement,
  MemoryCredentialStore,
  revokeStatement,
} from "../../saxium_side/credential_store.ts";

const ROW: AgentCredential = {
  tokenId: "0123456789abcdef",
  agentId: "SRV-LYON",
  secretHash: "ab".repeat(32),
  label: "Agence de l'Est",
  createdAt: new Date("2026-12-01T08:00:00Z"),
  revokedAt: null,
};

Deno.test("the memory store finds by token id, refuses a duplicate id, and hands out copies", async () => {
  const store = new MemoryCredentialStore();
  await store.add(ROW);
  await assert.rejects(store.add({ ...ROW, agentId: "OTHER" }));
  const found = (await store.findByTokenId(ROW.tokenId))!;
  assert.deepEqual(found, ROW);
  found.agentId = "CHANGED";
  assert.equal((await store.findByTokenId(ROW.tokenId))!.agentId, "SRV-LYON");
  assert.equal(await store.findByTokenId("ffffffffffffffff"), undefined);
});

Deno.test("the SQL names the table's columns and quotes the values", () => {
  for (
    const column of ["token_id", "agent_id", "secret_hash", "label", "created_at", "revoked_at"]
  ) {
    assert.ok(CREDENTIALS_TABLE_SQL.includes(column), column);
  }
  assert.equal(
    insertStatement(ROW),
    "INSERT INTO batigest_agent_credentials (token_id, agent_id, secret_hash, label, created_at) " +
      `VALUES ('0123456789abcdef', 'SRV-LYON', '${"ab".repeat(32)}', 'Agence de l''Est', ` +
      "'2026-12-01T08:00:00.000Z');",
  );
  assert.ok(insertStatement({ ...ROW, label: null }).includes("', NULL, '2026"));
  assert.equal(
    revokeStatement("0123456789abcdef"),
    "UPDATE batigest_agent_credentials SET revoked_at = now() " +
      "WHERE token_id = '0123456789abcdef' AND revoked_at IS NULL;",
  );
});
