/**
 * The road to Saxium, for `doctor`: the server answers at `apiUrl`, its TLS
 * certificate is trusted, it accepts the token, our clock agrees with its
 * own, which proxy carries the requests. What Saxium's queue holds, for
 * `status` and `doctor`, is `saxium_queue.ts`.
 *
 * One request, {@linkcode probeSaxium}, gathers every fact for `doctor`
 * through the agent's own `SaxiumClient` (`probeStatus`: its headers, proxy,
 * extra certificates and timeout, no retry); it never throws: a failure is
 * classified into the fact the checks read, so the four Saxium checks judge
 * the same answer, and the ones that depend on an answer say "not checked"
 * instead of repeating the network error. The `check*` functions are pure.
 *
 * @module
 */

import { type Settings } from "../base/settings.ts";
import { maskUrlCredentials } from "../base/text.ts";
import { formatDuration } from "../base/french.ts";
import { type SaxiumClient, SaxiumError } from "../saxium/client.ts";
import { openSaxiumClient, readCaFile } from "../saxium/open.ts";
import { type CheckResult, oneLineMessage, verdicts } from "./check.ts";

/** Largest clock difference with Saxium accepted. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** Time allowed to each network probe. */
export const PROBE_TIMEOUT_MS = 10_000;

/** What one request to Saxium's status route showed. */
export interface SaxiumFacts {
  apiUrl: string;
  /** Whether a token was sent. */
  tokenSent: boolean;
  /** The HTTP status, when the server answered. */
  status?: number;
  /** `Location` of a redirect. */
  location?: string;
  /** The body was Saxium's `{ success: true, data }`. */
  bodyOk?: boolean;
  /** The server's `Date` header. */
  serverDate?: string;
  /** Our clock when the answer arrived, ISO 8601. */
  receivedAt?: string;
  elapsedMs?: number;
  /** Why no answer came. */
  failure?: {
    kind: "tls" | "dns" | "refused" | "timeout" | "network" | "permission" | "ca-file";
    /** For TLS: `unknown-issuer`, `expired`, `name`, `other`. */
    tls?: "unknown-issuer" | "expired" | "name" | "other";
    detail: string;
  };
}

/** Options of {@linkcode probeSaxium}. */
export interface ProbeSaxiumOptions {
  /** Our clock, read when the answer arrives (tests shift it to fake a skew). */
  now?: () => Date;
  timeoutMs?: number;
}

/**
 * One GET of `/api/batigest/status` through the agent's `SaxiumClient` (its
 * headers, proxy and extra certificates, one attempt, no redirect followed);
 * never throws.
 */
export async function probeSaxium(
  settings: Pick<Settings, "apiUrl" | "token" | "agentId" | "proxy" | "caFile">,
  options: ProbeSaxiumOptions = {},
): Promise<SaxiumFacts> {
  const facts: SaxiumFacts = { apiUrl: settings.apiUrl, tokenSent: Boolean(settings.token) };
  const now = options.now ?? (() => new Date());
  let caCerts: string[] | undefined;
  if (settings.caFile) {
    const read = readCaFile(settings.caFile);
    if ("problem" in read) {
      facts.failure = {
        kind: "ca-file",
        detail: `certificat ${settings.caFile} illisible (${read.problem})`,
      };
      return facts;
    }
    caCerts = [read.pem];
  }
  let client: SaxiumClient | undefined;
  try {
    client = openSaxiumClient(settings, {
      ...(caCerts ? { caCerts } : {}),
      timeoutMs: options.timeoutMs ?? PROBE_TIMEOUT_MS,
      maxAttempts: 1,
    });
    const answer = await client.probeStatus();
    facts.receivedAt = now().toISOString();
    facts.elapsedMs = answer.elapsedMs;
    facts.status = answer.status;
    facts.serverDate = answer.date;
    facts.location = answer.location;
    facts.bodyOk = answer.saxiumBody;
  } catch (e) {
    facts.failure = classifyFailure(e);
  } finally {
    client?.close();
  }
  return facts;
}

/**
 * Why no answer came, from the client's error: its kind (`timeout`) or the
 * system's error it keeps as its cause (DNS, refused, TLS, permission).
 */
function classifyFailure(e: unknown): NonNullable<SaxiumFacts["failure"]> {
  const detail = oneLineMessage(e);
  if (e instanceof SaxiumError && e.kind === "timeout") return { kind: "timeout", detail };
  const cause = e instanceof SaxiumError ? e.cause : e;
  if (
    e instanceof Deno.errors.NotCapable || cause instanceof Deno.errors.NotCapable ||
    /NotCapable|Requires net access/.test(detail)
  ) {
    return { kind: "permission", detail };
  }
  if (/UnknownIssuer|unknown ca|self.signed/i.test(detail)) {
    return { kind: "tls", tls: "unknown-issuer", detail };
  }
  if (/Expired|NotValidYet/i.test(detail)) return { kind: "tls", tls: "expired", detail };
  if (/NotValidForName|not valid for name|CertNotValidForName/i.test(detail)) {
    return { kind: "tls", tls: "name", detail };
  }
  if (/certificate|tls|ssl|handshake|corrupt message/i.test(detail)) {
    return { kind: "tls", tls: "other", detail };
  }
  if (/dns error|lookup|not known|no such host|resolve/i.test(detail)) {
    return { kind: "dns", detail };
  }
  if (/connection refused|ECONNREFUSED|os error 111|os error 10061/i.test(detail)) {
    return { kind: "refused", detail };
  }
  return { kind: "network", detail };
}

