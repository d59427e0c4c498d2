/**
 * What an answer means: a redirect (followed only to the same origin, a few
 * hops; a login page is the agent not recognised), an HTTP error status
 * (which ones are worth another attempt, how long `Retry-After` may be
 * waited for within a call, and the French line for each, with the reason
 * the server gave), a JSON answer (its shape checked, `success: false` read
 * as a refusal); and, for `doctor`'s probe, what any answer of the status
 * route shows. Apart from the client so that the rules of "what does this
 * answer mean" are read in one place.
 *
 * @module
 */

import { formatBytes } from "../base/french.ts";
import type { DocumentFormat } from "../base/settings.ts";
import { describeSystemError } from "../base/system_errors.ts";
import { oneLine } from "../base/text.ts";
import {
  elsewhereAdvice,
  htmlPage,
  isLoginUrl,
  loginRedirect,
  refusedAgent,
  startsLikeHtml,
} from "./auth_answers.ts";
import { contentType } from "./body.ts";
import {
  parseRetryAfter,
  quote,
  RESUMES_BY_ITSELF,
  Retryable,
  SaxiumError,
  saxiumError,
  type SaxiumErrorKind,
} from "./errors.ts";
import { serverReason } from "./server_reason.ts";
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
  if (isLoginUrl(target)) throw loginRedirect({ status: res.status, target, token });
  if (target.origin !== base.origin) {
    throw saxiumError({
      kind: "redirect",
      token,
      what: `Saxium redirige vers un autre serveur (${
        oneLine(target.protocol + "//" + target.host, 120)
      }), redirection refusée`,
      todo: elsewhereAdvice(base),
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

/** How `statusFailure` reads an error answer. */
export interface StatusFailureOptions {
  /** `GET /api/...`, for the message. */
  where: string;
  token?: string;
  /** The body as text, within the client's cap. */
  readText: (res: Response) => Promise<string>;
  /** The longest wait for `Retry-After` within a call; a longer one fails at once. */
  maxDelayMs: number;
  /** The clock `Retry-After` is read against; the system's by default. */
  now?: () => Date;
}

/**
 * The error for a non-2xx, non-3xx answer, with the reason the server gave
 * (any of its shapes, see `server_reason.ts`): retryable for 408, 429 and
 * 5xx, unless the server asks to wait longer than `maxDelayMs` (then the
 * call fails at once, saying until when, and the next pass resumes).
 */
export async function statusFailure(
  res: Response,
  options: StatusFailureOptions,
): Promise<Retryable | SaxiumError> {
  const { token } = options;
  const where = oneLine(options.where, 160);
  const status = res.status;
  // A body that cannot be read leaves the status to speak alone.
  const text = await options.readText(res).catch(() => "");
  const value = text.trim() === "" ? undefined : parseJson(text);
  if (status === 401 || status === 403) return refusedAgent({ status, body: value, token });
  const plain = value === NOT_JSON &&
    /^\s*text\/plain\b/i.test(res.headers.get("content-type") ?? "");
  const reason = quote(
    value === NOT_JSON ? (plain ? text : undefined) : serverReason(value),
    token,
  );
  const given = reason ? `, motif donné : ${reason}` : "";
  if (status === 404) {
    return saxiumError({
      kind: "not_found",
      token,
      what: `Introuvable sur Saxium : ${where} (HTTP 404)${given}`,
      todo: "vérifiez apiUrl et que l'export existe encore dans Saxium",
      status,
    });
  }
  const retry = status === 408 || status === 429 || status >= 500;
  const now = options.now?.() ?? new Date();
  const retryAfterMs = retry ? parseRetryAfter(res.headers.get("retry-after"), now) : undefined;
  if (retryAfterMs !== undefined && retryAfterMs > options.maxDelayMs) {
    return saxiumError({
      kind: "http",
      token,
      what: `Saxium demande d'attendre ${
        until(retryAfterMs, now)
      } (HTTP ${status} sur ${where}${given})`,
      todo: status === 429
        ? `rien n'est perdu, la prochaine passe reprendra d'elle-même ; ${SPACE_PASSES}`
        : RESUMES_BY_ITSELF,
      status,
      retryAfterMs,
    });
  }
  const make = (kind: SaxiumErrorKind, what: string, todo: string) =>
    retry
      ? new Retryable(kind, what, todo, status, retryAfterMs)
      : saxiumError({ kind, what, todo, status, token });
  if (status >= 500 && status !== 501 && (value === NOT_JSON || value === undefined)) {
    // A web page or nothing at all, from Saxium or the server in front of it:
    // down for a while (maintenance, a restart), not a wrong address.
    const page = value === NOT_JSON ? pageTitle(text) : "";
    return make(
      value === NOT_JSON ? "protocol" : "http",
      `Saxium est indisponible pour le moment (HTTP ${status} sur ${where}${
        page ? `, page « ${page} »` : ""
      }${given})`,
      `${RESUMES_BY_ITSELF} ; si cela dure plus de quelques heures, prévenez l'administrateur de Saxium`,
    );
  }
  if (value === NOT_JSON && !plain) {
    return make(
      "protocol",
      `Réponse illisible de Saxium pour ${where} (HTTP ${status}, ${contentType(res)})`,
      "une réponse JSON était attendue ; réessayez plus tard ou vérifiez que apiUrl désigne bien Saxium",
    );
  }
  if (status === 429) {
    return make(
      "http",
      `Saxium reçoit trop de requêtes (HTTP 429 sur ${where}${given})`,
      `la prochaine passe reprendra d'elle-même ; ${SPACE_PASSES}`,
    );
  }
  if (retry) {
    return make(
      "http",
      `Saxium est en erreur (HTTP ${status} sur ${where}${given})`,
      "la prochaine passe réessaiera d'elle-même ; si l'erreur persiste, prévenez l'administrateur de Saxium",
    );
  }
  return refused({ where, status, reason, token });
}

/** The title (or first heading) of a web page, on one line, short; empty when none. */
function pageTitle(html: string): string {
  const m = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html) ??
    /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(html);
  return m ? oneLine(m[1].replace(/<[^>]*>/g, "").replace(/\s+/g, " ").trim(), 80) : "";
}

/** How often passes run is the scheduled task's, never `pollIntervalSeconds`. */
const SPACE_PASSES =
  "si cela revient souvent, espacez les passes de la tâche planifiée (install-task --every <minutes>)";

/**
 * A refusal by Saxium of a request it understood (a 4xx, or `success: false`):
 * its reason quoted inside what it means for the administrator.
 */
export function refused(
  options: { where: string; status: number; reason: string; token?: string },
): SaxiumError {
  const { where, status, reason, token } = options;
  return saxiumError({
    kind: "http",
    token,
    status,
    ...(reason
      ? {
        what: `Saxium a refusé ${where} (HTTP ${status}), motif donné : ${reason}`,
        todo: "corrigez ce que ce motif désigne (dans Saxium ou dans la configuration de " +
          "l'agent) ou transmettez-le à l'administrateur de Saxium",
      }
      : {
        what: `Saxium a refusé ${where} (HTTP ${status}) sans en donner le motif`,
        todo: "transmettez ce refus, avec son heure, à l'administrateur de Saxium",
      }),
  });
}

/** How `jsonAnswer` checks a JSON answer. */
export interface JsonAnswerOptions<T> {
  /** `GET /api/...`, for the message. */
  where: string;
  /** What was expected, in French, for the message. */
  expected: string;
  /** Checks the shape and extracts the value. */
  pick: (value: unknown) => { value: T } | { issue: string };
  token?: string;
}

/**
 * The value of a 2xx JSON answer, or the error it means: a web page (the
 * login page, see `auth_answers.ts`), a text that is not JSON, Saxium's
 * `success: false` with its reason, or a shape `pick` refuses.
 */
export function jsonAnswer<T>(res: Response, text: string, options: JsonAnswerOptions<T>): T {
  const { token, expected } = options;
  const where = oneLine(options.where, 160);
  const status = res.status;
  const value = text.trim() === "" ? undefined : parseJson(text);
  if (value === NOT_JSON) {
    if (/^\s*text\/html\b/i.test(res.headers.get("content-type") ?? "") || startsLikeHtml(text)) {
      throw htmlPage({ where, status, type: contentType(res), expected: "de JSON", token });
    }
    throw saxiumError({
      kind: "protocol",
      token,
      status,
      what: `Réponse illisible de Saxium pour ${where} (HTTP ${status}, ${contentType(res)})`,
      todo: `${expected} était attendu ; vérifiez que apiUrl désigne bien le serveur Saxium`,
    });
  }
  if (isObject(value) && value.success === false) {
    throw refused({ where, status, reason: quote(serverReason(value), token), token });
  }
  const picked = options.pick(value);
  if ("issue" in picked) {
    throw saxiumError({
      kind: "protocol",
      token,
      status,
      what: `Réponse inattendue de Saxium pour ${where} (${oneLine(picked.issue, 120)})`,
      todo: `${expected} était attendu ; vérifiez la version du serveur Saxium`,
    });
  }
  return picked.value;
}

/** How `notTheDocument` and `webPageInstead` word their errors. */
export interface DocumentAnswerOptions {
  /** `GET /api/...`, for the message. */
  where: string;
  format: DocumentFormat;
  token?: string;
}

/**
 * The error a download's 2xx answer means when it is not the document: a
 * web page (Saxium's login page, in all likelihood: not retried) or JSON
 * (retried, its reason quoted); undefined for what may be the document.
 */
export async function notTheDocument(
  res: Response,
  options: DocumentAnswerOptions & { readText: (res: Response) => Promise<string> },
): Promise<SaxiumError | Retryable | undefined> {
  const type = res.headers.get("content-type") ?? "";
  if (/^\s*text\/html\b/i.test(type)) {
    await res.body?.cancel().catch(() => {});
    return webPage(res, options, contentType(res));
  }
  if (!/^\s*application\/json\b/i.test(type)) return undefined;
  const text = await options.readText(res).catch(() => "");
  const reason = quote(serverReason(parseJson(text)), options.token);
  return new Retryable(
    "protocol",
    `Saxium a renvoyé du JSON au lieu du document ${options.format.toUpperCase()} pour ${
      oneLine(options.where, 160)
    }${reason ? `, motif donné : ${reason}` : ""}`,
    "réessayez plus tard ou prévenez l'administrateur de Saxium",
  );
}

/**
 * The error for a download whose first bytes are a web page, whatever its
 * type says (a login page labelled `application/xml`); undefined otherwise.
 */
export function webPageInstead(
  start: Uint8Array,
  res: Response,
  options: DocumentAnswerOptions,
): SaxiumError | undefined {
  return startsLikeHtml(start) ? webPage(res, options, `étiquetée ${contentType(res)}`) : undefined;
}

function webPage(res: Response, options: DocumentAnswerOptions, type: string): SaxiumError {
  return htmlPage({
    where: options.where,
    status: res.status,
    type,
    expected: `du document ${options.format.toUpperCase()}`,
    token: options.token,
  });
}

/** The error for a body over the size cap: a document (`id`) or another answer. */
export function tooLarge(
  options: { id: string | undefined; maxBytes: number; token?: string },
): SaxiumError {
  const limit = formatBytes(options.maxBytes);
  return saxiumError({
    kind: "too_large",
    token: options.token,
    what: options.id === undefined
      ? `Réponse de Saxium trop volumineuse (plus de ${limit})`
      : `Le document de l'export ${oneLine(options.id, 80)} dépasse la taille maximale (${limit})`,
    todo:
      "vérifiez ce document dans Saxium (taille anormale) ou prévenez l'administrateur de Saxium",
  });
}

/** A download cut short (retried): how much arrived. */
export function interrupted(options: { id: string; total: number; declared?: number }): Retryable {
  const { id, total, declared } = options;
  return new Retryable(
    "network",
    `Téléchargement de l'export ${oneLine(id, 80)} interrompu (${total} octets reçus` +
      (declared === undefined ? ")" : ` sur ${declared})`),
    "vérifiez la connexion réseau puis relancez la synchronisation",
  );
}

/** `jusqu'à 14:32`, or `jusqu'au 25/11 à 08:00` on another day; the minute rounded up. */
export function until(ms: number, now: Date): string {
  const at = new Date(Math.ceil((now.getTime() + ms) / 60_000) * 60_000);
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}`;
  const sameDay = at.toDateString() === now.toDateString();
  return sameDay
    ? `jusqu'à ${time}`
    : `jusqu'au ${pad(at.getDate())}/${pad(at.getMonth() + 1)} à ${time}`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
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
  const { cause } = describeSystemError(error);
  return new Retryable(
    "network",
    `Connexion à Saxium impossible (${options.host} : ${cause})`,
    cause === "connexion refusée"
      // The server is there but nothing answers on the port: Saxium stopped or restarting, most often.
      ? `si Saxium est en maintenance ou redémarre, ${RESUMES_BY_ITSELF} ; si cela dure, vérifiez apiUrl (hôte et port) et le proxy (HTTPS_PROXY)`
      : "vérifiez apiUrl, le réseau, le proxy (HTTPS_PROXY) et les certificats (caFile) ; la prochaine passe réessaiera d'elle-même",
    undefined,
    undefined,
    error,
  );
}

function seconds(ms: number): string {
  return `${String(ms / 1000).replace(".", ",")} s`;
}
