/**
 * The crash harness: proves "exactly once" by killing the real agent (a
 * subprocess under its own permission set) at every failpoint of a sync pass
 * and at random moments, with random server faults, then restarting it until
 * the pass completes and checking Batigest's ledger and Saxium's record.
 *
 * Shared by `tests/e2e/crash_test.ts` (every failpoint),
 * `tests/e2e/crash_random_kills_test.ts` (30 random kills in the suite) and
 * `scripts/soak.ts` (as many kills as asked).
 *
 * What counts:
 * - a duplicate: a served document consumed by Batigest more than once;
 * - a loss: a document that should have been imported and acknowledged but
 *   was not consumed, not consumed with the exact bytes served, or not marked
 *   synced in the end (or marked synced while Batigest never consumed it);
 * - a problem: anything else the contract forbids (a temporary file left in
 *   either folder, a file outside the two folders, the token in a log, a pass
 *   that never completes, a failpoint never reached).
 *
 * @module
 */

import { netTarget } from "../../lib/base/net.ts";
import nodePath from "node:path";
import { Journal, UNFINISHED_STATES } from "../../lib/journal/journal.ts";
import { AGENT_ENV_VARS } from "../../lib/executable/permissions.ts";
import { journalPath, workFolders } from "../../lib/base/work_folders.ts";
import {
  type AgentRun,
  asideDelaysRunOut,
  everythingWritten,
  listFiles,
  makeWorld,
  PROJECT_ROOT,
  runAgent,
  spawnAgent,
  TEST_TOKEN,
  type World,
  type WorldOptions,
} from "./agent_process.ts";
import { orderCsv, orderXml, quoteCsv, quoteXml } from "./documents.ts";
import {
  type FaultKind,
  type FaultRule,
  type SimExport,
  waitsForAgent,
} from "./saxium_simulator.ts";

/** The test-only entry that kills the agent at a failpoint (relative to the project). */
export const FAILPOINT_ENTRY = "tests/support/failpoint_entry.ts";

/** The variables the failpoint entry reads, allowed on top of the agent's own. */
export const FAILPOINT_ENV: readonly string[] = ["AGENT_FAILPOINT", "AGENT_FAILPOINT_HIT"];

/** The exit code of an agent killed at a failpoint or by SIGKILL. */
export const KILLED_CODE = 137;

/** What should have become of an export once every pass is over. */
/**
 * `synced`, `error`, or `version`: an older version of a document a newer
 * export replaces, which either never reaches Batigest (reported to Saxium
 * as replaced) or reached it before the newer one (which then corrects it).
 */
export type Outcome = "synced" | "error" | "version";

/** An export served by the simulator and what must become of it. */
export interface Expectation {
  export: SimExport;
  outcome: Outcome;
  /** The formats the agent is asked to deliver. */
  formats: readonly ("xml" | "csv")[];
  /** For a `version`: the newer export of the same document. */
  newer?: SimExport;
  /** Set aside on purpose by its own faults (a poisoned export): not held against the others. */
  poisoned?: boolean;
}

/** What a world's check found. */
export interface Verdict {
  duplicates: number;
  losses: number;
  /** Exports marked synced though Batigest never imported them. */
  falseSynced: number;
  /** One line per broken promise, for the report. */
  problems: string[];
}

/** Totals of a crash campaign (failpoints, random kills or both). */
export interface CrashReport {
  /** Distinct failpoints at which the agent was killed. */
  failpoints: number;
  /** Kills at failpoints (several per failpoint: repeated and later hits). */
  failpointKills: number;
  /** SIGKILLs from outside that found the agent still running. */
  randomKills: number;
  /** Every agent process started. */
  runs: number;
  /** Exports served in all worlds. */
  exports: number;
  duplicates: number;
  losses: number;
  /** Exports Saxium was told are synced though Batigest never imported them. */
  falseSynced: number;
  /** Exports left unfinished by a pass in which only poisoned exports should have been. */
  stuck: number;
  problems: string[];
  /** Where random kills landed: download, delivery, acknowledgement, error, startup. */
  phases: Record<string, number>;
  /** Server requests the agent had to retry (evidence that the faults fired). */
  retries: number;
  /** Times the journal was deleted between two runs. */
  journalLosses: number;
  elapsedMs: number;
}

/** An empty report, to add others into. */
export function emptyReport(): CrashReport {
  return {
    failpoints: 0,
    failpointKills: 0,
    randomKills: 0,
    runs: 0,
    exports: 0,
    duplicates: 0,
    losses: 0,
    falseSynced: 0,
    stuck: 0,
    problems: [],
    phases: {},
    retries: 0,
    journalLosses: 0,
    elapsedMs: 0,
  };
}

/** Adds `part` into `total`. */
export function addReport(total: CrashReport, part: CrashReport): CrashReport {
  total.failpoints += part.failpoints;
  total.failpointKills += part.failpointKills;
  total.randomKills += part.randomKills;
  total.runs += part.runs;
  total.exports += part.exports;
  total.duplicates += part.duplicates;
  total.losses += part.losses;
  total.falseSynced += part.falseSynced;
  total.stuck += part.stuck;
  total.problems.push(...part.problems);
  for (const [phase, n] of Object.entries(part.phases)) {
    total.phases[phase] = (total.phases[phase] ?? 0) + n;
  }
  total.retries += part.retries;
  total.journalLosses += part.journalLosses;
  total.elapsedMs += part.elapsedMs;
  return total;
}

/**
 * The one-line summary the tests and the soak print.
 *
 * @example
 * ```ts
 * formatReport(report); // "crash: 14 failpoints, 120 random kills, 0 duplicates, 0 losses"
 * ```
 */
