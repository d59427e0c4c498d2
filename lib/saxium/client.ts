/**
 * The HTTP client the agent uses to talk to Saxium's Batigest routes
 * (`saxium-api.md`): authentication headers, a timeout per attempt, retries
 * with backoff, same-origin redirects only, response shapes checked, and
 * downloads streamed to disk under a size cap.
 *
 * @module
 */

import { z } from "zod";
import type { DocumentFormat } from "../base/config.ts";
import { formatBytes } from "../base/french.ts";
import { describeSystemError } from "../base/system_errors.ts";

/** The two document formats Saxium produces. */

/** An export waiting for the agent, as listed by the pending route. */
export interface PendingExport {
  id: string;
  documentType: string;
  documentReference: string;
  generatedAt?: string;
  retryCount: number;
}

/** The server's `/api/batigest/status` figures. */
export interface ServerStatus {
  pending: number;
  ready: number;
  downloaded: number;
  imported: number;
  errors: number;
  lastSync: string | null;
  queueHealth: string;
}

/** Why a request failed. */
export type SaxiumErrorKind =
  | "network"
  | "timeout"
  | "auth"
  | "http"
  | "protocol"
  | "too_large"
  | "redirect"
  | "not_found";

/** Options of `SaxiumError`. */
export interface SaxiumErrorOptions {
  kind: SaxiumErrorKind;
  /** The HTTP status, when the server answered. */
  status?: number;
  cause?: unknown;
}

/** A failed exchange with Saxium; the message is French, one line, and never holds the token. */
export class SaxiumError extends Error {
  /** What went wrong, for the caller to decide (exit code, retry later...). */
  kind: SaxiumErrorKind;
  /** The HTTP status, when the server answered. */
  status?: number;

  /** Build an error from its French message and its kind. */
  constructor(message: string, options: SaxiumErrorOptions) {
    super(message, { cause: options.cause });
    this.name = "SaxiumError";
    this.kind = options.kind;
    this.status = options.status;
  }
}

/** What `onRetry` is told before waiting for the next attempt. */
export interface RetryInfo {
  /** The attempt that just failed, from 1. */
  attempt: number;
  delayMs: number;
  /** Why it failed, in French. */
  reason: string;
}

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
  /** Largest accepted body; 50 MiB by default. */
  maxDownloadBytes?: number;
  /** Proxy URL for Saxium requests. */
  proxy?: string;
  /** Extra root certificates (PEM), for TLS-inspecting proxies. */
  caCerts?: string[];
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called before each wait between attempts (the agent logs it). */
  onRetry?: (info: RetryInfo) => void;
}

/** Where and how `downloadTo` writes a document. */
export interface DownloadOptions {
  format: DocumentFormat;
  /** File to create or truncate. */
  path: string;
}

/** What the agent reports when Batigest consumed a document. */
export interface MarkSyncedBody {
  batigestReference: string;
  /** ISO 8601. */
  importedAt: string;
}

/** What the agent reports when a document failed. */
export interface MarkErrorBody {
  /** One line a person can act on. */
  errorMessage: string;
  /** The failing stage (download, check, delivery...). */
  stage?: string;
  code?: string;
}

/** Options of `backoffDelay`. */
export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  random: () => number;
}

/**
 * Delay before the retry following failed attempt `attempt` (0 for the first
 * attempt): full jitter, `random() * min(maxDelayMs, baseDelayMs * 2 ** attempt)`.
 *
 * @example
 * ```ts
 * backoffDelay(3, { baseDelayMs: 500, maxDelayMs: 30_000, random: () => 1 }); // 4000
 * ```
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt));
  return Math.floor(options.random() * ceiling);
}

/**
 * A `Retry-After` header value in milliseconds from `now`: delay-seconds or an
 * HTTP date (a past date gives 0). `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}

/** A failure worth another attempt. */
class Retryable {
  constructor(
    readonly kind: SaxiumErrorKind,
    readonly what: string,
    readonly todo: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    /** The system's own error, kept for the DEBUG log. */
    readonly cause?: unknown,
  ) {}
}

