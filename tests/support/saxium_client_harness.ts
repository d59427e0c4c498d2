/**
 * A `SaxiumClient` against a fresh Saxium simulator, for the client's tests:
 * its waits recorded instead of slept, a scratch folder for downloads,
 * everything closed afterwards.
 *
 * @module
 */

import assert from "node:assert/strict";
import { SaxiumClient, type SaxiumClientOptions, SaxiumError } from "../../lib/saxium/client.ts";
import { type SaxiumSimulator, startSaxiumSimulator } from "./saxium_simulator.ts";

/** What a test is given. */
export interface ClientHarness {
  sim: SaxiumSimulator;
  client: SaxiumClient;
  /** Every wait the client asked for, in ms (none is slept). */
  delays: number[];
  /** A scratch folder. */
  dir: string;
}

/** Options of {@linkcode withSaxiumClient}. */
export type ClientHarnessOptions = Partial<SaxiumClientOptions> & {
  /** The token the simulator expects: the client's by default, `null` for none. */
  simToken?: string | null;
};

/** Runs `fn` against a fresh simulator and client (its `token` and `agentId` given). */
export async function withSaxiumClient(
  fn: (h: ClientHarness) => Promise<void>,
  options: ClientHarnessOptions & { token: string | undefined; agentId: string },
): Promise<void> {
  const { simToken, ...clientOptions } = options;
  const sim = await startSaxiumSimulator({
    token: simToken === null ? undefined : simToken ?? options.token,
  });
  const dir = await Deno.makeTempDir({ prefix: "saxium_client_" });
  const delays: number[] = [];
  const client = new SaxiumClient({
    apiUrl: sim.url,
    version: "2.0.0",
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
    ...clientOptions,
  });
  try {
    await fn({ sim, client, delays, dir });
  } finally {
    client.close();
    await sim.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The error `promise` rejects with: a SaxiumError on one line, without `token`. */
export async function saxiumFailure(
  promise: Promise<unknown>,
  token: string,
): Promise<SaxiumError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SaxiumError, `SaxiumError attendu, reçu ${error}`);
    assert.ok(!error.message.includes(token), `le jeton apparaît : ${error.message}`);
    assert.ok(!/[\r\n]/.test(error.message), "le message tient sur une ligne");
    return error;
  }
  throw new Error("la promesse aurait dû échouer");
}
