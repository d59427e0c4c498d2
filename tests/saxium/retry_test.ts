import assert from "node:assert/strict";
import nodePath from "node:path";
import { SaxiumClient, SaxiumError } from "../../lib/saxium/client.ts";
import { startSaxiumSimulator } from "../support/saxium_simulator.ts";

Deno.test("a download slower than the whole-request timeout finishes while bytes keep coming", async () => {
  const sim = await startSaxiumSimulator();
  const dir = await Deno.makeTempDir();
  const bytes = new TextEncoder().encode("<Devis>" + "x".repeat(60_000) + "</Devis>");
  const e = sim.addExport({
    documentType: "devis_client",
    documentReference: "DV-LENT",
    files: { xml: bytes },
  });
  sim.downloadBytesPerSecond = 40_000; // ~1.5 s in all, a chunk every 0.1 s
  const client = new SaxiumClient({
    apiUrl: sim.url,
    agentId: "T",
    version: "0",
    timeoutMs: 500,
    downloadIdleMs: 500,
    maxAttempts: 1,
  });
  try {
    const path = nodePath.join(dir, "d.xml");
    const { bytes: n } = await client.downloadTo(e.id, { format: "xml", path });
    assert.equal(n, bytes.length);
    assert.deepEqual(await Deno.readFile(path), bytes);
  } finally {
    client.close();
    await sim.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a download with no byte for downloadIdleMs fails, saying so and naming the setting", async () => {
  const sim = await startSaxiumSimulator();
  const e = sim.addExport({
    documentType: "devis_client",
    documentReference: "DV-MUET",
    files: { xml: "<Devis/>" },
  });
  sim.addFault({ route: "download", fault: "hang" });
  const client = new SaxiumClient({
    apiUrl: sim.url,
    agentId: "T",
    version: "0",
    downloadIdleMs: 300,
    maxAttempts: 1,
  });
  const dir = await Deno.makeTempDir();
  try {
    const error = await client.downloadTo(e.id, { format: "xml", path: nodePath.join(dir, "d") })
      .then(() => undefined, (err) => err);
    assert.ok(error instanceof SaxiumError);
    assert.equal(error.kind, "timeout");
    assert.match(error.message, /n'a plus rien envoyé pendant 0,3 s .*downloadIdleSeconds/);
  } finally {
    client.close();
    await sim.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the stop signal ends a hanging request and the wait between attempts at once, kind aborted", async () => {
  const sim = await startSaxiumSimulator();
  sim.addFault({ route: "pending", fault: "hang" });
  const stop = new AbortController();
  const client = new SaxiumClient({
    apiUrl: sim.url,
    agentId: "T",
    version: "0",
    timeoutMs: 60_000,
    signal: stop.signal,
  });
  try {
    const listing = client.listPending(10).then(() => undefined, (err) => err);
    setTimeout(() => stop.abort(), 50);
    const error = await listing;
    assert.ok(error instanceof SaxiumError);
    assert.equal(error.kind, "aborted");
    assert.match(error.message, /^Arrêt demandé/);
  } finally {
    client.close();
    await sim.close();
  }
});
