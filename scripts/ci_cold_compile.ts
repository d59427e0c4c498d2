/**
 * Builds the executable as a new user would, from nothing: an empty Deno
 * cache (`DENO_DIR`), every npm package downloaded again, and checks the
 * result. `.ci/run` runs it; so can anyone:
 *
 *   deno run -A scripts/ci_cold_compile.ts [--config scripts/build.example.json]
 *     [--download-runtime] [--target <triple>]
 *
 * Without `DENORT_BIN`, the runtime is this machine's own `deno` and the
 * target this machine's (Linux here): `deno compile` then embeds the agent
 * into a copy of the full `deno` binary, which starts as plain `deno` (only
 * `denort` runs the embedded program). So "it starts" is checked as: the file
 * exists, runs (`--version`, exit 0), and carries Deno's standalone trailer
 * with the agent inside (its baked Saxium host, its build description and the
 * V8 heap caps in the metadata). The agent's own start-up under the same
 * permissions is what the end-to-end tests run. With `DENORT_BIN` set to a
 * real `denort` and `--target` given, the output is the real executable and
 * its `--version` must name the agent. With `--download-runtime` (CI on
 * Windows, which has Internet), `deno compile` downloads the real runtime for
 * the target (Windows by default) and `--version` must name the agent too.
 *
 * It also checks what a build must never do: a configuration with secrets
 * (an SMTP password, a webhook URL with its key) is refused before anything
 * is printed or built, and the compile embeds only the npm packages the
 * agent runs, one version each: no test-only package (`smtp-server`, its
 * `punycode.js`), which `deno compile` once took from the lockfile, with a
 * second `nodemailer`.
 *
 * Exit 0 when every check passed; prints `cold compile: …` lines.
 *
 * @module
 */

import nodePath from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildInfo, parseBuildConfig } from "../lib/executable/build_config.ts";
import { V8_FLAGS } from "../lib/executable/permissions.ts";
import { netTarget } from "../lib/base/net.ts";
import { AGENT_NAME, VERSION } from "../lib/base/version.ts";
import { runCompileScript } from "./compile.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The trailer `deno compile` appends to find the embedded program. */
const STANDALONE_MARKER = "d3n0l4nd";

async function run(args: string[]): Promise<number> {
  const flags = parseArgs({
    args,
    options: {
      config: { type: "string" },
      target: { type: "string" },
      "download-runtime": { type: "boolean" },
    },
    strict: true,
  }).values;
  const config = flags.config ?? nodePath.join(ROOT, "scripts", "build.example.json");
  const denoDir = await Deno.makeTempDir({ prefix: "cold-deno-dir-" });
  const outDir = await Deno.makeTempDir({ prefix: "cold-compile-" });
  const download = flags["download-runtime"] === true;
  const localRuntime = !download && Deno.env.get("DENORT_BIN") === undefined;
  const target = flags.target ?? (localRuntime ? "host" : undefined);
  const output = nodePath.join(outDir, localRuntime ? "agent" : "agent.exe");
  const env: Record<string, string> = { DENO_DIR: denoDir, NO_COLOR: "1" };
  if (!download) env.DENORT_BIN = Deno.env.get("DENORT_BIN") ?? Deno.execPath();
  const failures: string[] = [];
  try {
    failures.push(...await checkSecretsRefused({ config, outDir, target, env }));
    const started = performance.now();
    const compile = await runCompileScript({ config, output, target, env });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `cold compile: ${seconds.toFixed(1)} s with an empty DENO_DIR (exit ${compile.code})`,
    );
    if (!compile.success) failures.push(`compile.ts exited ${compile.code}`);
    else {
      const packages = embeddedNpmPackages(compile.printed);
      console.log(`cold compile: embedded npm packages: ${packages.join(", ") || "none listed"}`);
      failures.push(...embeddedPackageProblems(compile.printed));
      failures.push(...await checkOutput(output, { config, localRuntime }));
    }
  } finally {
    await Deno.remove(denoDir, { recursive: true }).catch(() => {});
    await Deno.remove(outDir, { recursive: true }).catch(() => {});
  }
  for (const failure of failures) console.log(`cold compile: FAILED: ${failure}`);
  if (failures.length === 0) console.log("cold compile: ok");
  return failures.length === 0 ? 0 : 1;
}

/** npm packages the agent never runs: test-only ones and what only they pull in. */
const TEST_ONLY_PACKAGES = ["smtp-server", "punycode.js"];
/** npm packages the agent runs, which must be embedded. */
const RUNTIME_PACKAGES = ["nodemailer", "zod", "saxes", "jsonc-parser", "fflate"];

/**
 * The npm packages `deno compile` says it embedded (its "Embedded Files"
 * tree: `├── nodemailer/10.6.1/* (1.73MB)`, or a name with one line per
 * version below it), as `name@version`.
 */
