/**
 * A Saxium for the Saxium-side tests: a real Express app (npm) whose Batigest
 * routes behave as the real ones were measured to (`saxium-api.md`, "The real
 * server, measured"), after Saxium adopts `saxium_side/`: agents through
 * `batigestAuth`, the pending list reading `isOfferedToAgents`, `mark-error`
 * and `mark-synced` storing `reportingAgentId`. Written from those facts,
 * not from Saxium's code.
 *
 * What it reproduces: the `{ success, data, timestamp }` envelope; the three
 * error shapes (typed `{ success:false, error:{ message, code } }`, the body
 * validator's `{ success:false, error, details:{ message } }`, the session's
 * `{ message: "Unauthorized" }`); exports created `ready`; the list newest
 * first, 50 by default; status counts capped at 50. A person's browser
 * session is a cookie (`HUMAN_COOKIE`); the generation route is for people
 * only, as in Saxium.
 *
 * @module
 */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type ErrorRequestHandler, type RequestHandler } from "express";
import { z } from "zod";
import { batigestAuth } from "../../saxium_side/batigest_auth.ts";
import type { AgentCredentialStore } from "../../saxium_side/credential_store.ts";
import { isOfferedToAgents } from "../../saxium_side/offered_exports.ts";
import { reportingAgentId } from "../../saxium_side/reporting_agent.ts";

/** The `Cookie` header of a person logged in to Saxium. */
export const HUMAN_COOKIE = "connect.sid=s%3Aperson-logged-in";

/** An export's status in Saxium. */
export type ExportStatus = "ready" | "pending" | "downloaded" | "imported" | "error";

/** One export as the app stores it. */
export interface StoredExport {
  id: string;
  documentType: string;
  documentReference: string;
  status: ExportStatus;
  files: { xml?: string; csv?: string };
  generatedAt: string;
  retryCount: number;
  downloadedAt: string | null;
  importedAt: string | null;
  batigestReference: string | null;
  errorMessage: string | null;
  errorDetails: unknown;
  /** The agent that last marked it (synced or in error), as `reportingAgentId` read it. */
  reportedBy: string | null;
}

/** A request the app answered, with its answer. */
export interface Call {
  method: string;
  path: string;
  /** The `X-Agent-Id` it carried. */
  agentId?: string;
  status: number;
  /** The JSON body of the answer, when it was JSON. */
  answer?: unknown;
}

/** What `generate` makes: a document as Saxium's generator produces it. */
export interface GeneratedDocument {
  documentType: string;
  documentReference: string;
  xml?: string;
  csv?: string;
}

/** A running Saxium-like app. */
export interface SaxiumLikeApp extends AsyncDisposable {
  /** Base URL, `http://127.0.0.1:<port>`. */
  url: string;
  exports: Map<string, StoredExport>;
  /** Every request answered, in order. */
  calls: Call[];
  /** Create an export as Saxium's generator does: status `ready`, newest so far. */
  generate(document: GeneratedDocument): StoredExport;
  close(): Promise<void>;
}

/** A typed error, answered `{ success: false, error: { message, code } }`. */
class TypedError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const STATUS_COUNT_CAP = 50;
const DEFAULT_LIMIT = 50;

const markSyncedBody = z.object({
  exportId: z.string().uuid(),
  batigestReference: z.string(),
  agentId: z.string().optional(),
  agentVersion: z.string().optional(),
  batigestResponse: z.unknown().optional(),
});

const markErrorBody = z.object({
  exportId: z.string().optional(),
  errorMessage: z.string(),
  errorDetails: z.record(z.string(), z.unknown()).optional(),
  agentId: z.string().optional(),
});

const generateBody = z.object({
  documentType: z.string(),
  xml: z.string(),
});