export function formatReport(report: CrashReport): string {
  const parts = [];
  if (report.failpoints > 0) {
    parts.push(`${report.failpoints} failpoints (${report.failpointKills} kills)`);
  }
  parts.push(
    `${report.randomKills} random kills`,
    `${report.duplicates} duplicates`,
    `${report.losses} losses`,
    `${report.falseSynced} false synced`,
    `${report.stuck} stuck while others waited`,
  );
  const phases = Object.entries(report.phases).sort().map(([p, n]) => `${p} ${n}`).join(", ");
  const tail = [
    `${report.exports} exports`,
    `${report.runs} runs`,
    report.retries ? `${report.retries} server retries` : "",
    report.journalLosses ? `${report.journalLosses} journals deleted` : "",
    phases ? `kills landed in: ${phases}` : "",
    `${(report.elapsedMs / 1000).toFixed(1)} s`,
  ].filter(Boolean).join("; ");
  return `crash: ${parts.join(", ")} (${tail})`;
}

/**
 * Problems grouped by kind (the export's reference and id left out), most
 * frequent first: `[count, problem]`.
 */
export function groupProblems(problems: readonly string[]): [number, string][] {
  const groups = new Map<string, number>();
  for (const problem of problems) {
    const kind = problem
      .replace(/^((?:[\w-]+ \([^)]*\): )?(?:loss|duplicate): ).*? \[[0-9a-f]{8}\] /, "$1<export> ")
      .slice(0, 220);
    groups.set(kind, (groups.get(kind) ?? 0) + 1);
  }
  return [...groups.entries()].map(([kind, n]): [number, string] => [n, kind]).sort((a, b) =>
    b[0] - a[0]
  );
}

/** Whether a problem line is a duplicate or a loss (the rest are other broken promises). */
export function isDuplicateOrLoss(problem: string): boolean {
  return /(^|: )(loss|duplicate): /.test(problem);
}

/**
 * The failpoints placed in `lib/`, read from its sources so that a new one
 * is covered without touching the harness.
 */
export async function listFailpoints(): Promise<string[]> {
  const dir = nodePath.join(PROJECT_ROOT, "lib");
  const names: string[] = [];
  for (const file of (await listFiles(dir)).filter((f) => f.endsWith(".ts")).sort()) {
    const source = await Deno.readTextFile(nodePath.join(dir, file));
    names.push(...[...source.matchAll(/failpoint\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]));
  }
  return [...new Set(names)];
}

/** SHA-256 of some bytes, lowercase hex (as the Batigest simulator's ledger). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new Uint8Array(bytes));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A small seeded PRNG (mulberry32), so a campaign's choices can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Exports added get smaller numbers in their references: Saxium lists the
 * newest first, so the agent publishes in name order, the order the
 * simulated Batigest (like a folder listing) takes files in. With growing
 * numbers, a slow Batigest would take a document published later (an older
 * one, its name sorting first) before the one published before it: evidence
 * against that one, refused after the timeout.
 */
let counter = 0;

/**
 * Adds `count` well-formed exports (quotes and orders, each with its XML and
 * its CSV, all distinct bytes) that must end synced.
 */
export function addGoodExports(
  world: World,
  options: { count: number; formats: readonly ("xml" | "csv")[]; prefix?: string },
): Expectation[] {
  const added: Expectation[] = [];
  for (let i = 0; i < options.count; i++) {
    const n = ++counter;
    const isOrder = n % 3 === 0;
    const ref = `${options.prefix ?? (isOrder ? "BC" : "DV")}-${1_730_000_000_000 - n}`;
    const lines = 1 + (n % 4);
    const created = world.saxium.addExport({
      documentType: isOrder ? "bon_commande" : "devis_client",
      documentReference: ref,
      files: isOrder
        ? { xml: orderXml(ref, { lines }), csv: orderCsv(ref, { lines }) }
        : { xml: quoteXml(ref, { lines }), csv: quoteCsv(ref, { lines }) },
    });
    added.push({ export: created, outcome: "synced", formats: options.formats });
  }
  return added;
}

/**
 * Adds an export whose XML is malformed (its CSV is fine): the agent must
 * refuse it, keep it in `Errors\` and mark it in error, never deliver it.
 */
export function addBrokenExport(world: World, formats: readonly ("xml" | "csv")[]): Expectation {
  const ref = `DV-CASSE-${1_730_000_000_000 - ++counter}`;
  const created = world.saxium.addExport({
    documentType: "devis_client",
    documentReference: ref,
    files: { xml: quoteXml(ref).replace("</Lignes>", "</Ligne>"), csv: quoteCsv(ref) },
  });
  return { export: created, outcome: "error", formats };
}

/** Adds what {@linkcode verifyWorld} found to a report's totals. */
function addVerdict(report: Verdict, verdict: Verdict): void {
  report.duplicates += verdict.duplicates;
  report.losses += verdict.losses;
  report.falseSynced += verdict.falseSynced;
  report.problems.push(...verdict.problems);
}

/**
 * Checks a world once every pass is over: each document consumed exactly
 * once with the exact bytes served (or never, for an expected error), each
 * export marked synced (or in error), no temporary file left, nothing outside
 * the two folders, the token nowhere in what the agent wrote.
 */
