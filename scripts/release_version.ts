/**
 * A published executable's version is its tag's: the release workflow's
 * check on a `v*` tag, after the build, runnable by hand:
 *
 *   deno run -A scripts/release_version.ts --tag v2.0.0 [--exe dist\agent.exe]
 *
 * The tag must be `v` + the version in `deno.json` (which `lib/base/version.ts`
 * bakes into the executable), and the built executable's `--version` must
 * say the same. Without it, a tag `v2.1.0` pushed before `deno.json` was
 * bumped published an executable calling itself 2.0.0.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { AGENT_NAME, VERSION } from "../lib/base/version.ts";

/** What does not match, in French (empty when the tag, the sources and the executable agree). */
export function versionProblems(
  tag: string,
  options: { version: string; exeVersionLine?: string },
): string[] {
  const problems: string[] = [];
  if (!/^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(tag)) {
    problems.push(
      `Le tag « ${tag} » n'est pas une version (attendu v<majeure>.<mineure>.<correctif>, par exemple v${options.version}).`,
    );
    return problems;
  }
  const tagged = tag.slice(1);
  if (tagged !== options.version) {
    problems.push(
      `Le tag ${tag} ne correspond pas à la version de deno.json (${options.version}) : mettez "version": "${tagged}" dans deno.json, ou posez le tag v${options.version}.`,
    );
  }
  if (options.exeVersionLine !== undefined) {
    const expected = `${AGENT_NAME} ${tagged}`;
    if (options.exeVersionLine.trim() !== expected) {
      problems.push(
        `L'exécutable se présente comme « ${options.exeVersionLine.trim()} », et non « ${expected} » comme son tag ${tag}.`,
      );
    }
  }
  return problems;
}

async function run(args: string[]): Promise<number> {
  const flags = parseArgs({
    args,
    options: { tag: { type: "string" }, exe: { type: "string" } },
    strict: true,
  }).values;
  const tag = flags.tag ?? Deno.env.get("GITHUB_REF_NAME");
  if (!tag) {
    console.error("Indiquez le tag avec --tag (par exemple --tag v2.0.0).");
    return 2;
  }
  let exeVersionLine: string | undefined;
  if (flags.exe) {
    const out = await new Deno.Command(flags.exe, { args: ["--version"], stdout: "piped" })
      .output();
    exeVersionLine = new TextDecoder().decode(out.stdout).split(/\r?\n/)[0];
  }
  const problems = versionProblems(tag, { version: VERSION, exeVersionLine });
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) return 1;
  console.log(`Version ${tag} : deno.json${flags.exe ? " et l'exécutable" : ""} concordent.`);
  return 0;
}

if (import.meta.main) Deno.exit(await run(Deno.args));
