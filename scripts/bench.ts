/**
 * `deno task bench`: how fast the agent moves exports into Batigest, and at
 * what cost, against the old PowerShell strategy on the same data.
 *
 * Each scenario starts the Saxium simulator on loopback (N exports of
 * realistic size, one in a hundred padded to 1-5 MB, optional latency per
 * request) and the Batigest simulator (D ms of import work per file), runs a
 * real `sync --once` subprocess under the executable's permission set, and
 * measures it from outside: wall time (spawn to exit), CPU time (user +
 * system, from the children's times of this process once the agent is
 * reaped), and peak memory (VmHWM of `/proc/<pid>/status`, polled every
 * 20 ms). The baseline (`baseline_agent.ts`: sequential, 1 s polling, no
 * prefetch) runs as its own process on the same data and is measured the
 * same way; it needs about 1 s per export, so by default it runs only in the
 * N = 200 scenarios (`--baseline-all` for every scenario). Then `--version`
 * is timed 20 times after a warm-up, and each target of the issue gets a
 * verdict.
 *
 * Options: `--scenario <name>` (repeatable or comma-separated) runs only
 * those, `--list` lists them, `--quick` runs a short smoke (N = 50),
 * `--repeat <k>` runs the agent k times per scenario and reports medians,
 * `--baseline-all`, `--no-baseline`, `--no-version`, `--markdown` prints the
 * README table. The exit code is 0 when every target measured is met, 1
 * otherwise.
 *
 * @module
 */

import nodePath from "node:path";
import { parseArgs } from "node:util";
import {
  agentArgs,
  agentEnv,
  makeWorld,
  PROJECT_ROOT,
  spawnAgent,
  type World,
} from "../tests/support/agent_process.ts";
import { orderXml, quoteXml } from "../tests/support/documents.ts";
import type { NewSimExport } from "../tests/support/saxium_simulator.ts";
import { netTarget } from "../lib/base/net.ts";

// ---------------------------------------------------------------------------
// Scenarios

/** Which of the issue's targets a scenario is evidence for. */
type TargetId = "wall" | "speedup" | "overhead" | "rss";

/** One benchmark situation. */
interface Scenario {
  name: string;
  /** Number of exports offered. */
  n: number;
  /** Batigest's import work per file (ms). */
  consumeMs: number;
  /** Delay the Saxium simulator adds to every answer (ms). */
  latencyMs: number;
  /** One export in `every` is padded to the next size of `sizesMb` (cycling). */
  big: { every: number; sizesMb: number[] };
  /** Whether the baseline runs without `--baseline-all`. */
  baseline: boolean;
  targets: TargetId[];
}

const MB = 1024 * 1024;

function fullScenarios(): Scenario[] {
  const list: Scenario[] = [];
  for (const n of [200, 1000]) {
    for (const consumeMs of [0, 100]) {
      for (const latencyMs of [0, 20]) {
        const targets: TargetId[] = [];
        if (n === 200 && consumeMs === 100) targets.push("wall", "speedup");
        if (n === 1000 && consumeMs === 0 && latencyMs === 20) targets.push("overhead");
        list.push({
          name: `n${n}-d${consumeMs}-l${latencyMs}`,
          n,
          consumeMs,
          latencyMs,
          big: { every: 100, sizesMb: [1, 2, 3, 4, 5] },
          baseline: n === 200,
          targets,
        });
      }
    }
  }
  list.push({
    name: "rss-n1000-5mb",
    n: 1000,
    consumeMs: 0,
    latencyMs: 0,
    big: { every: 10, sizesMb: [5] },
    baseline: false,
    targets: ["rss"],
  });
  return list;
}

function quickScenarios(): Scenario[] {
  return [
    {
      name: "quick-n50-d0-l20",
      n: 50,
      consumeMs: 0,
      latencyMs: 20,
      big: { every: 25, sizesMb: [1, 2] },
      baseline: false,
      targets: ["overhead"],
    },
    {
      name: "quick-n50-d100-l0",
      n: 50,
      consumeMs: 100,
      latencyMs: 0,
      big: { every: 25, sizesMb: [1, 2] },
      baseline: true,
      targets: ["wall", "speedup"],
    },
    {
      name: "quick-rss-n50-5mb",
      n: 50,
      consumeMs: 0,
      latencyMs: 0,
      big: { every: 5, sizesMb: [5] },
      baseline: false,
      targets: ["rss"],
    },
  ];
}