export async function verifyWorld(
  world: World,
  expected: readonly Expectation[],
  runs: readonly AgentRun[] = [],
): Promise<Verdict> {
  const verdict: Verdict = { duplicates: 0, losses: 0, falseSynced: 0, problems: [] };
  const consumed = new Map<string, number>();
  /** Where each document first entered Batigest (its place in the ledger). */
  const firstAt = new Map<string, number>();
  world.batigest.ledger.forEach((entry, i) => {
    consumed.set(entry.sha256, (consumed.get(entry.sha256) ?? 0) + 1);
    if (!firstAt.has(entry.sha256)) firstAt.set(entry.sha256, i);
  });
  const known = new Set<string>();
  for (const { export: e, outcome, formats, newer } of expected) {
    const served = world.saxium.exports.get(e.id)!;
    const label = `${e.documentReference} [${e.id.slice(0, 8)}]`;
    let lost = false;
    for (const format of formats) {
      const bytes = e.files[format];
      if (!bytes) continue;
      const sha = await sha256Hex(bytes);
      known.add(sha);
      const times = consumed.get(sha) ?? 0;
      if (times > 1) {
        verdict.duplicates += times - 1;
        verdict.problems.push(`duplicate: ${label} ${format} consumed ${times} times`);
      }
      if (outcome === "synced" && times === 0) {
        lost = true;
        verdict.problems.push(`loss: ${label} ${format} never consumed (status ${served.status})`);
      }
      if (outcome === "error" && times > 0) {
        verdict.problems.push(`${label} ${format} consumed although it should have failed`);
      }
      const newerBytes = newer?.files[format];
      if (outcome === "version" && times > 0 && newerBytes) {
        // Imported before its correction, never after it.
        const newerAt = firstAt.get(await sha256Hex(newerBytes)) ?? Infinity;
        if (firstAt.get(sha)! > newerAt) {
          verdict.problems.push(`stale version: ${label} ${format} imported after the newer one`);
        }
      }
    }
    const everImported = formats.some((f) => e.files[f] !== undefined) &&
      await Promise.all(
        formats.filter((f) => e.files[f]).map(async (f) =>
          consumed.has(await sha256Hex(e.files[f]!))
        ),
      ).then((all) => all.some(Boolean));
    if (served.status === "imported" && !everImported) {
      verdict.falseSynced++;
      verdict.problems.push(`false synced: ${label} marked synced, never imported by Batigest`);
    }
    if (outcome === "version") {
      const replaced = served.status === "error" && /^Remplacé/.test(served.errorMessage ?? "");
      if (!(everImported ? served.status === "imported" : replaced)) {
        lost = true;
        verdict.problems.push(
          `loss: ${label} an older version neither imported before its correction nor reported replaced (status ${served.status}${
            served.errorMessage ? `: ${served.errorMessage.slice(0, 200)}` : ""
          })`,
        );
      }
    }
    if (outcome === "synced" && served.status !== "imported") {
      lost = true;
      verdict.problems.push(
        `loss: ${label} not marked synced (status ${served.status}${
          served.errorMessage ? `: ${served.errorMessage.slice(0, 160)}` : ""
        })`,
      );
    }
    if (outcome === "error") {
      if (served.status === "imported") {
        lost = true;
        verdict.problems.push(
          `loss: ${label} marked synced although Batigest never imported it`,
        );
      } else if (served.status !== "error" || !served.errorMessage) {
        lost = true;
        verdict.problems.push(`loss: ${label} neither synced nor marked in error`);
      }
    }
    if (lost) verdict.losses++;
  }
  for (const entry of world.batigest.ledger) {
    if (!known.has(entry.sha256)) {
      verdict.problems.push(
        `Batigest consumed ${entry.name} (${entry.bytes} bytes), which matches no document served (partial or foreign file)`,
      );
    }
  }
  verdict.problems.push(...await leftovers(world));
  const written = await everythingWritten(world, runs as AgentRun[]);
  if (written.includes(TEST_TOKEN)) {
    verdict.problems.push("the token appears in an output or a log");
  }
  return verdict;
}

