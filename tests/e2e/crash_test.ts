/**
 * Exactly once under crashes: the agent is killed at every failpoint of a
 * sync pass and at random moments (SIGKILL from outside) while the server
 * fails 20 % of requests, restarted until the pass completes, and each world
 * is checked against Batigest's ledger and Saxium's record (see
 * `support/crash_harness.ts`; `deno task soak` runs the same with more kills).
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  addReport,
  emptyReport,
  FAILPOINT_ENTRY,
  FAILPOINT_ENV,
  finishPasses,
  formatReport,
  KILLED_CODE,
  listFailpoints,
  runFailpoints,
  runRandomKills,
  verifyWorld,
} from "../support/crash_harness.ts";
import { listFiles, makeWorld, PROJECT_ROOT, runAgent } from "../support/agent_process.ts";
import { quoteXml } from "../support/documents.ts";

const total = emptyReport();

Deno.test("failpoints are a test-only switch: the agent's own code never reads it", async () => {
  const sources = [
    "main.ts",
    ...(await listFiles(nodePath.join(PROJECT_ROOT, "lib"))).map((f) => `lib/${f}`),
  ].filter((f) => f.endsWith(".ts"));
  for (const file of sources) {
    const text = await Deno.readTextFile(nodePath.join(PROJECT_ROOT, file));
    assert.doesNotMatch(text, /AGENT_FAILPOINT/, `${file} reads the failpoint switch`);
  }
  const entry = await Deno.readTextFile(nodePath.join(PROJECT_ROOT, FAILPOINT_ENTRY));
  assert.match(entry, /Deno\.exit\(FAILPOINT_EXIT_CODE\)/);
  assert.equal(KILLED_CODE, 137);
});

Deno.test("every failpoint: killed there, restarted until the pass completes, each document once", async () => {
  const names = await listFailpoints();
  assert.ok(names.length >= 14, `failpoints found in lib/sync/: ${names.join(", ")}`);
  const report = await runFailpoints();
  addReport(total, report);
  console.log(formatReport(report));
  assert.deepEqual(report.problems, []);
  assert.equal(report.failpoints, names.length, "every failpoint was reached and killed");
  assert.equal(report.duplicates, 0);
  assert.equal(report.losses, 0);
});

Deno.test("killed right after withdrawing a document Batigest passed by: reported in error, never marked synced", async () => {
  // Batigest passes by the first one published (listed first: added first) and takes the next.
  const left = "DV-RETIRE.xml";
  const world = await makeWorld({ passesBy: (name) => name === left });
  try {
    const quote = world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-RETIRE",
      files: { xml: quoteXml("DV-RETIRE") },
    });
    const later = world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-RETIRE-SUIVANT",
      files: { xml: quoteXml("DV-RETIRE-SUIVANT") },
    });
    const killed = await runAgent(world, ["sync", "--once", "--import-timeout", "1"], {
      entry: FAILPOINT_ENTRY,
      extraEnv: [...FAILPOINT_ENV],
      env: { AGENT_FAILPOINT: "after-withdraw" },
    });
    assert.equal(killed.code, KILLED_CODE, killed.stdout + killed.stderr);
    const finish = await finishPasses(world, { args: ["--import-timeout", "1"] });
    assert.ok(finish.completed);
    const [refused, taken] = [quote, later];
    const verdict = await verifyWorld(world, [
      { export: refused, outcome: "error", formats: ["xml"] },
      { export: taken, outcome: "synced", formats: ["xml"] },
    ], [killed, ...finish.runs]);
    assert.deepEqual(verdict.problems, []);
    assert.equal(world.saxium.exports.get(refused.id)!.status, "error");
  } finally {
    await world.close();
  }
});

// The suite's share of the random kills, kept short so the suite stays quick;
// `deno task soak` runs the same harness with 1,000.
Deno.test("30 random SIGKILLs, 20 % of requests failing, odd answers, Batigest closing and reopening: no duplicate, no loss", async () => {
  const report = await runRandomKills({
    kills: 30,
    faultRate: 0.2,
    audit: true,
    batigestFlaps: 0.2,
  });
  addReport(total, report);
  console.log(formatReport(report));
  assert.ok(report.randomKills >= 24, `only ${report.randomKills} kills landed`);
  for (const phase of ["download", "delivery", "acknowledgement"]) {
    assert.ok((report.phases[phase] ?? 0) > 0, `no kill landed during ${phase}`);
  }
  assert.ok(report.retries > 0, "the server faults never fired");
  assert.deepEqual(report.problems, []);
  assert.equal(report.duplicates, 0);
  assert.equal(report.losses, 0);
});

Deno.test("crash totals", () => {
  console.log(
    `crash: ${total.failpoints} failpoints, ${total.randomKills} random kills, ${total.duplicates} duplicates, ${total.losses} losses`,
  );
});