function host(apiUrl: string): string {
  try {
    return new URL(apiUrl).host;
  } catch {
    return apiUrl;
  }
}

const NOT_CHECKED_FIX = "Corrigez d'abord l'accès à Saxium (vérification « Saxium joignable »).";

/** Saxium answers at its address (any HTTP answer but a redirect, 404 or 5xx). */
export function checkSaxiumReachable(facts: SaxiumFacts): CheckResult {
  const id = "saxium-reachable";
  const title = "Saxium joignable";
  const verdict = verdicts(id, title);
  const where = host(facts.apiUrl);
  const f = facts.failure;
  if (f) {
    switch (f.kind) {
      case "tls":
        return verdict.ok(
          `${where} répond, mais la connexion sécurisée échoue (voir « Certificat TLS »)`,
        );
      case "ca-file":
        return verdict.warning(
          `non vérifié : ${f.detail}`,
          "Corrigez caFile (voir « Certificat TLS »).",
        );
      case "dns":
        return verdict.error(
          `${where} : nom de serveur introuvable`,
          "Vérifiez l'adresse apiUrl et le DNS de ce poste (nslookup), ou le proxy (HTTPS_PROXY).",
        );
      case "refused":
        return verdict.error(
          `${where} : connexion refusée`,
          "Vérifiez le port de apiUrl, que Saxium est en service et qu'aucun pare-feu ne bloque ce poste.",
        );
      case "timeout":
        return verdict.error(
          `${where} : pas de réponse en ${PROBE_TIMEOUT_MS / 1000} s`,
          "Vérifiez le réseau, le pare-feu et le proxy (HTTPS_PROXY) de ce poste.",
        );
      case "permission":
        return verdict.error(
          `${where} : hors des permissions de l'agent`,
          "L'exécutable a été construit pour une autre adresse de Saxium : reconstruisez-le avec cette apiUrl.",
        );
      default:
        return verdict.error(
          `${where} : ${f.detail}`,
          "Vérifiez apiUrl, le réseau et le proxy (HTTPS_PROXY) de ce poste.",
        );
    }
  }
  const status = facts.status!;
  const answered = `${where} répond en ${facts.elapsedMs ?? "?"} ms (HTTP ${status})`;
  if (status >= 300 && status < 400) {
    return verdict.error(
      `${answered}, redirection vers ${facts.location ?? "?"}`,
      "Indiquez dans apiUrl l'adresse exacte de Saxium (https://, nom et chemin), sans redirection.",
    );
  }
  if (status === 404) {
    return verdict.error(
      `${answered} : route /api/batigest/status introuvable`,
      "Vérifiez apiUrl : ce doit être l'adresse de base de Saxium, par exemple https://saxium.example.com.",
    );
  }
  if (status >= 500) {
    return verdict.error(
      answered,
      "Saxium est en difficulté : réessayez plus tard ou prévenez l'administrateur de Saxium.",
    );
  }
  return verdict.ok(answered);
}

/** The server's certificate is trusted (or plain http on loopback). */
export function checkSaxiumTls(facts: SaxiumFacts): CheckResult {
  const id = "saxium-tls";
  const title = "Certificat TLS";
  const verdict = verdicts(id, title);
  const f = facts.failure;
  if (f?.kind === "ca-file") {
    return verdict.error(
      f.detail,
      "Copiez le certificat racine (format PEM) dans le dossier de travail et indiquez son nom dans caFile.",
    );
  }
  if (f?.kind === "tls") {
    const where = host(facts.apiUrl);
    switch (f.tls) {
      case "unknown-issuer":
        return verdict.error(
          `${where} : certificat émis par une autorité inconnue (proxy d'inspection TLS ?)`,
          "Ajoutez le certificat racine au magasin Windows et réglez la variable DENO_TLS_CA_STORE=mozilla,system (déjà intégrée à l'exécutable compilé), ou copiez-le en PEM dans le dossier de travail et indiquez-le dans caFile.",
        );
      case "expired":
        return verdict.error(
          `${where} : certificat expiré ou pas encore valide`,
          "Vérifiez l'horloge de ce poste ; si elle est juste, prévenez l'administrateur de Saxium que son certificat a expiré.",
        );
      case "name":
        return verdict.error(
          `${where} : le certificat ne correspond pas à ce nom`,
          "Indiquez dans apiUrl le nom exact figurant sur le certificat de Saxium.",
        );
      default:
        return verdict.error(
          `${where} : connexion sécurisée impossible (${f.detail})`,
          "Vérifiez que apiUrl commence par https:// et désigne bien Saxium, et le proxy éventuel (HTTPS_PROXY).",
        );
    }
  }
  if (f) return verdict.warning("non vérifié : Saxium injoignable", NOT_CHECKED_FIX);
  if (facts.apiUrl.startsWith("http:")) {
    return verdict.ok("sans objet : http:// sur ce poste (développement)");
  }
  return verdict.ok("certificat valide et reconnu");
}