// ---------------------------------------------------------------------------
// Data

const templates = new Map<string, string>();
const TEMPLATE_SUFFIX = "1739999999999";

/** The same data for the agent and the baseline: ids, references, bytes. */
function makeExports(s: Scenario): NewSimExport[] {
  const list: NewSimExport[] = [];
  const start = Date.UTC(2025, 9, 14, 9, 0, 0);
  const encoder = new TextEncoder();
  for (let i = 0; i < s.n; i++) {
    const isOrder = i % 2 === 1;
    const prefix = isOrder ? "BC" : "DV";
    const reference = `${prefix}-${1730000000000 + i}`;
    let text: string;
    if (i % s.big.every === Math.floor(s.big.every / 2)) {
      const mb = s.big.sizesMb[Math.floor(i / s.big.every) % s.big.sizesMb.length];
      // Padded documents are made once per size and kind; only the reference changes.
      const key = `${prefix}:${mb}`;
      let template = templates.get(key);
      if (template === undefined) {
        const ref = `${prefix}-${TEMPLATE_SUFFIX}`;
        template = (isOrder ? orderXml : quoteXml)(ref, { targetBytes: mb * MB });
        templates.set(key, template);
      }
      text = template.replace(
        `<Reference>${prefix}-${TEMPLATE_SUFFIX}</Reference>`,
        `<Reference>${reference}</Reference>`,
      );
    } else {
      // Realistic documents: 2 to 24 lines (about 1.5 to 7 KB).
      const lines = 2 + (i * 7) % 23;
      text = (isOrder ? orderXml : quoteXml)(reference, { lines });
    }
    list.push({
      id: crypto.randomUUID(),
      documentType: isOrder ? "bon_commande" : "devis_client",
      documentReference: reference,
      generatedAt: new Date(start + i * 1000).toISOString(),
      files: { xml: encoder.encode(text) },
    });
  }
  return list;
}

function describeData(exports: NewSimExport[]): string {
  let total = 0;
  let bigCount = 0;
  let bigBytes = 0;
  for (const e of exports) {
    const size = (e.files.xml as Uint8Array).length;
    total += size;
    if (size >= MB) {
      bigCount++;
      bigBytes += size;
    }
  }
  return `${exports.length} exports, ${fmtMb(total * 1024 / MB)} total; ${bigCount} of 1-5 MB (${
    fmtMb(bigBytes * 1024 / MB)
  })`;
}

// ---------------------------------------------------------------------------
// Measuring a subprocess from outside

