/**
 * Which agent reported: `mark-error` and `mark-synced` store an agent id, and
 * the agent has sent it in different places over time (inside `errorDetails`
 * before, at the top level of the body now), while the route read only the
 * top level. The surest source comes first: the agent the middleware
 * authenticated (bound to its token, so it cannot be claimed falsely), then
 * the body's top-level `agentId`, then `errorDetails.agentId`.
 *
 * @module
 */

import type { Request, Response } from "express";
import { authenticatedAgent } from "./batigest_auth.ts";

/**
 * The id of the agent behind this request, or undefined when nothing names one
 * (a person acting through their browser session, for instance).
 *
 * @example
 * ```ts
 * app.post("/api/batigest/exports/:id/mark-error", auth, async (req, res) => {
 *   const agentId = reportingAgentId(req, res);
 *   await storage.markBatigestExportError(req.params.id, { ...req.body, agentId });
 * });
 * ```
 */
export function reportingAgentId(req: Request, res: Response): string | undefined {
  const authenticated = authenticatedAgent(res)?.agentId;
  if (authenticated) return authenticated;
  const body: unknown = req.body;
  if (!isRecord(body)) return undefined;
  if (nonEmpty(body.agentId)) return body.agentId;
  const details = body.errorDetails;
  return isRecord(details) && nonEmpty(details.agentId) ? details.agentId : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nonEmpty(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}
