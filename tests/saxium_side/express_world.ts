/**
 * The real agent against the Saxium-like Express app: the usual test world of
 * `tests/support/agent_process.ts` (work and import folders, a Batigest that
 * consumes files, a canary folder), with the agent pointed at the Express app
 * instead of the world's own Saxium simulator. Its permission set then allows
 * only the Express app's host and port.
 *
 * The world's simulator stays idle; `withExpressWorld` checks that it heard
 * nothing, so a test cannot pass by talking to the wrong Saxium.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type AgentRun,
  everythingWritten,
  listFiles,
  makeWorld,
  runAgent,
  type World,
} from "../support/agent_process.ts";
import { MemoryCredentialStore } from "../../saxium_side/credential_store.ts";
import { type SaxiumLikeApp, startSaxiumLikeApp } from "./saxium_like_app.ts";

/** A world whose agent talks to the Saxium-like Express app. */
export interface ExpressWorld {
  /** The world, its `saxium.url` the Express app's. */
  world: World;
  saxium: SaxiumLikeApp;
  /** The credentials the app's middleware checks. */
  store: MemoryCredentialStore;
  /** Every run of the agent, for the checks made at the end. */
  runs: AgentRun[];
  /** Every token handed to the agent, none of which may show in what it wrote. */
  tokens: string[];
}

/** Who the agent is for one run. */
export interface AgentIdentity {
  /** `SAXIUM_TOKEN`. */
  token: string;
  /** `SAXIUM_AGENT_ID`. */
  agentId: string;
}

/**
 * Runs `body` in a new Express world, then checks what every world must show
 * (no token written anywhere, canary untouched, the idle simulator unasked)
 * and closes everything, whatever happened.
 */
export async function withExpressWorld(body: (w: ExpressWorld) => Promise<void>): Promise<void> {
  const base = await makeWorld({ consumeDelayMs: 0 });
  try {
    const store = new MemoryCredentialStore();
    await using saxium = await startSaxiumLikeApp(store);
    const world: World = { ...base, saxium: { ...base.saxium, url: saxium.url } };
    const w: ExpressWorld = { world, saxium, store, runs: [], tokens: [] };
    await body(w);
    const written = await everythingWritten(world, w.runs);
    for (const token of w.tokens) {
      assert.ok(!written.includes(token), "a token shows in the agent's output or logs");
    }
    assert.deepEqual(await listFiles(base.outsideDir), ["canary.txt"]);
    assert.equal(base.saxium.requests.length, 0, "the agent asked the idle simulator");
  } finally {
    await base.close();
  }
}

/** One `sync --once` of the real agent, under `identity`. */
export async function syncOnce(w: ExpressWorld, identity: AgentIdentity): Promise<AgentRun> {
  w.tokens.push(identity.token);
  const run = await runAgent(w.world, ["sync", "--once"], {
    env: { SAXIUM_TOKEN: identity.token, SAXIUM_AGENT_ID: identity.agentId },
    timeoutMs: 30_000,
  });
  w.runs.push(run);
  return run;
}