/** What one measured subprocess run gave. */
interface Measured {
  wallMs: number;
  cpuMs: number;
  /** Peak resident set size (VmHWM), kB. */
  peakRssKb: number;
  code: number;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

let clockTicks = 100;

async function readClockTicks(): Promise<void> {
  try {
    const out = await new Deno.Command("getconf", { args: ["CLK_TCK"], stdout: "piped" })
      .output();
    const n = Number(new TextDecoder().decode(out.stdout).trim());
    if (Number.isFinite(n) && n > 0) clockTicks = n;
  } catch {
    // keep 100, the usual value
  }
}

/** Fields of `/proc/<pid>/stat` after the command name: index 0 is field 3 (state). */
function statFields(pid: number | "self"): string[] | undefined {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** CPU time (ticks) of this process's reaped children: cutime + cstime. */
function childrenTicks(): number | undefined {
  const f = statFields("self");
  return f ? Number(f[13]) + Number(f[14]) : undefined;
}

/** Runs a subprocess to its end, polling its memory and CPU time every 20 ms. */
async function measure(spawn: () => Deno.ChildProcess, timeoutMs: number): Promise<Measured> {
  const ticksBefore = childrenTicks();
  const started = performance.now();
  const child = spawn();
  const pid = child.pid;
  let peakRssKb = 0;
  let polledTicks = 0;
  const poll = () => {
    try {
      const status = Deno.readTextFileSync(`/proc/${pid}/status`);
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
      if (hwm) peakRssKb = Math.max(peakRssKb, Number(hwm[1]));
    } catch {
      // gone
    }
    const f = statFields(pid);
    if (f) polledTicks = Math.max(polledTicks, Number(f[11]) + Number(f[12]));
  };
  poll();
  const timer = setInterval(poll, 20);
  let timedOut = false;
  const killer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, timeoutMs);
  const output = await child.output();
  const wallMs = performance.now() - started;
  clearInterval(timer);
  clearTimeout(killer);
  const ticksAfter = childrenTicks();
  const ticks = ticksBefore !== undefined && ticksAfter !== undefined
    ? Math.max(ticksAfter - ticksBefore, polledTicks)
    : polledTicks;
  const decoder = new TextDecoder();
  return {
    wallMs,
    cpuMs: ticks * 1000 / clockTicks,
    peakRssKb,
    code: output.code,
    timedOut,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

// ---------------------------------------------------------------------------
// Running a scenario

/** One run (agent or baseline) and what the simulators saw. */
interface RunResult extends Measured {
  /** Exports Saxium sees as imported. */
  synced: number;
  /** Exports Saxium sees in error. */
  errors: number;
  /** Files Batigest consumed. */
  consumed: number;
  /** The first error reason Saxium recorded, if any. */
  firstError?: string;
}

interface ScenarioResult {
  scenario: Scenario;
  data: string;
  agentRuns: RunResult[];
  agent: RunResult;
  baseline?: RunResult;
}

async function withWorld<T>(
  s: Scenario,
  exports: NewSimExport[],
  body: (world: World) => Promise<Measured>,
): Promise<RunResult> {
  const world = await makeWorld({ consumeDelayMs: s.consumeMs, latencyMs: s.latencyMs });
  try {
    for (const e of exports) world.saxium.addExport(e);
    const measured = await body(world);
    // Batigest may still be finishing a file the agent withdrew or gave up on.
    const sims = [...world.saxium.exports.values()];
    const failed = sims.find((e) => e.status === "error");
    return {
      ...measured,
      synced: sims.filter((e) => e.status === "imported").length,
      errors: sims.filter((e) => e.status === "error").length,
      consumed: world.batigest.ledger.length,
      firstError: failed?.errorMessage,
    };
  } finally {
    await world.close();
  }
}

function runAgentMeasured(s: Scenario, exports: NewSimExport[]): Promise<RunResult> {
  const timeoutMs = 60_000 + s.n * (s.consumeMs + 30) * 3;
  return withWorld(
    s,
    exports,
    (world) => measure(() => spawnAgent(world, ["sync", "--once"]), timeoutMs),
  );
}

const BASELINE_SCRIPT = nodePath.join(PROJECT_ROOT, "scripts", "baseline_agent.ts");

function runBaselineMeasured(s: Scenario, exports: NewSimExport[]): Promise<RunResult> {
  const timeoutMs = 120_000 + s.n * 2_500;
  return withWorld(s, exports, (world) => {
    const folders = `${world.workDir},${world.importDir}`;
    return measure(
      () =>
        new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--quiet",
            "--no-check",
            `--config=${nodePath.join(PROJECT_ROOT, "deno.json")}`,
            `--allow-net=${netTarget(world.saxium.url)}`,
            `--allow-read=${folders}`,
            `--allow-write=${folders}`,
            "--allow-env=SAXIUM_TOKEN",
            "--no-prompt",
            BASELINE_SCRIPT,
            `--api-url=${world.saxium.url}`,
            `--work-dir=${world.workDir}`,
            `--import-dir=${world.importDir}`,
            "--agent-id=SRV-BASELINE",
          ],
          env: agentEnv(world),
          clearEnv: true,
          cwd: world.root,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn(),
      timeoutMs,
    );
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The median run by wall time, with the median CPU and memory of all runs. */
function medianRun(runs: RunResult[]): RunResult {
  const byWall = [...runs].sort((a, b) => a.wallMs - b.wallMs);
  const worst = runs.find((r) => !complete(r, Infinity)) ?? byWall[(byWall.length - 1) >> 1];
  return {
    ...worst,
    wallMs: median(runs.map((r) => r.wallMs)),
    cpuMs: median(runs.map((r) => r.cpuMs)),
    peakRssKb: median(runs.map((r) => r.peakRssKb)),
  };
}

function complete(r: RunResult, n: number): boolean {
  return !r.timedOut && r.code === 0 && (n === Infinity ? r.errors === 0 : r.synced === n);
}

// ---------------------------------------------------------------------------
// Formatting

function fmtS(ms: number): string {
  return ms >= 100_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(2)} s`;
}

function fmtMs(ms: number): string {
  return Math.abs(ms) >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

function fmtMb(kb: number): string {
  return `${(kb / 1024).toFixed(1)} MB`;
}

function table(rows: string[][], indent = "  "): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) =>
    indent + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join("  ").trimEnd()
  ).join("\n");
}

function overheadMs(s: Scenario, r: RunResult): number {
  return (r.wallMs - r.consumed * s.consumeMs) / s.n;
}

function outcome(s: Scenario, r: RunResult): string {
  if (r.timedOut) return `killed after ${fmtS(r.wallMs)} (${r.synced}/${s.n} synced)`;
  const parts = [`${r.synced}/${s.n} synced`];
  if (r.errors) parts.push(`${r.errors} in error`);
  if (r.code !== 0) parts.push(`exit ${r.code}`);
  return parts.join(", ");
}

function runRow(label: string, s: Scenario, r: RunResult): string[] {
  return [
    label,
    fmtS(r.wallMs),
    (s.n / (r.wallMs / 1000)).toFixed(1),
    fmtMs(overheadMs(s, r)),
    fmtS(r.cpuMs),
    fmtMb(r.peakRssKb),
    outcome(s, r),
  ];
}

function printScenario(res: ScenarioResult, repeat: number, baselineNote: string): void {
  const { scenario: s, agent, baseline } = res;
  console.log(
    `\n${s.name}: N=${s.n}, D=${s.consumeMs} ms, latency ${s.latencyMs} ms; N×D = ${
      fmtS(s.n * s.consumeMs)
    }; ${res.data}`,
  );
  const rows = [["", "wall", "exports/s", "overhead/export", "CPU", "peak RSS", "result"]];
  rows.push(runRow(repeat > 1 ? `agent (median of ${repeat})` : "agent", s, agent));
  if (baseline) {
    rows.push(runRow("baseline", s, baseline));
    rows.push([
      "ratio",
      `${(baseline.wallMs / agent.wallMs).toFixed(1)}x faster`,
      "",
      "",
      `${(baseline.cpuMs / Math.max(agent.cpuMs, 1)).toFixed(2)}x`,
      `${(baseline.peakRssKb / Math.max(agent.peakRssKb, 1)).toFixed(2)}x`,
      "",
    ]);
  }
  console.log(table(rows));
  if (!baseline) console.log(`  baseline: ${baselineNote}`);
  if (repeat > 1) {
    console.log(`  agent walls: ${res.agentRuns.map((r) => fmtS(r.wallMs)).join(", ")}`);
  }
  if (agent.firstError) console.log(`  first error: ${agent.firstError.slice(0, 160)}`);
  if (agent.code !== 0 && !agent.firstError) {
    const tail = (agent.stderr || agent.stdout).trim().split("\n").slice(-3).join("\n    ");
    console.log(`  agent output (end):\n    ${tail}`);
  }
}

// ---------------------------------------------------------------------------
// --version

interface VersionTiming {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
  output: string;
}

async function timeVersion(runs = 20, warmup = 3): Promise<VersionTiming> {
  const world = await makeWorld();
  try {
    const args = agentArgs(world, ["--version"]);
    const env = agentEnv(world);
    const times: number[] = [];
    let output = "";
    for (let i = 0; i < warmup + runs; i++) {
      const started = performance.now();
      const out = await new Deno.Command(Deno.execPath(), {
        args,
        env,
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const ms = performance.now() - started;
      output = new TextDecoder().decode(out.stdout).trim();
      if (out.code !== 0) throw new Error(`--version exited with ${out.code}`);
      if (i >= warmup) times.push(ms);
    }
    return {
      medianMs: median(times),
      minMs: Math.min(...times),
      maxMs: Math.max(...times),
      runs,
      output,
    };
  } finally {
    await world.close();
  }
}

// ---------------------------------------------------------------------------
// Targets

interface Verdict {
  target: string;
  lines: { met: boolean; text: string }[];
}

function verdicts(results: ScenarioResult[], version?: VersionTiming): Verdict[] {
  const out: Verdict[] = [];
  const evidence = (t: TargetId) => results.filter((r) => r.scenario.targets.includes(t));
  const quick = (s: Scenario) =>
    s.name.startsWith("quick") ? " [quick: N=50, about 0.2 s of start-up not amortised]" : "";
  const judged = (ok: boolean, figure: string, s: Scenario, r: RunResult) => {
    if (!ok) return { met: false, text: `not met: ${figure}${quick(s)}` };
    if (!complete(r, s.n)) {
      return {
        met: false,
        text: `not met: ${figure} but the run is incomplete (${outcome(s, r)})${quick(s)}`,
      };
    }
    return { met: true, text: `met: ${figure}${quick(s)}` };
  };

  const wall = {
    target: "wall time within 10% of N×D (D = 100 ms, N = 200)",
    lines: evidence("wall").map(({ scenario: s, agent }) => {
      const floor = s.n * s.consumeMs;
      const ratio = agent.wallMs / floor;
      return judged(
        ratio <= 1.10,
        `${s.name}: ${fmtS(agent.wallMs)} = ${ratio.toFixed(3)} × ${fmtS(floor)}`,
        s,
        agent,
      );
    }),
  };
  out.push(wall);

  out.push({
    target: "at least 8x faster than the baseline (D = 100 ms, N = 200)",
    lines: evidence("speedup").filter((r) => r.baseline).map(({ scenario: s, agent, baseline }) => {
      const ratio = baseline!.wallMs / agent.wallMs;
      return judged(
        ratio >= 8,
        `${s.name}: ${ratio.toFixed(1)}x (${fmtS(baseline!.wallMs)} vs ${fmtS(agent.wallMs)})`,
        s,
        agent,
      );
    }),
  });

  out.push({
    target: "agent overhead at most 5 ms per export (D = 0, N = 1,000, latency 20 ms)",
    lines: evidence("overhead").map(({ scenario: s, agent }) => {
      const o = overheadMs(s, agent);
      return judged(o <= 5, `${s.name}: ${fmtMs(o)} per export`, s, agent);
    }),
  });

  out.push({
    target: "peak RSS under 120 MB (N = 1,000 with 5 MB documents)",
    lines: evidence("rss").map(({ scenario: s, agent }) =>
      judged(agent.peakRssKb < 120 * 1024, `${s.name}: ${fmtMb(agent.peakRssKb)}`, s, agent)
    ),
  });

  out.push({
    target: "--version under deno run (warm cache) under 150 ms median",
    lines: version
      ? [{
        met: version.medianMs < 150,
        text: `${version.medianMs < 150 ? "met" : "not met"}: median ${
          fmtMs(version.medianMs)
        } over ${version.runs} runs (min ${fmtMs(version.minMs)}, max ${fmtMs(version.maxMs)})`,
      }]
      : [],
  });
  return out;
}

// ---------------------------------------------------------------------------
// Machine

function machine(): string {
  let cpu = "unknown CPU";
  let ramGiB = "?";
  try {
    cpu = /model name\s*:\s*(.+)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1].trim() ?? cpu;
  } catch {
    // not Linux
  }
  try {
    const kb = Number(/MemTotal:\s+(\d+)/.exec(Deno.readTextFileSync("/proc/meminfo"))?.[1]);
    ramGiB = (kb / 1024 / 1024).toFixed(1);
  } catch {
    // not Linux
  }
  const fs = tempFileSystem();
  return `${navigator.hardwareConcurrency} CPU × ${cpu}, ${ramGiB} GiB RAM, ${Deno.build.os} ${Deno.osRelease()}, ` +
    `Deno ${Deno.version.deno}${fs ? `, temporary folders on ${fs}` : ""}`;
}

/** The file-system type holding the temporary folders (fsync costs depend on it). */
function tempFileSystem(): string | undefined {
  try {
    const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
    let best: [string, string] | undefined;
    for (const line of Deno.readTextFileSync("/proc/self/mounts").split("\n")) {
      const [, mount, type] = line.split(" ");
      if (!mount || !(tmp === mount || tmp.startsWith(mount.endsWith("/") ? mount : mount + "/"))) {
        continue;
      }
      if (!best || mount.length > best[0].length) best = [mount, type];
    }
    return best?.[1];
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Main

function markdown(
  results: ScenarioResult[],
  version: VersionTiming | undefined,
  verdictList: Verdict[],
  machineLine: string,
): string {
  const lines = [
    `Measured with \`deno task bench\` on ${
      new Date().toISOString().slice(0, 10)
    }: ${machineLine}.`,
    "",
    "| scenario | N | D | latency | agent wall | exports/s | overhead/export | CPU | peak RSS | result | baseline wall | speed-up |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|",
  ];
  for (const { scenario: s, agent, baseline } of results) {
    lines.push(
      `| ${s.name} | ${s.n} | ${s.consumeMs} ms | ${s.latencyMs} ms | ${fmtS(agent.wallMs)} | ${
        (s.n / (agent.wallMs / 1000)).toFixed(1)
      } | ${fmtMs(overheadMs(s, agent))} | ${fmtS(agent.cpuMs)} | ${fmtMb(agent.peakRssKb)} | ${
        outcome(s, agent)
      } | ${baseline ? fmtS(baseline.wallMs) : "—"} | ${
        baseline ? `${(baseline.wallMs / agent.wallMs).toFixed(1)}x` : "—"
      } |`,
    );
  }
  lines.push("");
  if (version) {
    lines.push(
      `\`--version\` under \`deno run\`, warm cache: median ${
        fmtMs(version.medianMs)
      } over ${version.runs} runs.`,
      "",
    );
  }
  for (const v of verdictList) {
    for (const l of v.lines) lines.push(`- ${v.target}: ${l.text}`);
    if (v.lines.length === 0) lines.push(`- ${v.target}: not measured in this run`);
  }
  return lines.join("\n");
}

const HELP = `deno task bench [options]

  --quick             short smoke: N = 50 (about 1 min, the baseline included)
  --scenario <name>   run only this scenario (repeatable, or comma-separated)
  --list              list the scenarios
  --repeat <k>        run the agent k times per scenario, report medians (default 1)
  --baseline-all      run the baseline in every scenario (about 1 s per export)
  --no-baseline       do not run the baseline at all
  --no-version        skip the --version timing
  --markdown          also print the results as a Markdown table for the README`;

async function mainBench(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean" },
      scenario: { type: "string", multiple: true },
      list: { type: "boolean" },
      repeat: { type: "string" },
      "baseline-all": { type: "boolean" },
      "no-baseline": { type: "boolean" },
      "no-version": { type: "boolean" },
      markdown: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const all = [...fullScenarios(), ...quickScenarios()];
  if (values.list) {
    for (const s of all) {
      console.log(
        `${s.name.padEnd(20)} N=${s.n}, D=${s.consumeMs} ms, latency ${s.latencyMs} ms${
          s.baseline ? ", baseline by default" : ""
        }`,
      );
    }
    return 0;
  }
  const wanted = (values.scenario ?? []).flatMap((v) => v.split(",")).map((v) => v.trim())
    .filter(Boolean);
  for (const name of wanted) {
    if (!all.some((s) => s.name === name)) {
      console.error(`Unknown scenario ${name}; --list shows them.`);
      return 2;
    }
  }
  const scenarios = wanted.length
    ? all.filter((s) => wanted.includes(s.name))
    : values.quick
    ? quickScenarios()
    : fullScenarios();
  const repeat = Math.max(1, Number(values.repeat ?? 1) || 1);
  const baselineAll = values["baseline-all"] ?? false;
  const noBaseline = values["no-baseline"] ?? false;
  const baselineNote = noBaseline
    ? "not run (--no-baseline)"
    : "not run (only where N ≤ 200 by default; --baseline-all)";

  await readClockTicks();
  const machineLine = machine();
  const t0 = performance.now();
  const stamp = () => {
    const s = Math.round((performance.now() - t0) / 1000);
    return `[${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}]`;
  };
  console.log(`Machine: ${machineLine}`);
  console.log(
    `Agent: real \`sync --once\` subprocess under its permission set; baseline: scripts/baseline_agent.ts ` +
      `(sequential, 1 s polling, no prefetch), ${
        noBaseline
          ? "not run (--no-baseline)"
          : baselineAll
          ? "in every scenario"
          : "in the N = 200 (and quick) scenarios only"
      }.`,
  );
  console.log(
    "Overhead/export = (wall − files consumed × D) / N. CPU = user + system of the subprocess. " +
      "Peak RSS = its VmHWM.",
  );

  const results: ScenarioResult[] = [];
  for (const s of scenarios) {
    const exports = makeExports(s);
    const data = describeData(exports);
    const agentRuns: RunResult[] = [];
    for (let i = 0; i < repeat; i++) {
      console.log(`${stamp()} ${s.name}: agent run ${i + 1}/${repeat}…`);
      agentRuns.push(await runAgentMeasured(s, exports));
    }
    let baseline: RunResult | undefined;
    if (!noBaseline && (s.baseline || baselineAll)) {
      console.log(`${stamp()} ${s.name}: baseline (about ${Math.round(s.n * 1.05)} s)…`);
      baseline = await runBaselineMeasured(s, exports);
    }
    const res: ScenarioResult = {
      scenario: s,
      data,
      agentRuns,
      agent: repeat > 1 ? medianRun(agentRuns) : agentRuns[0],
      baseline,
    };
    results.push(res);
    printScenario(res, repeat, baselineNote);
  }

  let version: VersionTiming | undefined;
  if (!values["no-version"]) {
    console.log(`\n${stamp()} --version: 3 warm-up runs, then 20 timed…`);
    version = await timeVersion();
    console.log(
      `  \`${version.output}\`: median ${fmtMs(version.medianMs)} (min ${
        fmtMs(version.minMs)
      }, max ${fmtMs(version.maxMs)})`,
    );
  }

  console.log("\nSummary");
  const rows = [[
    "scenario",
    "N",
    "D",
    "lat",
    "wall",
    "exp/s",
    "ovh/exp",
    "CPU",
    "RSS",
    "baseline",
    "ratio",
    "result",
  ]];
  for (const { scenario: s, agent, baseline } of results) {
    rows.push([
      s.name,
      String(s.n),
      String(s.consumeMs),
      String(s.latencyMs),
      fmtS(agent.wallMs),
      (s.n / (agent.wallMs / 1000)).toFixed(1),
      fmtMs(overheadMs(s, agent)),
      fmtS(agent.cpuMs),
      fmtMb(agent.peakRssKb),
      baseline ? fmtS(baseline.wallMs) : "—",
      baseline ? `${(baseline.wallMs / agent.wallMs).toFixed(1)}x` : "—",
      outcome(s, agent),
    ]);
  }
  console.log(table(rows));

  const verdictList = verdicts(results, version);
  console.log("\nTargets");
  let allMet = true;
  for (const v of verdictList) {
    if (v.lines.length === 0) {
      console.log(`  ${v.target}: not measured in this run`);
      continue;
    }
    for (const l of v.lines) {
      allMet &&= l.met;
      console.log(`  [${l.met ? "MET" : "NOT MET"}] ${v.target}: ${l.text}`);
    }
  }
  if (values.markdown) {
    console.log("\nREADME table\n");
    console.log(markdown(results, version, verdictList, machineLine));
  }
  console.log(`\n${stamp()} done.`);
  return allMet ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(await mainBench());
}
