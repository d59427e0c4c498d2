/**
 * Attaches files to the GitHub release of a tag (created if missing), with
 * the `gh` CLI: the release workflow's last step, runnable by hand with
 * `GH_TOKEN` set:
 *
 *   deno run -A scripts/publish_release.ts --tag v2.0.0 dist\agent.exe dist\agent.exe.sha256
 *
 * @module
 */

import { parseArgs } from "node:util";

async function gh(args: string[]): Promise<number> {
  const { code } = await new Deno.Command("gh", { args, stdout: "inherit", stderr: "inherit" })
    .output();
  return code;
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { tag: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  const tag = values.tag ?? Deno.env.get("GITHUB_REF_NAME");
  if (!tag || positionals.length === 0) {
    console.error("Utilisation : publish_release.ts --tag <tag> <fichier>…");
    return 2;
  }
  if (await gh(["release", "view", tag]) !== 0) {
    const created = await gh(["release", "create", tag, "--title", tag, "--generate-notes"]);
    if (created !== 0) return 1;
  }
  return await gh(["release", "upload", tag, ...positionals, "--clobber"]) === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await run(Deno.args));
