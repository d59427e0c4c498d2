/**
 * A Saxium server for tests, the demo and benchmarks: the Batigest routes of
 * `saxium-api.md` on 127.0.0.1, with faults that can be switched on.
 *
 * Requests reach a `Deno.serve` server through a small TCP relay owned by the
 * simulator: the relay lets a fault drop a connection without any response
 * ("reset") and tells the simulator when a client went away (which ends a
 * "hang"), two things `Deno.serve` alone cannot do.
 *
 * @module
 */

/** One export held by the simulator. */
export interface SimExport {
  id: string;
  documentType: string;
  documentReference: string;
  generatedAt: string;
  retryCount: number;
  status: "pending" | "imported" | "error";
  files: Partial<Record<"xml" | "csv", Uint8Array>>;
  errorMessage?: string;
  /** `errorDetails` of the last mark-error, stored as given. */
  errorDetails?: unknown;
  downloadedAt?: string;
  /** How many times mark-synced succeeded for this export. */
  syncedCount: number;
}

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
   * Add a pending export (a random UUID unless `id` is given), stamped after
   * every export added before it unless `generatedAt` is given: the list
   * gives them in the order they were added, as Saxium does.
   */
  addExport(e: NewSimExport): SimExport;
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
}

type RouteName = "pending" | "download" | "mark-synced" | "mark-error" | "status";

interface Route {
  name: RouteName;
  exportId?: string;
}

interface Link {
  client: Deno.Conn;
  upstream: Deno.Conn;
  closed: Promise<void>;
  close(): void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
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
  const requests: RecordedRequest[] = [];
  let faults: FaultRule[] = [];
  let lastSync: string | null = null;
  const closing = new AbortController();
  const closed = new Promise<void>((resolve) =>
    closing.signal.addEventListener("abort", () => resolve(), { once: true })
  );

  const links = new Map<number, Link>();

