/**
 * Exactly once under crashes: the agent is killed at every failpoint of a
 * sync pass while the server fails 20 % of requests, restarted until the
 * pass completes, and each world is checked against Batigest's ledger and
 * Saxium's record (see `support/crash_harness.ts`; random kills are in
 * `crash_random_kills_test.ts`, and `deno task soak` runs them longer).
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  FAILPOINT_ENTRY,
  FAILPOINT_ENV,
  finishPasses,
  formatReport,
  KILLED_CODE,
  listFailpoints,
  runFailpoints,
  verifyWorld,
} from "../support/crash_harness.ts";
import { listFiles, makeWorld, PROJECT_ROOT, runAgent } from "../support/agent_process.ts";
import { quoteXml } from "../support/documents.ts";

Deno.test("failpoints are a test-only switch: the agent's own code never reads it", async () => {
  const sources = [
    "main.ts",
    ...(await listFiles(nodePath.join(PROJECT_ROOT, "lib"))).map((f) => `lib/${f}`),
  ].filter((f) => f.endsWith(".ts"));
  for (const file of sources) {
    const text = await Deno.readTextFile(nodePath.join(PROJECT_ROOT, file));
    assert.doesNotMatch(text, /AGENT_FAILPOINT/, `${file} reads the failpoint switch`);
  }
});

Deno.test("the failpoint entry stops the agent at the named point, as a kill, and only there", async () => {
  const world = await makeWorld();
  try {
    world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-POINT",
      files: { xml: quoteXml("DV-POINT") },
    });
    const run = (point: string) =>
      runAgent(world, ["sync", "--once"], {
        entry: FAILPOINT_ENTRY,
        extraEnv: [...FAILPOINT_ENV],
        env: { AGENT_FAILPOINT: point },
      });
    const killed = await run("after-download");
    assert.equal(killed.code, KILLED_CODE, killed.stdout + killed.stderr);
    assert.equal(world.batigest.ledger.length, 0, "stopped before anything reached Batigest");
    const unknown = await run("no-such-point");
    assert.equal(unknown.code, 0, unknown.stdout + unknown.stderr);
    assert.deepEqual(world.batigest.ledger.map((e) => e.name), ["DV-POINT.xml"]);
  } finally {
    await world.close();
  }
});

Deno.test("every failpoint: killed there, restarted until the pass completes, each document once", async () => {
  const names = await listFailpoints();
  assert.ok(names.length >= 14, `failpoints found in lib/: ${names.join(", ")}`);
  const report = await runFailpoints();
  console.log(formatReport(report));
  assert.deepEqual(report.problems, []);
  assert.equal(report.failpoints, names.length, "every failpoint was reached and killed");
  assert.equal(report.duplicates, 0);
  assert.equal(report.losses, 0);
});

Deno.test("killed right after withdrawing a document Batigest passed by: reported in error, never marked synced", async () => {
  // Batigest passes by the first one published (listed first: newest first, so added last)
  // and takes the next.
  const left = "DV-RETIRE-A.xml";
  const world = await makeWorld({ passesBy: (name) => name === left });
  try {
    // Two listed after it, and named after it: Batigest takes one, then the other (alive,
    // and passing it by).
    const [last, later] = ["DV-RETIRE-C", "DV-RETIRE-B"].map((ref) =>
      world.saxium.addExport({
        documentType: "devis_client",
        documentReference: ref,
        files: { xml: quoteXml(ref) },
      })
    );
    const quote = world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-RETIRE-A",
      files: { xml: quoteXml("DV-RETIRE-A") },
    });
    const killed = await runAgent(world, ["sync", "--once", "--import-timeout", "1"], {
      entry: FAILPOINT_ENTRY,
      extraEnv: [...FAILPOINT_ENV],
      env: { AGENT_FAILPOINT: "after-withdraw" },
    });
    assert.equal(killed.code, KILLED_CODE, killed.stdout + killed.stderr);
    const finish = await finishPasses(world, { args: ["--import-timeout", "1"] });
    assert.ok(finish.completed);
    const verdict = await verifyWorld(world, [
      { export: quote, outcome: "error", formats: ["xml"] },
      { export: later, outcome: "synced", formats: ["xml"] },
      { export: last, outcome: "synced", formats: ["xml"] },
    ], [killed, ...finish.runs]);
    assert.deepEqual(verdict.problems, []);
    assert.equal(world.saxium.exports.get(quote.id)!.status, "error");
  } finally {
    await world.close();
  }
});
