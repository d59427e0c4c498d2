/**
 * A checkout made as GitHub's windows-latest makes it (`core.autocrlf=true`)
 * still passes `deno fmt --check` and keeps LF in every text file, while the
 * byte-exact fixtures (Windows tools' output) keep their bytes. Without
 * `.gitattributes`, that checkout turned every file into CRLF and the Windows
 * job stopped at its first check.
 *
 * The clone is of the committed HEAD (what CI checks out), into a temporary
 * folder; skipped, with its reason, where git or the repository is missing.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { PROJECT_ROOT } from "../support/agent_process.ts";

async function git(args: string[], cwd = PROJECT_ROOT) {
  const out = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { ok: out.success, stdout: text(out.stdout), stderr: text(out.stderr) };
}

async function gitRepository(): Promise<string | undefined> {
  try {
    const inside = await git(["rev-parse", "--is-inside-work-tree"]);
    return inside.ok && inside.stdout.trim() === "true" ? undefined : "not a git checkout";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "git is not installed";
    throw error;
  }
}

const why = await gitRepository();
if (why) console.log(`skipped: the autocrlf checkout test (${why})`);

Deno.test({
  name: "a checkout with core.autocrlf=true keeps LF and passes deno fmt --check",
  ignore: why !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "crlf_checkout_" });
    try {
      const clone = await git([
        "clone",
        "--quiet",
        "--no-hardlinks",
        "-c",
        "core.autocrlf=true",
        PROJECT_ROOT,
        dir,
      ], dir);
      assert.ok(clone.ok, clone.stderr);

      // `i/lf w/crlf` would be a text file turned into CRLF by the checkout.
      const eol = await git(["ls-files", "--eol"], dir);
      assert.ok(eol.ok, eol.stderr);
      const converted = eol.stdout.split("\n").filter((line) => /^i\/lf\s+w\/crlf/.test(line));
      assert.deepEqual(converted, [], "text files checked out with CRLF");

      // The byte-exact fixtures are byte for byte what was committed.
      const fixtures = nodePath.join("tests", "fixtures");
      for (const entry of Deno.readDirSync(nodePath.join(PROJECT_ROOT, fixtures))) {
        if (!entry.isFile || !/^schtasks-.*\.csv$/.test(entry.name)) continue;
        const path = nodePath.join(fixtures, entry.name);
        const committed = await git(["show", `HEAD:${path.replaceAll("\\", "/")}`]);
        assert.equal(
          new TextDecoder().decode(Deno.readFileSync(nodePath.join(dir, path))),
          committed.stdout,
          path,
        );
      }

      const fmt = await new Deno.Command(Deno.execPath(), {
        args: ["fmt", "--check"],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(fmt.success, new TextDecoder().decode(fmt.stderr).slice(0, 2000));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
