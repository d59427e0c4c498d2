/**
 * Where Saxium keeps the agents' credentials: one row per issued token, found
 * by the token's public id. The middleware only ever reads through the
 * `AgentCredentialStore` interface, so Saxium backs it with its own database
 * (the table is described below) and the tests with `MemoryCredentialStore`.
 *
 * A row never holds the token, only the SHA-256 of its secret part: a copy of
 * the table (a backup, a read-only leak) lets nobody act as an agent.
 *
 * The table Saxium adds (PostgreSQL; any SQL database fits):
 *
 * | column        | type                    | holds                                              |
 * |---------------|-------------------------|----------------------------------------------------|
 * | `token_id`    | `text` primary key      | the token's public id (16 hex characters)          |
 * | `agent_id`    | `text not null`         | the `X-Agent-Id` the token is bound to             |
 * | `secret_hash` | `text not null`         | SHA-256 of the token's secret, 64 hex characters   |
 * | `label`       | `text` (nullable)       | where the agent runs, for the people who manage it |
 * | `created_at`  | `timestamptz not null`  | when the token was issued                          |
 * | `revoked_at`  | `timestamptz` (nullable)| when it was revoked; null while it is valid        |
 *
 * @module
 */

/** One issued agent token, as stored (never the token itself). */
export interface AgentCredential {
  /** The token's public id: the part between `sxa_` and the secret. */
  tokenId: string;
  /** The agent id (`X-Agent-Id`) this token is bound to. */
  agentId: string;
  /** SHA-256 of the token's secret, lowercase hex. */
  secretHash: string;
  /** Where the agent runs, e.g. "Serveur Batigest, agence de Lyon". */
  label?: string | null;
  /** When the token was issued. */
  createdAt: Date;
  /** When the token was revoked; absent or null while it is valid. */
  revokedAt?: Date | null;
}

/**
 * The credentials as the middleware and the token functions use them;
 * Saxium implements it over the `batigest_agent_credentials` table.
 */
export interface AgentCredentialStore {
  /** The credential with this public token id, if any (revoked ones included). */
  findByTokenId(tokenId: string): Promise<AgentCredential | undefined>;
  /** Store a newly issued credential. */
  add(credential: AgentCredential): Promise<void>;
  /**
   * Mark a credential revoked at `at`; false when no credential has this id.
   * Revoking twice keeps the first date.
   */
  revoke(tokenId: string, at: Date): Promise<boolean>;
}

/** The table Saxium adds, as PostgreSQL DDL (see the module's doc for each column). */
export const CREDENTIALS_TABLE_SQL = `CREATE TABLE batigest_agent_credentials (
  token_id    text PRIMARY KEY,
  agent_id    text NOT NULL,
  secret_hash text NOT NULL,
  label       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);`;

/** The SQL that stores `credential` in the table, for a token issued outside Saxium's code. */
export function insertStatement(credential: AgentCredential): string {
  const values = [
    credential.tokenId,
    credential.agentId,
    credential.secretHash,
    credential.label ?? null,
    credential.createdAt.toISOString(),
  ].map(sqlText);
  return "INSERT INTO batigest_agent_credentials " +
    "(token_id, agent_id, secret_hash, label, created_at) " +
    `VALUES (${values.join(", ")});`;
}

/** The SQL that revokes the token whose public id is `tokenId`. */
export function revokeStatement(tokenId: string): string {
  return "UPDATE batigest_agent_credentials SET revoked_at = now() " +
    `WHERE token_id = ${sqlText(tokenId)} AND revoked_at IS NULL;`;
}

/** A SQL string literal (quotes doubled), or NULL. */
function sqlText(value: string | null): string {
  return value === null ? "NULL" : `'${value.replaceAll("'", "''")}'`;
}

/**
 * An `AgentCredentialStore` held in memory, for tests and demonstrations.
 *
 * @example
 * ```ts
 * const store = new MemoryCredentialStore();
 * const { token } = await issueAgentToken(store, { agentId: "SRV-BATIGEST" });
 * ```
 */
export class MemoryCredentialStore implements AgentCredentialStore {
  #rows = new Map<string, AgentCredential>();

  /** Every stored credential, in the order they were added. */
  all(): AgentCredential[] {
    return [...this.#rows.values()].map((row) => ({ ...row }));
  }

  /** See `AgentCredentialStore.findByTokenId`; returns a copy. */
  findByTokenId(tokenId: string): Promise<AgentCredential | undefined> {
    const row = this.#rows.get(tokenId);
    return Promise.resolve(row ? { ...row } : undefined);
  }

  /** See `AgentCredentialStore.add`; refuses a token id already stored. */
  add(credential: AgentCredential): Promise<void> {
    if (this.#rows.has(credential.tokenId)) {
      return Promise.reject(new Error(`token id ${credential.tokenId} already stored`));
    }
    this.#rows.set(credential.tokenId, { ...credential });
    return Promise.resolve();
  }

  /** See `AgentCredentialStore.revoke`. */
  revoke(tokenId: string, at: Date): Promise<boolean> {
    const row = this.#rows.get(tokenId);
    if (!row) return Promise.resolve(false);
    if (!row.revokedAt) row.revokedAt = at;
    return Promise.resolve(true);
  }
}
