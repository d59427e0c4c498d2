/**
 * An HTTP receiver on 127.0.0.1 standing in for a Teams, Slack or monitoring
 * webhook: it keeps every JSON body POSTed to it, and can be told to fail
 * (answer an error status) or to hang (never answer).
 *
 * @module
 */

/** One request the receiver got. */
export interface ReceivedHook {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
}

/** How the receiver answers. */
export type WebhookMode = "ok" | { status: number } | "hang";

/** A running webhook receiver. */
export interface WebhookReceiver {
  /** The URL to configure, e.g. `http://127.0.0.1:49152/hooks/T0/B0/s3cr3t`. */
  url: string;
  port: number;
  received: ReceivedHook[];
  /** Changes how the next requests are answered. */
  setMode(mode: WebhookMode): void;
  close(): Promise<void>;
}

/** Starts a webhook receiver; `path` is the secret part of its URL. */
export function startWebhookReceiver(
  options: { path?: string; mode?: WebhookMode } = {},
): WebhookReceiver {
  const received: ReceivedHook[] = [];
  let mode: WebhookMode = options.mode ?? "ok";
  const closing = new AbortController();
  const closed = new Promise<void>((resolve) =>
    closing.signal.addEventListener("abort", () => resolve(), { once: true })
  );
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: closing.signal,
    onListen() {},
  }, async (req) => {
    const text = await req.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // kept as text
    }
    received.push({
      method: req.method,
      path: new URL(req.url).pathname,
      headers: Object.fromEntries(req.headers),
      body,
    });
    if (mode === "hang") {
      await closed;
      return new Response(null, { status: 503 });
    }
    if (typeof mode === "object") return new Response("échec simulé", { status: mode.status });
    return new Response("1", { status: 200 });
  });
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}${options.path ?? "/hooks/T000/B000/XXXXsecretXXXX"}`,
    port,
    received,
    setMode(next) {
      mode = next;
    },
    async close() {
      closing.abort();
      await server.finished;
    },
  };
}
