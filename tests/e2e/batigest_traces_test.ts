/**
 * Batigest's traces, end to end (issue 19, findings 2, 5 and 8): the agent as
 * a subprocess under its own permission set, against a Batigest that renames
 * a refused file (`.err`, `.bak`), moves it into an error subfolder, or
 * leaves every imported file empty; and one that takes a later document then
 * stays closed four days (the agent's clock moved with `faketime`). Checked
 * by what an administrator sees: exit codes, Saxium's record, `history`,
 * `doctor`, the folders, Batigest's ledger.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  type AgentRun,
  listFiles,
  logText,
  runAgent,
  withWorld,
  type World,
  type WorldOptions,
} from "../support/agent_process.ts";
import { addQuotes, numbered, quoteXml } from "../support/documents.ts";
import type { SimExport } from "../support/saxium_simulator.ts";
import { faketimeMissing, runAgentAt } from "../support/faketime.ts";

function sync(world: World, timeoutSeconds = 2): Promise<AgentRun> {
  return runAgent(world, ["sync", "--once", "--import-timeout", String(timeoutSeconds)], {
    timeoutMs: 30_000,
  });
}

function statuses(world: World, exports: SimExport[]): string[] {
  return exports.map((e) => world.saxium.exports.get(e.id)!.status);
}

function markSyncedFor(world: World, e: SimExport): number {
  return world.saxium.requests.filter((r) => r.path.includes(`${e.id}/mark-synced`)).length;
}

/** `history`'s line for `reference`. */
async function historyLine(world: World, reference: string): Promise<string> {
  const history = await runAgent(world, ["history"]);
  assert.equal(history.code, 0, history.stdout + history.stderr);
  const lines = history.stdout.split("\n").filter((l) => l.includes(` ${reference} `));
  assert.equal(lines.length, 1, history.stdout);
  return lines[0];
}

/** `doctor --json`'s check of Batigest's traces. */
async function doctorTraces(world: World): Promise<{ status: string; detail: string }> {
  const doctor = await runAgent(world, ["doctor", "--json"]);
  const report = JSON.parse(doctor.stdout) as {
    checks: { id: string; status: string; detail: string }[];
  };
  const check = report.checks.find((c) => c.id === "batigest-traces");
  assert.ok(check, doctor.stdout);
  return check;
}

/** A Batigest that refuses the first document with a trace; the second one it imports. */
const REFUSALS: {
  name: string;
  prefix: string;
  traces: WorldOptions["traces"];
  trace: string;
  what: RegExp;
}[] = [
  {
    name: "renamed to .err",
    prefix: "DV-ERR",
    traces: { renamesRefused: { select: (n) => n === "DV-ERR-1.xml", to: (n) => `${n}.err` } },
    trace: "DV-ERR-1.xml.err",
    what: /il l'a renommé en DV-ERR-1\.xml\.err/,
  },
  {
    name: "renamed to .bak",
    prefix: "DV-BAK",
    traces: {
      renamesRefused: {
        select: (n) => n === "DV-BAK-1.xml",
        to: (n) => n.replace(/\.xml$/, ".BAK"),
      },
    },
    trace: "DV-BAK-1.BAK",
    what: /il l'a renommé en DV-BAK-1\.BAK/,
  },
  {
    name: "moved into Erreurs\\",
    prefix: "DV-SOUS",
    traces: { movesRefused: { select: (n) => n === "DV-SOUS-1.xml", folder: "Erreurs" } },
    trace: "Erreurs/DV-SOUS-1.xml",
    what: /il l'a rangé dans le sous-dossier Erreurs/,
  },
];