/** Temporary files left behind and anything written outside the two folders. */
export async function leftovers(world: World): Promise<string[]> {
  const problems: string[] = [];
  // Batigest's own traces of the files it refused are its to keep.
  const traces = new Set(world.batigest.refusals.map((r) => r.trace));
  const imports = (await listFiles(world.importDir)).filter((f) => !traces.has(f));
  if (imports.length > 0) problems.push(`left in the import folder: ${imports.join(", ")}`);
  const work = await listFiles(world.workDir);
  const parts = work.filter((f) => f.startsWith("Downloads/"));
  if (parts.length > 0) problems.push(`left in Downloads: ${parts.join(", ")}`);
  const waiting = work.filter((f) => f.startsWith("ToImport/"));
  if (waiting.length > 0) problems.push(`left in ToImport: ${waiting.join(", ")}`);
  const outside = await listFiles(world.outsideDir);
  if (outside.length !== 1 || outside[0] !== "canary.txt") {
    problems.push(`the outside canary folder changed: ${outside.join(", ")}`);
  } else if (
    await Deno.readTextFile(nodePath.join(world.outsideDir, "canary.txt")) !== "ne pas toucher"
  ) {
    problems.push("the outside canary file was modified");
  }
  const stray = (await listFiles(world.root)).filter((f) => !/^(work|import|outside)\//.test(f));
  if (stray.length > 0) problems.push(`written outside the two folders: ${stray.join(", ")}`);
  return problems;
}

/** Options of {@linkcode finishPasses}. */
export interface FinishOptions {
  /** `sync --once` plus these arguments. */
  args?: readonly string[];
  /** Runs with the server faults still on before they are cleared; 4 by default. */
  faultyRuns?: number;
  /** Runs allowed after the faults are cleared; 3 by default. */
  cleanRuns?: number;
  /** Record every permission access of each run under this folder (see {@linkcode AuditLog}). */
  audit?: AuditLog;
}

/**
 * Runs `sync --once` until a pass completes (exit 0 or 1 with nothing left
 * pending on Saxium), clearing the server faults if they keep it from
 * completing. Returns the runs and whether it completed.
 */
export async function finishPasses(
  world: World,
  options: FinishOptions = {},
): Promise<{ runs: AgentRun[]; completed: boolean }> {
  const runs: AgentRun[] = [];
  world.batigest.start(); // closed during the campaign, perhaps: open for the end
  const faulty = options.faultyRuns ?? 4;
  let total = faulty + (options.cleanRuns ?? 3);
  for (let i = 0; i < total; i++) {
    if (i === faulty) world.saxium.clearFaults();
    // The passes of the scheduled task are minutes apart: the delays of the
    // exports set aside have run out by the next one.
    asideDelaysRunOut(world.workDir);
    const run = await runAgent(world, ["sync", "--once", ...(options.args ?? [])], {
      env: options.audit?.env(),
    });
    runs.push(run);
    // Batigest still busy with a slow document (exit 5): one more pass, up to 20 in all.
    if (run.code === 5 && total < 20) total++;
    const pending = [...world.saxium.exports.values()].some(waitsForAgent);
    if ((run.code === 0 || run.code === 1) && !pending && inFlight(world) === 0) {
      return { runs, completed: true };
    }
  }
  return { runs, completed: false };
}

/** How many exports the journal holds between its first and last state. */
function inFlight(world: World): number {
  const counts = journalCounts(world);
  if (!counts) return 0;
  return Object.entries(counts)
    .filter(([state]) => state !== "archived" && state !== "reported")
    .reduce((sum, [, n]) => sum + n, 0);
}

function journalFile(world: World): string {
  return journalPath(workFolders({ workDir: world.workDir, batigestImportDir: world.importDir }));
}

function journalCounts(world: World): Record<string, number> | undefined {
  try {
    Deno.statSync(journalFile(world));
  } catch {
    return undefined;
  }
  const journal = new Journal(journalFile(world));
  try {
    return journal.countByState();
  } finally {
    journal.close();
  }
}

/** What the exports this run touched were doing when it was killed. */
function phasesSince(world: World, since: Date): string[] {
  try {
    Deno.statSync(journalFile(world));
  } catch {
    return ["startup"];
  }
  const journal = new Journal(journalFile(world));
  try {
    const touched = journal.inStates(UNFINISHED_STATES).filter((r) =>
      Date.parse(r.updatedAt) >= since.getTime() - 5
    );
    const phases = new Set<string>();
    for (const r of touched) {
      if (r.state === "downloading") phases.add("download");
      else if (r.state === "ready" || r.state === "staged" || r.state === "delivered") {
        phases.add("delivery");
      } else if (r.state === "imported" || r.state === "acknowledged") {
        phases.add("acknowledgement");
      } else phases.add("error");
    }
    return phases.size > 0 ? [...phases] : ["between exports"];
  } finally {
    journal.close();
  }
}

// ---------------------------------------------------------------------------
// Failpoints

/** A world set up to reach some failpoints, and what must become of its exports. */
interface Scenario {
  name: string;
  world: WorldOptions;
  args: string[];
  /** Failpoints this scenario is known to reach. */
  reaches: readonly string[];
  setup(world: World): Expectation[];
}

const HAPPY_PATH = [
  "after-download",
  "after-to-import",
  "after-journal-ready",
  "after-stage",
  "after-journal-staged",
  "after-rename",
  "after-journal-delivered",
  "after-journal-imported",
  "after-mark-synced",
  "after-journal-acknowledged",
  "after-archive",
];

/** Per import folder, the exports of a "passes one by" world. */
const PASSED_BY = new Map<string, Expectation[]>();

/**
 * A Batigest that leaves the first document published (the export added
 * last: the simulated Saxium lists newest first, so it has documents after
 * it) and takes the others.
 */
function passFirstBy(name: string): boolean {
  for (const expected of PASSED_BY.values()) {
    if (expected.some((e) => `${e.export.documentReference}.xml` === name)) {
      return `${expected.at(-1)!.export.documentReference}.xml` === name;
    }
  }
  return false;
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: "nominal",
    world: { consumeDelayMs: 5 },
    args: ["--formats", "xml,csv"],
    reaches: HAPPY_PATH,
    setup: (world) => addGoodExports(world, { count: 3, formats: ["xml", "csv"] }),
  },
  {
    name: "refused document",
    world: {},
    args: [],
    reaches: ["after-download", "after-journal-failed", "after-mark-error"],
    setup: (world) => [
      ...addGoodExports(world, { count: 1, formats: ["xml"] }),
      addBrokenExport(world, ["xml"]),
      ...addGoodExports(world, { count: 1, formats: ["xml"] }),
    ],
  },
  {
    // Batigest leaves the first document it sees and takes the ones after:
    // that one is refused on this evidence, withdrawn and reported, never imported.
    name: "Batigest passes one by",
    world: { passesBy: passFirstBy },
    args: ["--import-timeout", "1"],
    reaches: [
      "after-journal-delivered",
      "after-withdraw",
      "after-journal-failed",
      "after-mark-error",
    ],
    setup(world) {
      const expected = addGoodExports(world, { count: 3, formats: ["xml"] });
      expected.at(-1)!.outcome = "error"; // listed first: newest first

      PASSED_BY.set(world.importDir, expected);
      return expected;
    },
  },
];

/** Options of {@linkcode runFailpoints}. */
export interface FailpointOptions {
  /** Only these failpoints (all of `lib/` by default). */
  only?: readonly string[];
  /** Hits to kill at, one run each, before the pass is let to complete; [1, 1, 2] by default. */
  hits?: readonly number[];
  /** Scenarios run at once; 2 by default. */
  concurrency?: number;
  /** Told one line per scenario. */
  log?: (line: string) => void;
}

/**
 * For every failpoint and every scenario that reaches it: kill the agent
 * there (then again at the same point, then at its next hit), restart it
 * until the pass completes, and check the world.
 */
