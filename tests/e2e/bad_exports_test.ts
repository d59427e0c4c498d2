/**
 * Bad exports never stop the others; one document, one version; memory that
 * survives losing `State\` (issue 19's findings, the sync side): the real
 * agent as a subprocess under the executable's permission set, against the
 * simulators, checked as an administrator would see it — what Batigest
 * imported, what Saxium was told, the exit code, the log, `status`.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  type AgentRun,
  asideDelaysRunOut,
  listFiles,
  logText,
  runAgent,
  withWorld,
  type World,
} from "../support/agent_process.ts";
import { quoteXml } from "../support/documents.ts";
import {
  FAILPOINT_ENTRY,
  FAILPOINT_ENV,
  KILLED_CODE,
  sha256Hex,
} from "../support/crash_harness.ts";

/** A server error that asks to be tried again at once: the client's retries take no time. */
const NOW = { "retry-after": "0" };

function sync(world: World, ...extra: string[]): Promise<AgentRun> {
  return runAgent(world, ["sync", "--once", ...extra]);
}

function addQuote(world: World, ref: string, options: { lines?: number } = {}) {
  return world.saxium.addExport({
    documentType: "devis_client",
    documentReference: ref,
    files: { xml: quoteXml(ref, options) },
  });
}

function imported(world: World, ref: string): number {
  return world.batigest.ledger.filter((e) => e.name.startsWith(`${ref}.`)).length;
}

function output(run: AgentRun): string {
  return run.stdout + run.stderr;
}

Deno.test("finding 1: one export whose download fails for ever never stops the others; exit 0, set aside, said in status", async () => {
  await withWorld({}, async (world) => {
    const poisoned = addQuote(world, "DV-POISON");
    const others = ["DV-OK-1", "DV-OK-2"].map((ref) => addQuote(world, ref));
    world.saxium.addFault({
      route: "download",
      exportId: poisoned.id,
      fault: { status: 500, headers: NOW },
    });

    const first = await sync(world);
    assert.equal(first.code, 0, output(first));
    for (const e of others) assert.equal(world.saxium.exports.get(e.id)!.status, "imported");
    assert.equal(imported(world, "DV-POISON"), 0);
    assert.match(
      first.stderr,
      /\[WARNING\] Export DV-POISON \[[0-9a-f]{8}\] mis de côté : .*HTTP 500.*Nouvel essai à la prochaine passe ; les autres exports continuent\./,
    );
    assert.doesNotMatch(output(first), /injoignable|\[ERROR\]/);

    // Again at the next pass, then it waits its delay: no request for it meanwhile.
    const second = await sync(world);
    assert.equal(second.code, 0, output(second));
    assert.match(second.stderr, /DV-POISON .*mis de côté .*Nouvel essai à partir du /);
    const asked = world.saxium.requests.filter((r) => r.path.includes(poisoned.id)).length;
    const third = await sync(world);
    assert.equal(third.code, 0, output(third));
    assert.equal(
      world.saxium.requests.filter((r) => r.path.includes(poisoned.id)).length,
      asked,
      "not asked about before its time",
    );
    const status = await runAgent(world, ["status"]);
    assert.match(output(status), /DV-POISON/);
    assert.match(output(status), /mis de côté/);

    // Saxium mended and the delay run out: it goes through, once.
    world.saxium.clearFaults();
    asideDelaysRunOut(world.workDir);
    const fourth = await sync(world);
    assert.equal(fourth.code, 0, output(fourth));
    assert.equal(world.saxium.exports.get(poisoned.id)!.status, "imported");
    assert.equal(imported(world, "DV-POISON"), 1);
  });
});

