/**
 * Saxium's odd answers and the agent's own memory (issue 12), end to end:
 * the agent as a subprocess under its own permission set, against the
 * simulators. Each case checks what a user sees: each document imported
 * exactly once, the queue never blocked by one export, the exit code and the
 * French line.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  type AgentRun,
  asideDelaysRunOut,
  listFiles,
  runAgent,
  spawnAgent,
  withWorld,
  type World,
} from "../support/agent_process.ts";
import { quoteXml } from "../support/documents.ts";

function sync(world: World, ...extra: string[]): Promise<AgentRun> {
  return runAgent(world, ["sync", "--once", ...extra]);
}

function addQuote(world: World, ref: string) {
  return world.saxium.addExport({
    documentType: "devis_client",
    documentReference: ref,
    files: { xml: quoteXml(ref) },
  });
}

/** How many times Batigest consumed a file of this reference. */
function consumed(world: World, ref: string): number {
  return world.batigest.ledger.filter((e) => e.name.startsWith(ref)).length;
}

function output(run: AgentRun): string {
  return run.stdout + run.stderr;
}

Deno.test("mark-synced answering 409: already synced, acknowledged and archived, exit 0", async () => {
  await withWorld({}, async (world) => {
    const quote = addQuote(world, "DV-409");
    world.saxium.addFault({
      route: "mark-synced",
      exportId: quote.id,
      fault: { status: 409, body: '{"success":false,"message":"Export déjà importé"}' },
    });
    const run = await sync(world);
    assert.equal(run.code, 0, output(run));
    assert.match(
      output(run),
      /Saxium sait déjà que l'export DV-409 \[[0-9a-f]{8}\] est synchronisé/,
    );
    assert.equal(consumed(world, "DV-409"), 1);
    assert.equal((await listFiles(nodePath.join(world.workDir, "Archive"))).length, 1);
  });
});

Deno.test("mark-synced answering 410 or 404: the export is gone, archived with a WARNING, never delivered again", async () => {
  await withWorld({}, async (world) => {
    const gone = addQuote(world, "DV-GONE");
    const missing = addQuote(world, "DV-MISSING");
    world.saxium.addFault({ route: "mark-synced", exportId: gone.id, fault: { status: 410 } });
    world.saxium.addFault({ route: "mark-synced", exportId: missing.id, fault: { status: 404 } });
    const first = await sync(world);
    assert.equal(first.code, 0, output(first));
    assert.match(
      output(first),
      /\[WARNING\] L'export DV-GONE \[[0-9a-f]{8}\] n'existe plus dans Saxium .* jamais redéposé/,
    );
    // Saxium still lists them: acknowledged again at most, never delivered again.
    world.saxium.clearFaults();
    const second = await sync(world);
    assert.equal(second.code, 0, output(second));
    assert.equal(consumed(world, "DV-GONE"), 1);
    assert.equal(consumed(world, "DV-MISSING"), 1);
  });
});

