/**
 * The decision on an agent's request, apart from Express: from its two
 * headers (`Authorization: Bearer <token>`, `X-Agent-Id`) and the credential
 * store, either the authenticated agent or a refusal with a code and a French
 * sentence saying what is wrong and what to do. The sentence reaches the
 * agent's log and its administrator, so it never holds the token.
 *
 * The order of the checks matters: the secret is verified before anything
 * else about the row is revealed (revoked or not, which agent it belongs to),
 * so a caller who only knows a token id learns nothing from the answers.
 *
 * @module
 */

import { parseAgentToken, secretMatches } from "./agent_tokens.ts";
import type { AgentCredentialStore } from "./credential_store.ts";

/** The two request headers the decision reads (Node lower-cases header names). */
export interface AgentHeaders {
  /** The `Authorization` header, if any. */
  authorization?: string;
  /** The `X-Agent-Id` header, if any. */
  agentId?: string;
}

/** An agent whose token was accepted. */
export interface AuthenticatedAgent {
  /** Its agent id, the one its token is bound to. */
  agentId: string;
  /** The public id of the token it used (for logs: never the token). */
  tokenId: string;
}

/** Why an agent's request is refused. */
export type RefusalCode =
  | "agent_token_missing"
  | "agent_token_malformed"
  | "agent_token_unknown"
  | "agent_token_revoked"
  | "agent_id_missing"
  | "agent_id_mismatch";

/** The decision on an agent's request. */
export type AgentVerdict =
  | { ok: true; agent: AuthenticatedAgent }
  | { ok: false; code: RefusalCode; message: string };

/** The token of a `Bearer` authorization (possibly empty), or undefined for another scheme. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^\s*Bearer(?:\s+(.*))?$/i.exec(authorization ?? "");
  return match ? (match[1] ?? "").trim() : undefined;
}

/**
 * Whether a request comes from an agent rather than a browser: it carries a
 * Bearer token or an `X-Agent-Id`. Such a request is decided by
 * `checkAgent` alone, never handed to the browser session.
 */
export function isAgentRequest(headers: AgentHeaders): boolean {
  return bearerToken(headers.authorization) !== undefined || headers.agentId !== undefined;
}

/**
 * Decide on an agent's request.
 *
 * @example
 * ```ts
 * const verdict = await checkAgent(store, {
 *   authorization: req.headers.authorization,
 *   agentId: req.get("x-agent-id"),
 * });
 * if (!verdict.ok) res.status(401).json({ success: false, error: { message: verdict.message } });
 * ```
 */
export async function checkAgent(
  store: AgentCredentialStore,
  headers: AgentHeaders,
): Promise<AgentVerdict> {
  const token = bearerToken(headers.authorization);
  if (!token) {
    return refuse(
      "agent_token_missing",
      "Jeton d'agent absent : la requête n'a pas d'en-tête « Authorization: Bearer <jeton> » ; " +
        "renseignez le jeton émis pour cet agent (SAXIUM_TOKEN ou « token » dans agent.json).",
    );
  }
  const parts = parseAgentToken(token);
  if (!parts) {
    return refuse(
      "agent_token_malformed",
      "Jeton d'agent illisible : ce n'est pas un jeton émis par Saxium (sxa_ suivi de 16 puis " +
        "64 caractères hexadécimaux) ; recopiez-le en entier, sans espace ni guillemet.",
    );
  }
  // The token id is public (it only finds the row); the secret is the proof,
  // compared in constant time. A wrong secret reads exactly like an unknown id.
  const credential = await store.findByTokenId(parts.tokenId);
  if (!credential || !secretMatches(parts.secret, credential.secretHash)) {
    return refuse(
      "agent_token_unknown",
      "Jeton d'agent inconnu : Saxium n'a émis aucun jeton qui lui corresponde ; recopiez le " +
        "jeton émis pour cet agent ou faites-en émettre un nouveau.",
    );
  }
  const owner = credential.agentId;
  if (credential.revokedAt) {
    return refuse(
      "agent_token_revoked",
      `Jeton d'agent révoqué le ${day(credential.revokedAt)} : faites émettre un nouveau jeton ` +
        `pour l'agent « ${owner} » et remplacez l'ancien dans sa configuration.`,
    );
  }
  const claimed = headers.agentId?.trim();
  if (!claimed) {
    return refuse(
      "agent_id_missing",
      `En-tête X-Agent-Id absent : ce jeton est lié à l'agent « ${owner} », la requête doit ` +
        "se présenter sous ce nom.",
    );
  }
  if (claimed !== owner) {
    const shown = printable(claimed);
    return refuse(
      "agent_id_mismatch",
      `Identifiant d'agent refusé : ce jeton est lié à l'agent « ${owner} », la requête se ` +
        `présente comme « ${shown} » (X-Agent-Id) ; utilisez sur cette machine le jeton émis ` +
        `pour « ${shown} », ou réglez son agentId sur « ${owner} ».`,
    );
  }
  return { ok: true, agent: { agentId: owner, tokenId: credential.tokenId } };
}

function refuse(code: RefusalCode, message: string): AgentVerdict {
  return { ok: false, code, message };
}

/** `YYYY-MM-DD` of a date (UTC). */
function day(date: Date): string {
  return new Date(date).toISOString().slice(0, 10);
}

/** A header value fit to be quoted back: printable ASCII only, 64 characters at most. */
function printable(value: string): string {
  const kept = value.replace(/[^\x20-\x7e]/g, "?");
  return kept.length > 64 ? `${kept.slice(0, 64)}…` : kept;
}
