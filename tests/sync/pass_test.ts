/**
 * The pass driven in memory: a fake Saxium (an object, no HTTP), the
 * Batigest simulator every test uses, real temporary folders, a real journal
 * and a real log. What is checked is what
 * an administrator would see: each document in Batigest at most once,
 * Saxium told, the journal finished, the import folder never crowded, the
 * pass's outcome and its ERROR lines.
 */

import { type Settings } from "../../lib/base/settings.ts";
import assert from "node:assert/strict";
import nodePath from "node:path";
import { realFileOps } from "../../lib/base/fs_retry.ts";
import { Logger, parseLogLine } from "../../lib/base/log.ts";
import {
  createWorkFolders,
  journalPath,
  stagingPath,
  toImportPath,
  type WorkFolders,
  workFolders,
} from "../../lib/base/work_folders.ts";
import { type PendingExport, type PendingPage, SaxiumError } from "../../lib/saxium/client.ts";
import { type ExportState, Journal } from "../../lib/journal/journal.ts";
import {
  inactiveLine,
  passEnd,
  type PassResult,
  runSyncPass,
  type SaxiumApi,
} from "../../lib/sync/pass.ts";
import { type BatigestWait, batigestWait } from "../../lib/batigest/working_hours.ts";
import { quoteXml } from "../support/documents.ts";
import { type BatigestSimulator, startBatigestSimulator } from "../support/batigest_simulator.ts";
import { testSettings } from "../support/settings.ts";

const TOKEN = "sxm_test_pass-7f3e9a";

/** One export on the fake server. */
interface FakeExport {
  id: string;
  ref: string;
  status: "pending" | "imported" | "error";
  xml: string;
}

/** A Saxium that lives in the test: it lists, serves and records. */
class FakeSaxium implements SaxiumApi {
  exports: FakeExport[] = [];
  /** For each list call: how many exports it had listed before that were not downloaded yet. */
  listCalls: { notDownloaded: number }[] = [];
  downloads = new Map<string, number>();
  synced = new Map<string, number>();
  reported = new Map<string, number>();
  /** Throws instead of serving a download when it returns an error. */
  failDownload?: (item: FakeExport) => Error | undefined;
  /** Called at every request (the window sampler uses it). */
  onRequest?: () => void;
  #listed = new Set<string>();

  add(ref: string, options: { status?: FakeExport["status"]; xml?: string } = {}): FakeExport {
    const item = {
      id: crypto.randomUUID(),
      ref,
      status: options.status ?? "pending",
      xml: options.xml ?? quoteXml(ref),
    };
    this.exports.push(item);
    return item;
  }

  get(ref: string): FakeExport {
    return this.exports.find((e) => e.ref === ref)!;
  }

  async listPending(limit: number): Promise<PendingPage> {
    this.onRequest?.();
    const notDownloaded = [...this.#listed].filter((id) => !this.downloads.has(id)).length;
    this.listCalls.push({ notDownloaded });
    await Promise.resolve();
    // Newest first, as Saxium lists them: the last one added comes first.
    const page = this.exports.filter((e) => e.status === "pending").toReversed().slice(0, limit);
    for (const e of page) this.#listed.add(e.id);
    const items: PendingExport[] = page.map((e) => ({
      id: e.id,
      documentType: "devis_client",
      documentReference: e.ref,
      retryCount: 0,
    }));
    return { items, rejected: [] };
  }

  async downloadTo(id: string, options: { path: string }): Promise<{ bytes: number }> {
    this.onRequest?.();
    const item = this.exports.find((e) => e.id === id)!;
    this.downloads.set(id, (this.downloads.get(id) ?? 0) + 1);
    const failure = this.failDownload?.(item);
    if (failure) throw failure;
    const bytes = new TextEncoder().encode(item.xml);
    await Deno.writeFile(options.path, bytes);
    return { bytes: bytes.length };
  }

  async markSynced(id: string): Promise<void> {
    this.onRequest?.();
    await Promise.resolve();
    this.synced.set(id, (this.synced.get(id) ?? 0) + 1);
    this.exports.find((e) => e.id === id)!.status = "imported";
  }

  async markError(id: string): Promise<void> {
    this.onRequest?.();
    await Promise.resolve();
    this.reported.set(id, (this.reported.get(id) ?? 0) + 1);
    this.exports.find((e) => e.id === id)!.status = "error";
  }
}

/**
 * Batigest, as every test sees it (`tests/support/batigest_simulator.ts`),
 * taking one published file after the other, with what these tests ask of
 * it: the references imported, in order, and the most published documents
 * seen waiting in its folder at once.
 */
class Batigest {
  /** The most published documents seen waiting in the import folder at once. */
  mostWaiting = 0;
  #dir: string;
  #simulator: BatigestSimulator;