Deno.test("a refused acknowledgement (422, success:false) sets that export aside; the others are delivered, exit 1 not 3", async () => {
  await withWorld({}, async (world) => {
    const refused = addQuote(world, "DV-REFUS");
    const falsy = addQuote(world, "DV-FALSE");
    world.saxium.addFault({
      route: "mark-synced",
      exportId: refused.id,
      fault: { status: 422, body: '{"success":false,"message":"batigestReference invalide"}' },
    });
    world.saxium.addFault({
      route: "mark-synced",
      exportId: falsy.id,
      fault: { status: 200, body: '{"success":false,"message":"Refusé"}' },
    });
    const first = await sync(world);
    assert.equal(first.code, 1, output(first));
    assert.match(output(first), /\[ERROR\] Export DV-REFUS \[[0-9a-f]{8}\] mis de côté : .*422/);
    assert.match(output(first), /\[ERROR\] Export DV-FALSE \[[0-9a-f]{8}\] mis de côté/);
    assert.doesNotMatch(output(first), /injoignable/);

    // Later exports are never blocked by the two set aside.
    const later = addQuote(world, "DV-APRES");
    const second = await sync(world);
    assert.equal(second.code, 1, output(second));
    assert.equal(world.saxium.exports.get(later.id)!.status, "imported");

    const status = await runAgent(world, ["status"]);
    assert.match(output(status), /Export DV-REFUS \[[0-9a-f]{8}\] mis de côté/);

    world.saxium.clearFaults();
    // Refused twice: each waits its delay before it is asked about again.
    const early = await sync(world);
    assert.equal(early.code, 1, output(early));
    assert.equal(
      world.saxium.exports.get(refused.id)!.status,
      "ready",
      "not asked before its time",
    );
    asideDelaysRunOut(world.workDir);
    const third = await sync(world);
    assert.equal(third.code, 0, output(third));
    for (const ref of ["DV-REFUS", "DV-FALSE", "DV-APRES"]) {
      assert.equal(consumed(world, ref), 1, ref);
    }
    assert.equal(world.saxium.exports.get(refused.id)!.status, "imported");
  });
});

Deno.test("mark-error answering 422 leaves that export aside, the next ones go on", async () => {
  await withWorld({}, async (world) => {
    const broken = world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-CASSE",
      files: { xml: "<Devis><pas fermé>" },
    });
    const good = addQuote(world, "DV-BON");
    world.saxium.addFault({ route: "mark-error", exportId: broken.id, fault: { status: 422 } });
    const run = await sync(world);
    assert.equal(run.code, 1, output(run));
    assert.match(output(run), /Export DV-CASSE \[[0-9a-f]{8}\] mis de côté/);
    assert.equal(world.saxium.exports.get(good.id)!.status, "imported");
  });
});

Deno.test("the same export twice in a list and with its id in upper case: one export, imported once", async () => {
  await withWorld({}, async (world) => {
    const quotes = ["DV-CASE-0", "DV-CASE-1", "DV-CASE-2"].map((ref) => addQuote(world, ref));
    world.saxium.listQuirks = { duplicates: 1, caseFlips: 0.5 };
    const first = await sync(world);
    assert.equal(first.code, 0, output(first));
    // Listed again with the other case before being acknowledged.
    world.saxium.exports.get(quotes[0].id)!.status = "ready";
    world.saxium.listQuirks = { duplicates: 1, caseFlips: 1 };
    const second = await sync(world);
    assert.equal(second.code, 0, output(second));
    for (const quote of quotes) assert.equal(consumed(world, quote.documentReference), 1);
    assert.deepEqual(
      world.batigest.ledger.map((e) => e.name).filter((n) => n.includes("(2)")),
      [],
    );
  });
});

Deno.test("ids that are not UUIDs are reported once and never starve the queue", async () => {
  await withWorld({}, async (world) => {
    world.saxium.listQuirks = {
      head: ["pas-un-uuid", "12345"].map((id) => ({
        id,
        documentType: "devis_client",
        documentReference: `REF-${id}`,
        retryCount: 0,
      })),
    };
    const quote = addQuote(world, "DV-DERRIERE");
    const first = await sync(world, "--batch-size", "2");
    assert.equal(first.code, 1, output(first));
    assert.match(output(first), /\[ERROR\] Export ignoré : identifiant « pas-un-uuid »/);
    assert.equal(world.saxium.exports.get(quote.id)!.status, "imported");
    const second = await sync(world, "--batch-size", "2");
    assert.equal(second.code, 0, output(second));
    assert.doesNotMatch(output(second), /ERROR/);
  });
});

