/**
 * How the client reads an answer that is not the one it asked for: a
 * redirect (followed only to the same origin, a few hops) or an HTTP error
 * status (which ones are worth another attempt, and the French line for
 * each); and, for `doctor`'s probe, what any answer of the status route
 * shows. Apart from the client so that the rules of "what does this status
 * mean" are read in one place.
 *
 * @module
 */

import { describeSystemError } from "../base/system_errors.ts";
import { contentType } from "./body.ts";
import { oneLine } from "../base/text.ts";
import {
  parseRetryAfter,
  quote,
  Retryable,
  SaxiumError,
  saxiumError,
  type SaxiumErrorKind,
} from "./errors.ts";
import { isObject, NOT_JSON, parseJson, type StatusProbe } from "./shapes.ts";

/** Redirects followed in a row before giving up. */
const MAX_REDIRECTS = 3;

/** Where a redirect may lead: same origin only, at most `MAX_REDIRECTS` hops. */
export function redirectTarget(
  res: Response,
  options: { from: URL; hop: number; base: URL; token?: string },
): URL {
  const { from, hop, base, token } = options;
  const location = res.headers.get("location");
  let target: URL | undefined;
  try {
    target = location ? new URL(location, from) : undefined;
  } catch {
    target = undefined;
  }
  if (!target) {
    throw saxiumError({
      kind: "protocol",
      token,
      what: `Saxium a répondu HTTP ${res.status} sans adresse de redirection valable`,
      todo: "vérifiez apiUrl (schéma https, hôte et chemin exacts)",
      status: res.status,
    });
  }
  if (target.origin !== base.origin) {
    throw saxiumError({
      kind: "redirect",
      token,
      what:
        `Saxium redirige vers un autre serveur (${
          oneLine(target.protocol + "//" + target.host, 120)
        }), ` +
        "redirection refusée",
      todo: `vérifiez apiUrl (schéma, hôte et port exacts, actuellement ${base.origin})`,
      status: res.status,
    });
  }
  if (hop >= MAX_REDIRECTS) {
    throw saxiumError({
      kind: "redirect",
      token,
      what: `Trop de redirections depuis ${from.pathname} (plus de ${MAX_REDIRECTS})`,
      todo: "vérifiez apiUrl et la configuration du serveur Saxium",
      status: res.status,
    });
  }
  return target;
}

/** The error for a non-2xx, non-3xx answer (retryable for 408, 429, 5xx). */
export async function statusFailure(
  res: Response,
  options: { where: string; token?: string; readText: (res: Response) => Promise<string> },
): Promise<Retryable | SaxiumError> {
  const { where, token } = options;
  const status = res.status;
  if (status === 401 || status === 403) {
    await res.body?.cancel().catch(() => {});
    return saxiumError({
      kind: "auth",
      token,
      what: `Saxium a refusé l'agent (HTTP ${status}, jeton absent, invalide ou expiré)`,
      todo: "vérifiez ou renouvelez le jeton (SAXIUM_TOKEN ou « token » dans agent.json)",
      status,
    });
  }
  if (status === 404) {
    await res.body?.cancel().catch(() => {});
    return saxiumError({
      kind: "not_found",
      token,
      what: `Introuvable sur Saxium : ${oneLine(where, 160)} (HTTP 404)`,
      todo: "vérifiez apiUrl et que l'export existe encore dans Saxium",
      status,
    });
  }
  const retry = status === 408 || status === 429 || status >= 500;
  const text = await options.readText(res);
  const value = text.trim() === "" ? undefined : parseJson(text);
  const make = (kind: SaxiumErrorKind, what: string, todo: string) =>
    retry
      ? new Retryable(
        kind,
        what,
        todo,
        status,
        parseRetryAfter(res.headers.get("retry-after"), new Date()),
      )
      : saxiumError({ kind, what, todo, status, token });
  if (value === NOT_JSON) {
    return make(
      "protocol",
      `Réponse illisible de Saxium pour ${where} (HTTP ${status}, ${contentType(res)})`,
      "une réponse JSON était attendue ; réessayez plus tard ou vérifiez que apiUrl désigne bien Saxium",
    );
  }
  const message = isObject(value) ? quote(value.message, token) : "";
  const todo = status === 429
    ? "réessayez plus tard ou espacez les synchronisations (pollIntervalSeconds)"
    : retry
    ? "réessayez plus tard ou prévenez l'administrateur de Saxium"
    : "corrigez la cause indiquée ou prévenez l'administrateur de Saxium";
  return make("http", `Saxium a répondu HTTP ${status} à ${oneLine(where, 160)}${message}`, todo);
}

/**
 * What one answer of the status route shows, whatever its status: the facts
 * `doctor` judges (a body that cannot be read is simply not Saxium's).
 */
export async function probeAnswer(
  res: Response,
  options: { elapsedMs: number; readText: (res: Response) => Promise<string> },
): Promise<StatusProbe> {
  const value = await options.readText(res).then(parseJson, () => NOT_JSON);
  return {
    status: res.status,
    date: res.headers.get("date") ?? undefined,
    location: res.headers.get("location") ?? undefined,
    elapsedMs: options.elapsedMs,
    saxiumBody: isObject(value) && value.success === true && typeof value.data === "object",
  };
}

/** A failure raised by `fetch` or while reading a body: timeout or network. */
export function transportFailure(
  error: unknown,
  options: { signal: AbortSignal; timeoutMs: number; host: string },
): unknown {
  if (error instanceof Retryable || error instanceof SaxiumError) return error;
  // A permission refusal is not a network failure: retrying cannot help, and
  // main.ts turns it into the French line and exit 2.
  if (error instanceof Deno.errors.NotCapable) return error;
  if (options.signal.aborted) {
    return new Retryable(
      "timeout",
      `Saxium n'a pas répondu dans le délai de ${seconds(options.timeoutMs)}`,
      "vérifiez le réseau ou réessayez plus tard",
    );
  }
  return new Retryable(
    "network",
    `Connexion à Saxium impossible (${options.host} : ${describeSystemError(error).cause})`,
    "vérifiez apiUrl, le réseau, le proxy (HTTPS_PROXY) et les certificats (caFile), puis relancez",
    undefined,
    undefined,
    error,
  );
}

function seconds(ms: number): string {
  return `${String(ms / 1000).replace(".", ",")} s`;
}