/** Start the app on 127.0.0.1 (a free port), its agents checked against `store`. */
export async function startSaxiumLikeApp(store: AgentCredentialStore): Promise<SaxiumLikeApp> {
  const exports = new Map<string, StoredExport>();
  const calls: Call[] = [];
  let lastStamp = 0;

  function generate(document: GeneratedDocument): StoredExport {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    const created: StoredExport = {
      id: crypto.randomUUID(),
      documentType: document.documentType,
      documentReference: document.documentReference,
      status: "ready",
      files: { xml: document.xml, csv: document.csv },
      generatedAt: new Date(lastStamp).toISOString(),
      retryCount: 0,
      downloadedAt: null,
      importedAt: null,
      batigestReference: null,
      errorMessage: null,
      errorDetails: null,
      reportedBy: null,
    };
    exports.set(created.id, created);
    return created;
  }

  function found(id: string): StoredExport {
    const stored = exports.get(id);
    if (!stored) throw new TypedError(404, "NOT_FOUND", "Export Batigest non trouvé");
    return stored;
  }

  const app = express();
  app.use(recordCalls(calls));
  app.use(express.json({ limit: "1mb" }));
  const auth = batigestAuth({ store, session: browserSession });

  app.get("/api/batigest/exports/pending", auth, (req, res) => {
    const limit = Number.parseInt(String(req.query.limit ?? ""), 10) || DEFAULT_LIMIT;
    const offered = [...exports.values()]
      .filter((e) => isOfferedToAgents(e.status))
      .sort((a, b) => b.generatedAt.localeCompare(a.generatedAt))
      .slice(0, limit)
      .map(listItem);
    succeed(res, offered);
  });

  app.get("/api/batigest/exports/:id/download", auth, (req, res) => {
    const stored = found(String(req.params.id));
    const format = req.query.format;
    if (format !== "xml" && format !== "csv") {
      throw new TypedError(400, "VALIDATION_ERROR", "Format invalide : xml ou csv attendu");
    }
    const content = stored.files[format];
    if (content === undefined) {
      throw new TypedError(
        400,
        "VALIDATION_ERROR",
        `Format ${format} non disponible pour cet export`,
      );
    }
    stored.downloadedAt ??= new Date().toISOString();
    res.type(format === "xml" ? "application/xml" : "text/csv")
      .attachment(`${stored.documentReference}.${format}`)
      .send(content);
  });

  app.post(
    "/api/batigest/exports/:id/mark-synced",
    auth,
    validateBody(markSyncedBody),
    (req, res) => {
      const stored = found(String(req.params.id));
      stored.status = "imported";
      stored.importedAt = new Date().toISOString();
      stored.batigestReference = req.body.batigestReference;
      stored.reportedBy = reportingAgentId(req, res) ?? null;
      succeed(res, listItem(stored));
    },
  );

  app.post(
    "/api/batigest/exports/:id/mark-error",
    auth,
    validateBody(markErrorBody),
    (req, res) => {
      const stored = found(String(req.params.id));
      stored.status = "error";
      stored.retryCount += 1;
      stored.errorMessage = req.body.errorMessage;
      stored.errorDetails = req.body.errorDetails ?? null;
      stored.reportedBy = reportingAgentId(req, res) ?? null;
      succeed(res, listItem(stored));
    },
  );

  app.get("/api/batigest/status", auth, (_req, res) => {
    const all = [...exports.values()];
    const count = (status: ExportStatus) =>
      Math.min(all.filter((e) => e.status === status).length, STATUS_COUNT_CAP);
    const lastImported = all.filter((e) => e.status === "imported")
      .sort((a, b) => b.generatedAt.localeCompare(a.generatedAt))[0];
    const errors = count("error");
    succeed(res, {
      pending: count("pending"),
      ready: count("ready"),
      downloaded: count("downloaded"),
      imported: count("imported"),
      errors,
      lastSync: lastImported?.importedAt ?? null,
      queueHealth: errors > 10 ? "warning" : "healthy",
    });
  });

  // People generate exports from Saxium's pages: their session only, no agent token.
  app.post(
    "/api/batigest/documents/:reference/export",
    browserSession,
    validateBody(generateBody),
    (req, res) => {
      const reference = String(req.params.reference);
      const created = generate({
        documentType: req.body.documentType,
        documentReference: reference,
        xml: req.body.xml,
      });
      res.status(201);
      succeed(res, listItem(created));
    },
  );

  app.use(answerErrors);

  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  async function close(): Promise<void> {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  return {
    url: `http://127.0.0.1:${port}`,
    exports,
    calls,
    generate,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Saxium's session middleware, as measured: a logged-in cookie or 401, never `Authorization`. */
const browserSession: RequestHandler = (req, res, next) => {
  const cookies = (req.get("cookie") ?? "").split(/;\s*/);
  if (cookies.includes(HUMAN_COOKIE)) {
    next();
    return;
  }
  res.status(401).json({ message: "Unauthorized" });
};

/** The body validator: 400 `{ success:false, error, details:{ message } }`. */
function validateBody(schema: z.ZodType): RequestHandler {
  return (req, res, next) => {
    const parsed = schema.safeParse(req.body);
    if (parsed.success) {
      req.body = parsed.data;
      next();
      return;
    }
    const message = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "corps"} : ${issue.message}`)
      .join(" ; ");
    res.status(400).json({ success: false, error: "Données invalides", details: { message } });
  };
}

/** Typed errors, and anything thrown, as `{ success:false, error:{ message, code } }`. */
const answerErrors: ErrorRequestHandler = (error, _req, res, _next) => {
  if (error instanceof TypedError) {
    res.status(error.status).json({
      success: false,
      error: { message: error.message, code: error.code },
    });
    return;
  }
  const status = typeof error?.status === "number" && error.status < 500 ? error.status : 500;
  const message = status === 500 ? "Erreur interne du serveur" : "Requête invalide";
  res.status(status).json({ success: false, error: { message, code: "ERROR" } });
};

/** Every answer recorded, with its JSON body. */
function recordCalls(calls: Call[]): RequestHandler {
  return (req, res, next) => {
    const call: Call = {
      method: req.method,
      path: req.path,
      agentId: req.get("x-agent-id"),
      status: 0,
    };
    const json = res.json.bind(res);
    res.json = (body) => {
      call.answer = body;
      return json(body);
    };
    res.on("finish", () => {
      call.status = res.statusCode;
      calls.push(call);
    });
    next();
  };
}

function succeed(res: express.Response, data: unknown): void {
  res.json({ success: true, data, timestamp: new Date().toISOString() });
}

/** An export as the pending list and the acknowledgements show it. */
function listItem(e: StoredExport): Record<string, unknown> {
  const fileUrl = (format: "xml" | "csv") =>
    e.files[format] === undefined
      ? null
      : `/api/batigest/exports/${e.id}/download?format=${format}`;
  return {
    id: e.id,
    documentType: e.documentType,
    documentReference: e.documentReference,
    status: e.status,
    xmlFileUrl: fileUrl("xml"),
    csvFileUrl: fileUrl("csv"),
    exportData: {},
    generatedAt: e.generatedAt,
    downloadedAt: e.downloadedAt,
    importedAt: e.importedAt,
    retryCount: e.retryCount,
    errorMessage: e.errorMessage,
  };
}
