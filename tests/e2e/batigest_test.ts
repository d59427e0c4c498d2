/**
 * Batigest's side of life, end to end: the agent as a subprocess under its
 * own permission set, against the simulators. Batigest closed with a
 * backlog, opened again, slow to import, passing a document by; its import
 * folder renamed, replaced or refusing the agent; a clock set back between
 * two runs. Checked by what an administrator sees: exit codes, the lines
 * written, Batigest's ledger, Saxium's record, the folders.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  type AgentRun,
  listFiles,
  logText,
  runAgent,
  spawnAgent,
  withWorld,
  type World,
} from "../support/agent_process.ts";
import { startWebhookReceiver } from "../support/webhook_receiver.ts";
import { addQuotes, numbered, quoteXml } from "../support/documents.ts";
import { deleteJournal, FAILPOINT_ENTRY, sha256Hex } from "../support/crash_harness.ts";
import type { SimExport } from "../support/saxium_simulator.ts";

function sync(world: World, args: string[], timeoutMs = 60_000): Promise<AgentRun> {
  return runAgent(world, ["sync", "--once", ...args], { timeoutMs });
}

/** How many times Batigest imported each export, in order. */
async function importCounts(world: World, exports: SimExport[]): Promise<number[]> {
  const counts = [];
  for (const e of exports) {
    const sha = await sha256Hex(e.files.xml!);
    counts.push(world.batigest.ledger.filter((l) => l.sha256 === sha).length);
  }
  return counts;
}

function statuses(world: World, exports: SimExport[]): string[] {
  return exports.map((e) => world.saxium.exports.get(e.id)!.status);
}

/** Runs passes until every export is synced or `max` passes ran; returns the runs. */
async function syncUntilDone(
  world: World,
  exports: SimExport[],
  options: { args: string[]; max: number },
): Promise<AgentRun[]> {
  const runs = [];
  for (let i = 0; i < options.max; i++) {
    runs.push(await sync(world, options.args));
    if (statuses(world, exports).every((s) => s === "imported")) break;
  }
  return runs;
}