const PendingItem = z.object({
  id: z.string().min(1),
  documentType: z.string(),
  documentReference: z.string(),
  generatedAt: z.string().nullish().transform((v) => v ?? undefined),
  retryCount: z.number().int().min(0).default(0),
});
const PendingList = z.array(PendingItem);
const Status = z.object({
  pending: z.number(),
  ready: z.number(),
  downloaded: z.number(),
  imported: z.number(),
  errors: z.number(),
  lastSync: z.string().nullable(),
  queueHealth: z.string(),
});

const MAX_REDIRECTS = 3;
/** Bytes read from a response body at a time, into one reused buffer. */
const READ_CHUNK_BYTES = 64 * 1024;

/**
 * Talks to Saxium for the agent. Every method retries network errors,
 * timeouts, 408, 429 and 5xx, and throws a `SaxiumError` when it gives up.
 *
 * @example
 * ```ts
 * const client = new SaxiumClient({ apiUrl, token, agentId: "POSTE-01", version: "2.0.0" });
 * try {
 *   for (const e of await client.listPending(50)) {
 *     await client.downloadTo(e.id, { format: "xml", path: `Downloads/${e.id}.xml` });
 *   }
 * } finally {
 *   client.close();
 * }
 * ```
 */
export class SaxiumClient {
  #base: URL;
  #options: SaxiumClientOptions;
  #timeoutMs: number;
  #maxAttempts: number;
  #maxBytes: number;
  #fetch: typeof fetch;
  #sleep: (ms: number) => Promise<void>;
  #random: () => number;
  #httpClient?: Deno.HttpClient;