Deno.test("journal deleted after a delivery whose acknowledgement failed: acknowledged, never delivered again", async () => {
  await withWorld({}, async (world) => {
    const quote = addQuote(world, "DV-MEMOIRE");
    world.saxium.addFault({ route: "mark-synced", fault: { status: 503 } });
    const first = await sync(world);
    // That export alone fails: set aside, Saxium itself answers (not exit 3).
    assert.equal(first.code, 0, output(first));
    assert.match(
      output(first),
      /\[WARNING\] Export DV-MEMOIRE \[[0-9a-f]{8}\] mis de côté : accusé de réception refusé/,
    );
    assert.equal(consumed(world, "DV-MEMOIRE"), 1);
    for (const name of ["journal.db", "journal.db-wal", "journal.db-shm"]) {
      await Deno.remove(nodePath.join(world.workDir, "State", name)).catch(() => {});
    }
    world.saxium.clearFaults();
    const second = await sync(world);
    assert.equal(second.code, 0, output(second));
    assert.match(output(second), /déjà été déposé dans Batigest .* sans être redéposé/);
    assert.equal(consumed(world, "DV-MEMOIRE"), 1);
    assert.equal(world.saxium.exports.get(quote.id)!.status, "imported");
  });
});

Deno.test("a damaged journal stops the run with exit 2 and one French line; status and doctor say so", async () => {
  await withWorld({}, async (world) => {
    addQuote(world, "DV-AVANT");
    assert.equal((await sync(world)).code, 0);
    const path = nodePath.join(world.workDir, "State", "journal.db");
    for (const name of ["journal.db-wal", "journal.db-shm"]) {
      await Deno.remove(nodePath.join(world.workDir, "State", name)).catch(() => {});
    }
    await Deno.writeTextFile(path, "ceci n'est pas une base SQLite ".repeat(200));
    addQuote(world, "DV-APRES");
    const run = await sync(world);
    assert.equal(run.code, 2, output(run));
    assert.match(output(run), /Le journal de l'agent .* est endommagé .* Renommez-le/);
    assert.doesNotMatch(output(run), /Erreur inattendue/);
    assert.equal(consumed(world, "DV-APRES"), 0, "nothing done");
    const log = (await listFiles(nodePath.join(world.workDir, "Logs")))[0];
    const logText = await Deno.readTextFile(nodePath.join(world.workDir, "Logs", log));
    assert.match(logText, /\[ERROR\] Le journal de l'agent/);
    const status = await runAgent(world, ["status"]);
    assert.notEqual(status.code, 0);
    assert.match(output(status), /Le journal de l'agent .* est endommagé/);
    const doctor = await runAgent(world, ["doctor"]);
    assert.match(output(doctor), /Journal de l'agent .*endommagé/);
  });
});

Deno.test("Ctrl-C in loop mode while Saxium hangs: the run ends within seconds", async () => {
  await withWorld({}, async (world) => {
    addQuote(world, "DV-STOP");
    world.saxium.addFault({ route: "pending", fault: "hang" });
    const child = spawnAgent(world, ["sync"]);
    const output = child.output();
    while (world.saxium.requests.length === 0) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGINT");
    // Generous bound: the run must end by itself well before this kill.
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    const out = await output;
    clearTimeout(timer);
    assert.notEqual(out.signal, "SIGKILL", "still running 5 s after Ctrl-C");
    assert.match(new TextDecoder().decode(out.stderr), /Arrêt demandé/);
  });
});

Deno.test("Ctrl-C while Batigest is closed: the document stays delivered, not in error, and the next run resumes", async () => {
  await withWorld({ batigestStopped: true }, async (world) => {
    const quote = addQuote(world, "DV-FERME");
    const child = spawnAgent(world, ["sync", "--once", "--import-timeout", "120"]);
    const output = child.output();
    while (!(await listFiles(world.importDir)).some((f) => f.endsWith(".xml"))) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    const out = await output;
    clearTimeout(timer);
    assert.notEqual(out.signal, "SIGKILL", "still running 5 s after Ctrl-C");
    assert.equal(world.saxium.exports.get(quote.id)!.status, "ready", "not marked in error");
    world.batigest.start();
    const next = await sync(world);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.equal(consumed(world, "DV-FERME"), 1);
  });
});