async function waitFor(condition: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const xmlIn = async (dir: string) => (await listFiles(dir)).filter((f) => f.endsWith(".xml"));

Deno.test("Batigest closed with a backlog of 6: one short pass, exit 5, nothing in error; opened: each imported once", async () => {
  await withWorld({ batigestStopped: true }, async (world) => {
    const quotes = addQuotes(world.saxium, numbered("DV-NUIT", 6));
    // Killed (exit 137) if it outlives the timeout by 10 s.
    const closed = await sync(world, ["--import-timeout", "2"], 12_000);
    assert.equal(closed.code, 5, closed.stdout + closed.stderr);
    // Just closed, within its patience: one INFO line, no WARNING.
    assert.doesNotMatch(closed.stderr, /\[WARNING\]/);
    const warnings = closed.stdout.split("\n").filter((l) => l.includes("n'importe plus"));
    assert.equal(warnings.length, 1, closed.stdout);
    assert.match(warnings[0], /\[INFO\]/);
    // In Batigest's working hours it asks what to check; outside them, it says it is normal.
    assert.match(
      warnings[0],
      /Batigest n'importe plus depuis \d\d:\d\d : (est-il ouvert|hors de ses heures de travail)/,
    );
    assert.match(warnings[0], /rien n'est perdu/);
    assert.doesNotMatch(closed.stderr, /\[ERROR\]/);
    assert.deepEqual(statuses(world, quotes), Array(6).fill("ready"), "nothing marked in error");
    assert.ok((await xmlIn(world.importDir)).length <= 2, "the pass stopped publishing");
    assert.deepEqual((await listFiles(world.workDir)).filter((f) => f.startsWith("Errors/")), []);

    // Closed still: the next pass waits on the documents left, publishes nothing more.
    const still = await sync(world, ["--import-timeout", "2"], 12_000);
    assert.equal(still.code, 5, still.stdout + still.stderr);
    assert.ok((await xmlIn(world.importDir)).length <= 2);

    world.batigest.start();
    const runs = await syncUntilDone(world, quotes, { args: ["--import-timeout", "2"], max: 3 });
    assert.equal(runs.at(-1)!.code, 0, runs.at(-1)!.stdout + runs.at(-1)!.stderr);
    assert.deepEqual(await importCounts(world, quotes), Array(6).fill(1));
    assert.deepEqual(statuses(world, quotes), Array(6).fill("imported"));
    assert.deepEqual(await listFiles(world.importDir), []);
  });
});

Deno.test("slow reader (deletes long after reading): never a duplicate, all synced in the end, no mark-error", async () => {
  await withWorld({ slowReadMs: 2_500 }, async (world) => {
    // Added last to first: Saxium lists the newest first, so they are published in name order,
    // the order this Batigest takes them in.
    const quotes = ["DV-LENT-3", "DV-LENT-2", "DV-LENT-1"].map((ref) =>
      world.saxium.addExport({
        documentType: "devis_client",
        documentReference: ref,
        files: { xml: quoteXml(ref) },
      })
    );
    const runs = await syncUntilDone(world, quotes, { args: ["--import-timeout", "1"], max: 8 });
    for (const run of runs) assert.ok([0, 5].includes(run.code), run.stdout + run.stderr);
    assert.deepEqual(await importCounts(world, quotes), [1, 1, 1]);
    assert.deepEqual(statuses(world, quotes), ["imported", "imported", "imported"]);
    assert.ok(world.saxium.requests.every((r) => !r.path.includes("mark-error")));
  });
});

Deno.test("Batigest passes a document by: refused on evidence, kept in Errors with the advice, the others synced", async () => {
  // Batigest passes by the first one published (listed first: newest first, so added last),
  // and takes the others, published after it and named after it: by name or by arrival, it
  // would have taken that one first.
  const left = "DV-REFUS-1.xml";
  const passesBy = (name: string) => name === left;
  await withWorld({ passesBy }, async (world) => {
    const quotes = addQuotes(world.saxium, [
      "DV-REFUS-4",
      "DV-REFUS-3",
      "DV-REFUS-2",
      "DV-REFUS-1",
    ]);
    const run = await sync(world, ["--import-timeout", "3"]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const refused = quotes.find((q) => `${q.documentReference}.xml` === left)!;
    for (const q of quotes) {
      assert.equal(world.saxium.exports.get(q.id)!.status, q === refused ? "error" : "imported");
    }
    const message = world.saxium.exports.get(refused.id)!.errorMessage!;
    assert.match(message, /importait les documents déposés après lui/);
    assert.ok(
      message.includes(
        `Vérifiez dans Batigest si le document ${refused.documentReference} a été importé`,
      ),
      message,
    );
    const notes = (await listFiles(world.workDir)).filter((f) => f.endsWith(".erreur.txt"));
    assert.equal(notes.length, 1);
    assert.match(
      await Deno.readTextFile(nodePath.join(world.workDir, notes[0])),
      /Vérifiez dans Batigest/,
    );
    assert.deepEqual(await listFiles(world.importDir), [], "withdrawn");
    assert.deepEqual(await importCounts(world, [refused]), [0]);
  });
});

for (const change of ["renamed", "replaced"] as const) {
  Deno.test(`import folder ${change} while a document waits: ERROR naming it, exit 2, not synced, document kept`, async () => {
    await withWorld({ batigestStopped: true }, async (world) => {
      const [quote] = addQuotes(world.saxium, numbered(`DV-DEPLACE-${change}`, 1));
      const child = spawnAgent(world, ["sync", "--once", "--import-timeout", "30"]);
      await waitFor(async () => (await xmlIn(world.importDir)).length === 1);
      const moved = `${world.importDir}.ancien`;
      await Deno.rename(world.importDir, moved);
      if (change === "replaced") await Deno.mkdir(world.importDir);
      const out = await child.output();
      const stderr = new TextDecoder().decode(out.stderr);
      try {
        assert.equal(out.code, 2, stderr);
        const errors = stderr.split("\n").filter((l) => l.includes("[ERROR]"));
        assert.ok(errors.some((l) => l.includes(world.importDir)), stderr);
        // Replacing is a rename then a mkdir: the agent may look in between.
        assert.match(
          errors[0],
          change === "renamed" ? /renommé ou supprimé/ : /remplacé par un autre dossier|renommé/,
        );
        assert.match(errors[0], /remettez en place le dossier d'origine/);
        assert.equal(world.saxium.exports.get(quote.id)!.status, "ready", "not synced");
        assert.ok((await listFiles(moved)).includes(`DV-DEPLACE-${change}-1.xml`), "kept");
      } finally {
        await Deno.remove(world.importDir, { recursive: true }).catch(() => {});
        await Deno.rename(moved, world.importDir);
      }
      // Put back: the next pass finds its document again, Batigest imports it once.
      world.batigest.start();
      const again = await sync(world, ["--import-timeout", "5"]);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.deepEqual(await importCounts(world, [quote]), [1]);
      assert.equal(world.saxium.exports.get(quote.id)!.status, "imported");
    });
  });
}

Deno.test("delivery time recorded 2 h ahead (clock set back): the resumed wait still ends within the timeout", async () => {
  await withWorld({ batigestStopped: true }, async (world) => {
    const [quote] = addQuotes(world.saxium, numbered("DV-HORLOGE", 1));
    assert.equal((await sync(world, ["--import-timeout", "1"], 15_000)).code, 5);
    const db = new DatabaseSync(nodePath.join(world.workDir, "State", "journal.db"));
    const ahead = new Date(Date.now() + 2 * 3_600_000).toISOString();
    db.prepare("UPDATE exports SET delivered_at = ? WHERE id = ?").run(ahead, quote.id);
    db.close();
    // Killed (exit 137) if the wait followed the recorded time.
    const resumed = await sync(world, ["--import-timeout", "3"], 15_000);
    assert.equal(resumed.code, 5, resumed.stdout + resumed.stderr);
    assert.equal(world.saxium.exports.get(quote.id)!.status, "ready");
  });
});

Deno.test("Batigest takes one later document, then nothing: closed, not refusing (exit 5); it takes another: refused", async () => {
  // A Batigest that works by name, or closes at the wrong moment: it took the
  // document published after DV-ORDRE-2, then nothing more.
  const left = "DV-ORDRE-1.xml";
  await withWorld({ passesBy: (name) => name === left }, async (world) => {
    // Listed newest first: DV-ORDRE-1 (added last) is published first, DV-ORDRE-2 after it.
    const [second, first] = addQuotes(world.saxium, ["DV-ORDRE-2", "DV-ORDRE-1"]);
    const run = await sync(world, ["--import-timeout", "1"]);
    assert.equal(run.code, 5, run.stdout + run.stderr);
    assert.deepEqual(statuses(world, [first, second]), ["ready", "imported"]);
    assert.deepEqual(await xmlIn(world.importDir), [left], "left where it was");
    // The next export goes beside it, and Batigest takes it: alive, passing it by.
    const [third] = addQuotes(world.saxium, numbered("DV-ORDRE-SUITE", 1));
    const next = await sync(world, ["--import-timeout", "1"]);
    assert.equal(next.code, 1, next.stdout + next.stderr);
    assert.deepEqual(statuses(world, [first, third]), ["error", "imported"]);
    assert.deepEqual(await importCounts(world, [first]), [0]);
  });
});

Deno.test("a long weekend with Batigest closed (86 h, more than batigestRefusalHours): still waiting, nothing in error", async () => {
  await withWorld({ batigestStopped: true }, async (world) => {
    const quotes = addQuotes(world.saxium, numbered("DV-PONT", 2));
    assert.equal((await sync(world, ["--import-timeout", "1"], 15_000)).code, 5);
    // Delivered on Friday evening; Tuesday morning now, Batigest still closed.
    const db = new DatabaseSync(nodePath.join(world.workDir, "State", "journal.db"));
    const friday = new Date(Date.now() - 86 * 3_600_000).toISOString();
    db.prepare("UPDATE exports SET delivered_at = ? WHERE delivered_at IS NOT NULL").run(friday);
    db.close();
    const tuesday = await sync(world, ["--import-timeout", "1"], 15_000);
    assert.equal(tuesday.code, 5, tuesday.stdout + tuesday.stderr);
    assert.deepEqual(statuses(world, quotes), ["ready", "ready"]);
    world.batigest.start();
    const opened = await sync(world, ["--import-timeout", "5"]);
    assert.equal(opened.code, 0, opened.stdout + opened.stderr);
    assert.deepEqual(await importCounts(world, quotes), [1, 1]);
  });
});

Deno.test("import folder gone between two runs (Batigest moved): exit 2, an ERROR in the log naming it, an alert", async () => {
  const hook = startWebhookReceiver();
  try {
    await withWorld({ batigestStopped: true }, async (world) => {
      const [quote] = addQuotes(world.saxium, numbered("DV-PARTI", 1));
      assert.equal((await sync(world, ["--import-timeout", "1"], 15_000)).code, 5);
      await Deno.writeTextFile(
        nodePath.join(world.workDir, "agent.json"),
        JSON.stringify({ notify: { webhookUrl: hook.url } }),
      );
      await Deno.rename(world.importDir, `${world.importDir}.ancien`);
      const run = await runAgent(world, ["sync", "--once"], {
        extraNetHosts: [`127.0.0.1:${hook.port}`],
      });
      assert.equal(run.code, 2, run.stdout + run.stderr);
      const errors = (await logText(world)).split("\n").filter((l) => l.includes("[ERROR]"));
      assert.equal(errors.length, 1, errors.join("\n"));
      assert.match(errors[0], /Le dossier d'import de Batigest .* est introuvable/);
      assert.ok(errors[0].includes(world.importDir), errors[0]);
      const alert = JSON.stringify(hook.received.at(-1)?.body ?? "");
      assert.match(alert, /dossier inutilisable/);
      assert.equal(world.saxium.exports.get(quote.id)!.status, "ready", "nothing in error");
    });
  } finally {
    await hook.close();
  }
});

Deno.test("import folder replaced between two runs: the ERROR names the documents that waited there", async () => {
  await withWorld({ batigestStopped: true }, async (world) => {
    addQuotes(world.saxium, numbered("DV-REMPLACE", 1));
    assert.equal((await sync(world, ["--import-timeout", "1"], 15_000)).code, 5);
    await Deno.rename(world.importDir, `${world.importDir}.ancien`);
    await Deno.mkdir(world.importDir);
    const run = await sync(world, ["--import-timeout", "1"]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(
      run.stderr,
      /remplacé par un autre dossier alors que des documents y attendaient \(DV-REMPLACE-1\.xml\)/,
    );
  });
});

Deno.test("journal deleted while a document waits, then a pass stopped by Saxium: the mark stays, no false 'folder replaced'", async () => {
  // Found by the soak: the stopped pass's journal knew no document waiting, so it
  // removed the folder's mark beside one; every later run then took the folder
  // for a replaced one (exit 2, for ever).
  await withWorld({ batigestStopped: true }, async (world) => {
    const [quote] = addQuotes(world.saxium, numbered("DV-MARQUE", 1));
    assert.equal((await sync(world, ["--import-timeout", "1"], 15_000)).code, 5);
    await deleteJournal(world);
    world.saxium.addFault({ route: "pending", fault: { status: 401 } });
    assert.equal((await sync(world, ["--import-timeout", "1"], 60_000)).code, 3);
    world.saxium.clearFaults();
    const rebuilt = await sync(world, ["--import-timeout", "1"], 15_000);
    assert.equal(rebuilt.code, 5, rebuilt.stdout + rebuilt.stderr);
    const next = await sync(world, ["--import-timeout", "1"], 15_000);
    assert.equal(next.code, 5, next.stdout + next.stderr);
    world.batigest.start();
    const opened = await sync(world, ["--import-timeout", "5"]);
    assert.equal(opened.code, 0, opened.stdout + opened.stderr);
    assert.deepEqual(await importCounts(world, [quote]), [1]);
  });
});

Deno.test("import folder refusing the agent (rights removed): stops at the first refusal, one French line, exit 2", async () => {
  await withWorld({}, async (world) => {
    const quotes = addQuotes(world.saxium, numbered("DV-DROITS", 8));
    const run = await runAgent(world, ["sync", "--once"], {
      entry: FAILPOINT_ENTRY,
      extraEnv: ["AGENT_FAILPOINT", "AGENT_FAILPOINT_HIT", "AGENT_REFUSED_FOLDER"],
      env: { AGENT_REFUSED_FOLDER: world.importDir },
      timeoutMs: 90_000, // killed (exit 137) beyond
    });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    const errors = run.stderr.split("\n").filter((l) => l.includes("[ERROR]"));
    assert.match(
      errors[0],
      /Le dossier d'import de Batigest .* refuse l'écriture \(accès refusé\)/,
    );
    assert.match(errors[0], /droit « Modifier »/);
    assert.equal(errors.filter((l) => l.includes("refuse l'écriture")).length, 1, run.stderr);
    assert.doesNotMatch(run.stdout + run.stderr, /Operation not permitted/);
    assert.deepEqual(statuses(world, quotes), Array(8).fill("ready"), "nothing in error");
    assert.equal(world.batigest.ledger.length, 0);
    // Rights given back: everything goes through, once.
    const after = await sync(world, []);
    assert.equal(after.code, 0, after.stdout + after.stderr);
    assert.deepEqual(await importCounts(world, quotes), Array(8).fill(1));
  });
});