Deno.test("finding 1: mark-synced and mark-error failing for ever concern their export alone", async () => {
  await withWorld({}, async (world) => {
    const unacknowledged = addQuote(world, "DV-ACCUSE");
    const broken = world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-CASSE",
      files: { xml: quoteXml("DV-CASSE").replace("</Lignes>", "</Ligne>") },
    });
    const fine = addQuote(world, "DV-BIEN");
    world.saxium.addFault({
      route: "mark-synced",
      exportId: unacknowledged.id,
      fault: { status: 500, headers: NOW },
    });
    world.saxium.addFault({
      route: "mark-error",
      exportId: broken.id,
      fault: { status: 503, headers: NOW },
    });
    const run = await sync(world);
    // The broken document is in error (exit 1); nothing is « Saxium injoignable ».
    assert.equal(run.code, 1, output(run));
    assert.doesNotMatch(output(run), /injoignable/);
    assert.equal(world.saxium.exports.get(fine.id)!.status, "imported");
    assert.equal(imported(world, "DV-ACCUSE"), 1, "in Batigest, its acknowledgement waits");
    assert.equal(world.saxium.exports.get(unacknowledged.id)!.status, "ready");
    assert.match(run.stderr, /DV-ACCUSE .*mis de côté : accusé de réception refusé/);
    assert.match(run.stderr, /DV-CASSE .*mis de côté : signalement d'erreur refusé/);

    world.saxium.clearFaults();
    const again = await sync(world);
    assert.equal(again.code, 0, output(again));
    assert.equal(world.saxium.exports.get(unacknowledged.id)!.status, "imported");
    assert.equal(world.saxium.exports.get(broken.id)!.status, "error");
    assert.equal(imported(world, "DV-ACCUSE"), 1, "never delivered again");
  });
});

Deno.test("finding 1: every export failing in a row is Saxium as a whole: exit 3, nothing lost", async () => {
  await withWorld({}, async (world) => {
    const all = ["DV-A", "DV-B", "DV-C", "DV-D"].map((ref) => addQuote(world, ref));
    world.saxium.addFault({ route: "download", fault: { status: 502, headers: NOW } });
    const run = await sync(world);
    assert.equal(run.code, 3, output(run));
    assert.match(output(run), /exports de suite en échec : c'est Saxium, pas eux/);
    world.saxium.clearFaults();
    asideDelaysRunOut(world.workDir);
    assert.equal((await sync(world)).code, 0);
    for (const e of all) assert.equal(world.saxium.exports.get(e.id)!.status, "imported");
    assert.equal(world.batigest.ledger.length, 4);
  });
});

Deno.test("finding 1: several exports failing for ever hold the others back one pass at most", async () => {
  await withWorld({}, async (world) => {
    const poisoned = ["DV-P1", "DV-P2", "DV-P3", "DV-P4"].map((ref) => addQuote(world, ref));
    const good = ["DV-BON1", "DV-BON2"].map((ref) => addQuote(world, ref));
    for (const e of poisoned) {
      world.saxium.addFault({
        route: "download",
        exportId: e.id,
        fault: { status: 500, headers: NOW },
      });
    }
    const first = await sync(world); // perhaps taken for Saxium down: four failures in a row
    assert.ok([1, 3].includes(first.code), output(first));
    asideDelaysRunOut(world.workDir);
    const second = await sync(world);
    assert.equal(second.code, 0, output(second)); // set aside, tried again later: not yet an error
    for (const e of good) assert.equal(world.saxium.exports.get(e.id)!.status, "imported");
    for (const e of poisoned) assert.equal(world.saxium.exports.get(e.id)!.status, "ready");
    assert.doesNotMatch(output(second), /c'est Saxium, pas eux/);
  });
});

Deno.test("finding 3: a corrected re-export while the first waits in Batigest's folder: the older is taken back, only the newer is imported", async () => {
  await withWorld({ batigestStopped: true }, async (world) => {
    const stale = addQuote(world, "DV-100");
    const first = await sync(world, "--import-timeout", "1");
    assert.equal(first.code, 5, output(first));
    assert.deepEqual(
      (await listFiles(world.importDir)).filter((f) => f.endsWith(".xml")),
      ["DV-100.xml"],
    );

    const corrected = addQuote(world, "DV-100", { lines: 3 });
    const second = await sync(world, "--import-timeout", "1");
    assert.ok(second.code === 0 || second.code === 5, output(second));
    const replaced = world.saxium.exports.get(stale.id)!;
    assert.equal(replaced.status, "error");
    assert.match(replaced.errorMessage!, /^Remplacé par une version plus récente du même document/);
    assert.doesNotMatch(output(second), /DV-100 \(2\)\.xml/, "never two versions in the folder");

    world.batigest.start();
    const third = await sync(world, "--import-timeout", "5");
    assert.equal(third.code, 0, output(third));
    assert.equal(world.batigest.ledger.length, 1, "one version imported");
    assert.equal(world.batigest.ledger[0].sha256, await sha256Hex(corrected.files.xml!));
    assert.equal(world.saxium.exports.get(corrected.id)!.status, "imported");
    const history = await runAgent(world, ["history"]);
    assert.match(output(history), /remplacé/);
  });
});

Deno.test("finding 6: exports confirmed but still listed never hide the ones listed after them; said once a pass", async () => {
  await withWorld({}, async (world) => {
    const confirmed = ["DV-VU-1", "DV-VU-2", "DV-VU-3"].map((ref) => addQuote(world, ref));
    assert.equal((await sync(world)).code, 0);
    // Saxium keeps listing them, and they fill a whole batch.
    for (const e of confirmed) world.saxium.exports.get(e.id)!.status = "ready";
    // Generated before them, so listed after them (newest first): relaunched in Saxium, say.
    const fresh = world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-NEUF",
      files: { xml: quoteXml("DV-NEUF") },
      generatedAt: new Date(Date.parse(confirmed[0].generatedAt) - 60_000).toISOString(),
    });
    const run = await sync(world, "--batch-size", "2");
    assert.equal(run.code, 0, output(run));
    assert.equal(world.saxium.exports.get(fresh.id)!.status, "imported");
    assert.equal(world.batigest.ledger.length, 4, "none delivered twice");
    const said = run.stderr.split("\n").filter((l) => /Saxium liste encore/.test(l));
    assert.equal(said.length, 1, run.stderr);
    assert.match(said[0], /\[WARNING\] Saxium liste encore 3 exports déjà confirmés/);
  });
});