  constructor(dir: string, options: { consumeDelayMs: number }) {
    this.#dir = dir;
    this.#simulator = startBatigestSimulator({ dir, consumeDelayMs: options.consumeDelayMs });
  }

  /** The reference of each document imported, in order. */
  get imported(): string[] {
    return this.#simulator.ledger.map((entry) => entry.name.replace(/\.xml$/, ""));
  }

  /** Published documents now in the import folder (temporary `~saxium-` files are not). */
  waiting(): string[] {
    const names = [];
    for (const entry of Deno.readDirSync(this.#dir)) {
      if (entry.name.endsWith(".xml") && !entry.name.startsWith("~")) names.push(entry.name);
    }
    this.mostWaiting = Math.max(this.mostWaiting, names.length);
    return names.sort();
  }

  /** How many times Batigest imported the document `ref`. */
  count(ref: string): number {
    return this.imported.filter((r) => r === ref).length;
  }

  close(): Promise<void> {
    return this.#simulator.close();
  }
}

/** A pass's surroundings in a temporary folder. */
interface Bench {
  settings: Settings;
  folders: WorkFolders;
  journal: Journal;
  saxium: FakeSaxium;
  batigest: Batigest;
  pass(options?: { prefetch?: number; window?: number }): Promise<PassResult>;
  /** The ERROR messages of the log files, in order. */
  loggedErrors(): string[];
}

async function withBench(
  options: { batchSize?: number; batigestDelayMs?: number },
  test: (bench: Bench) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "saxium-pass-" });
  const settings = testSettings(root, {
    token: TOKEN,
    batchSize: options.batchSize ?? 50,
    importTimeoutSeconds: 20,
    logLevel: "DEBUG",
  });
  await Deno.mkdir(settings.batigestImportDir);
  const folders = workFolders(settings);
  createWorkFolders(folders);
  const journal = new Journal(journalPath(folders));
  const log = new Logger({
    dir: folders.logs,
    level: "DEBUG",
    retentionDays: 30,
    secrets: [TOKEN],
    console: () => {},
  });
  const saxium = new FakeSaxium();
  const batigest = new Batigest(folders.importDir, {
    consumeDelayMs: options.batigestDelayMs ?? 5,
  });
  const bench: Bench = {
    settings,
    folders,
    journal,
    saxium,
    batigest,
    pass: (extra = {}) =>
      runSyncPass({
        settings,
        client: saxium,
        journal,
        log,
        folders,
        fileOps: realFileOps,
        ...extra,
      }),
    loggedErrors() {
      const errors = [];
      for (const entry of [...Deno.readDirSync(folders.logs)].sort()) {
        const text = Deno.readTextFileSync(nodePath.join(folders.logs, entry.name));
        for (const line of text.split("\n")) {
          const parsed = parseLogLine(line);
          if (parsed?.level === "ERROR") errors.push(parsed.message);
        }
      }
      return errors;
    },
  };
  try {
    await test(bench);
  } finally {
    await batigest.close();
    journal.close();
    await Deno.remove(root, { recursive: true });
  }
}

