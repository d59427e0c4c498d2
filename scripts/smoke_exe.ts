/**
 * A built executable starts on this machine: `--version` names the agent and
 * its build, `install-task --dry-run` prints the task, `status --json` is
 * JSON (unhealthy without a task or server, by design). The release
 * workflow's smoke test, runnable by hand on Windows:
 *
 *   deno run -A scripts/smoke_exe.ts --exe dist\saxium-batigest-agent-saxium.client.fr.exe
 *
 * @module
 */

import { parseArgs } from "node:util";
import { AGENT_NAME, VERSION } from "../lib/base/version.ts";

async function exec(exe: string, args: string[]) {
  const out = await new Deno.Command(exe, { args, stdout: "piped", stderr: "piped" }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

async function run(args: string[]): Promise<number> {
  const { exe } = parseArgs({ args, options: { exe: { type: "string" } }, strict: true }).values;
  if (!exe) {
    console.error("Indiquez l'exécutable avec --exe.");
    return 2;
  }
  const failures: string[] = [];
  const version = await exec(exe, ["--version"]);
  console.log(version.stdout.trimEnd());
  if (version.code !== 0 || !version.stdout.startsWith(`${AGENT_NAME} ${VERSION}`)) {
    failures.push(`--version (code ${version.code}) : ${version.stdout}${version.stderr}`);
  }
  if (!version.stdout.includes("Construit pour le serveur Saxium")) {
    failures.push("--version ne montre pas le serveur Saxium de la build");
  }
  const dryRun = await exec(exe, ["install-task", "--dry-run"]);
  if (dryRun.code !== 0) {
    failures.push(`install-task --dry-run (code ${dryRun.code}) : ${dryRun.stderr}`);
  }
  const status = await exec(exe, ["status", "--json"]);
  console.log(`status --json : code ${status.code}`);
  try {
    JSON.parse(status.stdout);
  } catch {
    failures.push(`status --json n'a pas produit de JSON : ${status.stdout}${status.stderr}`);
  }
  for (const failure of failures) console.error(`Échec : ${failure}`);
  if (failures.length === 0) console.log(`smoke: ${exe} démarre`);
  return failures.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await run(Deno.args));
