/**
 * A Saxium server for tests, the demo and benchmarks: the Batigest routes as
 * the real server answers them (`saxium_routes.ts`: its envelope, its three
 * error shapes, the list newest first, counts capped at 50, exports created
 * `ready`, and its queue fixed by default or with its gap, `queueGap`) on
 * 127.0.0.1, with faults that can be switched on.
 *
 * Requests reach a `Deno.serve` server through a small TCP relay owned by the
 * simulator: the relay lets a fault drop a connection without any response
 * ("reset") and tells the simulator when a client went away (which ends a
 * "hang"), two things `Deno.serve` alone cannot do.
 *
 * @module
 */

import {
  answerRoute,
  type Route,
  routeOf,
  type SaxiumState,
  type SimExport,
} from "./saxium_routes.ts";

export type { SimExport, SimStatus } from "./saxium_routes.ts";
export { STORAGE_LIMIT, waitsForAgent } from "./saxium_routes.ts";

/** A request as the simulator received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body?: unknown;
  at: number;
}

/**
 * What a fault does: answer a status (optional body and headers), never
 * answer ("hang", until the client gives up or the simulator closes), answer
 * late, send half of the declared Content-Length then close ("truncate"),
 * answer a 200 HTML page ("html"), redirect (302), or drop the connection
 * without any response ("reset").
 */
export type FaultKind =
  | { status: number; body?: string; headers?: Record<string, string> }
  | "hang"
  | { delayMs: number }
  | "truncate"
  | "html"
  | { redirectTo: string }
  | "reset";

/** When a fault applies. The first matching rule wins. */
export interface FaultRule {
  route?: "pending" | "download" | "mark-synced" | "mark-error" | "status" | "any";
  method?: string;
  exportId?: string;
  /** How many requests the rule applies to; unlimited by default. */
  times?: number;
  /** Chance (0..1) that a matching request gets the fault; 1 by default. */
  probability?: number;
  fault: FaultKind;
}

/** What `addExport` accepts. */
export interface NewSimExport {
  documentType: string;
  documentReference: string;
  files: Partial<Record<"xml" | "csv", Uint8Array | string>>;
  id?: string;
  generatedAt?: string;
}

/** A running simulator. */
export interface SaxiumSimulator {
  /** Base URL, e.g. `http://127.0.0.1:49152`. */
  url: string;
  port: number;
  /** The server's exports by id; tests may read and change them directly. */
  exports: Map<string, SimExport>;
  /** Every request received, faulted ones included, in arrival order. */
  requests: RecordedRequest[];
  /**
   * Add an export as Saxium's generators create it, `ready` (a random UUID
   * unless `id` is given), stamped after every export added before it unless
   * `generatedAt` is given: the list gives the last one added first, as
   * Saxium does (newest first).
   */
  addExport(e: NewSimExport): SimExport;
  /**
   * The real queue's gap, changeable at any time: when true, the pending
   * route lists only `pending` exports, so nothing created (`ready`) is
   * offered; false (the default) is Saxium's fix, `ready` and `pending`
   * listed (`saxium_side/offered_exports.ts`).
   */
  queueGap: boolean;
  /** Add a fault rule after the existing ones. */
  addFault(rule: FaultRule): void;
  /** Remove every fault rule. */
  clearFaults(): void;
  /**
   * Oddities of the pending list, changeable at any time: the chance that an
   * export is listed twice (`duplicates`), that its id is listed in upper
   * case (`caseFlips`), and items put at the head of every list (`head`,
   * e.g. ids that are not UUIDs).
   */
  listQuirks: { duplicates?: number; caseFlips?: number; head?: Record<string, unknown>[] };
  /** Downloads sent at this many bytes per second (in small chunks); unlimited when unset. */
  downloadBytesPerSecond?: number;
  /** Release hanging requests, drop connections and stop listening. */
  close(): Promise<void>;
}

/** Options of `startSaxiumSimulator`. */
export interface SaxiumSimulatorOptions {
  /** When set, every route requires `Authorization: Bearer <token>`. */
  token?: string;
  /** Delay added before every answer. */
  latencyMs?: number;
  /** Port to listen on; 0 (any free port) by default. */
  port?: number;
  /** Start with the real queue's gap (see `SaxiumSimulator.queueGap`); false by default. */
  queueGap?: boolean;
}

interface Link {
  client: Deno.Conn;
  upstream: Deno.Conn;
  closed: Promise<void>;
  close(): void;
}

const HTML_PAGE = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>" +
  "<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response.</p></body></html>\n";

/**
 * Start a simulated Saxium server on 127.0.0.1.
 *
 * @example
 * ```ts
 * const sim = await startSaxiumSimulator({ token: "secret" });
 * sim.addExport({ documentType: "devis_client", documentReference: "DV-1", files: { xml: "<Devis/>" } });
 * sim.addFault({ route: "pending", times: 2, fault: { status: 503 } });
 * // ... point the agent at sim.url ...
 * await sim.close();
 * ```
 */