function refs(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(3, "0")}`);
}

/**
 * Asserts that Batigest imported in the server's order, as far as the agent
 * decides it: the agent publishes in the listed order with at most `window`
 * documents waiting, and Batigest takes whichever waits (the simulator, by
 * name). So when a document is imported, at most `window - 1` of those listed
 * before it are still waiting; a pass publishing in any other order (by name,
 * oldest first) breaks this.
 */
function assertServerOrder(imported: string[], listed: string[], window: number): void {
  for (const [i, ref] of imported.entries()) {
    const done = new Set(imported.slice(0, i));
    const waiting = listed.slice(0, listed.indexOf(ref)).filter((r) => !done.has(r));
    assert.ok(
      waiting.length <= window - 1,
      `${ref} imported while ${waiting.join(", ")}, listed before it, still waited`,
    );
  }
}

/** Every export of the fake server, as the journal has it. */
function journalStates(bench: Bench): ExportState[] {
  return bench.saxium.exports.map((e) => bench.journal.get(e.id)?.state ?? "downloading");
}

// A previous run stopped (crash, reboot) with one export in each of these
// states; the files it had are where that run left them.
const LEFT_BEHIND = {
  staged: { imports: 1, acknowledgements: 1 },
  delivered: { imports: 1, acknowledgements: 1 },
  imported: { imports: 0, acknowledgements: 1 },
  acknowledged: { imports: 0, acknowledgements: 0 },
  failed: { imports: 0, acknowledgements: 0 },
} as const;

for (const [state, expected] of Object.entries(LEFT_BEHIND)) {
  Deno.test(`resume from « ${state} »: finished, in Batigest at most once, Saxium told once`, async () => {
    await withBench({}, async (bench) => {
      const { journal, folders, saxium, batigest } = bench;
      const ref = `DV-RESUME-${state.toUpperCase()}`;
      const item = saxium.add(ref, { status: state === "acknowledged" ? "imported" : "pending" });
      const importName = `${ref}.xml`;
      journal.begin({
        id: item.id,
        reference: ref,
        documentType: "devis_client",
        baseName: ref,
        files: [{ format: "xml", importName: "" }],
      });
      if (state === "failed") {
        journal.setState(item.id, "failed", { error: "document refusé", errorStage: "check" });
      } else {
        await Deno.writeTextFile(toImportPath(folders, item.id, "xml"), item.xml);
        journal.setState(item.id, "ready");
        journal.setState(item.id, "staged", { files: [{ format: "xml", importName }] });
        const path: Partial<Record<string, string>> = {
          staged: stagingPath(folders, item.id, "xml"),
          delivered: nodePath.join(folders.importDir, importName),
        };
        if (path[state]) await Deno.writeTextFile(path[state]!, item.xml);
        for (const next of ["delivered", "imported", "acknowledged"] as const) {
          if (journal.get(item.id)!.state === state) break;
          journal.setState(item.id, next);
        }
      }
      assert.equal(journal.get(item.id)!.state, state);

      const result = await bench.pass();

      assert.equal(result.status, "completed", result.errors.join("\n"));
      assert.deepEqual(result.errors, []);
      assert.equal(batigest.count(ref), expected.imports, "imported by Batigest in this pass");
      assert.equal(saxium.synced.get(item.id) ?? 0, expected.acknowledgements);
      assert.equal(saxium.downloads.get(item.id) ?? 0, 0, "never downloaded again");
      assert.deepEqual(batigest.waiting(), [], "nothing left in the import folder");
      if (state === "failed") {
        assert.equal(journal.get(item.id)!.state, "reported");
        assert.equal(saxium.reported.get(item.id), 1);
        assert.equal(saxium.get(ref).status, "error");
      } else {
        assert.equal(journal.get(item.id)!.state, "archived");
        assert.equal(saxium.get(ref).status, "imported");
        const archived = [...Deno.readDirSync(folders.archive)].map((e) => e.name);
        assert.equal(archived.length, 1);
        assert.ok(archived[0].endsWith(importName), archived[0]);
      }
      assert.equal(result.summary.unfinished, 0);

      // A second pass has nothing left to do and delivers nothing again.
      const again = await bench.pass();
      assert.equal(again.status, "completed");
      assert.equal(batigest.count(ref), expected.imports);
      assert.equal(saxium.synced.get(item.id) ?? 0, expected.acknowledgements);
    });
  });
}

Deno.test("the window: never more published documents waiting in Batigest's folder than allowed", async () => {
  await withBench({ batigestDelayMs: 15 }, async (bench) => {
    const { saxium, batigest } = bench;
    const all = refs("DV-WINDOW", 10);
    for (const ref of all) saxium.add(ref);
    const listed = all.toReversed(); // newest first
    saxium.onRequest = () => batigest.waiting();
    const sampler = setInterval(() => batigest.waiting(), 1);
    let result: PassResult;
    try {
      result = await bench.pass({ window: 2 });
    } finally {
      clearInterval(sampler);
    }

    assert.equal(result.status, "completed", result.errors.join("\n"));
    assert.equal(result.summary.synced, all.length);
    for (const ref of all) assert.equal(batigest.count(ref), 1, ref);
    assertServerOrder(batigest.imported, listed, 2);
    assert.ok(batigest.mostWaiting <= 2, `${batigest.mostWaiting} documents waited at once`);
    assert.ok(batigest.mostWaiting >= 1);
  });
});

Deno.test("the feed asks Saxium again before the exports in hand run out, a bounded number of times", async () => {
  await withBench({ batchSize: 10, batigestDelayMs: 2 }, async (bench) => {
    const { saxium, batigest } = bench;
    const all = refs("DV-FEED", 40);
    for (const ref of all) saxium.add(ref);

    const result = await bench.pass({ prefetch: 4 });

    assert.equal(result.status, "completed", result.errors.join("\n"));
    assert.equal(result.summary.synced, all.length);
    for (const ref of all) assert.equal(batigest.count(ref), 1, ref);
    const calls = saxium.listCalls;
    assert.ok(calls.length >= 2);
    assert.ok(
      calls[1].notDownloaded > 0,
      "the second list was asked while listed exports were still waiting to be downloaded",
    );
    // Each list call that is not the last ones brings something new: the
    // feed never spins on a list of exports already in hand.
    assert.ok(calls.length <= all.length + 3, `${calls.length} list calls for ${all.length}`);
  });
});

Deno.test("Saxium lost in the middle of a pipeline: the pass stops or sets them aside, the next one finishes exactly once", async () => {
  await withBench({}, async (bench) => {
    const { saxium, batigest, journal } = bench;
    const all = refs("DV-CUT", 6);
    for (const ref of all) saxium.add(ref);
    const listed = all.toReversed(); // newest first: DV-CUT-006 first
    const lost = new Set(listed.slice(2).map((ref) => saxium.get(ref)));
    saxium.failDownload = (item) =>
      lost.has(item)
        ? new SaxiumError("Saxium ne répond pas (délai de 30 s dépassé).", { kind: "timeout" })
        : undefined;

    const first = await bench.pass();

    // The downloads run side by side: three failing in a row is Saxium as a
    // whole (the pass stops, exit 3); otherwise each failing export is set
    // aside and the pass ends. Either way nothing is lost, nothing doubled.
    if (first.status === "server_unavailable") {
      assert.equal(first.message, "Saxium ne répond pas (délai de 30 s dépassé).");
      assert.ok(
        first.errors.some((e) =>
          /^Saxium injoignable pendant : téléchargement de l'export DV-CUT-\d+ \[[0-9a-f]{8}\]\. Saxium ne répond pas/
            .test(e)
        ),
        first.errors.join("\n"),
      );
    } else {
      assert.equal(first.status, "completed", first.errors.join("\n"));
      assert.equal(first.summary.aside, 4);
      assert.deepEqual(first.errors, [], "set aside, nothing in error");
    }
    // The two listed first, in either order (both wait in Batigest's folder at once).
    assert.deepEqual(
      [...batigest.imported].sort(),
      listed.slice(0, 2).sort(),
      "only the exports before it",
    );
    assert.deepEqual(batigest.waiting(), [], "nothing after it published");
    assert.deepEqual(
      listed.slice(0, 2).map((ref) => saxium.get(ref).status),
      ["imported", "imported"],
    );
    assert.deepEqual(
      listed.slice(0, 2).map((ref) => bench.journal.get(saxium.get(ref).id)?.state),
      ["archived", "archived"],
    );
    assert.equal(first.summary.synced, 2);
    assert.equal(
      first.summary.unfinished,
      journal.inStates(["downloading", "ready", "staged"]).length,
    );
    // Nothing of the pass goes on once it has returned.
    const after = JSON.stringify(journal.countByState());
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(JSON.stringify(journal.countByState()), after);

    saxium.failDownload = undefined;
    const second = await bench.pass();

    assert.equal(second.status, "completed", second.errors.join("\n"));
    // Those staged ahead by the first pass are resumed first: order across passes may change.
    assert.deepEqual([...batigest.imported].sort(), all, "each document exactly once");
    for (const item of saxium.exports) {
      assert.equal(item.status, "imported", item.ref);
      assert.equal(saxium.synced.get(item.id), 1, item.ref);
    }
    assert.deepEqual(journalStates(bench), all.map(() => "archived"));
    assert.deepEqual(batigest.waiting(), []);
    assert.deepEqual([...Deno.readDirSync(bench.folders.importDir)], [], "no temporary file left");
  });
});

Deno.test("the result holds the ERROR lines the pass logged, as the log file has them", async () => {
  await withBench({}, async (bench) => {
    const { saxium, batigest } = bench;
    const fine = saxium.add("DV-ERR-001");
    const refused = saxium.add("DV-ERR-002");
    const broken = saxium.add("DV-ERR-003", { xml: "<Devis><Reference>DV-ERR-003</Reference>" });
    saxium.failDownload = (item) =>
      item === refused
        ? new SaxiumError(`export refusé (requête signée ${TOKEN})`, { kind: "http", status: 409 })
        : undefined;

    const result = await bench.pass();

    assert.equal(result.status, "export_errors");
    assert.equal(result.summary.synced, 1);
    assert.equal(result.summary.errors, 2);
    assert.equal(batigest.count(fine.ref), 1);
    assert.equal(batigest.count(broken.ref), 0);
    // The two downloads run side by side: either may fail first.
    const [download, check] = [...result.errors].sort();
    assert.equal(result.errors.length, 2);
    assert.match(download, /^Export DV-ERR-002 \[[0-9a-f]{8}\] en erreur : téléchargement du XML/);
    assert.match(check, /^Export DV-ERR-003 \[[0-9a-f]{8}\] en erreur : /);
    assert.ok(!result.errors.join("\n").includes(TOKEN), "the token is masked");
    assert.ok(download.includes("requête signée ********"), download);
    assert.deepEqual(result.errors, bench.loggedErrors());
  });
});

Deno.test("the Batigest-inactive line: since when; at night normal, and when an alert would come; in working hours what to check, and the patience", () => {
  const since = new Date(2026, 10, 26, 18, 2, 30); // Thursday, after closing time
  const line = (now: Date) => inactiveLine(batigestWait({ since, now }), now);
  assert.equal(
    line(new Date(2026, 10, 26, 23, 0)),
    "Batigest n'importe plus depuis 18:02 : hors de ses heures de travail (lun-ven 08:00-18:00), " +
      "c'est normal, pas d'alerte avant le 27/11 à 10:00 ; les documents attendent dans son dossier " +
      "d'import et les suivants chez l'agent ou dans Saxium, rien n'est perdu ni en erreur, la " +
      "synchronisation reprendra d'elle-même quand Batigest importera de nouveau.",
  );
  assert.equal(
    line(new Date(2026, 10, 27, 8, 30)),
    "Batigest n'importe plus depuis le 26/11 à 18:02 : est-il ouvert, et son import automatique " +
      "actif ? Les documents attendent dans son dossier d'import et les suivants chez l'agent ou dans " +
      "Saxium ; pas d'alerte avant 10:00 (2 h d'attente en heures de travail, " +
      "batigestPatienceHours) ; rien n'est perdu ni en erreur, la synchronisation reprendra " +
      "d'elle-même quand Batigest importera de nouveau.",
  );
  assert.match(
    line(new Date(2026, 10, 27, 10, 30)),
    /^Batigest n'importe plus depuis le 26\/11 à 18:02 : est-il ouvert, .* ; leur attente, 2 h 30 en heures de travail \(lun-ven 08:00-18:00\), dépasse la patience de 2 h \(batigestPatienceHours\) ; rien n'est perdu/,
  );
  // Past the patience, the evening is no longer « normal ».
  assert.match(line(new Date(2026, 10, 27, 19)), /est-il ouvert, .* dépasse la patience/);
});

// How a pass ends: its exit code, the level of its conclusion, the line.

const END_SUMMARY = { synced: 2, errors: 0, replaced: 0, aside: 0, reacknowledged: 0, pending: 1 };

function ended(extra: Partial<PassResult>): PassResult {
  return { status: "completed", summary: END_SUMMARY, elapsedMs: 1_000, ...extra } as PassResult;
}

const NIGHT_WAIT: BatigestWait = {
  since: "2026-12-05T17:30:00.000Z",
  workingMs: 30 * 60_000,
  patienceHours: 2,
  patienceSpent: false,
  patienceEndsAt: "2026-12-07T09:30:00.000Z",
  workingNow: false,
  hours: "lun-ven 08:00-18:00",
};

Deno.test("Batigest not importing: exit 5 always; INFO within the patience, WARNING past it", () => {
  const message =
    "Batigest n'importe plus depuis 18:30 : hors de ses heures de travail, c'est normal.";
  const night = passEnd(ended({ status: "batigest_inactive", message, batigestWait: NIGHT_WAIT }));
  assert.deepEqual([night.exitCode, night.level], [5, "INFO"]);
  assert.match(night.line, /c'est normal\.$/);
  const spent = passEnd(
    ended({
      status: "batigest_inactive",
      message,
      batigestWait: { ...NIGHT_WAIT, patienceSpent: true },
    }),
  );
  assert.deepEqual([spent.exitCode, spent.level], [5, "WARNING"]);
  const unjudged = passEnd(ended({ status: "batigest_inactive", message }));
  assert.equal(unjudged.level, "WARNING", "no judgement of the wait: said plainly");
});

Deno.test("the other ends: 0 INFO, 1 and 3 ERROR, each with its line", () => {
  assert.deepEqual(
    [passEnd(ended({})).exitCode, passEnd(ended({})).level],
    [0, "INFO"],
  );
  const errors = passEnd(ended({ status: "export_errors" }));
  assert.deepEqual([errors.exitCode, errors.level], [1, "ERROR"]);
  assert.match(errors.line, /Voir les lignes ERROR ci-dessus et le dossier Errors\.$/);
  const down = passEnd(ended({ status: "server_unavailable", message: "connexion refusée." }));
  assert.deepEqual([down.exitCode, down.level], [3, "ERROR"]);
  assert.match(
    down.line,
    /Saxium injoignable ou accès refusé : connexion refusée ; rien n'est perdu/,
  );
});