export async function runFailpoints(options: FailpointOptions = {}): Promise<CrashReport> {
  const started = Date.now();
  const report = emptyReport();
  const all = await listFailpoints();
  const names = options.only ? all.filter((n) => options.only!.includes(n)) : all;
  const jobs: { name: string; scenario: Scenario }[] = [];
  for (const name of names) {
    const known = SCENARIOS.filter((s) => s.reaches.includes(name));
    for (const scenario of known.length > 0 ? known : SCENARIOS) jobs.push({ name, scenario });
  }
  const reached = new Set<string>();
  await pool(jobs, options.concurrency ?? 2, async ({ name, scenario }) => {
    const part = await failpointScenario(name, scenario, options.hits ?? [1, 1, 2]);
    if (part.failpointKills > 0) reached.add(name);
    options.log?.(
      `failpoint ${name} (${scenario.name}): ${part.failpointKills} kills, ${part.duplicates} duplicates, ${part.losses} losses${
        briefProblems(part.problems)
      }`,
    );
    addReport(report, {
      ...part,
      problems: part.problems.map((p) => `${name} (${scenario.name}): ${p}`),
    });
  });
  for (const name of names) {
    if (!reached.has(name)) report.problems.push(`failpoint ${name} was never reached`);
  }
  report.failpoints = reached.size;
  report.elapsedMs = Date.now() - started;
  return report;
}

async function failpointScenario(
  name: string,
  scenario: Scenario,
  hits: readonly number[],
): Promise<CrashReport> {
  const report = emptyReport();
  const world = await makeWorld(scenario.world);
  try {
    const expected = scenario.setup(world);
    report.exports = expected.length;
    const runs: AgentRun[] = [];
    for (const hit of hits) {
      asideDelaysRunOut(world.workDir); // the task's passes are minutes apart
      const run = await runAgent(world, ["sync", "--once", ...scenario.args], {
        entry: FAILPOINT_ENTRY,
        extraEnv: [...FAILPOINT_ENV],
        env: { AGENT_FAILPOINT: name, AGENT_FAILPOINT_HIT: String(hit) },
      });
      runs.push(run);
      report.runs++;
      if (run.code !== KILLED_CODE) break; // the pass went past every hit: nothing left to kill
      report.failpointKills++;
    }
    if (report.failpointKills === 0 && scenario.reaches.includes(name)) {
      report.problems.push(`not reached (first run exited ${runs[0]?.code})`);
    }
    const finish = await finishPasses(world, { args: scenario.args });
    runs.push(...finish.runs);
    report.runs += finish.runs.length;
    if (!finish.completed) {
      report.problems.push(
        `the pass never completed after the crash (last exit ${finish.runs.at(-1)?.code}: ${
          lastLines(finish.runs.at(-1))
        })`,
      );
    }
    addVerdict(report, await verifyWorld(world, expected, runs));
  } finally {
    await world.close();
  }
  return report;
}

// ---------------------------------------------------------------------------
// Random kills and faults

/** Options of {@linkcode runRandomKills}. */
export interface RandomKillOptions {
  /** SIGKILLs to land (a run that ends before its kill does not count). */
  kills: number;
  /** Kills per world before it is finished and checked; 10 by default. */
  killsPerWorld?: number;
  /** Exports added to a world each time it runs dry; 6 by default. */
  exportsPerBatch?: number;
  /** Malformed exports among them, which must end in error; 1 by default. */
  brokenPerBatch?: number;
  /** Chance that a request gets a fault (5xx, 429, truncated body, reset, HTML); 0.2 by default, 0 for none. */
  faultRate?: number;
  /**
   * Whether the HTML fault (a proxy's error page with status 200) also hits
   * downloads, not only the JSON routes; true by default.
   */
  htmlOnDownloads?: boolean;
  /** Longest wait after the agent's first request before the kill; 600 ms by default. */
  maxDelayMs?: number;
  /** Worlds run at once; 2 by default. */
  concurrency?: number;
  /** Run every agent under `DENO_AUDIT_PERMISSIONS` and report any access outside its scope. */
  audit?: boolean;
  /** Seed of the harness's choices (delays, formats); random by default. */
  seed?: number;
  /** Told a line after each world. */
  log?: (line: string) => void;
  /** Stop early (soak's Ctrl-C). */
  signal?: AbortSignal;
  /**
   * Saxium's odd answers and the agent's lost memory at random (issue 12):
   * 409/404 on acknowledgements, duplicate and case-flipped ids in lists,
   * the journal deleted between two runs; true by default.
   */
  oddAnswers?: boolean;
  /** Chance, before each run, that Batigest closes (if open) or opens again (if closed); 0 by default. */
  batigestFlaps?: number;
  /**
   * Batigest reads orders (`BC-…`, which no later document sorts before)
   * slowly: recorded when read, deleted this many ms later; the agent then
   * runs with `--import-timeout` below it. Off by default.
   */
  slowReadMs?: number;
  /**
   * Issue 19's bad exports in every batch: one whose download fails for a
   * while and one whose acknowledgement does (poisoned), a corrected
   * re-export of a document (a newer version), one Batigest refuses and
   * renames `.err`; in one world of three Batigest leaves each import as an
   * empty file; `State\` deleted whole now and then. True by default.
   */
  badExports?: boolean;
}

/** Chance that the journal is deleted after a killed run, with odd answers on. */
const JOURNAL_LOSS_RATE = 0.1;

/** The documents Batigest refuses and renames `<name>.err`, with bad exports on. */
const REFUSED_PREFIX = "DV-REFUS-";

/**
 * A batch's bad exports (issue 19): each fault concerns one export alone and
 * asks to be retried at once (the client's backoff costs no time).
 */