for (const refusal of REFUSALS) {
  Deno.test(`Batigest refuses a document (${refusal.name}): exit 1, in error with the trace named, never synced; doctor shows the trace`, async () => {
    await withWorld({ traces: refusal.traces }, async (world) => {
      const [refused, imported] = addQuotes(world.saxium, numbered(refusal.prefix, 2));
      const run = await sync(world);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.deepEqual(statuses(world, [refused, imported]), ["error", "imported"]);
      assert.equal(markSyncedFor(world, refused), 0, "never acknowledged as synced");
      const reason = world.saxium.exports.get(refused.id)!.errorMessage!;
      assert.match(reason, new RegExp(`^Batigest a refusé ${refusal.prefix}-1\\.xml :`));
      assert.match(reason, refusal.what);
      assert.match(reason, /copie du document est gardée dans Errors/);
      assert.doesNotMatch(reason, /\n/);
      // What the administrator reads: the log and history say "en erreur", never "synchronisé".
      const log = await logText(world);
      const about = log.split("\n").filter((l) => l.includes(`${refusal.prefix}-1`));
      assert.ok(about.some((l) => /\[ERROR\] .* en erreur : Batigest a refusé/.test(l)), log);
      assert.ok(about.every((l) => !/synchronisé/.test(l)), about.join("\n"));
      assert.match(await historyLine(world, `${refusal.prefix}-1`), /^ +\S+ +en erreur +devis/);
      assert.match(await historyLine(world, `${refusal.prefix}-2`), /^ +\S+ +synchronisé +devis/);
      // The copy kept in Errors\ beside its note; Batigest's trace left where Batigest put it.
      const errors = (await listFiles(world.workDir)).filter((f) => f.startsWith("Errors/"));
      assert.ok(errors.some((f) => f.endsWith(`${refusal.prefix}-1.xml`)), errors.join(", "));
      assert.ok(errors.some((f) => f.endsWith(".erreur.txt")), errors.join(", "));
      assert.ok((await listFiles(world.importDir)).includes(refusal.trace), "trace left alone");
      assert.equal(world.batigest.refusals.length, 1);
      const doctor = await doctorTraces(world);
      assert.equal(doctor.status, "WARNING");
      assert.ok(doctor.detail.includes(nodePath.normalize(refusal.trace)), doctor.detail);
    });
  });
}

Deno.test("Batigest imports each document and leaves it empty: exit 0, acknowledged, leftovers removed; the same name again without (2)", async () => {
  await withWorld({ traces: { leavesEmpty: true } }, async (world) => {
    const quotes = addQuotes(world.saxium, numbered("DV-VIDE", 2));
    const run = await sync(world);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(statuses(world, quotes), ["imported", "imported"]);
    assert.doesNotMatch(run.stderr, /Batigest n'importe plus/);
    assert.deepEqual(await listFiles(world.importDir), [], "the empty leftovers removed");
    // Both wait in Batigest's folder at once: it takes them in either order.
    assert.deepEqual(world.batigest.ledger.map((e) => `${e.name} ${e.leftEmpty}`).toSorted(), [
      "DV-VIDE-1.xml true",
      "DV-VIDE-2.xml true",
    ]);
    // A correction of DV-VIDE-1, exported later: its name is free again.
    const again = world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-VIDE-1",
      files: { xml: quoteXml("DV-VIDE-1", { lines: 3 }) },
    });
    const later = await sync(world);
    assert.equal(later.code, 0, later.stdout + later.stderr);
    assert.equal(world.saxium.exports.get(again.id)!.status, "imported");
    assert.deepEqual(world.batigest.ledger.map((e) => e.name).slice(2), ["DV-VIDE-1.xml"]);
    assert.equal(world.batigest.ledger.length, 3);
    assert.deepEqual(await listFiles(world.importDir), []);
    assert.equal((await doctorTraces(world)).status, "OK");
  });
});

Deno.test({
  name:
    "Batigest takes one later document, then stays closed 4 days: no refusal at +4 days (exit 5, nothing in error); open and passing it by again: refused",
  ignore: faketimeMissing("the holiday test"),
  fn: async () => {
    const left = "DV-CONGES-2.xml";
    await withWorld({ passesBy: (name) => name === left }, async (world) => {
      // Listed newest first: DV-CONGES-2 (added last) is published first.
      const [second, first] = addQuotes(world.saxium, numbered("DV-CONGES", 2));
      const before = await sync(world, 1);
      assert.equal(before.code, 5, before.stdout + before.stderr);
      assert.deepEqual(statuses(world, [first, second]), ["ready", "imported"]);
      world.batigest.stop(); // closed for the holidays
      const args = ["sync", "--once", "--import-timeout", "1"];
      const back = await runAgentAt(world, "+4d", args);
      assert.equal(back.code, 5, back.stdout + back.stderr);
      assert.equal(world.saxium.exports.get(first.id)!.status, "ready", "nothing in error");
      assert.ok(world.saxium.requests.every((r) => !r.path.includes("mark-error")));
      assert.doesNotMatch(back.stderr, /\[ERROR\]/);
      assert.ok((await listFiles(world.importDir)).includes(left), "still waiting for Batigest");
      // Open again, four days on: it takes the next document and still not this one.
      world.batigest.start();
      const [third] = addQuotes(world.saxium, numbered("DV-CONGES-SUITE", 1));
      const open = await runAgentAt(world, "+4d", args);
      assert.equal(open.code, 1, open.stdout + open.stderr);
      assert.deepEqual(statuses(world, [first, third]), ["error", "imported"]);
      assert.match(
        world.saxium.exports.get(first.id)!.errorMessage!,
        /Batigest n'a pas importé DV-CONGES-2\.xml en 72 h, alors qu'il importait d'autres documents/,
      );
    });
  },
});