export function embeddedNpmPackages(printed: string): string[] {
  // deno-lint-ignore no-control-regex
  const text = printed.replace(/\x1b\[[0-9;]*m/g, "");
  const start = text.indexOf(".deno_compile_node_modules");
  if (start === -1) return [];
  const packages: string[] = [];
  let parent: string | undefined;
  for (const line of text.slice(start).split(/\r?\n/).slice(2)) {
    if (!/^[│ ]+[├└]/.test(line)) break; // the tree's npm part ends
    const entry = line.replace(/^[│ ├└─┬]+/, "").replace(/\s*\(.*$/, "").trim();
    const single = /^(@?[^/]+(?:\/[^/@]+)?)\/(\d[^/]*)\/\*$/.exec(entry);
    const version = /^(\d[^/]*)\/\*$/.exec(entry);
    if (single) packages.push(`${single[1]}@${single[2]}`);
    else if (version && parent) packages.push(`${parent}@${version[1]}`);
    else if (entry !== "" && !entry.includes("/")) parent = entry; // a name with versions below
  }
  return packages;
}

/** What is wrong with the embedded npm packages, from the compile's output. */
export function embeddedPackageProblems(printed: string): string[] {
  const packages = embeddedNpmPackages(printed);
  const problems: string[] = [];
  const names = packages.map((p) => p.replace(/@[^@]+$/, ""));
  for (const name of TEST_ONLY_PACKAGES) {
    if (names.includes(name)) problems.push(`the test-only package ${name} is embedded`);
  }
  for (const name of RUNTIME_PACKAGES) {
    if (!names.includes(name)) problems.push(`the agent's package ${name} is not embedded`);
  }
  for (const name of new Set(names)) {
    const versions = packages.filter((p) => p.replace(/@[^@]+$/, "") === name);
    if (versions.length > 1) problems.push(`${versions.join(" and ")} are both embedded`);
  }
  return problems;
}

/**
 * A configuration with an SMTP password and a webhook URL is refused (exit
 * 2) with neither printed, and nothing is built.
 */
async function checkSecretsRefused(
  options: { config: string; outDir: string; target?: string; env: Record<string, string> },
): Promise<string[]> {
  const PASSWORD = "Cold-Compile-Pa55word";
  const KEY = "cold-compile-webhook-key";
  const secret = JSON.parse(await Deno.readTextFile(options.config));
  secret.notify = {
    smtp: {
      host: "smtp.example.com",
      user: "agent@example.com",
      password: PASSWORD,
      from: "agent@example.com",
      to: ["it@example.com"],
    },
    webhookUrl: `https://hooks.example.com/${KEY}`,
  };
  const config = nodePath.join(options.outDir, "with-secrets.json");
  const output = nodePath.join(options.outDir, "never-built");
  await Deno.writeTextFile(config, JSON.stringify(secret));
  const refused = await runCompileScript({ ...options, config, output });
  const problems: string[] = [];
  if (refused.code !== 2) {
    problems.push(`a configuration with secrets: exit ${refused.code}, not 2`);
  }
  for (const value of [PASSWORD, KEY]) {
    if (refused.printed.includes(value)) problems.push(`the compile printed a secret (${value})`);
  }
  if (await Deno.stat(output).then(() => true, () => false)) {
    problems.push("a configuration with secrets was built");
  }
  if (problems.length === 0) {
    console.log("cold compile: a configuration with secrets is refused, none printed");
  }
  return problems;
}

async function checkOutput(
  output: string,
  options: { config: string; localRuntime: boolean },
): Promise<string[]> {
  const failures: string[] = [];
  const stat = await Deno.stat(output).catch(() => undefined);
  if (!stat?.isFile || stat.size === 0) return [`${output} was not created`];
  const version = await new Deno.Command(output, { args: ["--version"] }).output();
  const printed = new TextDecoder().decode(version.stdout);
  if (!version.success) failures.push(`${output} --version exited ${version.code}`);
  const expected = options.localRuntime
    ? /^deno \d/m
    : new RegExp(`^${AGENT_NAME} ${VERSION}`, "m");
  if (!expected.test(printed)) failures.push(`--version printed ${JSON.stringify(printed)}`);
  console.log(
    `cold compile: ${output} (${Math.round(stat.size / 1e6)} MB) --version: ${
      printed.split("\n")[0]
    }`,
  );

  const { config } = parseBuildConfig(await Deno.readTextFile(options.config), options.config);
  const info = buildInfo(config);
  const bytes = await Deno.readFile(output);
  const text = new TextDecoder("latin1").decode(bytes.subarray(Math.max(0, bytes.length - 64e6)));
  const expectations: [string, string][] = [
    [STANDALONE_MARKER, "Deno's standalone trailer"],
    [netTarget(info.apiUrl), "the baked Saxium host"],
    ['"netHosts"', "the build description (build_info.ts)"],
    [V8_FLAGS.replace("--v8-flags=", "").split(",")[1], "the V8 heap cap in the metadata"],
    ["scopeProblem", "the agent's start-up check"],
  ];
  for (const [needle, what] of expectations) {
    if (!text.includes(needle)) failures.push(`${what} (${needle}) is not in the executable`);
  }
  return failures;
}

if (import.meta.main) Deno.exit(await run(Deno.args));