function addBadExports(
  world: World,
  options: { formats: readonly ("xml" | "csv")[]; good: readonly Expectation[] },
): Expectation[] {
  const { formats } = options;
  const now = { "retry-after": "0" };
  const [download, acknowledgement] = addGoodExports(world, { count: 2, formats });
  world.saxium.addFault({
    route: "download",
    exportId: download.export.id,
    times: 12,
    fault: { status: 500, headers: now },
  });
  world.saxium.addFault({
    route: "mark-synced",
    exportId: acknowledgement.export.id,
    times: 12,
    fault: { status: 503, headers: now },
  });
  const [refused] = addGoodExports(world, { count: 1, formats, prefix: REFUSED_PREFIX });
  // A corrected re-export of one of the batch's documents: a newer version.
  const older = options.good[0];
  const newer = world.saxium.addExport({
    documentType: older.export.documentType,
    documentReference: older.export.documentReference,
    files: Object.fromEntries(
      Object.entries(older.export.files).map(([format, bytes]) => [
        format,
        // Corrected in both formats: the document's date moves on a day.
        new TextDecoder().decode(bytes).replaceAll("2025-10-14", "2025-10-15"),
      ]),
    ),
  });
  return [
    { ...download, poisoned: true },
    { ...acknowledgement, poisoned: true },
    { ...refused, outcome: "error" },
    { export: newer, outcome: "synced", formats },
  ];
}

/** The odd answers of issue 12: acknowledgements answered 409 or 404 now and then. */
export function oddAnswerFaults(): FaultRule[] {
  return [
    {
      route: "mark-synced",
      probability: 0.05,
      fault: { status: 409, body: '{"success":false,"message":"Export déjà importé"}' },
    },
    { route: "mark-synced", probability: 0.05, fault: { status: 404 } },
  ];
}

/** Deletes the journal (and its write-ahead files), as an administrator or a restore might. */
export async function deleteJournal(world: World): Promise<void> {
  for (const suffix of ["", "-wal", "-shm"]) {
    await Deno.remove(`${journalFile(world)}${suffix}`).catch(() => {});
  }
}

/**
 * Kills the agent with SIGKILL at random moments (during downloads,
 * deliveries and acknowledgements: Batigest takes a while to import and the
 * server has latency) while the server fails 20 % of requests, restarts it,
 * and checks each world when its exports are done.
 */
export async function runRandomKills(options: RandomKillOptions): Promise<CrashReport> {
  const started = Date.now();
  const report = emptyReport();
  const perWorld = options.killsPerWorld ?? 10;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const worlds: number[] = [];
  for (let left = options.kills; left > 0; left -= perWorld) worlds.push(Math.min(perWorld, left));
  let index = 0;
  await pool(worlds, options.concurrency ?? 2, async (kills) => {
    if (options.signal?.aborted) return;
    const n = index++;
    const part = await killWorld(kills, { ...options, random: seededRandom(seed + n), index: n });
    addReport(report, part);
    options.log?.(
      `world ${
        n + 1
      }/${worlds.length}: ${part.randomKills} kills, ${part.exports} exports, ${part.duplicates} duplicates, ${part.losses} losses${
        briefProblems(part.problems)
      }`,
    );
  });
  report.elapsedMs = Date.now() - started;
  return report;
}

/**
 * The fault rules for a rate: 500, 503 with a JSON message, 429, a truncated
 * body, a reset connection and an HTML page, each an equal share of `rate`.
 */
export function randomFaults(
  rate: number,
  options: { htmlOnDownloads?: boolean } = {},
): FaultRule[] {
  if (rate <= 0) return [];
  const kinds: { fault: FaultKind; route?: FaultRule["route"] }[] = [
    { fault: { status: 500 } },
    { fault: { status: 503, body: '{"success":false,"message":"Service indisponible"}' } },
    { fault: { status: 429, headers: { "retry-after": "0" } } },
    { fault: "truncate" },
    { fault: "reset" },
  ];
  if (options.htmlOnDownloads ?? true) kinds.push({ fault: "html" });
  else {
    for (const route of ["pending", "mark-synced", "mark-error"] as const) {
      kinds.push({ fault: "html", route });
    }
  }
  // Rule i is tried only when the ones before did not fire: P(i) = share / (1 - used).
  const share = rate / kinds.length;
  const rules: FaultRule[] = [];
  let used = 0;
  for (const kind of kinds) {
    rules.push({ route: kind.route ?? "any", probability: share / (1 - used), fault: kind.fault });
    used += share;
  }
  return rules;
}

