/**
 * The HTTP client the agent uses to talk to Saxium's Batigest routes
 * (`saxium-api.md`): authentication headers, a timeout per attempt, retries
 * with backoff, same-origin redirects only, response shapes checked, and
 * downloads streamed to disk under a size cap.
 *
 * The class tells how one exchange goes; its parts live beside it: its
 * options (`client_options.ts`), the wire shapes (`shapes.ts`), how a failure
 * is worded and retried (`errors.ts`), what an answer means (`answers.ts`),
 * and reading a body within the caps (`body.ts`). Callers import everything
 * from here.
 *
 * @module
 */

import {
  interrupted,
  jsonAnswer,
  notTheDocument,
  probeAnswer,
  redirectTarget,
  statusFailure,
  tooLarge,
  transportFailure,
  webPageInstead,
} from "./answers.ts";
import { SNIFF_BYTES } from "./auth_answers.ts";
import { runWithRetry } from "./retry.ts";
import { copyBody, declaredLength, readBodyText } from "./body.ts";
import type { SaxiumError } from "./errors.ts";
import { listTooLarge, type PendingPage, readPendingList } from "./pending_list.ts";
import {
  type DownloadOptions,
  isObject,
  issueOf,
  type MarkErrorBody,
  type MarkSyncedBody,
  type ServerStatus,
  Status,
  type StatusProbe,
} from "./shapes.ts";
import { checkedBase, type SaxiumClientOptions } from "./client_options.ts";

export {
  backoffDelay,
  type BackoffOptions,
  parseRetryAfter,
  type RetryInfo,
  SaxiumError,
  type SaxiumErrorKind,
  type SaxiumErrorOptions,
} from "./errors.ts";
export type { PendingPage, RejectedItem } from "./pending_list.ts";
export type {
  DownloadOptions,
  MarkErrorBody,
  MarkSyncedBody,
  PendingExport,
  ServerStatus,
  StatusProbe,
} from "./shapes.ts";
export type { SaxiumClientOptions } from "./client_options.ts";

