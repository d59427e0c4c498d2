/**
 * What Saxium's Batigest routes answer, as the real server was measured to
 * (`saxium-api.md`, "The real server, measured"), written from those facts
 * and not from Saxium's code: the simulator (`saxium_simulator.ts`) puts
 * these answers on the wire, with its faults around them.
 *
 * - Success is `{ success: true, data, timestamp }`.
 * - Errors come in three shapes: a typed error (not found, a bad parameter)
 *   `{ success: false, error: { message, code } }`; the body validator's 400
 *   `{ success: false, error: "Données invalides", details: { message } }`;
 *   the login middleware's 401 `{ message: "Unauthorized" }`.
 * - Exports are created `ready`. The real pending route lists only `pending`,
 *   a status nothing sets: the queue's gap (`queueGap`). Saxium's fix
 *   (`saxium_side/offered_exports.ts`) lists `ready` and `pending`: that is
 *   the default here, since tests need deliveries.
 * - The list is newest first (`generatedAt` descending; among equal dates,
 *   the export created last first), `limit` 50 by default, never filtered
 *   by agent.
 * - The status route caps each count at 50 (the storage's default limit);
 *   its `lastSync` is the import time of the most recently *generated*
 *   imported export.
 * - `mark-error` stores `errorMessage`, `errorDetails` as given, and the
 *   top-level `agentId` (`reportedBy`), where Saxium reads it.
 *
 * @module
 */

/** An export's status in Saxium. */
export type SimStatus = "ready" | "pending" | "downloaded" | "imported" | "error";

/** One export held by the simulator. */
export interface SimExport {
  id: string;
  documentType: string;
  documentReference: string;
  generatedAt: string;
  retryCount: number;
  /** `ready` when created, as Saxium's generators make them. */
  status: SimStatus;
  files: Partial<Record<"xml" | "csv", Uint8Array>>;
  errorMessage?: string;
  /** `errorDetails` of the last mark-error, stored as given. */
  errorDetails?: unknown;
  /** The top-level `agentId` of the last mark-error or mark-synced, where Saxium reads it. */
  reportedBy?: string;
  downloadedAt?: string;
  /** When the last mark-synced arrived. */
  importedAt?: string;
  /** How many times mark-synced succeeded for this export. */
  syncedCount: number;
}

/** A route of the Batigest router, and the export it names. */
export interface Route {
  name: "pending" | "download" | "mark-synced" | "mark-error" | "status";
  exportId?: string;
}

/** What the routes read besides the request: the exports, and the switches of the server. */
export interface SaxiumState {
  exports: Map<string, SimExport>;
  /** The order exports were created in (the tie-break of the list). */
  created: Map<string, number>;
  /** The real queue: only `pending` is listed, so nothing created (`ready`) is offered. */
  queueGap: boolean;
  /** The Bearer token every route requires, when set (the simulator's stand-in for a login). */
  token?: string;
  /** Oddities of the list (see `SaxiumSimulator.listQuirks`). */
  listQuirks: { duplicates?: number; caseFlips?: number; head?: Record<string, unknown>[] };
  /** Downloads sent at this many bytes a second; unlimited when unset. */
  downloadBytesPerSecond?: number;
}

