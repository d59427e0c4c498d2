/**
 * The reason Saxium gives when it refuses, read from whichever of its error
 * shapes the answer has (`saxium-api.md`, "The real server, measured"):
 *
 * - typed errors: `{ success: false, error: { message, code } }` (also the
 *   agent check of `saxium_side/`, with its own French sentence);
 * - the body validator's 400: `{ success: false, error: "…", details: { message } }`;
 * - the login middleware's 401: `{ message: "Unauthorized" }`.
 *
 * The reason is what an administrator can act on ("Format csv non disponible
 * pour cet export", "Jeton d'agent révoqué…"): the client quotes it inside
 * its own French sentence. Apart from the client so that the shapes are read
 * in one place, whatever route or status they come with.
 *
 * @module
 */

import { isObject } from "../base/json_text.ts";

/**
 * The server's reason in a JSON answer, as it wrote it, or undefined: the
 * error's message (or the error itself when it is text), then the details'
 * message in brackets, or a top-level `message`.
 *
 * @example
 * ```ts
 * serverReason({ success: false, error: "Données invalides", details: { message: "exportId : uuid attendu" } });
 * // "Données invalides (exportId : uuid attendu)"
 * ```
 */
export function serverReason(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const { error, details, message } = value;
  const main = text(isObject(error) ? error.message : error) ?? text(message);
  const more = text(isObject(details) ? details.message : details);
  if (main !== undefined && more !== undefined && !main.includes(more)) return `${main} (${more})`;
  return main ?? more;
}

/**
 * Whether a refusal is the login middleware's `{ message: "…" }` (no
 * `success`, no `error`): Saxium's session check answered, which knows
 * people, not agents. Its agent check, once installed, answers
 * `{ success: false, error: { message, code } }`.
 */
export function isSessionRefusal(value: unknown): boolean {
  return isObject(value) && !("success" in value) && !("error" in value) &&
    typeof value.message === "string";
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}