Deno.test("finding 7: a download that stalls is not an export in error: exit 0, a WARNING, no ERROR alert", async () => {
  await withWorld({}, async (world) => {
    const slow = addQuote(world, "DV-LENT");
    addQuote(world, "DV-RAPIDE");
    // Cut short at every attempt of the client: it stopped arriving, for this pass.
    world.saxium.addFault({ route: "download", exportId: slow.id, times: 5, fault: "truncate" });
    const run = await sync(world);
    assert.equal(run.code, 0, output(run));
    assert.doesNotMatch(output(run), /\[ERROR\]/);
    assert.match(run.stderr, /\[WARNING\] Export DV-LENT \[[0-9a-f]{8}\] mis de côté/);
    assert.equal((await sync(world)).code, 0);
    assert.equal(world.saxium.exports.get(slow.id)!.status, "imported");
  });
});

Deno.test("finding 9: Errors heals when the same document is imported under a new export id", async () => {
  await withWorld({}, async (world) => {
    world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-SOIN",
      files: { xml: quoteXml("DV-SOIN").replace("</Lignes>", "</Ligne>") },
    });
    assert.equal((await sync(world)).code, 1);
    const errors = () => listFiles(nodePath.join(world.workDir, "Errors"));
    assert.equal((await errors()).length, 2, "the refused copy and its note");
    const fixed = addQuote(world, "DV-SOIN");
    const run = await sync(world);
    assert.equal(run.code, 0, output(run));
    assert.equal(world.saxium.exports.get(fixed.id)!.status, "imported");
    assert.deepEqual(await errors(), [], "nothing left to deal with");
    const doctor = await runAgent(world, ["doctor"]);
    assert.doesNotMatch(output(doctor), /renvoyez l'export/);
  });
});

Deno.test("finding 13: State emptied between Batigest's import and the acknowledgement: acknowledged, never delivered again", async () => {
  await withWorld({}, async (world) => {
    const quote = addQuote(world, "DV-MEMOIRE");
    world.saxium.addFault({ route: "mark-synced", fault: { status: 500, headers: NOW } });
    assert.equal((await sync(world)).code, 0);
    assert.equal(imported(world, "DV-MEMOIRE"), 1);
    assert.equal(world.saxium.exports.get(quote.id)!.status, "ready");
    await Deno.remove(nodePath.join(world.workDir, "State"), { recursive: true });
    world.saxium.clearFaults();
    const run = await sync(world);
    assert.equal(run.code, 0, output(run));
    assert.match(output(run), /déjà été déposé dans Batigest .* sans être redéposé/);
    assert.equal(imported(world, "DV-MEMOIRE"), 1, "never delivered again");
    assert.equal(world.saxium.exports.get(quote.id)!.status, "imported");
  });
});

