/**
 * What Saxium holds but does not offer (issue 20), end to end: the agent as
 * a subprocess under its permission set, against the simulator answering as
 * the real server does, with its queue's gap (`queueGap`: exports created
 * `ready`, only `pending` listed) and its counts capped at 50. What the
 * administrator reads in `status` and `doctor`: how many exports Saxium holds
 * back, that it is Saxium's fault, and what fixes it; a capped count as
 * « 50 ou plus ».
 */

import assert from "node:assert/strict";
import { type AgentRun, runAgent, withWorld, type World } from "../support/agent_process.ts";
import { addQuotes } from "../support/documents.ts";

const HELD_BACK =
  "Saxium détient 3 exports (statut « ready ») qu'il ne propose pas à l'agent : c'est un défaut de Saxium, pas de l'agent. " +
  "Saxium doit proposer les exports « ready » dans sa liste des exports en attente : voir saxium_side/README.md " +
  "(« Ouvrir la file ») et le README de l'agent, « Ce que Saxium doit fournir ».";

/** `status`'s line about Saxium. */
function saxiumLine(run: AgentRun): string {
  const line = run.stdout.split("\n").find((l) => l.startsWith("Saxium "));
  assert.ok(line, run.stdout + run.stderr);
  return line.replace(/^Saxium +: /, "");
}

/** `doctor --json`'s check of Saxium's queue. */
async function queueCheck(world: World) {
  const doctor = await runAgent(world, ["doctor", "--json"]);
  const report = JSON.parse(doctor.stdout) as {
    checks: { id: string; status: string; detail: string; fix?: string }[];
  };
  const check = report.checks.find((c) => c.id === "saxium-queue");
  assert.ok(check, doctor.stdout);
  return check;
}

function pendingLimits(world: World): string[] {
  return world.saxium.requests.filter((r) => r.path.endsWith("/pending"))
    .map((r) => r.query.limit);
}

Deno.test("Saxium's queue with its gap: status and doctor say it holds 3 exports it does not offer, its fault and the fix; fixed, they are synced", async () => {
  await withWorld({ queueGap: true }, async (world) => {
    const quotes = addQuotes(world.saxium, [
      "DV-1730000000801",
      "DV-1730000000802",
      "DV-1730000000803",
    ]);
    const sync = await runAgent(world, ["sync", "--once"]);
    assert.equal(sync.code, 0, sync.stdout + sync.stderr);
    assert.equal(world.batigest.ledger.length, 0, "nothing offered, nothing delivered");

    world.saxium.requests.length = 0;
    const status = await runAgent(world, ["status"]);
    assert.notEqual(status.code, 0, "not healthy");
    assert.equal(
      saxiumLine(status),
      "joignable ; 3 en attente que Saxium ne propose pas à l'agent, 0 importé, 0 en erreur : " +
        "file bloquée côté Saxium",
    );
    assert.ok(status.stdout.includes(`  - ${HELD_BACK}\n`), status.stdout);
    assert.doesNotMatch(status.stdout, /file saine/);
    // One export asked for is enough to know the list offers none of them.
    assert.deepEqual(pendingLimits(world), ["1"]);

    const json = JSON.parse((await runAgent(world, ["status", "--json"])).stdout);
    assert.equal(json.notOffered, 3);
    assert.equal(json.server.ready, 3);
    assert.ok(json.problems.includes(HELD_BACK), json.problems.join("\n"));

    const check = await queueCheck(world);
    assert.equal(check.status, "WARNING");
    assert.equal(
      `${check.detail} ${check.fix}`,
      HELD_BACK,
      "doctor says the same as status",
    );

    // Saxium adopts the queue change of saxium_side/: the same exports reach the agent.
    world.saxium.queueGap = false;
    const fixed = await runAgent(world, ["sync", "--once"]);
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    for (const q of quotes) assert.equal(world.saxium.exports.get(q.id)!.status, "imported");
    const after = await runAgent(world, ["status"]);
    assert.equal(
      saxiumLine(after),
      "joignable ; 0 en attente, 3 importés, 0 en erreur, file saine",
    );
    assert.doesNotMatch(after.stdout, /ne propose pas/);
    const ok = await queueCheck(world);
    assert.deepEqual([ok.status, ok.detail], ["OK", "rien en attente ; 3 importés, 0 en erreur"]);
  });
});

Deno.test("counts Saxium caps at 50: « 50 ou plus » in status and doctor, the raw figures in status --json", async () => {
  await withWorld({ queueGap: true }, async (world) => {
    for (let i = 0; i < 60; i++) {
      world.saxium.addExport({
        documentType: "devis_client",
        documentReference: `DV-R${i}`,
        files: {},
      });
    }
    for (let i = 0; i < 55; i++) {
      const done = world.saxium.addExport({
        documentType: "devis_client",
        documentReference: `DV-I${i}`,
        files: {},
      });
      done.status = "imported";
    }
    const status = await runAgent(world, ["status"]);
    assert.equal(
      saxiumLine(status),
      "joignable ; 50 ou plus en attente que Saxium ne propose pas à l'agent, 50 ou plus importés, " +
        "0 en erreur : file bloquée côté Saxium",
    );
    assert.match(
      status.stdout,
      / {2}- Saxium détient 50 ou plus exports \(statut « ready »\) qu'il ne propose pas/,
    );
    const json = JSON.parse((await runAgent(world, ["status", "--json"])).stdout);
    assert.deepEqual([json.server.ready, json.server.imported, json.notOffered], [50, 50, 50]);
    const check = await queueCheck(world);
    assert.match(check.detail, /^Saxium détient 50 ou plus exports /);

    // Saxium fixed: the 60 are offered, and the counts still say « 50 ou plus ».
    world.saxium.queueGap = false;
    const fixed = await runAgent(world, ["status"]);
    assert.equal(
      saxiumLine(fixed),
      "joignable ; 50 ou plus en attente, 50 ou plus importés, 0 en erreur, file saine",
    );
    const ok = await queueCheck(world);
    assert.deepEqual(
      [ok.status, ok.detail],
      ["OK", "50 ou plus en attente, proposés à l'agent ; 50 ou plus importés, 0 en erreur"],
    );
  });
});
