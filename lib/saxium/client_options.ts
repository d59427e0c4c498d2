/**
 * What a `SaxiumClient` is opened with: where Saxium is and who the agent is,
 * the timeouts, retries and caps of its exchanges, the proxy and extra
 * certificates, and the seams tests replace (`fetch`, `sleep`, `random`);
 * and the check of the two that can be wrong before any request.
 * Apart from the client so that the class reads as the exchanges themselves.
 *
 * @module
 */

import { type RetryInfo, SaxiumError } from "./errors.ts";

/** Options of `SaxiumClient`. */
export interface SaxiumClientOptions {
  /** Base URL of Saxium, e.g. `https://saxium.example.com`. */
  apiUrl: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string;
  agentId: string;
  /** The agent's version, sent in `User-Agent` and in acknowledgements. */
  version: string;
  /** Per attempt, headers and body included; 30 000 by default. */
  timeoutMs?: number;
  /** 5 by default. */
  maxAttempts?: number;
  /** Backoff base; 500 by default. */
  baseDelayMs?: number;
  /** Backoff and Retry-After cap; 30 000 by default. */
  maxDelayMs?: number;
  /** Largest accepted document (streamed to disk); 50 MiB by default. */
  maxDownloadBytes?: number;
  /**
   * Largest JSON answer (the pending list above all), read whole into memory;
   * 16 MiB by default: under the executable's 96 MB heap, reading a 40 MiB
   * list takes 87 MB, and one of 49 MiB ends the process.
   */
  maxJsonBytes?: number;
  /** Proxy URL for Saxium requests. */
  proxy?: string;
  /** Extra root certificates (PEM), for TLS-inspecting proxies. */
  caCerts?: string[];
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called before each wait between attempts (the agent logs it). */
  onRetry?: (info: RetryInfo) => void;
  /**
   * Stops every request and wait at once (Ctrl-C): the call throws a
   * `SaxiumError` of kind `aborted`.
   */
  signal?: AbortSignal;
  /**
   * A download fails when no byte arrives for this long (the answer's headers
   * included), however long the whole body takes; 30 000 by default.
   */
  downloadIdleMs?: number;
}

/**
 * The base URL of `options.apiUrl`, once the options are checked.
 *
 * @throws {SaxiumError} `protocol` for an address that is not a URL, `auth`
 * for a token no HTTP header can carry (never echoed).
 */
export function checkedBase(options: SaxiumClientOptions): URL {
  let base: URL;
  try {
    base = new URL(options.apiUrl);
  } catch {
    throw new SaxiumError(
      "Adresse Saxium invalide (apiUrl) : indiquez une URL complète, par exemple https://saxium.exemple.fr.",
      { kind: "protocol" },
    );
  }
  if (options.token !== undefined && !/^[\x21-\x7e]+$/.test(options.token)) {
    throw new SaxiumError(
      "Le jeton Saxium contient des caractères non autorisés (espace, retour à la ligne, accent) : " +
        "recopiez-le dans SAXIUM_TOKEN ou agent.json.",
      { kind: "auth" },
    );
  }
  return base;
}
