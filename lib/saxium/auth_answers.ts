/**
 * Answers that say Saxium did not recognise the agent, and the French line
 * for each: a 401 or 403 (with the reason the server gave), a web page (HTML)
 * where JSON or a document was expected, a redirect to a login page.
 *
 * Saxium's routes sit behind a browser login (`saxium-api.md`: "Authentication
 * is a browser session"): until Saxium accepts agent tokens, an agent meets
 * its login middleware's `{ message: "Unauthorized" }`, its login page, or a
 * redirect to one. Each is about the token and the Saxium-side setup (README,
 * « Ce que Saxium doit fournir »), never about a document, and not only about
 * `apiUrl`: these errors are of kind `auth`, which stops the pass and marks
 * nothing in error.
 *
 * @module
 */

import { oneLine } from "../base/text.ts";
import { quote, type SaxiumError, saxiumError } from "./errors.ts";
import { isSessionRefusal, serverReason } from "./server_reason.ts";

/** Where the token is set, as the administrator writes it. */
const TOKEN_SETTING = "SAXIUM_TOKEN ou « token » dans agent.json";
/** What Saxium must provide for agents, and where the README says it. */
const SAXIUM_SIDE =
  "que Saxium accepte les jetons d'agent (README, « Ce que Saxium doit fournir »)";

/** Bytes of a body's start enough to tell an HTML page (a BOM, blanks, a comment first). */
export const SNIFF_BYTES = 512;

/**
 * Whether a body starts like an HTML page: `<!DOCTYPE html` or `<html`, in
 * any case, after a BOM, blanks, an XML declaration or comments.
 */
export function startsLikeHtml(start: string | Uint8Array): boolean {
  const text = typeof start === "string"
    ? start.slice(0, SNIFF_BYTES)
    : new TextDecoder().decode(start.subarray(0, SNIFF_BYTES));
  const head = text.replace(/^\uFEFF/, "")
    .replace(/^\s*(<\?xml[^>]*\?>)?(\s*<!--[\s\S]*?-->)*\s*/i, "")
    .toLowerCase();
  return head.startsWith("<!doctype html") || head.startsWith("<html");
}

/** Whether a URL looks like a login page (login, signin, auth, oidc, saml…). */
export function isLoginUrl(url: URL): boolean {
  return /log-?in|log-?on|sign-?in|auth|oidc|saml|connexion|(^|\/)sso(\/|$)/i.test(url.pathname);
}

/** The refusal of a 401 or 403, with the reason the server gave and what to do. */
export function refusedAgent(
  options: { status: number; body: unknown; token?: string },
): SaxiumError {
  const { status, body, token } = options;
  const reason = quote(serverReason(body), token);
  if (reason && isSessionRefusal(body)) {
    // The login middleware answered: Saxium does not know agents yet.
    return saxiumError({
      kind: "auth",
      token,
      status,
      what: `Saxium a refusé l'agent (HTTP ${status}, ${reason}) : ce refus vient de la ` +
        "connexion des personnes, Saxium n'accepte pas encore les jetons d'agent",
      todo: "Saxium doit installer l'authentification des agents (README, « Ce que Saxium " +
        `doit fournir ») puis émettre un jeton pour cet agent, à mettre dans ${TOKEN_SETTING}`,
    });
  }
  if (reason) {
    return saxiumError({
      kind: "auth",
      token,
      status,
      what: `Saxium a refusé l'agent (HTTP ${status}), motif donné : ${reason}`,
      todo: `faites ce que ce motif indique ; le jeton de l'agent se règle dans ${TOKEN_SETTING}`,
    });
  }
  return saxiumError({
    kind: "auth",
    token,
    status,
    what: `Saxium a refusé l'agent (HTTP ${status}, jeton absent, invalide ou expiré)`,
    todo: `vérifiez ou renouvelez le jeton (${TOKEN_SETTING}), et ${SAXIUM_SIDE}`,
  });
}

/**
 * A web page (HTML) answered with success where JSON or a document was
 * expected: Saxium's login page, in all likelihood.
 */
export function htmlPage(
  options: { where: string; status: number; type: string; expected: string; token?: string },
): SaxiumError {
  const { where, status, type, expected, token } = options;
  return saxiumError({
    kind: "auth",
    token,
    status,
    what: `Saxium a répondu par une page web (HTML, HTTP ${status}, ${type}) au lieu ${expected} ` +
      `pour ${oneLine(where, 160)}`,
    todo: "c'est en général sa page de connexion, l'agent n'a donc pas été reconnu : vérifiez " +
      `le jeton (${TOKEN_SETTING}) et ${SAXIUM_SIDE}, puis que apiUrl désigne bien Saxium`,
  });
}

/** A redirect to a login page (of Saxium or of another server): the agent was not recognised. */
export function loginRedirect(
  options: { status: number; target: URL; token?: string },
): SaxiumError {
  const { status, target, token } = options;
  // The query is left out: a login URL carries state and return addresses.
  const page = oneLine(`${target.protocol}//${target.host}${target.pathname}`, 120);
  return saxiumError({
    kind: "auth",
    token,
    status,
    what: `Saxium redirige l'agent vers une page de connexion (${page}, HTTP ${status}) ` +
      "au lieu de lui répondre",
    todo: `l'agent n'a pas été reconnu : vérifiez le jeton (${TOKEN_SETTING}) et ${SAXIUM_SIDE}`,
  });
}

/** What to do about a redirect to another server that is not clearly a login page. */
export function elsewhereAdvice(base: URL): string {
  return `s'il s'agit d'une page de connexion, vérifiez le jeton (${TOKEN_SETTING}) et ` +
    `${SAXIUM_SIDE} ; sinon vérifiez apiUrl (schéma, hôte et port exacts, actuellement ${base.origin})`;
}