/** Saxium accepts the token. */
export function checkSaxiumToken(facts: SaxiumFacts): CheckResult {
  const id = "saxium-token";
  const title = "Jeton Saxium";
  const verdict = verdicts(id, title);
  if (facts.failure || facts.status === undefined) {
    return verdict.warning("non vérifié : Saxium injoignable", NOT_CHECKED_FIX);
  }
  const status = facts.status;
  if (status === 401 || status === 403) {
    return facts.tokenSent
      ? verdict.error(
        `jeton refusé par Saxium (HTTP ${status})`,
        "Vérifiez ou renouvelez le jeton fourni par Saxium (SAXIUM_TOKEN ou « token » dans agent.json).",
      )
      : verdict.error(
        `aucun jeton configuré : Saxium refuse l'agent (HTTP ${status})`,
        "Indiquez le jeton fourni par Saxium dans SAXIUM_TOKEN ou « token » dans agent.json.",
      );
  }
  if (status >= 200 && status < 300) {
    if (!facts.bodyOk) {
      return verdict.warning(
        "réponse qui n'est pas celle de Saxium",
        "Vérifiez que apiUrl désigne bien le serveur Saxium.",
      );
    }
    return facts.tokenSent ? verdict.ok("jeton accepté") : verdict.warning(
      "aucun jeton configuré, et Saxium a répondu sans en demander",
      "Indiquez le jeton fourni par Saxium dans SAXIUM_TOKEN ou « token » dans agent.json.",
    );
  }
  return verdict.warning(`non vérifié : Saxium a répondu HTTP ${status}`, NOT_CHECKED_FIX);
}

/** Our clock is within {@linkcode MAX_CLOCK_SKEW_MS} of Saxium's (HTTP `Date` header). */
export function checkClock(facts: SaxiumFacts): CheckResult {
  const id = "clock";
  const title = "Horloge";
  const verdict = verdicts(id, title);
  if (facts.receivedAt === undefined) {
    return verdict.warning("non vérifié : Saxium injoignable", NOT_CHECKED_FIX);
  }
  const server = facts.serverDate ? Date.parse(facts.serverDate) : NaN;
  if (Number.isNaN(server)) {
    return verdict.warning(
      "non vérifiable : Saxium n'indique pas son heure (en-tête Date)",
      "Vérifiez à la main que l'heure de ce poste est juste (w32tm /query /status).",
    );
  }
  const skew = Date.parse(facts.receivedAt) - server;
  const amount = formatDuration(Math.abs(skew));
  if (Math.abs(skew) > MAX_CLOCK_SKEW_MS) {
    return verdict.error(
      `l'horloge de ce poste a ${amount} ${skew > 0 ? "d'avance" : "de retard"} sur Saxium`,
      "Synchronisez l'heure de Windows (w32tm /resync, ou Paramètres > Heure > Synchroniser).",
    );
  }
  return verdict.ok(`écart de ${amount} avec Saxium`);
}

/** The proxy settings in effect. */
export interface ProxyFacts {
  apiUrl: string;
  /** The proxy the agent uses for Saxium (flag, HTTPS_PROXY or agent.json). */
  proxy?: string;
  /** The proxy variables as set in the environment. */
  env: { HTTPS_PROXY?: string; HTTP_PROXY?: string; NO_PROXY?: string };
}

/** Which proxy carries Saxium's requests, and the variables in effect. */
export function checkProxy(facts: ProxyFacts): CheckResult {
  const id = "proxy";
  const title = "Proxy";
  const verdict = verdicts(id, title);
  const vars = (["HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"] as const)
    .filter((name) => facts.env[name])
    .map((name) => `${name}=${maskUrlCredentials(facts.env[name]!)}`);
  const route = facts.proxy
    ? `Saxium via le proxy ${maskUrlCredentials(facts.proxy)}`
    : "connexion directe à Saxium (aucun proxy)";
  const detail = vars.length ? `${route} ; variables : ${vars.join(", ")}` : route;
  if (!facts.proxy && facts.env.HTTP_PROXY && facts.apiUrl.startsWith("https:")) {
    return verdict.warning(
      `${detail} ; HTTP_PROXY ne s'applique pas aux adresses https://`,
      "Si Saxium doit passer par le proxy, définissez HTTPS_PROXY (ou « proxy » dans agent.json) avec la même adresse.",
    );
  }
  return verdict.ok(detail);
}
