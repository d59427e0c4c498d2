/**
 * Windows file-system behaviour, simulated in-process: a real pass (real
 * Saxium client against the simulator, real journal, real folders, simulated
 * Batigest) with a `FileOps` that fails the way Windows does: a rename
 * refused for a moment (antivirus, indexer, Batigest reading), a rename
 * across volumes (EXDEV), a full disk. Retries sleep on a fake clock, so no
 * real minute is spent.
 */

import { type Settings } from "../../lib/base/settings.ts";
import assert from "node:assert/strict";
import nodePath from "node:path";
import { type FileOps, realFileOps } from "../../lib/base/fs_retry.ts";
import { type ExportState, Journal } from "../../lib/journal/journal.ts";
import { Logger } from "../../lib/base/log.ts";
import { SaxiumClient } from "../../lib/saxium/client.ts";
import { type PassResult, runSyncPass } from "../../lib/sync/pass.ts";
import { conclusion } from "../../lib/sync/pass.ts";
import { VERSION } from "../../lib/base/version.ts";
import {
  createWorkFolders,
  journalPath,
  type WorkFolders,
  workFolders,
} from "../../lib/base/work_folders.ts";
import { listFiles } from "../support/agent_process.ts";
import { type BatigestSimulator, startBatigestSimulator } from "../support/batigest_simulator.ts";
import { sha256Hex } from "../support/crash_harness.ts";
import { quoteXml } from "../support/documents.ts";
import {
  type SaxiumSimulator,
  type SimExport,
  startSaxiumSimulator,
} from "../support/saxium_simulator.ts";

const TOKEN = "sxm_test_fs-quirks-0c1d2e";

/** A real pass's surroundings in a temporary folder. */
interface Bench {
  root: string;
  folders: WorkFolders;
  settings: Settings;
  saxium: SaxiumSimulator;
  batigest: BatigestSimulator;
  journal: Journal;
  /** Every line the logger wrote. */
  lines: string[];
  /** Every fake sleep of the file-system retries, in ms. */
  slept: number[];
  /** Runs one pass with `fileOps` (real by default). */
  pass(fileOps?: FileOps): Promise<PassResult>;
  addQuote(ref: string): SimExport;
  close(): Promise<void>;
}