  /** Check the options and prepare the HTTP client (proxy, certificates). */
  constructor(options: SaxiumClientOptions) {
    try {
      this.#base = new URL(options.apiUrl);
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
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.#maxBytes = options.maxDownloadBytes ?? 50 * 1024 * 1024;
    this.#fetch = options.fetch ?? fetch;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
    if (options.proxy || options.caCerts?.length) {
      this.#httpClient = Deno.createHttpClient({
        ...(options.proxy ? { proxy: { url: options.proxy } } : {}),
        ...(options.caCerts?.length ? { caCerts: options.caCerts } : {}),
      });
    }
  }

  /** The exports waiting for this agent, at most `limit`. */
  async listPending(limit: number): Promise<PendingExport[]> {
    const query = new URLSearchParams({ limit: String(limit), agentId: this.#options.agentId });
    const path = `/api/batigest/exports/pending?${query}`;
    return await this.#json<PendingExport[]>("GET", path, {
      expected: "une liste d'exports ({ success: true, data: [...] })",
      pick: (value) => {
        const list = isObject(value) && value.success === true ? value.data : value;
        const parsed = PendingList.safeParse(list);
        return parsed.success ? { value: parsed.data } : { issue: issueOf(parsed.error) };
      },
    });
  }

  /**
   * Stream one document of export `id` into `options.path` (created or
   * truncated), flushed to disk and closed. A truncated body is retried; on
   * final failure the partial file is removed.
   */
  async downloadTo(id: string, options: DownloadOptions): Promise<{ bytes: number }> {
    const path = `/api/batigest/exports/${
      encodeURIComponent(id)
    }/download?format=${options.format}`;
    const accept = options.format === "xml" ? "application/xml" : "text/csv";
    let opened = false;
    try {
      return await this.#withRetry(async (signal) => {
        const res = await this.#send("GET", path, { accept, signal });
        if (/^\s*(text\/html|application\/json)\b/i.test(res.headers.get("content-type") ?? "")) {
          // A proxy's or the server's error page, not the document: never
          // written as a file, never blamed on the document.
          await res.body?.cancel().catch(() => {});
          throw new Retryable(
            "protocol",
            `Saxium a renvoyé une page ${
              contentType(res)
            } au lieu du document ${options.format.toUpperCase()}`,
            "un proxy ou le serveur est en erreur ; réessayez plus tard ou vérifiez le proxy (HTTPS_PROXY)",
          );
        }
        const declared = declaredLength(res);
        if (declared !== undefined && declared > this.#maxBytes) {
          await res.body?.cancel().catch(() => {});
          throw this.#tooLarge(id);
        }
        opened = true;
        const file = await Deno.open(options.path, { write: true, create: true, truncate: true });
        try {
          const bytes = await this.#copy(res, file, { signal, id, declared });
          await file.sync();
          return { bytes };
        } finally {
          file.close();
        }
      });
    } catch (error) {
      if (opened) await Deno.remove(options.path).catch(() => {});
      throw error;
    }
  }

  /** Tell Saxium that Batigest consumed export `id`. */
  async markSynced(id: string, body: MarkSyncedBody): Promise<void> {
    await this.#post(`/api/batigest/exports/${encodeURIComponent(id)}/mark-synced`, {
      exportId: id,
      batigestReference: body.batigestReference,
      agentId: this.#options.agentId,
      agentVersion: this.#options.version,
      batigestResponse: { importedAt: body.importedAt, success: true },
    });
  }

  /** Tell Saxium that export `id` failed, with a reason a person can act on. */
  async markError(id: string, body: MarkErrorBody): Promise<void> {
    await this.#post(`/api/batigest/exports/${encodeURIComponent(id)}/mark-error`, {
      exportId: id,
      errorMessage: body.errorMessage,
      errorDetails: {
        timestamp: new Date().toISOString(),
        agentId: this.#options.agentId,
        agentVersion: this.#options.version,
        stage: body.stage,
        code: body.code,
      },
    });
  }

  /** The server's queue figures. */
  async status(): Promise<ServerStatus> {
    return await this.#json<ServerStatus>("GET", "/api/batigest/status", {
      expected: "l'état de la file ({ success: true, data: { pending, ... } })",
      pick: (value) => {
        if (!isObject(value) || value.success !== true) return { issue: "success: true absent" };
        const parsed = Status.safeParse(value.data);
        return parsed.success ? { value: parsed.data } : { issue: issueOf(parsed.error) };
      },
    });
  }

  /** Release the HTTP client created for a proxy or extra certificates. */
  close(): void {
    this.#httpClient?.close();
    this.#httpClient = undefined;
  }

  async #post(path: string, body: unknown): Promise<void> {
    await this.#json("POST", path, {
      body,
      expected: "un accusé de réception ({ success: true })",
      pick: (value) =>
        value === undefined || (isObject(value) && value.success === true)
          ? { value: undefined }
          : { issue: "success: true absent" },
    });
  }

  /** One JSON exchange, retried; `pick` checks the shape and extracts the value. */
  async #json<T>(
    method: string,
    path: string,
    options: {
      body?: unknown;
      expected: string;
      pick: (value: unknown) => { value: T } | { issue: string };
    },
  ): Promise<T> {
    return await this.#withRetry(async (signal) => {
      const res = await this.#send(method, path, {
        accept: "application/json",
        signal,
        body: options.body,
      });
      const text = await this.#readText(res, signal);
      const value = text.trim() === "" ? undefined : parseJson(text);
      const where = `${method} ${pathOnly(path)}`;
      if (value === NOT_JSON) {
        throw this.#error("protocol", {
          what: `Réponse illisible de Saxium pour ${where} (HTTP ${res.status}, ${
            contentType(res)
          })`,
          todo:
            `${options.expected} était attendu ; vérifiez que apiUrl désigne bien le serveur Saxium`,
          status: res.status,
        });
      }
      if (isObject(value) && value.success === false) {
        throw this.#error("http", {
          what: `Saxium a refusé ${where} (HTTP ${res.status})${quote(value.message, this.#token)}`,
          todo: "corrigez la cause indiquée ou prévenez l'administrateur de Saxium",
          status: res.status,
        });
      }
      const picked = options.pick(value);
      if ("issue" in picked) {
        throw this.#error("protocol", {
          what: `Réponse inattendue de Saxium pour ${where} (${clean(picked.issue, 120)})`,
          todo: `${options.expected} était attendu ; vérifiez la version du serveur Saxium`,
          status: res.status,
        });
      }
      return picked.value;
    });
  }

  /** Run `attempt` up to `maxAttempts` times while it fails with a `Retryable`. */
  async #withRetry<T>(attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
    for (let n = 1;; n++) {
      const signal = AbortSignal.timeout(this.#timeoutMs);
      try {
        return await attempt(signal);
      } catch (error) {
        if (!(error instanceof Retryable)) throw error;
        if (n >= this.#maxAttempts) {
          const times = n > 1 ? `, après ${n} tentatives` : "";
          throw this.#error(error.kind, {
            what: error.what + times,
            todo: error.todo,
            status: error.status,
            cause: error.cause,
          });
        }
        const backoff = backoffDelay(n - 1, {
          baseDelayMs: this.#options.baseDelayMs ?? 500,
          maxDelayMs: this.#options.maxDelayMs ?? 30_000,
          random: this.#random,
        });
        const delayMs = error.retryAfterMs === undefined
          ? backoff
          : Math.min(error.retryAfterMs, this.#options.maxDelayMs ?? 30_000);
        this.#options.onRetry?.({
          attempt: n,
          delayMs,
          reason: redact(error.what, this.#token),
        });
        await this.#sleep(delayMs);
      }
    }
  }

  /** Send one request, following same-origin redirects; any non-2xx answer throws. */
  async #send(
    method: string,
    path: string,
    options: { accept: string; signal: AbortSignal; body?: unknown },
  ): Promise<Response> {
    let url = new URL(this.#base.href.replace(/\/+$/, "") + path);
    for (let hop = 0;; hop++) {
      let res: Response;
      try {
        res = await this.#fetch(url, {
          method,
          headers: this.#headers(options.accept, options.body !== undefined),
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          redirect: "manual",
          signal: options.signal,
          ...(this.#httpClient ? { client: this.#httpClient } : {}),
        });
      } catch (error) {
        throw this.#transportFailure(error, options.signal);
      }
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel().catch(() => {});
        url = this.#redirectTarget(res, url, hop);
        continue;
      }
      if (res.ok) return res;
      throw await this.#statusFailure(res, `${method} ${url.pathname}`, options.signal);
    }
  }

  #headers(accept: string, json: boolean): Headers {
    const headers = new Headers({
      "Accept": accept,
      "User-Agent": `saxium-batigest-agent/${this.#options.version} (Deno ${Deno.version.deno})`,
      "X-Agent-Id": this.#options.agentId,
    });
    if (this.#token !== undefined) headers.set("Authorization", `Bearer ${this.#token}`);
    if (json) headers.set("Content-Type", "application/json");
    return headers;
  }

  #redirectTarget(res: Response, from: URL, hop: number): URL {
    const location = res.headers.get("location");
    let target: URL | undefined;
    try {
      target = location ? new URL(location, from) : undefined;
    } catch {
      target = undefined;
    }
    if (!target) {
      throw this.#error("protocol", {
        what: `Saxium a répondu HTTP ${res.status} sans adresse de redirection valable`,
        todo: "vérifiez apiUrl (schéma https, hôte et chemin exacts)",
        status: res.status,
      });
    }
    if (target.origin !== this.#base.origin) {
      throw this.#error("redirect", {
        what:
          `Saxium redirige vers un autre serveur (${
            clean(target.protocol + "//" + target.host, 120)
          }), ` +
          "redirection refusée",
        todo: `vérifiez apiUrl (schéma, hôte et port exacts, actuellement ${this.#base.origin})`,
        status: res.status,
      });
    }
    if (hop >= MAX_REDIRECTS) {
      throw this.#error("redirect", {
        what: `Trop de redirections depuis ${from.pathname} (plus de ${MAX_REDIRECTS})`,
        todo: "vérifiez apiUrl et la configuration du serveur Saxium",
        status: res.status,
      });
    }
    return target;
  }

  /** The error for a non-2xx, non-3xx answer (retryable for 408, 429, 5xx). */
  async #statusFailure(
    res: Response,
    where: string,
    signal: AbortSignal,
  ): Promise<Retryable | SaxiumError> {
    const status = res.status;
    if (status === 401 || status === 403) {
      await res.body?.cancel().catch(() => {});
      return this.#error("auth", {
        what: `Saxium a refusé l'agent (HTTP ${status}, jeton absent, invalide ou expiré)`,
        todo: "vérifiez ou renouvelez le jeton (SAXIUM_TOKEN ou « token » dans agent.json)",
        status,
      });
    }
    if (status === 404) {
      await res.body?.cancel().catch(() => {});
      return this.#error("not_found", {
        what: `Introuvable sur Saxium : ${clean(where, 160)} (HTTP 404)`,
        todo: "vérifiez apiUrl et que l'export existe encore dans Saxium",
        status,
      });
    }
    const retry = status === 408 || status === 429 || status >= 500;
    const text = await this.#readText(res, signal);
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
        : this.#error(kind, { what, todo, status });
    if (value === NOT_JSON) {
      return make(
        "protocol",
        `Réponse illisible de Saxium pour ${where} (HTTP ${status}, ${contentType(res)})`,
        "une réponse JSON était attendue ; réessayez plus tard ou vérifiez que apiUrl désigne bien Saxium",
      );
    }
    const message = isObject(value) ? quote(value.message, this.#token) : "";
    const todo = status === 429
      ? "réessayez plus tard ou espacez les synchronisations (pollIntervalSeconds)"
      : retry
      ? "réessayez plus tard ou prévenez l'administrateur de Saxium"
      : "corrigez la cause indiquée ou prévenez l'administrateur de Saxium";
    return make("http", `Saxium a répondu HTTP ${status} à ${clean(where, 160)}${message}`, todo);
  }

  /** A failure raised by `fetch` or while reading a body: timeout or network. */
  #transportFailure(error: unknown, signal: AbortSignal): unknown {
    if (error instanceof Retryable || error instanceof SaxiumError) return error;
    // A permission refusal is not a network failure: retrying cannot help, and
    // main.ts turns it into the French line and exit 2.
    if (error instanceof Deno.errors.NotCapable) return error;
    if (signal.aborted) {
      return new Retryable(
        "timeout",
        `Saxium n'a pas répondu dans le délai de ${seconds(this.#timeoutMs)}`,
        "vérifiez le réseau ou réessayez plus tard",
      );
    }
    return new Retryable(
      "network",
      `Connexion à Saxium impossible (${this.#base.host} : ${networkDetail(error)})`,
      "vérifiez apiUrl, le réseau, le proxy (HTTPS_PROXY) et les certificats (caFile), puis relancez",
      undefined,
      undefined,
      error,
    );
  }

  /** The whole body as text, within the size cap. */
  async #readText(res: Response, signal: AbortSignal): Promise<string> {
    const chunks: Uint8Array[] = [];
    let total = 0;
    await this.#drain(res, signal, (chunk) => {
      total += chunk.length;
      if (total > this.#maxBytes) throw this.#tooLarge(undefined);
      chunks.push(chunk.slice());
    });
    const all = new Uint8Array(total);
    let offset = 0;
    for (const c of chunks) {
      all.set(c, offset);
      offset += c.length;
    }
    return new TextDecoder().decode(all);
  }

  /**
   * Stream the body into `file` within the size cap; the byte count. A body
   * cut short (read error or fewer bytes than declared) is worth a retry.
   */
  async #copy(
    res: Response,
    file: Deno.FsFile,
    options: { signal: AbortSignal; id: string; declared?: number },
  ): Promise<number> {
    let total = 0;
    const interrupted = () =>
      new Retryable(
        "network",
        `Téléchargement de l'export ${clean(options.id, 80)} interrompu (${total} octets reçus` +
          (options.declared === undefined ? ")" : ` sur ${options.declared})`),
        "vérifiez la connexion réseau puis relancez la synchronisation",
      );
    try {
      await this.#drain(res, options.signal, (chunk) => {
        total += chunk.length;
        if (total > this.#maxBytes) throw this.#tooLarge(options.id);
        // Written at once: a chunk reaches the OS cache in microseconds, less
        // than a trip to Deno's thread pool, whose threads would each keep
        // their own buffers (the flush to disk at the end does go there).
        let offset = 0;
        while (offset < chunk.length) offset += file.writeSync(chunk.subarray(offset));
      });
    } catch (error) {
      throw error instanceof Retryable && error.kind === "network" ? interrupted() : error;
    }
    if (options.declared !== undefined && total < options.declared) throw interrupted();
    return total;
  }

  /**
   * Read the body chunk by chunk; read errors become timeout/network failures.
   * A chunk is only valid until `onChunk` returns (see `chunkReader`), which
   * is why `onChunk` is synchronous.
   */
  async #drain(
    res: Response,
    signal: AbortSignal,
    onChunk: (chunk: Uint8Array) => void,
  ): Promise<void> {
    if (!res.body) return;
    const reader = chunkReader(res.body);
    let finished = false;
    try {
      while (true) {
        let chunk: Uint8Array | undefined;
        try {
          chunk = await reader.next();
        } catch (error) {
          finished = true;
          throw this.#transportFailure(error, signal);
        }
        if (chunk === undefined) {
          finished = true;
          return;
        }
        onChunk(chunk);
      }
    } finally {
      if (!finished) await reader.stream.cancel().catch(() => {});
      reader.stream.releaseLock();
    }
  }

  #tooLarge(id: string | undefined): SaxiumError {
    const limit = formatBytes(this.#maxBytes);
    const what = id === undefined
      ? `Réponse de Saxium trop volumineuse (plus de ${limit})`
      : `Le document de l'export ${clean(id, 80)} dépasse la taille maximale (${limit})`;
    return this.#error("too_large", {
      what,
      todo:
        "vérifiez ce document dans Saxium (taille anormale) ou prévenez l'administrateur de Saxium",
    });
  }

  #error(
    kind: SaxiumErrorKind,
    parts: { what: string; todo: string; status?: number; cause?: unknown },
  ): SaxiumError {
    const message = redact(`${parts.what} : ${parts.todo}.`, this.#token);
    return new SaxiumError(message, { kind, status: parts.status, cause: parts.cause });
  }

  get #token(): string | undefined {
    return this.#options.token;
  }
}