Deno.test("finding 13: State emptied while Batigest refused a document (renamed .err): in error, never marked synced", async () => {
  const traces = {
    renamesRefused: { select: (n: string) => n === "DV-REFUSE.xml", to: (n: string) => `${n}.err` },
  };
  await withWorld({ traces }, async (world) => {
    world.batigest.stop();
    const quote = addQuote(world, "DV-REFUSE");
    const first = await sync(world, "--import-timeout", "1");
    assert.ok((await listFiles(world.importDir)).includes("DV-REFUSE.xml"), output(first));
    await Deno.remove(nodePath.join(world.workDir, "State"), { recursive: true });
    world.batigest.start(); // refuses it while the agent has forgotten it
    for (
      let i = 0;
      i < 100 && !(await listFiles(world.importDir)).includes("DV-REFUSE.xml.err");
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const run = await sync(world);
    assert.equal(run.code, 1, output(run));
    assert.equal(world.saxium.exports.get(quote.id)!.status, "error");
    assert.match(
      world.saxium.exports.get(quote.id)!.errorMessage!,
      /renommé en DV-REFUSE\.xml\.err/,
    );
    assert.equal(
      world.saxium.requests.filter((r) =>
        r.path.includes(quote.id) && r.path.endsWith("mark-synced")
      ).length,
      0,
      "never said synced",
    );
  });
});

Deno.test("finding 13: State and the receipts lost while a document is in flight: exit 2, naming it, nothing done", async () => {
  await withWorld({}, async (world) => {
    const quote = addQuote(world, "DV-PERDU");
    world.saxium.addFault({ route: "mark-synced", fault: { status: 500, headers: NOW } });
    assert.equal((await sync(world)).code, 0);
    for (const folder of ["State", "Receipts"]) {
      await Deno.remove(nodePath.join(world.workDir, folder), { recursive: true });
    }
    world.saxium.clearFaults();
    const before = world.saxium.requests.length;
    const run = await sync(world);
    assert.equal(run.code, 2, output(run));
    assert.match(
      output(run),
      /Le journal de l'agent .* a disparu ou a été vidé alors que des documents étaient en cours, et aucun reçu ne dit s'ils sont déjà dans Batigest : DV-PERDU\. Rien n'a été fait\./,
    );
    assert.equal(world.saxium.requests.length, before, "no request to Saxium");
    const again = await sync(world);
    assert.equal(again.code, 2, `the next run stops too: ${output(again)}`);
    assert.match(output(again), /DV-PERDU\. Rien n'a été fait\./);
    assert.equal(imported(world, "DV-PERDU"), 1, "never delivered again");
    assert.equal(world.saxium.exports.get(quote.id)!.status, "ready");
  });
});

Deno.test("finding 13: State emptied while a document was only downloaded: taken up again, delivered once", async () => {
  await withWorld({}, async (world) => {
    addQuote(world, "DV-PREMIER");
    assert.equal((await sync(world)).code, 0); // the receipts' note is written
    const quote = addQuote(world, "DV-TELECHARGE");
    // Killed after the download, before staging: a copy in ToImport, no receipt.
    const killed = await runAgent(world, ["sync", "--once"], {
      entry: FAILPOINT_ENTRY,
      extraEnv: [...FAILPOINT_ENV],
      env: { AGENT_FAILPOINT: "after-journal-ready", AGENT_FAILPOINT_HIT: "1" },
    });
    assert.equal(killed.code, KILLED_CODE, output(killed));
    await Deno.remove(nodePath.join(world.workDir, "State"), { recursive: true });
    const run = await sync(world);
    assert.equal(run.code, 0, output(run));
    assert.equal(imported(world, "DV-TELECHARGE"), 1);
    assert.equal(world.saxium.exports.get(quote.id)!.status, "imported");
    assert.deepEqual(await listFiles(nodePath.join(world.workDir, "ToImport")), []);
  });
});

Deno.test("finding 14: a short token is refused; a bidirectional override is shown as ? in the log and in history", async () => {
  await withWorld({}, async (world) => {
    const short = await runAgent(world, ["sync", "--once"], { env: { SAXIUM_TOKEN: "x" } });
    assert.equal(short.code, 2, output(short));
    assert.match(short.stderr, /SAXIUM_TOKEN refusée : 1 caractère, trop court/);

    const ref = "DV-7\u202Egpj.exe";
    world.saxium.addExport({
      documentType: "devis_client",
      documentReference: ref,
      files: { xml: quoteXml(ref) },
    });
    assert.equal((await sync(world)).code, 0); // delivered under a safe name
    const log = await logText(world);
    assert.doesNotMatch(log, /\u202E/);
    assert.match(log, /DV-7\?gpj\.exe/);
    const history = await runAgent(world, ["history"]);
    assert.doesNotMatch(output(history), /\u202E/);
  });
});