async function killWorld(
  kills: number,
  options: RandomKillOptions & { random: () => number; index: number },
): Promise<CrashReport> {
  const report = emptyReport();
  const random = options.random;
  const bad = options.badExports ?? true;
  const world = await makeWorld({
    consumeDelayMs: 25,
    latencyMs: 8,
    slowReadMs: options.slowReadMs,
    slow: (name) => name.startsWith("BC-"),
    traces: bad
      ? {
        renamesRefused: {
          select: (name) => name.startsWith(REFUSED_PREFIX),
          to: (n) => `${n}.err`,
        },
        leavesEmpty: options.index % 3 === 2,
      }
      : undefined,
  });
  const formats: ("xml" | "csv")[] = options.index % 2 === 0 ? ["xml", "csv"] : ["xml"];
  // --verbose: retries are DEBUG lines, counted in the report.
  const args = ["sync", "--once", "--verbose", "--formats", formats.join(",")];
  if (options.slowReadMs !== undefined) {
    args.push("--import-timeout", String(Math.max(1, Math.floor(options.slowReadMs / 1000) - 1)));
  } else if (options.batigestFlaps) {
    // A run that starts with documents waiting for a closed Batigest waits
    // this long before it asks Saxium anything: keep it short.
    args.push("--import-timeout", "2");
  }
  let open = true;
  const odd = options.oddAnswers ?? true;
  const faults = [
    ...(odd ? oddAnswerFaults() : []),
    ...randomFaults(options.faultRate ?? 0.2, options),
  ];
  for (const rule of faults) world.saxium.addFault(rule);
  if (odd) world.saxium.listQuirks = { duplicates: 0.2, caseFlips: 0.2 };
  const expected: Expectation[] = [];
  const runs: AgentRun[] = [];
  const batch = options.exportsPerBatch ?? 6;
  const maxDelay = options.maxDelayMs ?? 600;
  const audit = options.audit ? await AuditLog.create() : undefined;
  try {
    let attempts = 0;
    while (report.randomKills < kills && attempts < kills * 4 && !options.signal?.aborted) {
      attempts++;
      if (![...world.saxium.exports.values()].some(waitsForAgent)) {
        const broken = options.brokenPerBatch ?? 1;
        const good = addGoodExports(world, { count: batch - broken, formats });
        expected.push(...good);
        for (let i = 0; i < broken; i++) expected.push(addBrokenExport(world, formats));
        if (bad) {
          const extra = addBadExports(world, { formats, good });
          // The first good one is now an older version of a corrected document.
          good[0].outcome = "version";
          good[0].newer = extra.at(-1)!.export;
          expected.push(...extra);
        }
      }
      if (random() < (options.batigestFlaps ?? 0)) {
        open = !open;
        if (open) world.batigest.start();
        else world.batigest.stop();
        report.phases[open ? "Batigest reopened" : "Batigest closed"] =
          (report.phases[open ? "Batigest reopened" : "Batigest closed"] ?? 0) + 1;
      }
      const before = world.saxium.requests.length;
      const since = new Date();
      asideDelaysRunOut(world.workDir); // the task's passes are minutes apart
      const child = spawnAgent(world, args, { env: audit?.env() });
      const output = child.output();
      const ended = output.then(() => true);
      report.runs++;
      // Wait for the agent to start working, then a random moment more.
      const deadline = Date.now() + 10_000;
      while (world.saxium.requests.length === before && Date.now() < deadline) {
        if (await within(ended, 3)) break;
      }
      const finished = await within(ended, Math.floor(random() * maxDelay));
      if (!finished) {
        try {
          child.kill("SIGKILL");
        } catch {
          // ended meanwhile
        }
      }
      const out = await output;
      runs.push(decode(out));
      if (!finished && out.signal === "SIGKILL") {
        report.randomKills++;
        for (const phase of phasesSince(world, since)) {
          report.phases[phase] = (report.phases[phase] ?? 0) + 1;
        }
        if (odd && random() < JOURNAL_LOSS_RATE) {
          // The journal alone, or all of State\ (a reset, a server set up without it).
          if (bad && random() < 0.5) {
            await Deno.remove(nodePath.join(world.workDir, "State"), { recursive: true })
              .catch(() => {});
            report.phases["State deleted"] = (report.phases["State deleted"] ?? 0) + 1;
          } else await deleteJournal(world);
          report.journalLosses++;
        }
      }
    }
    if (bad) {
      const isolation = await isolationPass(world, expected, args, audit);
      runs.push(isolation.run);
      report.runs++;
      report.stuck += isolation.stuck;
      if (isolation.stuck > 0) {
        report.problems.push(
          `${isolation.stuck} exports left pending by a pass in which only the poisoned ones should have been (exit ${isolation.run.code}: ${
            lastLines(isolation.run)
          })`,
        );
      }
    }
    const finish = await finishPasses(world, { args: args.slice(2), audit });
    runs.push(...finish.runs);
    report.runs += finish.runs.length;
    if (audit) {
      const violations = auditViolations(await audit.entries(), worldScope(world));
      if (violations.length > 0) {
        report.problems.push(`accesses outside the permission scope: ${violations.join(", ")}`);
      }
    }
    if (!finish.completed) {
      report.problems.push(
        `the pass never completed (last exit ${finish.runs.at(-1)?.code}: ${
          lastLines(finish.runs.at(-1))
        })`,
      );
    }
    report.exports = expected.length;
    report.retries = runs.reduce((n, r) => n + countRetries(r), 0);
    addVerdict(report, await verifyWorld(world, expected, runs));
  } finally {
    await world.close();
    await audit?.close();
  }
  return report;
}

/**
 * One pass with the random faults gone and the poisoned exports failing for
 * good, Batigest open: every other export must get past its download in
 * that pass (one export that fails for ever must not stop the others; a
 * slow Batigest may still keep them waiting at its door). `stuck` counts
 * the others Saxium still offers that the pass left undownloaded, all of
 * them if it took Saxium for unavailable (exit 3).
 */
async function isolationPass(
  world: World,
  expected: readonly Expectation[],
  args: readonly string[],
  audit: AuditLog | undefined,
): Promise<{ run: AgentRun; stuck: number }> {
  world.saxium.clearFaults();
  world.batigest.start();
  const poisoned = new Set(expected.filter((e) => e.poisoned).map((e) => e.export.id));
  const forever = { status: 503, headers: { "retry-after": "0" } };
  for (const id of poisoned) {
    for (const route of ["download", "mark-synced"] as const) {
      world.saxium.addFault({ route, exportId: id, fault: forever });
    }
  }
  asideDelaysRunOut(world.workDir);
  const run = await runAgent(world, [...args], { env: audit?.env() });
  world.saxium.clearFaults();
  const others = [...world.saxium.exports.values()].filter((e) =>
    waitsForAgent(e) && !poisoned.has(e.id)
  );
  if (run.code === 3) return { run, stuck: others.length };
  const journal = new Journal(journalFile(world));
  try {
    const undownloaded = others.filter((e) => {
      const state = journal.get(e.id)?.state;
      return state === undefined || state === "downloading";
    });
    return { run, stuck: undownloaded.length };
  } finally {
    journal.close();
  }
}

