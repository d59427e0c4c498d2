/**
 * Runs the real agent as a subprocess (`deno run` with the executable's very
 * permission set, never `-A`) against the two simulators, in a temporary
 * world: `<root>/work`, `<root>/import`, and a canary folder `<root>/outside`
 * that nothing may touch.
 *
 * @module
 */

import nodePath from "node:path";
import { DatabaseSync } from "node:sqlite";
import { permissionFlags, V8_FLAGS } from "../../lib/executable/permissions.ts";
import {
  type BatigestSimulator,
  type BatigestSimulatorOptions,
  startBatigestSimulator,
} from "./batigest_simulator.ts";
import { type SaxiumSimulator, startSaxiumSimulator } from "./saxium_simulator.ts";

/** The project's root folder. */
export const PROJECT_ROOT: string = nodePath.resolve(import.meta.dirname!, "../..");

/** The token the simulated Saxium expects; tests check it never leaks. */
export const TEST_TOKEN = "sxm_live_T0k3n-DoNotLeak-5f2c9a";

/** A temporary installation: folders, simulators, and how to run the agent in it. */
export interface World {
  root: string;
  workDir: string;
  importDir: string;
  outsideDir: string;
  saxium: SaxiumSimulator;
  batigest: BatigestSimulator;
  close(): Promise<void>;
}

/** Options of a world. */
export interface WorldOptions {
  token?: string;
  /** Batigest's time to import one file. */
  consumeDelayMs?: number;
  /** Start with Batigest closed. */
  batigestStopped?: boolean;
  /** Batigest reads slowly: see `BatigestSimulatorOptions.slowReadMs`. */
  slowReadMs?: number;
  /** Which files it reads slowly (all by default). */
  slow?: (name: string) => boolean;
  /** Files Batigest passes by (refuses and leaves in its folder). */
  passesBy?: (name: string) => boolean;
  /** The traces Batigest leaves: see `BatigestSimulatorOptions` (none by default). */
  traces?: Pick<BatigestSimulatorOptions, "renamesRefused" | "movesRefused" | "leavesEmpty">;
  latencyMs?: number;
  /** Saxium with the real queue's gap: nothing created (`ready`) is offered (`queueGap`). */
  queueGap?: boolean;
}