/**
 * Talks to Saxium for the agent. Every method but `probeStatus` retries network
 * errors, timeouts, 408, 429 and 5xx, and throws a `SaxiumError` when it gives up.
 *
 * @example
 * ```ts
 * const client = new SaxiumClient({ apiUrl, token, agentId: "POSTE-01", version: "2.0.0" });
 * try {
 *   const { items } = await client.listPending(50);
 *   for (const e of items) {
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
  #maxJsonBytes: number;
  #fetch: typeof fetch;
  #sleep: (ms: number) => Promise<void>;
  #random: () => number;
  #httpClient?: Deno.HttpClient;

  /** Check the options and prepare the HTTP client (proxy, certificates). */
  constructor(options: SaxiumClientOptions) {
    this.#base = checkedBase(options);
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.#maxBytes = options.maxDownloadBytes ?? 50 * 1024 * 1024;
    this.#maxJsonBytes = options.maxJsonBytes ?? 16 * 1024 * 1024;
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

  /**
   * The exports waiting for this agent, at most `limit` items: those it can
   * use, and the items it cannot (`rejected`, each with its reason; see
   * `pending_list.ts`). A list larger than `maxJsonBytes` throws a
   * `too_large` error: ask again with a smaller `limit`.
   */
  async listPending(limit: number): Promise<PendingPage> {
    const query = new URLSearchParams({ limit: String(limit), agentId: this.#options.agentId });
    const path = `/api/batigest/exports/pending?${query}`;
    return await this.#json<PendingPage>("GET", path, {
      expected: "une liste d'exports ({ success: true, data: [...] })",
      pick: (value) => {
        const read = readPendingList(value);
        return "page" in read ? { value: read.page } : read;
      },
      tooLarge: () => listTooLarge({ limit, maxBytes: this.#maxJsonBytes, token: this.#token }),
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
      return await this.#withRetry(async (signal, progress) => {
        const res = await this.#send("GET", path, { accept, signal });
        progress();
        const answer = {
          where: `GET ${pathOnly(path)}`,
          format: options.format,
          token: this.#token,
        };
        const wrong = await notTheDocument(res, {
          ...answer,
          readText: (r) => this.#readText(r, signal),
        });
        if (wrong) throw wrong;
        const declared = declaredLength(res);
        if (declared !== undefined && declared > this.#maxBytes) {
          await res.body?.cancel().catch(() => {});
          throw this.#tooLarge(id);
        }
        opened = true;
        const file = await Deno.open(options.path, { write: true, create: true, truncate: true });
        try {
          const bytes = await this.#copy(res, file, {
            signal,
            id,
            declared,
            progress,
            sniff: (start) => webPageInstead(start, res, answer),
          });
          await file.sync();
          return { bytes };
        } finally {
          file.close();
        }
      }, { idleMs: this.#options.downloadIdleMs ?? 30_000 });
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
      // Where Saxium reads it; kept in errorDetails too, as older servers store it.
      agentId: this.#options.agentId,
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
    return await this.#json<ServerStatus>("GET", STATUS_PATH, {
      expected: "l'état de la file ({ success: true, data: { pending, ... } })",
      pick: (value) => {
        if (!isObject(value) || value.success !== true) return { issue: "success: true absent" };
        const parsed = Status.safeParse(value.data);
        return parsed.success ? { value: parsed.data } : { issue: issueOf(parsed.error) };
      },
    });
  }

  /**
   * One look at the status route, for `doctor`: a single GET (no retry, no
   * redirect followed) with the client's headers, proxy and certificates
   * within `timeoutMs`, and what the answer showed, whatever its status.
   *
   * @throws {SaxiumError} `timeout`, or `network` with the system's error as `cause`
   * (a permission refusal, `Deno.errors.NotCapable`, as it is, like every method).
   */
  async probeStatus(): Promise<StatusProbe> {
    return await this.#withRetry(async (signal) => {
      const started = performance.now();
      const res = await this.#fetchOnce("GET", this.#url(STATUS_PATH), {
        accept: "application/json",
        signal,
      });
      const elapsedMs = Math.round(performance.now() - started);
      return await probeAnswer(res, { elapsedMs, readText: (r) => this.#readText(r, signal) });
    }, { maxAttempts: 1 });
  }

  /** Release the HTTP client created for a proxy or extra certificates. */
  close(): void {
    this.#httpClient?.close();
    this.#httpClient = undefined;
  }

  /** `using client = …` closes it when the block ends. */
  [Symbol.dispose](): void {
    this.close();
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
      /** The error for a body over the size cap, when it should say more. */
      tooLarge?: () => SaxiumError;
    },
  ): Promise<T> {
    return await this.#withRetry(async (signal) => {
      const res = await this.#send(method, path, {
        accept: "application/json",
        signal,
        body: options.body,
      });
      const text = await this.#readText(res, signal, options.tooLarge);
      return jsonAnswer(res, text, {
        where: `${method} ${pathOnly(path)}`,
        expected: options.expected,
        pick: options.pick,
        token: this.#token,
      });
    });
  }

  /** `attempt`, retried by the client's policy (see `retry.ts`). */
  #withRetry<T>(
    attempt: (signal: AbortSignal, progress: () => void) => Promise<T>,
    options: { idleMs?: number; maxAttempts?: number } = {},
  ): Promise<T> {
    const o = this.#options;
    return runWithRetry(attempt, {
      maxAttempts: options.maxAttempts ?? this.#maxAttempts,
      timeoutMs: this.#timeoutMs,
      idleMs: options.idleMs,
      baseDelayMs: o.baseDelayMs ?? 500,
      maxDelayMs: this.#maxDelayMs,
      random: this.#random,
      sleep: this.#sleep,
      stop: o.signal,
      onRetry: o.onRetry,
      token: this.#token,
    });
  }

  /** Send one request, following same-origin redirects; any non-2xx answer throws. */
  async #send(
    method: string,
    path: string,
    options: { accept: string; signal: AbortSignal; body?: unknown },
  ): Promise<Response> {
    let url = this.#url(path);
    for (let hop = 0;; hop++) {
      const res = await this.#fetchOnce(method, url, options);
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel().catch(() => {});
        url = redirectTarget(res, { from: url, hop, base: this.#base, token: this.#token });
        continue;
      }
      if (res.ok) return res;
      throw await statusFailure(res, {
        where: `${method} ${url.pathname}`,
        token: this.#token,
        readText: (r) => this.#readText(r, options.signal),
        maxDelayMs: this.#maxDelayMs,
      });
    }
  }

  /** One request as it is (no redirect followed); `fetch`'s failures become timeout or network. */
  async #fetchOnce(
    method: string,
    url: URL,
    options: { accept: string; signal: AbortSignal; body?: unknown },
  ): Promise<Response> {
    try {
      return await this.#fetch(url, {
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
  }

  #url(path: string): URL {
    return new URL(this.#base.href.replace(/\/+$/, "") + path);
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

  /** A failure raised by `fetch` or while reading a body: timeout or network. */
  #transportFailure(error: unknown, signal: AbortSignal): unknown {
    return transportFailure(error, { signal, timeoutMs: this.#timeoutMs, host: this.#base.host });
  }

  /** The whole body as text, within the JSON cap (`overCap` says what was too large). */
  #readText(res: Response, signal: AbortSignal, overCap?: () => SaxiumError): Promise<string> {
    return readBodyText(res, {
      maxBytes: this.#maxJsonBytes,
      tooLarge: overCap ??
        (() => tooLarge({ id: undefined, maxBytes: this.#maxJsonBytes, token: this.#token })),
      failure: (error) => this.#transportFailure(error, signal),
    });
  }

  /** Stream the body into `file` within the size cap (see `copyBody`); the byte count. */
  #copy(
    res: Response,
    file: Deno.FsFile,
    options: {
      signal: AbortSignal;
      id: string;
      declared?: number;
      progress: () => void;
      sniff: (start: Uint8Array) => SaxiumError | undefined;
    },
  ): Promise<number> {
    return copyBody(res, {
      file,
      progress: options.progress,
      sniff: options.sniff,
      sniffBytes: SNIFF_BYTES,
      declared: options.declared,
      maxBytes: this.#maxBytes,
      tooLarge: () => this.#tooLarge(options.id),
      failure: (error) => this.#transportFailure(error, options.signal),
      interrupted: (total) => interrupted({ id: options.id, total, declared: options.declared }),
    });
  }

  #tooLarge(id: string | undefined): SaxiumError {
    return tooLarge({ id, maxBytes: this.#maxBytes, token: this.#token });
  }

  get #token(): string | undefined {
    return this.#options.token;
  }

  get #maxDelayMs(): number {
    return this.#options.maxDelayMs ?? 30_000;
  }
}

const STATUS_PATH = "/api/batigest/status";

function pathOnly(path: string): string {
  return path.split("?")[0];
}
