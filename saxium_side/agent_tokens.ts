/**
 * The agent token: its format, how it is issued (shown once, only its hash
 * kept), how a presented one is checked against its stored hash, and how one
 * is revoked.
 *
 * A token reads `sxa_<tokenId>_<secret>`: `tokenId` (16 hex characters) is
 * public and finds the stored row; `secret` (64 hex characters, 256 random
 * bits) is what proves possession, and only its SHA-256 is stored.
 *
 * Why a plain SHA-256 and not bcrypt/scrypt/argon2: slow, salted hashes exist
 * for passwords people choose, which are few enough to be guessed from a
 * stolen hash. The secret here is 256 bits from the system's CSPRNG: nobody
 * can enumerate it, with or without salt, so one fast hash gives the same
 * protection to a leaked table, and keeps each agent request cheap (a slow
 * hash on every request would also make the login route a way to burn CPU).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { AgentCredential, AgentCredentialStore } from "./credential_store.ts";

/** What every agent token starts with, so that one is recognised when pasted or leaked. */
export const AGENT_TOKEN_PREFIX = "sxa_";

const TOKEN_ID_BYTES = 8;
const SECRET_BYTES = 32;
const TOKEN_SHAPE = /^sxa_([0-9a-f]{16})_([0-9a-f]{64})$/;

/**
 * What the agent accepts as an agent id (printable ASCII, no space, 1 to 64
 * characters): a token is issued only for an id an agent can send.
 */
export const AGENT_ID_SHAPE: RegExp = /^[\x21-\x7e]{1,64}$/;

/** The two parts of a well-formed token. */
export interface TokenParts {
  tokenId: string;
  secret: string;
}

/** The parts of `token`, or undefined when it does not have the token's shape. */
export function parseAgentToken(token: string): TokenParts | undefined {
  const match = TOKEN_SHAPE.exec(token);
  return match ? { tokenId: match[1], secret: match[2] } : undefined;
}

/** SHA-256 of a token's secret, lowercase hex: what the store keeps (see the module's doc). */
export function hashTokenSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/**
 * Whether `secret` hashes to `secretHash`, compared in constant time
 * (`crypto.timingSafeEqual`): how long the comparison takes tells nothing
 * about how many leading bytes matched. A stored hash of the wrong length
 * (a damaged row) never matches.
 */
export function secretMatches(secret: string, secretHash: string): boolean {
  const presented = createHash("sha256").update(secret, "utf8").digest();
  const stored = /^[0-9a-f]{64}$/i.test(secretHash) ? Buffer.from(secretHash, "hex") : undefined;
  if (stored === undefined || stored.length !== presented.length) return false;
  return timingSafeEqual(presented, stored);
}

/** Options of `issueAgentToken`. */
export interface IssueOptions {
  /** The agent id the token is bound to: the agent's `agentId` setting (its host name by default). */
  agentId: string;
  /** Where the agent runs, for the people who manage tokens. */
  label?: string;
  /** The issue date; now by default. */
  now?: Date;
}

/** A newly issued token and the row stored for it. */
export interface IssuedToken {
  /** The token, to hand to the agent's administrator: shown once, never stored. */
  token: string;
  /** What was stored: the hash of the secret, never the token. */
  record: AgentCredential;
}

/**
 * Issue a token for one agent: store its row (hash only) and return the token,
 * which exists nowhere else afterwards.
 *
 * @example
 * ```ts
 * const { token, record } = await issueAgentToken(store, { agentId: "SRV-BATIGEST" });
 * // token: "sxa_3f9c…_8d21…" for the agent's agent.json; record.secretHash in the table
 * ```
 * @throws {RangeError} when `agentId` is not one the agent can send.
 */
export async function issueAgentToken(
  store: AgentCredentialStore,
  options: IssueOptions,
): Promise<IssuedToken> {
  if (!AGENT_ID_SHAPE.test(options.agentId)) {
    throw new RangeError(
      "agentId must be 1 to 64 printable ASCII characters without spaces, as the agent sends it",
    );
  }
  const tokenId = randomBytes(TOKEN_ID_BYTES).toString("hex");
  const secret = randomBytes(SECRET_BYTES).toString("hex");
  const record: AgentCredential = {
    tokenId,
    agentId: options.agentId,
    secretHash: hashTokenSecret(secret),
    label: options.label ?? null,
    createdAt: options.now ?? new Date(),
    revokedAt: null,
  };
  await store.add(record);
  return { token: `${AGENT_TOKEN_PREFIX}${tokenId}_${secret}`, record };
}

/**
 * Revoke a token by its public id (the `token_id` column, also readable in the
 * token itself after `sxa_`): from then on the middleware refuses it. False
 * when no such token is stored.
 */
export function revokeAgentToken(store: AgentCredentialStore, tokenId: string): Promise<boolean> {
  return store.revoke(tokenId, new Date());
}