async function bench(
  options: {
    batigestStopped?: boolean;
    importTimeoutSeconds?: number;
    consumeDelayMs?: number;
    /** Files Batigest passes by (refuses and leaves in its folder). */
    passesBy?: (name: string) => boolean;
  } = {},
): Promise<Bench> {
  const root = await Deno.makeTempDir({ prefix: "saxium-fs-" });
  const importDir = nodePath.join(root, "import");
  await Deno.mkdir(importDir);
  const saxium = await startSaxiumSimulator({ token: TOKEN });
  const settings: Settings = {
    apiUrl: saxium.url,
    token: TOKEN,
    agentId: "POSTE-TEST",
    workDir: nodePath.join(root, "work"),
    batigestImportDir: importDir,
    formats: ["xml"],
    pollIntervalSeconds: 300,
    batchSize: 50,
    importTimeoutSeconds: options.importTimeoutSeconds ?? 20,
    batigestRefusalHours: 72,
    logRetentionDays: 30,
    logLevel: "DEBUG",
  };
  const folders = workFolders(settings);
  createWorkFolders(folders);
  const batigest = startBatigestSimulator({
    dir: importDir,
    consumeDelayMs: options.consumeDelayMs,
    passesBy: options.passesBy,
  });
  if (options.batigestStopped) batigest.stop();
  const journal = new Journal(journalPath(folders));
  const lines: string[] = [];
  const slept: number[] = [];
  const log = new Logger({
    dir: folders.logs,
    level: "DEBUG",
    retentionDays: 30,
    secrets: [TOKEN],
    console: (line) => lines.push(line),
  });
  const client = new SaxiumClient({
    apiUrl: saxium.url,
    token: TOKEN,
    agentId: settings.agentId,
    version: VERSION,
    sleep: () => Promise.resolve(),
  });
  return {
    root,
    folders,
    settings,
    saxium,
    batigest,
    journal,
    lines,
    slept,
    async pass(fileOps = realFileOps) {
      const result = await runSyncPass({
        settings,
        client,
        journal,
        log,
        folders,
        fileOps,
        retry: {
          sleep: (ms) => {
            slept.push(ms);
            return Promise.resolve();
          },
        },
      });
      log.write(result.status === "completed" ? "INFO" : "ERROR", conclusion(result));
      return result;
    },
    addQuote(ref) {
      return saxium.addExport({
        documentType: "devis_client",
        documentReference: ref,
        files: { xml: quoteXml(ref) },
      });
    },
    async close() {
      client.close();
      journal.close();
      await batigest.close();
      await saxium.close();
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
}

/** How many times Batigest consumed the exact bytes served for `e`. */
async function timesConsumed(b: Bench, e: SimExport): Promise<number> {
  const sha = await sha256Hex(e.files.xml!);
  return b.batigest.ledger.filter((entry) => entry.sha256 === sha).length;
}

function stateOf(b: Bench, e: SimExport): ExportState | undefined {
  return b.journal.get(e.id)?.state;
}

function inImportFolder(b: Bench, path: string): boolean {
  return nodePath.dirname(path) === b.folders.importDir;
}

const TRANSIENT_ERRORS: Record<string, () => Error> = {
  "EBUSY (code)": () =>
    Object.assign(new Error("EBUSY: resource busy or locked"), { code: "EBUSY" }),
  "Deno.errors.Busy": () => new Deno.errors.Busy("Resource busy (os error 16)"),
  "Deno.errors.PermissionDenied": () =>
    new Deno.errors.PermissionDenied("Access is denied. (os error 5)"),
  "EPERM (code)": () =>
    Object.assign(new Error("EPERM: operation not permitted"), { code: "EPERM" }),
};

for (const [label, makeError] of Object.entries(TRANSIENT_ERRORS)) {
  Deno.test(`publish refused ${label} for a moment (antivirus, indexer): delivered once`, async () => {
    const b = await bench();
    try {
      const quote = b.addQuote("DV-AV-1");
      let refusals = 0;
      const fileOps: FileOps = {
        ...realFileOps,
        async rename(from, to) {
          if (inImportFolder(b, to) && refusals < 5) {
            refusals++;
            throw makeError();
          }
          await realFileOps.rename(from, to);
        },
      };
      const result = await b.pass(fileOps);
      assert.equal(result.status, "completed", b.lines.join("\n"));
      assert.equal(refusals, 5);
      assert.equal(b.slept.length, 5, "one fake sleep per refusal");
      assert.ok(b.slept.reduce((a, n) => a + n, 0) < 1_000);
      assert.equal(await timesConsumed(b, quote), 1);
      assert.equal(b.saxium.exports.get(quote.id)!.status, "imported");
      assert.equal(stateOf(b, quote), "archived");
      assert.deepEqual(await listFiles(b.folders.importDir), []);
    } finally {
      await b.close();
    }
  });
}

Deno.test("archive move refused for a moment (Batigest or the indexer holds the copy): archived once", async () => {
  const b = await bench();
  try {
    const quote = b.addQuote("DV-AV-ARCH");
    let refusals = 0;
    const fileOps: FileOps = {
      ...realFileOps,
      async rename(from, to) {
        if (to.startsWith(b.folders.archive) && refusals < 4) {
          refusals++;
          throw Object.assign(new Error("EBUSY"), { code: "EBUSY" });
        }
        await realFileOps.rename(from, to);
      },
    };
    const result = await b.pass(fileOps);
    assert.equal(result.status, "completed", b.lines.join("\n"));
    assert.equal(refusals, 4);
    assert.equal(await timesConsumed(b, quote), 1);
    assert.equal(stateOf(b, quote), "archived");
    const archived = (await listFiles(b.folders.root)).filter((f) => f.startsWith("Archive/"));
    assert.equal(archived.length, 1);
    assert.deepEqual(
      (await listFiles(b.folders.root)).filter((f) => f.startsWith("ToImport/")),
      [],
    );
  } finally {
    await b.close();
  }
});

Deno.test("publish refused beyond the minute budget: not lost nor doubled, the next pass finishes it", async () => {
  const b = await bench();
  try {
    const held = b.addQuote("DV-HELD");
    const other = b.addQuote("DV-FREE");
    const heldTemp = `~saxium-${held.id}.xml.tmp`;
    const started = Date.now();
    const antivirus: FileOps = {
      ...realFileOps,
      async rename(from, to) {
        if (nodePath.basename(from) === heldTemp) {
          throw Object.assign(new Error("EBUSY: resource busy or locked"), { code: "EBUSY" });
        }
        await realFileOps.rename(from, to);
      },
    };
    const first = await b.pass(antivirus);
    assert.ok(Date.now() - started < 10_000, "no real minute spent");
    // Set aside, not in error: nothing a person must do, the next pass tries again.
    assert.equal(first.status, "completed", b.lines.join("\n"));
    assert.equal(first.summary.unfinished, 1);
    assert.equal(first.summary.aside, 1);
    const waited = b.slept.reduce((a, n) => a + n, 0);
    assert.equal(waited, 60_000, "retried for exactly the one-minute budget");
    assert.ok(
      b.lines.some((l) =>
        /\[WARNING\] Export DV-HELD \[[0-9a-f]{8}\] mis de côté : erreur locale/.test(l) &&
        l.includes("Nouvel essai à la prochaine passe")
      ),
      b.lines.join("\n"),
    );
    assert.ok(!b.lines.some((l) => l.includes("[ERROR]")), "no ERROR line: nothing is in error");
    // The held export stays in flight, staged under its temporary name that Batigest
    // ignores, and the folder's mark stays beside it.
    assert.equal(stateOf(b, held), "staged");
    assert.deepEqual(
      await listFiles(b.folders.importDir),
      [heldTemp, "~saxium-dossier.txt"].sort(),
    );
    assert.equal(await timesConsumed(b, held), 0);
    assert.equal(b.saxium.exports.get(held.id)!.status, "ready", "not marked in error");
    // The other export of the same pass went through.
    assert.equal(await timesConsumed(b, other), 1);
    assert.equal(b.saxium.exports.get(other.id)!.status, "imported");

    const second = await b.pass();
    assert.equal(second.status, "completed", b.lines.join("\n"));
    assert.equal(await timesConsumed(b, held), 1);
    assert.equal(await timesConsumed(b, other), 1);
    assert.equal(b.batigest.ledger.length, 2);
    assert.equal(b.saxium.exports.get(held.id)!.status, "imported");
    assert.equal(stateOf(b, held), "archived");
    assert.deepEqual(await listFiles(b.folders.importDir), []);
  } finally {
    await b.close();
  }
});

Deno.test("withdrawal marker removal refused for a moment: a document Batigest passed by is withdrawn, reported once", async () => {
  // Batigest passes by the first one published (listed first: newest first, so added last);
  // others, named after it, follow it.
  const left = "DV-LATE-1.xml";
  const b = await bench({ importTimeoutSeconds: 1, passesBy: (name) => name === left });
  try {
    const all = [b.addQuote("DV-LATE-3"), b.addQuote("DV-LATE-2"), b.addQuote("DV-LATE-1")];
    let refusals = 0;
    const fileOps: FileOps = {
      ...realFileOps,
      async remove(path) {
        if (inImportFolder(b, path) && refusals < 3) {
          refusals++;
          throw new Deno.errors.PermissionDenied("Access is denied. (os error 5)");
        }
        await realFileOps.remove(path);
      },
    };
    const result = await b.pass(fileOps);
    assert.equal(result.status, "export_errors", b.lines.join("\n"));
    const quote = all.find((e) => `${e.documentReference}.xml` === left)!;
    const others = all.filter((e) => e !== quote);
    assert.equal(refusals, 3);
    assert.deepEqual(await listFiles(b.folders.importDir), [], "withdrawn from the import folder");
    const served = b.saxium.exports.get(quote.id)!;
    assert.equal(served.status, "error");
    assert.equal(served.retryCount, 1, "reported once");
    assert.match(served.errorMessage!, /importait les documents déposés après lui/);
    for (const e of others) assert.equal(await timesConsumed(b, e), 1);
    assert.equal((await b.pass()).status, "completed");
    assert.equal(await timesConsumed(b, quote), 0, "nothing imported behind Saxium's back");
  } finally {
    await b.close();
  }
});

Deno.test("Batigest holds the file while it reads it slowly (Windows sharing violation): never withdrawn, imported once", async () => {
  const b = await bench({ importTimeoutSeconds: 1 });
  await b.batigest.close();
  // The same simulated Batigest, reading slowly and holding the file meanwhile.
  const slow = startBatigestSimulator({ dir: b.folders.importDir, slowReadMs: 3_000 });
  try {
    // Added last to first: Saxium lists the newest first, so they are published in name order,
    // the order this Batigest takes them in (a later name taken first would be evidence
    // against the one published before it, which is not what this test is about).
    const quotes = [b.addQuote("DV-HOLD-3"), b.addQuote("DV-HOLD-2"), b.addQuote("DV-HOLD-1")];
    let sharingViolations = 0;
    const windows: FileOps = {
      ...realFileOps,
      async rename(from, to) {
        if (slow.holding.has(nodePath.basename(from))) {
          sharingViolations++;
          throw Object.assign(
            new Error(
              "The process cannot access the file because it is being used by another process. (os error 32)",
            ),
            { code: "EBUSY" },
          );
        }
        await realFileOps.rename(from, to);
      },
    };
    // The three slow reads (about 9 s) fit in one pass: a held file is waited for up
    // to two minutes. On a loaded machine a pass may still end with Batigest judged
    // inactive when the simulator falls a timeout behind: the next pass finishes.
    let passes = 0;
    while (passes < 5 && !quotes.every((e) => b.saxium.exports.get(e.id)!.status === "imported")) {
      passes++;
      const result = await b.pass(windows);
      assert.ok(["completed", "batigest_inactive"].includes(result.status), b.lines.join("\n"));
    }
    assert.ok(sharingViolations > 0, "the agent looked at a held file and kept waiting");
    assert.ok(!b.lines.some((l) => l.includes("[ERROR]") && !l.includes("Fin de")), "no error");
    for (const e of quotes) {
      assert.equal(slow.ledger.filter((l) => l.name === `${e.documentReference}.xml`).length, 1);
      assert.equal(
        b.saxium.exports.get(e.id)!.status,
        "imported",
        `${e.documentReference} : ${stateOf(b, e)}\n${b.lines.join("\n")}`,
      );
    }
  } finally {
    await slow.close();
    await b.close();
  }
});

Deno.test("the journal reaches the disk before a document takes its final name and before a withdrawal marker goes", async () => {
  let armed = false;
  // Once armed, Batigest passes by the first document published (the one after it is
  // taken: the evidence). Not the first it sees: Saxium may list two exports of the
  // same millisecond in either order, and a folder may list its files in any order.
  let left: string | undefined;
  const b = await bench({
    importTimeoutSeconds: 1,
    passesBy: (name) => armed && name === left,
  });
  try {
    const quotes = ["DV-FLUSH-1", "DV-FLUSH-2", "DV-FLUSH-1", "DV-FLUSH-3"].map((ref) =>
      b.addQuote(ref)
    );
    // What each flush covers: the state the journal held for the export
    // asked about when the flush was asked for.
    const onDisk = new Set<string>();
    const flush = b.journal.flush.bind(b.journal);
    b.journal.flush = async (id: string) => {
      const held = b.journal.inStates(["staged", "failed"])
        .filter((r) => r.id === id)
        .map((r) => `${r.id} ${r.state}`);
      await flush(id);
      for (const entry of held) onDisk.add(entry);
    };
    const unflushed: string[] = [];
    const idIn = (path: string) =>
      /^~saxium-(.+)\.xml\.(tmp|withdrawn)$/.exec(nodePath.basename(path))![1];
    const fileOps: FileOps = {
      ...realFileOps,
      async rename(from, to) {
        if (/\.tmp$/.test(from) && !/\.tmp$/.test(to) && !onDisk.has(`${idIn(from)} staged`)) {
          unflushed.push(`published before its staging was on disk: ${to}`);
        }
        if (armed && /\.tmp$/.test(from) && !/\.tmp$/.test(to)) left ??= nodePath.basename(to);
        await realFileOps.rename(from, to);
      },
      async remove(path) {
        if (/\.withdrawn$/.test(path) && !onDisk.has(`${idIn(path)} failed`)) {
          unflushed.push(`marker deleted before the failure was on disk: ${path}`);
        }
        await realFileOps.remove(path);
      },
    };
    assert.equal((await b.pass(fileOps)).status, "completed", b.lines.join("\n"));
    // DV-FLUSH-1 twice: the newer version replaces the older one before it is published.
    assert.deepEqual(quotes.map((e) => stateOf(b, e)), [
      "reported",
      "archived",
      "archived",
      "archived",
    ]);

    // Batigest passes a document by: it is withdrawn, its marker deleted once in `Errors\`.
    armed = true;
    // Taken after it: two documents named after it (Batigest alive, and passing it by).
    const added = [b.addQuote("DV-FLUSH-6"), b.addQuote("DV-FLUSH-5"), b.addQuote("DV-FLUSH-4")];
    assert.equal((await b.pass(fileOps)).status, "export_errors");
    const late = added.find((e) => `${e.documentReference}.xml` === left)!;
    assert.equal(stateOf(b, late), "reported");
    assert.ok(onDisk.has(`${late.id} failed`));
    assert.deepEqual(unflushed, []);
  } finally {
    await b.close();
  }
});

Deno.test("the same document three times in one pass: only the newest reaches Batigest, the others are replaced", async () => {
  const b = await bench({ consumeDelayMs: 200 });
  try {
    const three = [b.addQuote("DV-TWICE"), b.addQuote("DV-TWICE"), b.addQuote("DV-TWICE")];
    const result = await b.pass();
    assert.equal(result.status, "completed", b.lines.join("\n"));
    assert.equal(result.summary.synced, 1);
    assert.equal(result.summary.replaced, 2);
    assert.deepEqual(three.map((e) => stateOf(b, e)), ["reported", "reported", "archived"]);
    assert.deepEqual(b.batigest.ledger.map((l) => l.name), ["DV-TWICE.xml"], "one version, once");
    for (const older of three.slice(0, 2)) {
      const told = b.saxium.exports.get(older.id)!;
      assert.equal(told.status, "error");
      assert.match(told.errorMessage!, /^Remplacé par une version plus récente du même document/);
      assert.equal((told.errorDetails as { code?: string }).code, "superseded");
    }
    // Replaced before or after their download (the three are taken side by
    // side): a copy downloaded is archived as replaced, none is an error.
    const archived = (await listFiles(b.folders.root)).filter((f) => f.startsWith("Archive/"));
    assert.ok(archived.filter((f) => f.includes("DV-TWICE (remplacé)")).length <= 2);
    assert.deepEqual(
      (await listFiles(b.folders.root)).filter((f) => f.startsWith("Errors/")),
      [],
      "nothing to deal with: a replaced version is no error",
    );
  } finally {
    await b.close();
  }
});

Deno.test("a file staged ahead and deleted by hand before its turn is copied again, not taken as imported", async () => {
  const b = await bench({ consumeDelayMs: 100 });
  try {
    const quotes = [b.addQuote("DV-TURN-1"), b.addQuote("DV-TURN-2")];
    const tempOf = (e: SimExport) => `~saxium-${e.id}.xml.tmp`;
    let deleted: SimExport | undefined;
    const fileOps: FileOps = {
      ...realFileOps,
      async rename(from, to) {
        const publishing = quotes.find((e) => nodePath.basename(from) === tempOf(e));
        if (!deleted && publishing) {
          // While one is published, the other waits staged: an operator deletes it.
          const other = quotes.find((e) => e !== publishing)!;
          const end = Date.now() + 5_000;
          while (stateOf(b, other) !== "staged" && Date.now() < end) {
            await new Promise((r) => setTimeout(r, 5));
          }
          await Deno.remove(nodePath.join(b.folders.importDir, tempOf(other)));
          deleted = other;
        }
        await realFileOps.rename(from, to);
      },
    };
    const result = await b.pass(fileOps);
    assert.ok(deleted, "one export was staged while the other was published");
    assert.equal(result.status, "completed", b.lines.join("\n"));
    for (const e of quotes) {
      assert.equal(await timesConsumed(b, e), 1, "imported, not taken as imported");
    }
    assert.ok(
      b.lines.some((l) =>
        l.includes("[WARNING]") && l.includes(deleted!.documentReference) && l.includes("recopié")
      ),
    );
  } finally {
    await b.close();
  }
});

Deno.test("EXDEV: staging never renames across folders; the temporary file is written in the import folder", async () => {
  const b = await bench();
  try {
    b.addQuote("DV-VOL-1");
    b.addQuote("DV-VOL-2");
    const renames: [string, string][] = [];
    const copies: [string, string][] = [];
    const sameVolume = (a: string, z: string) =>
      (nodePath.dirname(a) === b.folders.importDir) ===
        (nodePath.dirname(z) === b.folders.importDir);
    // The import folder is on another volume: a rename between it and the work folder fails.
    const otherVolume: FileOps = {
      async rename(from, to) {
        renames.push([from, to]);
        if (!sameVolume(from, to)) {
          throw Object.assign(new Error("EXDEV: cross-device link not permitted, rename"), {
            code: "EXDEV",
          });
        }
        await realFileOps.rename(from, to);
      },
      remove: (path) => realFileOps.remove(path),
      async copyFile(from, to) {
        copies.push([from, to]);
        await realFileOps.copyFile(from, to);
      },
    };
    const result = await b.pass(otherVolume);
    assert.equal(result.status, "completed", b.lines.join("\n"));
    assert.equal(b.batigest.ledger.length, 2);
    const intoImport = renames.filter(([, to]) => inImportFolder(b, to));
    assert.equal(intoImport.length, 2);
    for (const [from, to] of intoImport) {
      assert.equal(nodePath.dirname(from), nodePath.dirname(to), `${from} -> ${to}`);
      assert.match(nodePath.basename(from), /^~saxium-.+\.tmp$/);
    }
    assert.equal(copies.length, 2);
    for (const [, to] of copies) {
      assert.ok(inImportFolder(b, to), to);
      assert.match(nodePath.basename(to), /^~saxium-.+\.tmp$/, "a name Batigest ignores");
    }
  } finally {
    await b.close();
  }
});

Deno.test("full disk while staging: the pass stops as local trouble with the free space, nothing half-delivered, the next pass delivers", async () => {
  const b = await bench();
  try {
    const quote = b.addQuote("DV-DISQUE");
    const fullDisk: FileOps = {
      ...realFileOps,
      async copyFile(from, to) {
        // Half the file is written, then the disk is full.
        const bytes = await Deno.readFile(from);
        await Deno.writeFile(to, bytes.subarray(0, bytes.length >> 1));
        throw new Error("No space left on device (os error 28)");
      },
    };
    const first = await b.pass(fullDisk);
    assert.equal(first.status, "local_trouble");
    assert.match(first.message ?? "", /^disque plein \(.+ libres dans .+\) : libérez de la place/);
    const errors = b.lines.filter((l) => l.includes("[ERROR]"));
    assert.ok(errors.some((l) => l.includes("disque plein")), errors.join("\n"));
    assert.ok(!b.lines.some((l) => l.includes("No space left") && !l.includes("disque plein")));
    assert.deepEqual(await listFiles(b.folders.importDir), [], "nothing half-delivered");
    assert.equal(b.batigest.ledger.length, 0);
    assert.equal(b.saxium.exports.get(quote.id)!.status, "ready", "not reported, not lost");
    assert.equal(stateOf(b, quote), "ready");

    const second = await b.pass();
    assert.equal(second.status, "completed", b.lines.join("\n"));
    assert.equal(await timesConsumed(b, quote), 1);
    assert.equal(b.saxium.exports.get(quote.id)!.status, "imported");
    assert.deepEqual(await listFiles(b.folders.importDir), []);
  } finally {
    await b.close();
  }
});