  /** An export by id, without case, as Saxium's UUID column compares them. */
  function find(id: string): SimExport | undefined {
    return exports.get(id) ??
      [...exports.values()].find((e) => e.id.toLowerCase() === id.toLowerCase());
  }

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
    if (options.token !== undefined) {
      if (req.headers.get("authorization") !== `Bearer ${options.token}`) {
        return fail(401, "Authentification requise : jeton manquant ou invalide");
      }
    }
    if (!route) return fail(404, `Route introuvable : ${req.method} ${url.pathname}`);
    if (route.name === "pending") return pending(url);
    if (route.name === "status") return status();
    const id = route.exportId!;
    if (route.name === "download") return download(id, url.searchParams.get("format"));
    if (route.name === "mark-synced") return markSynced(id, body);
    return markError(id, body);
  }

  function pending(url: URL): Response {
    const raw = url.searchParams.get("limit");
    const limit = raw === null ? 50 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1) {
      return fail(400, "Paramètre limit invalide : un entier positif est attendu");
    }
    const quirks = sim.listQuirks;
    const pendingOnes = [...exports.values()]
      .filter((e) => e.status === "pending")
      .sort((a, b) => compare(a.generatedAt, b.generatedAt) || compare(a.id, b.id));
    const withDuplicates = pendingOnes.flatMap((e) =>
      Math.random() < (quirks.duplicates ?? 0) ? [e, e] : [e]
    );
    const items = [
      ...(quirks.head ?? []),
      ...withDuplicates.map((e) => ({
        id: Math.random() < (quirks.caseFlips ?? 0) ? e.id.toUpperCase() : e.id,
        documentType: e.documentType,
        documentReference: e.documentReference,
        xmlFileUrl: e.files.xml ? `/api/batigest/exports/${e.id}/download?format=xml` : null,
        csvFileUrl: e.files.csv ? `/api/batigest/exports/${e.id}/download?format=csv` : null,
        exportData: { metadata: { source: "Saxium", documentType: e.documentType } },
        generatedAt: e.generatedAt,
        retryCount: e.retryCount,
      })),
    ];
    return json(200, { success: true, data: items.slice(0, limit) });
  }

  function download(id: string, format: string | null): Response {
    const e = find(id);
    if (!e) return fail(404, `Export ${id} introuvable`);
    if (format !== "xml" && format !== "csv") {
      return fail(400, "Paramètre format invalide : xml ou csv attendu");
    }
    const bytes = e.files[format];
    if (!bytes) return fail(400, `L'export ${id} n'a pas de fichier ${format}`);
    e.downloadedAt ??= new Date().toISOString();
    return new Response(
      sim.downloadBytesPerSecond ? throttled(bytes, sim.downloadBytesPerSecond) : bytes.slice(),
      {
        headers: {
          "content-type": format === "xml" ? "application/xml" : "text/csv",
          "content-disposition": contentDisposition(`${e.documentReference}.${format}`),
        },
      },
    );
  }

  function markSynced(id: string, body: unknown): Response {
    const b = body as Record<string, unknown> | undefined;
    if (!isObject(b) || typeof b.exportId !== "string" || !UUID.test(b.exportId)) {
      return fail(400, "Données invalides : exportId doit être un UUID");
    }
    if (b.exportId.toLowerCase() !== id.toLowerCase()) {
      return fail(400, "Données invalides : exportId ne correspond pas à l'URL");
    }
    if (typeof b.batigestReference !== "string") {
      return fail(400, "Données invalides : batigestReference doit être une chaîne");
    }
    const e = find(id);
    if (!e) return fail(404, `Export ${id} introuvable`);
    e.status = "imported";
    e.syncedCount++;
    lastSync = new Date().toISOString();
    return json(200, { success: true, data: { id, status: e.status } });
  }

  function markError(id: string, body: unknown): Response {
    const b = body as Record<string, unknown> | undefined;
    if (!isObject(b) || typeof b.errorMessage !== "string") {
      return fail(400, "Données invalides : errorMessage doit être une chaîne");
    }
    const e = find(id);
    if (!e) return fail(404, `Export ${id} introuvable`);
    e.status = "error";
    e.retryCount++;
    e.errorMessage = b.errorMessage;
    e.errorDetails = b.errorDetails;
    return json(200, { success: true, data: { id, status: e.status, retryCount: e.retryCount } });
  }

  function status(): Response {
    const all = [...exports.values()];
    const pendingList = all.filter((e) => e.status === "pending");
    const errors = all.filter((e) => e.status === "error").length;
    return json(200, {
      success: true,
      data: {
        pending: pendingList.length,
        ready: pendingList.filter((e) => !e.downloadedAt).length,
        downloaded: pendingList.filter((e) => e.downloadedAt).length,
        imported: all.filter((e) => e.status === "imported").length,
        errors,
        lastSync,
        queueHealth: errors > 10 ? "warning" : "healthy",
      },
    });
  }

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: closing.signal,
    onListen() {},
    onError(error) {
      return fail(500, `Erreur interne du simulateur : ${error}`);
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
      const created: SimExport = {
        id: e.id ?? crypto.randomUUID(),
        documentType: e.documentType,
        documentReference: e.documentReference,
        generatedAt: e.generatedAt ?? stamp(),
        retryCount: 0,
        status: "pending",
        files,
        syncedCount: 0,
      };
      exports.set(created.id, created);
      return created;
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

/** A body sent `perSecond` bytes a second, in chunks of a tenth of that (at least 1 KB). */
function throttled(bytes: Uint8Array, perSecond: number): ReadableStream<Uint8Array> {
  const chunk = Math.max(1024, Math.floor(perSecond / 10));
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset >= bytes.length) return controller.close();
      await new Promise((resolve) => setTimeout(resolve, (chunk / perSecond) * 1000));
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
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

function routeOf(method: string, path: string): Route | undefined {
  if (method === "GET" && path === "/api/batigest/exports/pending") return { name: "pending" };
  if (method === "GET" && path === "/api/batigest/status") return { name: "status" };
  const m = /^\/api\/batigest\/exports\/([^/]+)\/(download|mark-synced|mark-error)$/.exec(path);
  if (!m) return undefined;
  const name = m[2] as RouteName;
  if ((name === "download") !== (method === "GET")) return undefined;
  if (name !== "download" && method !== "POST") return undefined;
  let exportId: string;
  try {
    exportId = decodeURIComponent(m[1]);
  } catch {
    exportId = m[1];
  }
  return { name, exportId };
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

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function pause(ms: number, cancel: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const elapsed = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  return Promise.race([elapsed, cancel]).finally(() => clearTimeout(timer));
}

function json(status: number, value: unknown): Response {
  return Response.json(value, { status });
}

function fail(status: number, message: string): Response {
  return json(status, { success: false, message });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `attachment; filename="..."`, with `filename*` when the name is not plain ASCII. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "?").replace(/["\\]/g, "\\$&");
  const header = `attachment; filename="${ascii}"`;
  return /^[\x20-\x7e]*$/.test(name)
    ? header
    : `${header}; filename*=UTF-8''${encodeURIComponent(name)}`;
}