/**
 * Reads a body chunk by chunk. A byte stream (fetch's bodies are) is read
 * into one buffer, reused, so that a 5 MB document leaves no garbage behind;
 * a chunk is then only valid until the next read.
 */
function chunkReader(body: ReadableStream<Uint8Array>): {
  stream: ReadableStreamBYOBReader | ReadableStreamDefaultReader<Uint8Array>;
  next(): Promise<Uint8Array | undefined>;
} {
  let byob: ReadableStreamBYOBReader;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    const stream = body.getReader();
    return {
      stream,
      async next() {
        const { done, value } = await stream.read();
        return done ? undefined : value;
      },
    };
  }
  let buffer = new Uint8Array(READ_CHUNK_BYTES);
  return {
    stream: byob,
    async next() {
      const { done, value } = await byob.read(buffer);
      if (done || !value) return undefined;
      buffer = new Uint8Array(value.buffer);
      return value;
    },
  };
}

const NOT_JSON = Symbol("not JSON");

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function issueOf(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return "forme inconnue";
  const at = first.path.length ? first.path.join(".") : "racine";
  return `champ ${at} : ${first.message}`;
}

/** The root cause of a fetch failure, in a few French words (the original stays in `cause`). */
function networkDetail(error: unknown): string {
  return describeSystemError(error).cause;
}

function seconds(ms: number): string {
  return `${String(ms / 1000).replace(".", ",")} s`;
}

function declaredLength(res: Response): number | undefined {
  const encoding = res.headers.get("content-encoding");
  if (encoding && encoding.toLowerCase() !== "identity") return undefined;
  const value = res.headers.get("content-length");
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

function contentType(res: Response): string {
  return clean(res.headers.get("content-type")?.split(";")[0] ?? "sans type", 60);
}

function pathOnly(path: string): string {
  return path.split("?")[0];
}

/** ` : « message »` from a server's message, cleaned, or nothing. */
function quote(message: unknown, token: string | undefined): string {
  if (typeof message !== "string" || message.trim() === "") return "";
  return ` : « ${redact(clean(message, 200), token)} »`;
}

/** One short line: control characters become spaces, long text is cut. */
function clean(text: string, max: number): string {
  // deno-lint-ignore no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The token, wherever and in whatever case it appears, replaced by `***`. */
function redact(text: string, token: string | undefined): string {
  if (!token || token.length < 4) return text;
  const pattern = new RegExp(token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi");
  return text.replace(pattern, "***");
}
