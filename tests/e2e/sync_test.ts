/**
 * End to end: the agent as a subprocess under its own permission set, against
 * the Saxium and Batigest simulators, checked by what a user would see:
 * exit codes, Batigest's ledger, Saxium's record, the folders and the logs.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  type AgentRun,
  everythingWritten,
  listFiles,
  logText,
  makeWorld,
  runAgent,
  spawnAgent,
  TEST_TOKEN,
  type World,
  type WorldOptions,
} from "../support/agent_process.ts";
import { orderCsv, orderXml, quoteCsv, quoteXml } from "../support/documents.ts";
import { sha256Hex } from "../support/crash_harness.ts";

async function withWorld(
  options: WorldOptions,
  body: (world: World, runs: AgentRun[]) => Promise<void>,
): Promise<void> {
  const world = await makeWorld(options);
  const runs: AgentRun[] = [];
  try {
    await body(world, runs);
    // Whatever happened, the token never shows in any output or log, and the
    // canary outside the two folders is untouched.
    const written = await everythingWritten(world, runs);
    assert.ok(!written.includes(TEST_TOKEN), "le jeton apparaît dans une sortie ou un journal");
    assert.deepEqual(await listFiles(world.outsideDir), ["canary.txt"]);
    assert.deepEqual(
      (await listFiles(world.root)).filter((f) => !/^(work|import|outside)\//.test(f)),
      [],
      "fichier écrit hors des deux dossiers",
    );
  } finally {
    await world.close();
  }
}

async function sync(world: World, runs: AgentRun[], ...extra: string[]): Promise<AgentRun> {
  const run = await runAgent(world, ["sync", "--once", ...extra]);
  runs.push(run);
  return run;
}

function addQuote(world: World, ref: string, withCsv = false) {
  return world.saxium.addExport({
    documentType: "devis_client",
    documentReference: ref,
    files: withCsv ? { xml: quoteXml(ref), csv: quoteCsv(ref) } : { xml: quoteXml(ref) },
  });
}

function addOrder(world: World, ref: string, withCsv = false) {
  return world.saxium.addExport({
    documentType: "bon_commande",
    documentReference: ref,
    files: withCsv ? { xml: orderXml(ref), csv: orderCsv(ref) } : { xml: orderXml(ref) },
  });
}

function ledgerNames(world: World): string[] {
  return world.batigest.ledger.map((e) => e.name).sort();
}

function requestsTo(world: World, route: string): number {
  return world.saxium.requests.filter((r) => r.path.includes(route)).length;
}

Deno.test("a quote and an order are delivered, imported once, acknowledged and archived", async () => {
  await withWorld({ consumeDelayMs: 20 }, async (world, runs) => {
    const quote = addQuote(world, "DV-1730000000001");
    const order = addOrder(world, "BC-1730000000002");
    const run = await sync(world, runs);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(ledgerNames(world), ["BC-1730000000002.xml", "DV-1730000000001.xml"]);
    const served = await crypto.subtle.digest("SHA-256", new Uint8Array(quote.files.xml!));
    const hex = [...new Uint8Array(served)].map((b) => b.toString(16).padStart(2, "0")).join("");
    assert.equal(
      world.batigest.ledger.find((e) => e.name.startsWith("DV"))!.sha256,
      hex,
      "Batigest a reçu les octets exacts servis par Saxium",
    );
    assert.equal(world.saxium.exports.get(quote.id)!.status, "imported");
    assert.equal(world.saxium.exports.get(order.id)!.status, "imported");
    const synced = world.saxium.requests.find((r) => r.path.endsWith("/mark-synced"))!;
    assert.equal(synced.headers["authorization"], `Bearer ${TEST_TOKEN}`);
    assert.equal(synced.headers["x-agent-id"], "SRV-TEST");
    assert.match(synced.headers["user-agent"], /^saxium-batigest-agent\/\d+\.\d+\.\d+/);
    const files = await listFiles(world.workDir);
    assert.equal(
      files.filter((f) => /^Archive\/\d{4}-\d\d-\d\d-\d{6}-DV-1730000000001\.xml$/.test(f)).length,
      1,
    );
    assert.equal(files.filter((f) => f.startsWith("Archive/")).length, 2);
    assert.deepEqual(files.filter((f) => /^(Downloads|ToImport|Errors)\//.test(f)), []);
    assert.deepEqual(await listFiles(world.importDir), []);
    assert.match(run.stdout, /2 synchronisés, 0 en erreur/);
    const log = files.find((f) => f.startsWith("Logs/sync-"))!;
    // The day's file starts with a UTF-8 BOM (for Windows PowerShell 5.1).
    const lines = (await Deno.readTextFile(nodePath.join(world.workDir, log))).replace(
      /^\uFEFF/,
      "",
    )
      .trimEnd().split(
        "\r\n",
      );
    for (const line of lines) {
      assert.match(line, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \[(DEBUG|INFO|WARNING|ERROR)\] \S/);
    }
    // A second pass has nothing to do and delivers nothing again.
    assert.equal((await sync(world, runs)).code, 0);
    assert.equal(world.batigest.ledger.length, 2);
  });
});

Deno.test("formats xml,csv: both files of each document are delivered and acknowledged once", async () => {
  await withWorld({}, async (world, runs) => {
    addQuote(world, "DV-1", true);
    addOrder(world, "BC-2", true);
    const run = await sync(world, runs, "--formats", "xml,csv");
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(ledgerNames(world), ["BC-2.csv", "BC-2.xml", "DV-1.csv", "DV-1.xml"]);
    assert.equal(requestsTo(world, "/mark-synced"), 2);
    const downloads = world.saxium.requests.filter((r) => r.path.endsWith("/download"));
    assert.deepEqual(downloads.map((r) => r.query.format).sort(), ["csv", "csv", "xml", "xml"]);
  });
});

Deno.test("transient 5xx on the list and a download are retried, then the pass succeeds", async () => {
  await withWorld({}, async (world, runs) => {
    addQuote(world, "DV-5XX");
    world.saxium.addFault({ route: "pending", times: 2, fault: { status: 503 } });
    world.saxium.addFault({ route: "download", times: 1, fault: { status: 502 } });
    const run = await sync(world, runs, "--verbose");
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(ledgerNames(world), ["DV-5XX.xml"]);
    // Retries are one short DEBUG line each, without the advice meant for the final error.
    const retries = run.stdout.split("\n").filter((l) => l.includes("nouvel essai"));
    assert.equal(retries.length, 3, run.stdout);
    for (const line of retries) {
      assert.match(line, /\[DEBUG\] Saxium : .* ; nouvel essai n°\d dans \d+,\d s\.$/);
      assert.doesNotMatch(line, /réessayez|vérifiez|prévenez/);
    }
    assert.doesNotMatch(run.stderr, /nouvel essai/);
  });
});

Deno.test("mark-synced failing for a whole run: that export set aside, then the next run acknowledges without a second delivery", async () => {
  await withWorld({}, async (world, runs) => {
    const quote = addQuote(world, "DV-ACK");
    world.saxium.addFault({ route: "mark-synced", fault: { status: 500 } });
    const first = await sync(world, runs);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(
      first.stderr,
      /\[WARNING\] Export DV-ACK \[[0-9a-f]{8}\] mis de côté : accusé de réception refusé : .*HTTP 500/,
    );
    assert.deepEqual(ledgerNames(world), ["DV-ACK.xml"]);
    assert.equal(world.saxium.exports.get(quote.id)!.status, "ready");
    world.saxium.clearFaults();
    const second = await sync(world, runs);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(world.batigest.ledger.length, 1, "le document n'est pas redéposé");
    assert.equal(world.saxium.exports.get(quote.id)!.status, "imported");
  });
});

Deno.test("Batigest stopped: the document waits in its folder, nothing in error, exit 5; started: imported once", async () => {
  await withWorld({ batigestStopped: true }, async (world, runs) => {
    const quote = addQuote(world, "DV-STOP");
    const run = await sync(world, runs, "--import-timeout", "1");
    assert.equal(run.code, 5, run.stdout + run.stderr);
    assert.match(run.stderr, /\[WARNING\] .*Batigest n'importe plus depuis .*rien n'est perdu/);
    assert.ok((await listFiles(world.importDir)).includes("DV-STOP.xml"), "laissé pour Batigest");
    assert.equal(world.saxium.exports.get(quote.id)!.status, "ready", "rien en erreur");
    assert.deepEqual((await listFiles(world.workDir)).filter((f) => f.startsWith("Errors/")), []);
    world.batigest.start();
    assert.equal((await sync(world, runs, "--import-timeout", "1")).code, 0);
    assert.equal(world.batigest.ledger.length, 1);
    assert.equal(world.saxium.exports.get(quote.id)!.status, "imported");
    assert.deepEqual(
      await listFiles(world.importDir),
      [],
      "plus rien n'attend, la marque est retirée",
    );
  });
});

Deno.test("malformed XML and a DOCTYPE bomb are refused, never reach Batigest; the others pass", async () => {
  await withWorld({}, async (world, runs) => {
    const broken = world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-BROKEN",
      files: { xml: quoteXml("DV-BROKEN").replace("</Lignes>", "</Ligne>") },
    });
    const bomb = world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-BOMB",
      files: {
        xml:
          `<?xml version="1.0"?><!DOCTYPE Devis [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Devis><Reference>&b;</Reference></Devis>`,
      },
    });
    addOrder(world, "BC-GOOD");
    const run = await sync(world, runs);
    assert.equal(run.code, 1);
    assert.deepEqual(ledgerNames(world), ["BC-GOOD.xml"]);
    assert.equal(world.saxium.exports.get(broken.id)!.status, "error");
    assert.equal(world.saxium.exports.get(bomb.id)!.status, "error");
    assert.match(world.saxium.exports.get(bomb.id)!.errorMessage!, /DOCTYPE/);
    const errors = (await listFiles(world.workDir)).filter((f) => f.startsWith("Errors/"));
    assert.equal(errors.length, 4, errors.join(", "));
  });
});

Deno.test("hostile references never escape the two folders and stay readable names", async () => {
  await withWorld({}, async (world, runs) => {
    const hostile = [
      "..\\..\\x",
      "../../outside/canary",
      "CON",
      "a:b*?",
      "x".repeat(300),
      "C:\\Windows\\evil",
    ];
    for (const ref of hostile) {
      world.saxium.addExport({
        documentType: "devis_client",
        documentReference: ref,
        files: { xml: quoteXml(ref) },
      });
    }
    const run = await sync(world, runs);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(world.batigest.ledger.length, hostile.length);
    for (const { name } of world.batigest.ledger) {
      assert.ok(!/[\\/:*?"<>|]/.test(name), name);
      assert.ok(name.length <= 110, name);
      assert.ok(!/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(name), name);
    }
    assert.equal(
      await Deno.readTextFile(nodePath.join(world.outsideDir, "canary.txt")),
      "ne pas toucher",
    );
  });
});

Deno.test("two exports of the same document: only the newest reaches Batigest, never over a file of that name", async () => {
  await withWorld({ batigestStopped: true }, async (world, runs) => {
    const older = addQuote(world, "DV-TWIN");
    const newer = world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-TWIN",
      files: { xml: quoteXml("DV-TWIN", { lines: 3 }) },
    });
    // A file of that name already waits in the import folder (not yet consumed).
    await Deno.writeTextFile(nodePath.join(world.importDir, "dv-twin.xml"), "déjà là");
    const child = spawnAgent(world, ["sync", "--once", "--import-timeout", "20"]);
    // Let Batigest take the files once the newest version has been placed.
    await waitFor(async () =>
      (await listFiles(world.importDir)).some((f) => /^DV-TWIN \(\d\)\.xml$/.test(f))
    );
    const stranger = nodePath.join(world.importDir, "dv-twin.xml");
    assert.equal(await Deno.readTextFile(stranger), "déjà là", "jamais écrasé");
    await Deno.remove(stranger);
    world.batigest.start();
    const out = await child.output();
    runs.push({ code: out.code, stdout: new TextDecoder().decode(out.stdout), stderr: "" });
    assert.equal(out.code, 0);
    assert.equal(world.batigest.ledger.length, 1, "une seule version importée");
    assert.equal(
      world.batigest.ledger[0].sha256,
      await sha256Hex(newer.files.xml!),
      "la plus récente",
    );
    assert.equal(world.saxium.exports.get(newer.id)!.status, "imported");
    const replaced = world.saxium.exports.get(older.id)!;
    assert.equal(replaced.status, "error");
    assert.match(replaced.errorMessage!, /^Remplacé par une version plus récente du même document/);
    // The import, and the replaced copy if it was downloaded before the newer one was known.
    const archived = (await listFiles(world.workDir)).filter((f) => f.startsWith("Archive/"));
    assert.ok(archived.some((f) => /DV-TWIN \(\d\)\.xml$/.test(f)), archived.join(", "));
    assert.ok(archived.length <= 2, archived.join(", "));
  });
});

Deno.test("401 and a closed port: exit 3, nothing delivered, nothing lost", async () => {
  await withWorld({}, async (world, runs) => {
    const quote = addQuote(world, "DV-AUTH");
    const denied = await runAgent(world, ["sync", "--once"], {
      env: { SAXIUM_TOKEN: "wrong-token-0123456789" },
    });
    runs.push(denied);
    assert.equal(denied.code, 3);
    assert.match(denied.stderr + denied.stdout, /jeton/);
    assert.equal(world.saxium.exports.get(quote.id)!.status, "ready");
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    // The closed port is inside the permissions: a network failure, not a refusal.
    const closed = await runAgent(world, [
      "sync",
      "--once",
      "--api-url",
      `http://127.0.0.1:${port}`,
    ], { extraNetHosts: [`127.0.0.1:${port}`] });
    runs.push(closed);
    assert.equal(closed.code, 3, closed.stderr);
    assert.equal(world.batigest.ledger.length, 0);
  });
});

Deno.test("a missing setting: one French line naming it, exit 2, nothing created", async () => {
  await withWorld({}, async (world, runs) => {
    const run = await runAgent(world, ["sync", "--once"], {
      bareEnv: true,
      env: { SAXIUM_WORK_DIR: world.workDir, BATIGEST_IMPORT_PATH: world.importDir },
    });
    runs.push(run);
    assert.equal(run.code, 2);
    assert.equal(run.stderr.trim().split("\n").length, 1);
    assert.match(run.stderr, /apiUrl/);
    assert.match(run.stderr, /SAXIUM_API_URL/);
    assert.deepEqual(await listFiles(world.workDir), []);
    const missingImport = await runAgent(world, ["sync", "--once"], {
      env: { BATIGEST_IMPORT_PATH: nodePath.join(world.root, "import", "absent") },
    });
    runs.push(missingImport);
    assert.equal(missingImport.code, 2);
    assert.match(missingImport.stderr, /batigestImportDir/);
  });
});

Deno.test("a missing token: exit 2 before any request, the line says where to put it", async () => {
  await withWorld({}, async (world, runs) => {
    addQuote(world, "DV-NOTOKEN");
    const run = await runAgent(world, ["sync", "--once"], { env: { SAXIUM_TOKEN: "" } });
    runs.push(run);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim().split("\n").length, 1);
    assert.match(run.stderr, /token/);
    assert.match(run.stderr, /SAXIUM_TOKEN/);
    assert.match(run.stderr, /agent\.json/);
    assert.equal(world.saxium.requests.length, 0, "aucune requête envoyée à Saxium");
    assert.deepEqual(await listFiles(world.workDir), []);
  });
});

Deno.test("Errors heals: an export refused, fixed and re-sent in Saxium, then imported, leaves Errors", async () => {
  await withWorld({}, async (world, runs) => {
    const good = quoteXml("DV-HEAL");
    const bad = world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-HEAL",
      files: {
        xml: good.replace("</Devis>", ""),
      },
    });
    const other = addQuote(world, "DV-OTHER-ERR");
    other.files.xml = new TextEncoder().encode("<Devis>");
    const first = await sync(world, runs);
    assert.equal(first.code, 1, first.stderr);
    const errorsBefore = (await listFiles(world.workDir)).filter((f) => f.startsWith("Errors/"));
    assert.equal(errorsBefore.length, 4, errorsBefore.join(", "));
    const note = errorsBefore.find((f) => f.includes("DV-HEAL") && f.endsWith(".erreur.txt"))!;
    const noteText = await Deno.readTextFile(nodePath.join(world.workDir, note));
    assert.match(noteText.split("\r\n")[0], /mal formé/);
    assert.match(noteText, new RegExp(`Export Saxium : ${bad.id}`));

    // Fixed in Saxium and exported again: the same export is ready once more.
    bad.files.xml = new TextEncoder().encode(good);
    bad.status = "ready";
    const second = await sync(world, runs);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(world.saxium.exports.get(bad.id)!.status, "imported");
    assert.match(
      second.stdout,
      /2 fichiers laissés dans Errors par un essai précédent sont rangés dans Archive/,
    );
    const files = await listFiles(world.workDir);
    const errorsAfter = files.filter((f) => f.startsWith("Errors/"));
    assert.deepEqual(errorsAfter.filter((f) => f.includes("DV-HEAL")), []);
    assert.equal(errorsAfter.length, 2, "the other export's refusal stays open");
    const archived = files.filter((f) => f.startsWith("Archive/") && f.includes("DV-HEAL"));
    assert.equal(archived.length, 3, archived.join(", ")); // the import, the refused copy, its note

    const status = await runAgent(world, ["status", "--json"]);
    runs.push(status);
    assert.equal(JSON.parse(status.stdout).errorsFolder.files, 1);
  });
});

Deno.test("a backlog says where it stands, and the closing line its time and pace", async () => {
  await withWorld({}, async (world, runs) => {
    for (let i = 0; i < 60; i++) addQuote(world, `DV-BACKLOG-${i}`);
    const run = await sync(world, runs);
    assert.equal(run.code, 0, run.stderr);
    const progress = run.stdout.split("\n").filter((l) => l.includes("Progression"));
    assert.ok(progress.length >= 2, run.stdout);
    assert.match(
      progress[0],
      /\[INFO\] Progression : 25 exports traités sur \d+ connus \(25 synchronisés, 0 en erreur\) ; reste environ \d+ (s|min)\.$/,
    );
    assert.match(
      run.stdout,
      /Fin de la synchronisation : 60 synchronisés, 0 en erreur en \d+ s \(\d+,\d exports\/s\)\./,
    );
  });
});

Deno.test("a second instance exits 4 without touching anything", async () => {
  await withWorld({ batigestStopped: true }, async (world, runs) => {
    addQuote(world, "DV-LOCK");
    const first = spawnAgent(world, ["sync", "--once", "--import-timeout", "20"]);
    await waitFor(async () =>
      (await listFiles(world.importDir)).filter((f) => f.endsWith(".xml")).length === 1
    );
    const second = await runAgent(world, ["sync", "--once"]);
    runs.push(second);
    assert.equal(second.code, 4);
    assert.match(second.stderr, /autre instance/);
    world.batigest.start();
    const out = await first.output();
    assert.equal(out.code, 0);
    assert.equal(world.batigest.ledger.length, 1);
  });
});

Deno.test("sync without --once repeats the pass and stops cleanly on Ctrl-C", async () => {
  await withWorld({}, async (world, runs) => {
    addQuote(world, "DV-LOOP-1");
    const child = spawnAgent(world, ["sync", "--poll-interval", "10", "--verbose"]);
    await waitFor(async () => (await logText(world)).includes("Fin de la synchronisation"));
    addQuote(world, "DV-LOOP-2"); // arrives after the first pass; the second pass takes it
    await waitFor(() => Promise.resolve(world.batigest.ledger.length === 2), 30_000);
    child.kill("SIGINT");
    const out = await child.output();
    const stdout = new TextDecoder().decode(out.stdout);
    runs.push({ code: out.code, stdout, stderr: new TextDecoder().decode(out.stderr) });
    assert.equal(out.code, 0);
    assert.match(stdout, /Agent arrêté/);
    assert.match(stdout, /\[DEBUG\]/, "--verbose writes the detailed lines");
    assert.equal((stdout.match(/Début de la synchronisation/g) ?? []).length, 2);
  });
});

Deno.test("large documents are checked in streamed chunks under the executable's heap limit", async () => {
  await withWorld({}, async (world, runs) => {
    const ref = "DV-GROS";
    const big = world.saxium.addExport({
      documentType: "devis_client",
      documentReference: ref,
      files: {
        xml: quoteXml(ref, { targetBytes: 5 * 1024 * 1024 }),
        csv: quoteCsv(ref, { targetBytes: 15 * 1024 * 1024 }),
      },
    });
    const run = await sync(world, runs, "--formats", "xml,csv");
    assert.equal(run.code, 0, run.stderr.slice(0, 500));
    assert.deepEqual(ledgerNames(world), ["DV-GROS.csv", "DV-GROS.xml"]);
    assert.ok(world.batigest.ledger.every((e) => e.bytes >= 5 * 1024 * 1024));
    assert.equal(world.saxium.exports.get(big.id)!.status, "imported");
  });
});

Deno.test("one run drains a backlog page after page, each document once", async () => {
  await withWorld({ consumeDelayMs: 5 }, async (world, runs) => {
    for (let i = 0; i < 47; i++) addQuote(world, `DV-BACKLOG-${String(i).padStart(2, "0")}`);
    const run = await sync(world, runs, "--batch-size", "5");
    assert.equal(run.code, 0, run.stderr);
    assert.equal(world.batigest.ledger.length, 47);
    assert.equal(new Set(ledgerNames(world)).size, 47);
    assert.ok([...world.saxium.exports.values()].every((e) => e.status === "imported"));
    const pages = requestsTo(world, "/pending");
    assert.ok(pages >= 10 && pages <= 25, `${pages} pages demandées`);
  });
});

Deno.test("with the default batch, the list is asked for again ahead of need, not in a storm", async () => {
  await withWorld({ consumeDelayMs: 0 }, async (world, runs) => {
    for (let i = 0; i < 120; i++) addQuote(world, `DV-AHEAD-${String(i).padStart(3, "0")}`);
    const run = await sync(world, runs);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(new Set(ledgerNames(world)).size, 120);
    assert.equal(world.batigest.ledger.length, 120);
    // Each list of 50 brings the exports not in hand yet (at least 50 - 16
    // downloading - 2 waiting in Batigest's folder - acknowledgements going out).
    const lists = requestsTo(world, "/pending");
    assert.ok(lists >= 4 && lists <= 15, `${lists} listes demandées`);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
