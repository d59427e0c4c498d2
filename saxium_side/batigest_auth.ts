/**
 * The Express middleware for Saxium's Batigest routes: agents authenticate
 * with their own token, people keep their browser session.
 *
 * Saxium's session middleware answers 401 to the agent whatever it sends (it
 * never reads `Authorization`), so no agent can ever sync. This middleware
 * sorts each request first: one that carries a Bearer token or an
 * `X-Agent-Id` is an agent's, decided by `checkAgent` alone (accepted, or
 * refused with a 401 JSON answer that says why); any other goes on to the
 * session middleware unchanged. An agent's refusal never falls through to
 * the session, and nothing here redirects to a login page: an agent cannot
 * follow one, and would only see an HTML page where it expects JSON.
 *
 * @module
 */

import type { RequestHandler, Response } from "express";
import {
  type AgentHeaders,
  type AuthenticatedAgent,
  checkAgent,
  isAgentRequest,
} from "./agent_check.ts";
import type { AgentCredentialStore } from "./credential_store.ts";

/** Where the middleware leaves the authenticated agent: `res.locals.batigestAgent`. */
export const AGENT_LOCALS_KEY = "batigestAgent";

/** Options of `batigestAuth`. */
export interface BatigestAuthOptions {
  /** The agents' credentials (Saxium's `batigest_agent_credentials` table). */
  store: AgentCredentialStore;
  /** Saxium's browser-session middleware (`isAuthenticated`): every request that is not an agent's. */
  session: RequestHandler;
}

/**
 * The middleware that lets agents (by token) and people (by session) reach
 * the Batigest routes. An accepted agent is left in `res.locals.batigestAgent`
 * (read it with `authenticatedAgent`); a refused one gets
 * `401 { success: false, error: { message, code } }`. A failure of the store
 * (database down) goes to Express's error handling, not to a 401: the agent
 * tries again later instead of telling its administrator the token is wrong.
 *
 * @example
 * ```ts
 * const auth = batigestAuth({ store: credentials, session: isAuthenticated });
 * app.get("/api/batigest/exports/pending", auth, listPending);
 * app.post("/api/batigest/exports/:id/mark-error", auth, markError);
 * ```
 */
export function batigestAuth(options: BatigestAuthOptions): RequestHandler {
  const { store, session } = options;
  return function batigestAuthMiddleware(req, res, next) {
    const headers: AgentHeaders = {
      authorization: req.get("authorization"),
      agentId: req.get("x-agent-id"),
    };
    if (!isAgentRequest(headers)) return session(req, res, next);
    checkAgent(store, headers).then((verdict) => {
      if (verdict.ok) {
        res.locals[AGENT_LOCALS_KEY] = verdict.agent;
        next();
        return;
      }
      res.status(401)
        .set("WWW-Authenticate", 'Bearer realm="saxium-batigest"')
        .set("Cache-Control", "no-store")
        .json({ success: false, error: { message: verdict.message, code: verdict.code } });
    }).catch(next);
  };
}

/** The agent the middleware accepted for this request, if the request is an agent's. */
export function authenticatedAgent(res: Response): AuthenticatedAgent | undefined {
  const agent: unknown = res.locals[AGENT_LOCALS_KEY];
  if (typeof agent !== "object" || agent === null) return undefined;
  const { agentId, tokenId } = agent as Record<string, unknown>;
  return typeof agentId === "string" && typeof tokenId === "string"
    ? { agentId, tokenId }
    : undefined;
}
