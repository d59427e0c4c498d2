/**
 * Agent tokens: their shape, the hash that is stored instead of them, the
 * constant-time check of a presented secret, issuing and revoking.
 */

import assert from "node:assert/strict";
import {
  hashTokenSecret,
  issueAgentToken,
  parseAgentToken,
  revokeAgentToken,
  secretMatches,
} from "../../saxium_side/agent_tokens.ts";
import { MemoryCredentialStore } from "../../saxium_side/credential_store.ts";

Deno.test("the stored hash is the SHA-256 of the secret, in lowercase hex", () => {
  // FIPS 180-2's test vector for "abc".
  assert.equal(
    hashTokenSecret("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("an issued token is shown once: the store keeps its id and the hash of its secret", async () => {
  const store = new MemoryCredentialStore();
  const now = new Date("2026-12-01T08:00:00Z");
  const { token, record } = await issueAgentToken(store, {
    agentId: "SRV-LYON",
    label: "Agence de Lyon",
    now,
  });

  assert.match(token, /^sxa_[0-9a-f]{16}_[0-9a-f]{64}$/);
  const parts = parseAgentToken(token)!;
  assert.deepEqual(record, {
    tokenId: parts.tokenId,
    agentId: "SRV-LYON",
    secretHash: hashTokenSecret(parts.secret),
    label: "Agence de Lyon",
    createdAt: now,
    revokedAt: null,
  });
  assert.deepEqual(store.all(), [record]);
  const stored = JSON.stringify(store.all());
  assert.ok(!stored.includes(parts.secret), "the secret is stored");
  assert.ok(!stored.includes(token), "the token is stored");
});

Deno.test("every issued token is new, even for the same agent", async () => {
  const store = new MemoryCredentialStore();
  const first = await issueAgentToken(store, { agentId: "SRV-LYON" });
  const second = await issueAgentToken(store, { agentId: "SRV-LYON" });
  assert.notEqual(first.token, second.token);
  assert.notEqual(first.record.tokenId, second.record.tokenId);
  assert.equal(store.all().length, 2);
});

Deno.test("a token is issued only for an agent id the agent can send", async () => {
  const store = new MemoryCredentialStore();
  for (const agentId of ["", "SRV LYON", "SRV-Élise", "x".repeat(65), "SRV\tLYON"]) {
    await assert.rejects(issueAgentToken(store, { agentId }), RangeError, JSON.stringify(agentId));
  }
  assert.deepEqual(store.all(), []);
  await issueAgentToken(store, { agentId: "x".repeat(64) });
});

Deno.test("only a token of the exact shape is read", () => {
  const id = "0123456789abcdef";
  const secret = "a".repeat(64);
  assert.deepEqual(parseAgentToken(`sxa_${id}_${secret}`), { tokenId: id, secret });
  for (
    const wrong of [
      "",
      `sxa_${id}_${secret.slice(1)}`,
      `sxa_${id}_${secret}0`,
      `sxa_${id.toUpperCase()}_${secret}`,
      `sxb_${id}_${secret}`,
      ` sxa_${id}_${secret}`,
      `sxa_${id}${secret}`,
    ]
  ) {
    assert.equal(parseAgentToken(wrong), undefined, wrong);
  }
});

Deno.test("the secret check accepts its own secret only, and never throws on a damaged row", () => {
  const secret = "5".repeat(64);
  const hash = hashTokenSecret(secret);
  assert.equal(secretMatches(secret, hash), true);
  assert.equal(secretMatches(secret, hash.toUpperCase()), true);
  // Differing at the first and at the last character: both simply false (the
  // comparison is crypto.timingSafeEqual over the two 32-byte digests).
  assert.equal(secretMatches("6" + secret.slice(1), hash), false);
  assert.equal(secretMatches(secret.slice(0, -1) + "6", hash), false);
  assert.equal(secretMatches(secret, ""), false);
  assert.equal(secretMatches(secret, hash.slice(2)), false);
  assert.equal(secretMatches(secret, hash + "00"), false);
  assert.equal(secretMatches(secret, "z".repeat(64)), false);
});

Deno.test("revoking marks the row once, by the token's public id", async () => {
  const store = new MemoryCredentialStore();
  const { record } = await issueAgentToken(store, { agentId: "SRV-LYON" });
  const before = Date.now();
  assert.equal(await revokeAgentToken(store, record.tokenId), true);
  const revokedAt = (await store.findByTokenId(record.tokenId))!.revokedAt!;
  assert.ok(revokedAt.getTime() >= before && revokedAt.getTime() <= Date.now());

  // Revoking again keeps the first date; an unknown id is said so.
  assert.equal(await store.revoke(record.tokenId, new Date("2099-01-01T00:00:00Z")), true);
  assert.deepEqual((await store.findByTokenId(record.tokenId))!.revokedAt, revokedAt);
  assert.equal(await revokeAgentToken(store, "ffffffffffffffff"), false);
});