// ---------------------------------------------------------------------------

async function pool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, concurrency) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(workers);
}

/** Whether `ended` resolves within `ms` (the timer never outlives the call). */
async function within(ended: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([ended, late]);
  } finally {
    clearTimeout(timer);
  }
}

function decode(out: Deno.CommandOutput): AgentRun {
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

/** ` — first problem (+N more)`, or nothing. */
function briefProblems(problems: readonly string[]): string {
  if (problems.length === 0) return "";
  const more = problems.length > 1 ? ` (+${problems.length - 1} more)` : "";
  return ` — ${problems[0].slice(0, 200)}${more}`;
}

function countRetries(run: AgentRun): number {
  return (run.stdout + run.stderr).split("nouvel essai").length - 1;
}

function lastLines(run: AgentRun | undefined): string {
  if (!run) return "no run";
  return (run.stdout + run.stderr).trim().split("\n").slice(-2).join(" / ").slice(0, 300);
}

// ---------------------------------------------------------------------------
// Permission audit (DENO_AUDIT_PERMISSIONS)

/** One line of the JSONL file Deno writes when `DENO_AUDIT_PERMISSIONS` is set. */
export interface AuditEntry {
  v: number;
  datetime: string;
  /** `read`, `write`, `net`, `env`, `run`, `sys`, `ffi`, `import`… */
  permission: string;
  /** A path, a `host:port` or URL, a variable, a program, a `sys` call. */
  value: string;
}

/** What the agent may touch, for {@linkcode auditViolations}. */
export interface AuditScope {
  /** Absolute folders inside which reads and writes are allowed. */
  folders: readonly string[];
  /** `host:port` targets allowed (a URL is reduced to its host and port). */
  netHosts: readonly string[];
  /** Program names allowed to run (compared by base name). */
  run: readonly string[];
  /** Environment variables allowed. */
  env: readonly string[];
  /** `sys` calls allowed. */
  sys: readonly string[];
}

/**
 * Reads a `DENO_AUDIT_PERMISSIONS` file (empty when the process touched
 * nothing); a last line cut short by a kill is left out.
 */
export async function readAudit(path: string): Promise<AuditEntry[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const entries: AuditEntry[] = [];
  lines.forEach((line, i) => {
    try {
      entries.push(JSON.parse(line) as AuditEntry);
    } catch (error) {
      // A process killed while Deno wrote its last line leaves it cut short:
      // that access was only being checked when the process died.
      if (i < lines.length - 1) throw error;
    }
  });
  return entries;
}

/**
 * Every audited access outside `scope`, one line each (empty: the run stayed
 * inside). Denied attempts are audited too, so an escape the permission set
 * stopped still shows here.
 */
export function auditViolations(entries: readonly AuditEntry[], scope: AuditScope): string[] {
  const out = new Set<string>();
  const inside = (path: string) =>
    scope.folders.some((folder) => {
      const rel = nodePath.relative(nodePath.resolve(folder), nodePath.resolve(path));
      return rel === "" || (!rel.startsWith("..") && !nodePath.isAbsolute(rel));
    });
  for (const entry of entries) {
    const { permission, value } = entry;
    let ok: boolean;
    switch (permission) {
      case "read":
      case "write":
        ok = nodePath.isAbsolute(value) && inside(value);
        break;
      case "net":
        ok = scope.netHosts.includes(netTargetOf(value));
        break;
      case "env":
        ok = scope.env.includes(value);
        break;
      case "run":
        ok = scope.run.some((p) => nodePath.basename(value) === nodePath.basename(p));
        break;
      case "sys":
        ok = scope.sys.includes(value);
        break;
      default:
        ok = false;
    }
    if (!ok) out.add(`${permission} ${value}`);
  }
  return [...out];
}

/** `host:port` of an audited net value, which is a URL or already `host:port`. */
function netTargetOf(value: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      const url = new URL(value);
      const port = url.port || (url.protocol === "https:" ? "443" : "80");
      return `${url.hostname}:${port}`;
    } catch {
      return value;
    }
  }
  return value;
}

/**
 * A folder (outside the world) collecting one audit file per agent run.
 *
 * @example
 * ```ts
 * const audit = await AuditLog.create();
 * await runAgent(world, ["sync", "--once"], { env: audit.env() });
 * auditViolations(await audit.entries(), worldScope(world)); // []
 * await audit.close();
 * ```
 */
export class AuditLog {
  #dir: string;
  #count = 0;

  private constructor(dir: string) {
    this.#dir = dir;
  }

  /** Creates the folder. */
  static async create(): Promise<AuditLog> {
    return new AuditLog(await Deno.makeTempDir({ prefix: "saxium-audit-" }));
  }

  /** The environment that makes the next run write its own audit file. */
  env(): Record<string, string> {
    return { DENO_AUDIT_PERMISSIONS: nodePath.join(this.#dir, `run-${++this.#count}.jsonl`) };
  }

  /** Every entry of every run so far. */
  async entries(): Promise<AuditEntry[]> {
    const all: AuditEntry[] = [];
    for (let i = 1; i <= this.#count; i++) {
      all.push(...await readAudit(nodePath.join(this.#dir, `run-${i}.jsonl`)));
    }
    return all;
  }

  /** Removes the folder. */
  async close(): Promise<void> {
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }
}

/**
 * What the agent of a world may touch: its two folders, the simulator's host
 * and port, `schtasks`, its listed variables and `hostname`.
 */
export function worldScope(world: World): AuditScope {
  return {
    folders: [world.workDir, world.importDir],
    netHosts: [netTarget(world.saxium.url)],
    run: ["schtasks", "schtasks.exe"],
    env: AGENT_ENV_VARS,
    sys: ["hostname"],
  };
}