/** The storage's default limit: the list's default size, and the cap of every status count. */
export const STORAGE_LIMIT = 50;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The route a request names, if any. */
export function routeOf(method: string, path: string): Route | undefined {
  if (method === "GET" && path === "/api/batigest/exports/pending") return { name: "pending" };
  if (method === "GET" && path === "/api/batigest/status") return { name: "status" };
  const m = /^\/api\/batigest\/exports\/([^/]+)\/(download|mark-synced|mark-error)$/.exec(path);
  if (!m) return undefined;
  const name = m[2] as Route["name"];
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

/** Saxium's answer to a request that no fault intercepted. */
export function answerRoute(
  state: SaxiumState,
  request: { method: string; url: URL; headers: Headers; route?: Route; body: unknown },
): Response {
  if (
    state.token !== undefined && request.headers.get("authorization") !== `Bearer ${state.token}`
  ) {
    return Response.json({ message: "Unauthorized" }, { status: 401 });
  }
  const { route, url } = request;
  if (!route) {
    return typedError(404, "NOT_FOUND", `Route introuvable : ${request.method} ${url.pathname}`);
  }
  if (route.name === "pending") return pending(state, url);
  if (route.name === "status") return status(state);
  const id = route.exportId!;
  if (route.name === "download") return download(state, id, url.searchParams.get("format"));
  if (route.name === "mark-synced") return markSynced(state, id, request.body);
  return markError(state, id, request.body);
}

/** Whether an export still waits for an agent (`ready` or `pending`: neither imported nor in error). */
export function waitsForAgent(e: Pick<SimExport, "status">): boolean {
  return e.status === "ready" || e.status === "pending";
}

/** The statuses the pending route lists: `pending` only (the real gap), or Saxium's fix. */
function offered(state: SaxiumState, e: SimExport): boolean {
  return e.status === "pending" || (!state.queueGap && e.status === "ready");
}

function pending(state: SaxiumState, url: URL): Response {
  const raw = url.searchParams.get("limit");
  const limit = raw === null ? STORAGE_LIMIT : Number(raw);
  if (!Number.isInteger(limit) || limit < 1) {
    return typedError(400, "VALIDATION_ERROR", "Paramètre limit invalide : entier positif attendu");
  }
  const quirks = state.listQuirks;
  const newestFirst = [...state.exports.values()]
    .filter((e) => offered(state, e))
    .sort((a, b) =>
      compare(b.generatedAt, a.generatedAt) ||
      (state.created.get(b.id) ?? 0) - (state.created.get(a.id) ?? 0)
    );
  const withDuplicates = newestFirst.flatMap((e) =>
    Math.random() < (quirks.duplicates ?? 0) ? [e, e] : [e]
  );
  const items = [
    ...(quirks.head ?? []),
    ...withDuplicates.map((e) => ({
      ...listItem(e),
      id: Math.random() < (quirks.caseFlips ?? 0) ? e.id.toUpperCase() : e.id,
    })),
  ];
  return succeed(items.slice(0, limit));
}

function download(state: SaxiumState, id: string, format: string | null): Response {
  const e = find(state, id);
  if (!e) return notFound();
  if (format !== "xml" && format !== "csv") {
    return typedError(400, "VALIDATION_ERROR", "Format invalide : xml ou csv attendu");
  }
  const bytes = e.files[format];
  if (!bytes) {
    return typedError(400, "VALIDATION_ERROR", `Format ${format} non disponible pour cet export`);
  }
  e.downloadedAt ??= new Date().toISOString();
  const perSecond = state.downloadBytesPerSecond;
  return new Response(perSecond ? throttled(bytes, perSecond) : bytes.slice(), {
    headers: {
      "content-type": format === "xml" ? "application/xml" : "text/csv",
      "content-disposition": contentDisposition(`${e.documentReference}.${format}`),
    },
  });
}

function markSynced(state: SaxiumState, id: string, body: unknown): Response {
  const invalid = validate(body, {
    exportId: (v) => typeof v === "string" && UUID.test(v) ? undefined : "UUID attendu",
    batigestReference: (v) => typeof v === "string" ? undefined : "texte attendu",
    agentId: optionalText,
    agentVersion: optionalText,
  });
  if (invalid) return invalid;
  const b = body as Record<string, unknown>;
  // Stricter than Saxium, to catch an agent that acknowledges the wrong export.
  if ((b.exportId as string).toLowerCase() !== id.toLowerCase()) {
    return invalidBody("exportId : ne correspond pas à l'export de l'adresse");
  }
  const e = find(state, id);
  if (!e) return notFound();
  e.status = "imported";
  e.importedAt = new Date().toISOString();
  e.syncedCount++;
  if (typeof b.agentId === "string") e.reportedBy = b.agentId;
  return succeed(listItem(e));
}

function markError(state: SaxiumState, id: string, body: unknown): Response {
  const invalid = validate(body, {
    exportId: optionalText,
    errorMessage: (v) => typeof v === "string" ? undefined : "texte attendu",
    errorDetails: (v) => v === undefined || isObject(v) ? undefined : "objet attendu",
    agentId: optionalText,
  });
  if (invalid) return invalid;
  const b = body as Record<string, unknown>;
  const e = find(state, id);
  if (!e) return notFound();
  e.status = "error";
  e.retryCount++;
  e.errorMessage = b.errorMessage as string;
  e.errorDetails = b.errorDetails;
  e.reportedBy = typeof b.agentId === "string" ? b.agentId : undefined;
  return succeed(listItem(e));
}

function status(state: SaxiumState): Response {
  const all = [...state.exports.values()];
  const count = (s: SimStatus) => Math.min(all.filter((e) => e.status === s).length, STORAGE_LIMIT);
  const lastImported = all.filter((e) => e.status === "imported")
    .sort((a, b) => compare(b.generatedAt, a.generatedAt))[0];
  const errors = count("error");
  return succeed({
    pending: count("pending"),
    ready: count("ready"),
    downloaded: count("downloaded"),
    imported: count("imported"),
    errors,
    lastSync: lastImported?.importedAt ?? null,
    queueHealth: errors > 10 ? "warning" : "healthy",
  });
}

/** An export as the list shows it. */
function listItem(e: SimExport): Record<string, unknown> {
  return {
    id: e.id,
    documentType: e.documentType,
    documentReference: e.documentReference,
    status: e.status,
    xmlFileUrl: e.files.xml ? `/api/batigest/exports/${e.id}/download?format=xml` : null,
    csvFileUrl: e.files.csv ? `/api/batigest/exports/${e.id}/download?format=csv` : null,
    exportData: { metadata: { source: "Saxium", documentType: e.documentType } },
    generatedAt: e.generatedAt,
    retryCount: e.retryCount,
  };
}

/** An export by id, without case, as Saxium's UUID column compares them. */
function find(state: SaxiumState, id: string): SimExport | undefined {
  return state.exports.get(id) ??
    [...state.exports.values()].find((e) => e.id.toLowerCase() === id.toLowerCase());
}

type FieldRule = (value: unknown) => string | undefined;

function optionalText(value: unknown): string | undefined {
  return value === undefined || typeof value === "string" ? undefined : "texte attendu";
}

/** The body validator: the first field its rule refuses, as a 400 of its own shape. */
function validate(body: unknown, rules: Record<string, FieldRule>): Response | undefined {
  if (!isObject(body)) return invalidBody("corps : objet JSON attendu");
  for (const [field, rule] of Object.entries(rules)) {
    const problem = rule(body[field]);
    if (problem) return invalidBody(`${field} : ${problem}`);
  }
  return undefined;
}

function succeed(data: unknown): Response {
  return Response.json({ success: true, data, timestamp: new Date().toISOString() });
}

function typedError(status: number, code: string, message: string): Response {
  return Response.json({ success: false, error: { message, code } }, { status });
}

function notFound(): Response {
  return typedError(404, "NOT_FOUND", "Export Batigest non trouvé");
}

function invalidBody(message: string): Response {
  return Response.json(
    { success: false, error: "Données invalides", details: { message } },
    { status: 400 },
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
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

/** `attachment; filename="..."`, with `filename*` when the name is not plain ASCII. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "?").replace(/["\\]/g, "\\$&");
  const header = `attachment; filename="${ascii}"`;
  return /^[\x20-\x7e]*$/.test(name)
    ? header
    : `${header}; filename*=UTF-8''${encodeURIComponent(name)}`;
}