/** Creates a world with both simulators running. */
export async function makeWorld(options: WorldOptions = {}): Promise<World> {
  const root = await Deno.makeTempDir({ prefix: "saxium-e2e-" });
  const workDir = nodePath.join(root, "work");
  const importDir = nodePath.join(root, "import");
  const outsideDir = nodePath.join(root, "outside");
  await Deno.mkdir(importDir);
  await Deno.mkdir(outsideDir);
  await Deno.writeTextFile(nodePath.join(outsideDir, "canary.txt"), "ne pas toucher");
  const saxium = await startSaxiumSimulator({
    token: options.token ?? TEST_TOKEN,
    latencyMs: options.latencyMs,
    queueGap: options.queueGap,
  });
  const batigest = startBatigestSimulator({
    dir: importDir,
    consumeDelayMs: options.consumeDelayMs ?? 0,
    slowReadMs: options.slowReadMs,
    slow: options.slow,
    passesBy: options.passesBy,
    ...options.traces,
  });
  if (options.batigestStopped) batigest.stop();
  return {
    root,
    workDir,
    importDir,
    outsideDir,
    saxium,
    batigest,
    async close() {
      await batigest.close();
      await saxium.close();
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
}

/** Runs `body` in a new world, closed (simulators stopped, folders removed) whatever happens. */
export async function withWorld(
  options: WorldOptions,
  body: (world: World) => Promise<void>,
): Promise<void> {
  const world = await makeWorld(options);
  try {
    await body(world);
  } finally {
    await world.close();
  }
}

/** What a run of the agent left. */
export interface AgentRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** How to run the agent. */
export interface RunOptions {
  /** Environment on top of the world's (SAXIUM_API_URL, SAXIUM_TOKEN, folders). */
  env?: Record<string, string>;
  /** Leave out the world's environment entirely (only `env`). */
  bareEnv?: boolean;
  /** Entry module, relative to the project (default `main.ts`), or absolute (a generated entry). */
  entry?: string;
  /** Extra variables allowed by the permission set (test switches). */
  extraEnv?: string[];
  /** Extra network targets of the permission set (SMTP server, webhook). */
  extraNetHosts?: string[];
  /** The scheduled-task tool the permission set allows (`schtasks` by default). */
  schtasks?: string;
  /** Kill the process after this long (ms); default 60 s. */
  timeoutMs?: number;
}

/** The exact argument list used to start the agent (`deno` excluded). */
export function agentArgs(world: World, args: string[], options: RunOptions = {}): string[] {
  return [
    "run",
    "--quiet",
    "--no-check",
    V8_FLAGS,
    `--config=${nodePath.join(PROJECT_ROOT, "deno.json")}`,
    ...permissionFlags({
      apiUrl: world.saxium.url,
      workDir: world.workDir,
      batigestImportDir: world.importDir,
      schtasks: options.schtasks ?? "schtasks",
      extraEnv: options.extraEnv,
      extraNetHosts: options.extraNetHosts,
    }),
    nodePath.isAbsolute(options.entry ?? "")
      ? options.entry!
      : nodePath.join(PROJECT_ROOT, options.entry ?? "main.ts"),
    ...args,
  ];
}

/** The environment the agent runs with. */
export function agentEnv(world: World, options: RunOptions = {}): Record<string, string> {
  const base: Record<string, string> = { NO_COLOR: "1" };
  for (const name of ["HOME", "PATH", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"]) {
    const value = Deno.env.get(name);
    if (value) base[name] = value;
  }
  const worldEnv: Record<string, string> = options.bareEnv ? {} : {
    SAXIUM_API_URL: world.saxium.url,
    SAXIUM_TOKEN: TEST_TOKEN,
    SAXIUM_WORK_DIR: world.workDir,
    BATIGEST_IMPORT_PATH: world.importDir,
    SAXIUM_AGENT_ID: "SRV-TEST",
  };
  return { ...base, ...worldEnv, ...options.env };
}

/** Starts the agent; the caller waits on or kills the returned process. */
export function spawnAgent(
  world: World,
  args: string[],
  options: RunOptions = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: agentArgs(world, args, options),
    env: agentEnv(world, options),
    clearEnv: true,
    cwd: world.root,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Runs the agent to its end and returns its exit code and output. */
export async function runAgent(
  world: World,
  args: string[],
  options: RunOptions = {},
): Promise<AgentRun> {
  const child = spawnAgent(world, args, options);
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, options.timeoutMs ?? 60_000);
  const output = await child.output();
  clearTimeout(timer);
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Every file below `dir`, as paths relative to it (forward slashes). */
export async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(current: string, prefix: string) {
    for await (const entry of Deno.readDir(current)) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(nodePath.join(current, entry.name), rel);
      else found.push(rel);
    }
  }
  try {
    await walk(dir, "");
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found.sort();
}

/** All the text the agent wrote: its output and every log file. */
export async function everythingWritten(world: World, runs: AgentRun[]): Promise<string> {
  const parts = runs.flatMap((r) => [r.stdout, r.stderr]);
  for (const rel of await listFiles(world.workDir)) {
    if (rel.startsWith("Logs/") || rel.endsWith(".txt") || rel.endsWith(".json")) {
      parts.push(await Deno.readTextFile(nodePath.join(world.workDir, rel)));
    }
  }
  return parts.join("\n");
}

/** A test that needs a system other than this one. */
export interface SystemNeed {
  /** The test's name, printed with the reason. */
  name: string;
  /** The systems it runs on. */
  runsOn: readonly (typeof Deno.build.os)[];
  /** Why it cannot run elsewhere. */
  reason: string;
}

/**
 * `ignore` for `Deno.test` when this system is not one the test runs on,
 * printing the test and the reason: a test is never skipped silently.
 */
export function unsupportedHere(need: SystemNeed): boolean {
  if (need.runsOn.includes(Deno.build.os)) return false;
  console.log(`skipped on ${Deno.build.os}: ${need.name} (${need.reason})`);
  return true;
}

/** Everything the agent logged in `world` (every day's file, in name order). */
export async function logText(world: World): Promise<string> {
  const logs = (await listFiles(world.workDir)).filter((f) => f.startsWith("Logs/")).sort();
  const texts = await Promise.all(
    logs.map((f) => Deno.readTextFile(nodePath.join(world.workDir, f))),
  );
  return texts.join("");
}

/**
 * Time passes for the exports set aside: each may be tried again at the next
 * pass, as once its delay has run out (the agent's own clock is not moved).
 */
export function asideDelaysRunOut(workDir: string): void {
  const path = nodePath.join(workDir, "State", "journal.db");
  try {
    Deno.statSync(path);
  } catch {
    return; // no journal yet (or deleted by the test): nothing aside
  }
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    const columns = db.prepare("PRAGMA table_info(exports)").all() as { name: string }[];
    if (columns.some((c) => c.name === "aside_until")) {
      db.exec("UPDATE exports SET aside_until = NULL WHERE aside IS NOT NULL");
    }
  } finally {
    db.close();
  }
}