export function startSaxiumSimulator(
  options: SaxiumSimulatorOptions = {},
): Promise<SaxiumSimulator> {
  const exports = new Map<string, SimExport>();
  const created = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  let faults: FaultRule[] = [];
  const closing = new AbortController();
  const closed = new Promise<void>((resolve) =>
    closing.signal.addEventListener("abort", () => resolve(), { once: true })
  );

  const links = new Map<number, Link>();

  function takeFault(method: string, route: Route | undefined): FaultKind | undefined {
    for (const rule of faults) {
      if (rule.route && rule.route !== "any" && rule.route !== route?.name) continue;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (
        rule.exportId !== undefined &&
        rule.exportId.toLowerCase() !== route?.exportId?.toLowerCase()
      ) continue;
      if (rule.times !== undefined && rule.times <= 0) continue;
      if (rule.probability !== undefined && Math.random() >= rule.probability) continue;
      if (rule.times !== undefined) rule.times--;
      return rule.fault;
    }
    return undefined;
  }

  async function handle(req: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>) {
    const url = new URL(req.url);
    const body = await readBody(req);
    requests.push({
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(req.headers),
      body,
      at: Date.now(),
    });
    const link = links.get(info.remoteAddr.port);
    const gone = Promise.race([closed, link?.closed ?? closed]);
    if (options.latencyMs) await pause(options.latencyMs, gone);

    const route = routeOf(req.method, url.pathname);
    const fault = takeFault(req.method, route);
    if (fault === "hang" || fault === "reset") {
      if (fault === "reset") link?.close();
      await gone;
      return new Response(null, { status: 503 });
    }
    if (fault === "html") {
      return new Response(HTML_PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
    }
    if (typeof fault === "object" && "status" in fault) {
      return new Response(fault.body ?? null, { status: fault.status, headers: fault.headers });
    }
    if (typeof fault === "object" && "redirectTo" in fault) {
      return new Response(null, { status: 302, headers: { location: fault.redirectTo } });
    }
    if (typeof fault === "object" && "delayMs" in fault) await pause(fault.delayMs, gone);

    const response = answer(req, url, route, body);
    return fault === "truncate" ? await truncate(response) : response;
  }

  function answer(req: Request, url: URL, route: Route | undefined, body: unknown): Response {
    const state: SaxiumState = {
      exports,
      created,
      queueGap: sim.queueGap,
      token: options.token,
      listQuirks: sim.listQuirks,
      downloadBytesPerSecond: sim.downloadBytesPerSecond,
    };
    return answerRoute(state, { method: req.method, url, headers: req.headers, route, body });
  }

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: closing.signal,
    onListen() {},
    onError(error) {
      return Response.json(
        { success: false, error: { message: `Erreur interne du simulateur : ${error}` } },
        { status: 500 },
      );
    },
  }, handle);

  const listener = Deno.listen({ hostname: "127.0.0.1", port: options.port ?? 0 });
  const accepting = (async () => {
    for await (const client of listener) {
      let upstream: Deno.Conn;
      try {
        upstream = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
      } catch {
        client.close();
        continue;
      }
      const link = relay(client, upstream);
      const key = (upstream.localAddr as Deno.NetAddr).port;
      links.set(key, link);
      link.closed.then(() => links.delete(key));
      if (closing.signal.aborted) link.close();
    }
  })().catch(() => {});

  function relay(client: Deno.Conn, upstream: Deno.Conn): Link {
    let isClosed = false;
    const close = () => {
      if (isClosed) return;
      isClosed = true;
      for (const conn of [client, upstream]) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
    };
    const both = Promise.all([pump(client, upstream, close), pump(upstream, client, close)]);
    return { client, upstream, close, closed: both.then(() => {}) };
  }

  const port = (listener.addr as Deno.NetAddr).port;
  let lastStamp = 0;
  /** Now, or 1 ms after the last stamp: two exports added in one millisecond keep their order. */
  const stamp = () => new Date(lastStamp = Math.max(Date.now(), lastStamp + 1)).toISOString();
  const sim: SaxiumSimulator = {
    listQuirks: {},
    queueGap: options.queueGap ?? false,
    url: `http://127.0.0.1:${port}`,
    port,
    exports,
    requests,
    addExport(e) {
      const files: SimExport["files"] = {};
      for (const format of ["xml", "csv"] as const) {
        const content = e.files[format];
        if (content !== undefined) {
          files[format] = typeof content === "string" ? new TextEncoder().encode(content) : content;
        }
      }
      const made: SimExport = {
        id: e.id ?? crypto.randomUUID(),
        documentType: e.documentType,
        documentReference: e.documentReference,
        generatedAt: e.generatedAt ?? stamp(),
        retryCount: 0,
        status: "ready",
        files,
        syncedCount: 0,
      };
      exports.set(made.id, made);
      created.set(made.id, created.size + 1);
      return made;
    },
    addFault(rule) {
      faults.push({ ...rule });
    },
    clearFaults() {
      faults = [];
    },
    async close() {
      if (closing.signal.aborted) return;
      closing.abort();
      listener.close();
      await accepting;
      const active = [...links.values()];
      for (const link of active) link.close();
      await server.finished;
      await Promise.all(active.map((link) => link.closed));
    },
  };
  return Promise.resolve(sim);
}

/** Copy bytes from one connection to the other until either side ends. */
async function pump(from: Deno.Conn, to: Deno.Conn, close: () => void): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  try {
    while (true) {
      const n = await from.read(buf);
      if (n === null) break;
      let offset = 0;
      while (offset < n) offset += await to.write(buf.subarray(offset, n));
    }
  } catch {
    // the connection was closed or reset
  }
  close();
}

async function readBody(req: Request): Promise<unknown> {
  if (req.method === "GET" || req.method === "HEAD") return undefined;
  const text = await req.text();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Send the first half of the body while declaring its full length, then close. */
async function truncate(response: Response): Promise<Response> {
  const full = await response.bytes();
  const half = full.subarray(0, full.length >> 1);
  const headers = new Headers(response.headers);
  headers.set("content-length", String(full.length));
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(half);
      controller.close();
    },
  });
  return new Response(body, { status: response.status, headers });
}

function pause(ms: number, cancel: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const elapsed = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  return Promise.race([elapsed, cancel]).finally(() => clearTimeout(timer));
}
