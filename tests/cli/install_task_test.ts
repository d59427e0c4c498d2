/**
 * `install-task` warns when a setting comes only from an environment
 * variable: the task runs as SYSTEM, which does not see the session's
 * variables. It used to warn only when the settings would not load at all,
 * so a token or a proxy from the session went unnoticed.
 *
 * @module
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { installTaskCommand } from "../../lib/cli/install_task.ts";
import { fakeContext } from "../support/context.ts";

const TOKEN = "sxm_live_T0k3n-DoNotLeak-5f2c9a";
const API = "https://saxium.example.com";

async function withWorkDir(
  file: Record<string, unknown>,
  fn: (workDir: string, importDir: string) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "install_task_test_" });
  try {
    const workDir = nodePath.join(root, "work");
    const importDir = nodePath.join(root, "import");
    await Deno.mkdir(workDir);
    await Deno.writeTextFile(
      nodePath.join(workDir, "agent.json"),
      JSON.stringify({ batigestImportDir: importDir, ...file }),
    );
    await fn(workDir, importDir);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function dryRun(env: Record<string, string>, args: string[] = []) {
  const { ctx, out, err } = fakeContext({ env });
  const code = await installTaskCommand(["--dry-run", ...args], ctx);
  return { code, out, err };
}

Deno.test("install-task --dry-run names the token and proxy that come only from the session", async () => {
  await withWorkDir({ apiUrl: API }, async (workDir) => {
    const run = await dryRun({
      SAXIUM_WORK_DIR: workDir,
      SAXIUM_TOKEN: TOKEN,
      HTTPS_PROXY: "http://proxy.local:3128",
    });
    assert.equal(run.code, 0);
    assert.ok(run.out.some((line) => line.includes("<Task")), "the XML is still shown");
    assert.equal(run.err.length, 1);
    assert.match(
      run.err[0],
      /^Attention : la tâche s'exécute en tant que SYSTEM, .* si SAXIUM_TOKEN et HTTPS_PROXY ne sont définies que pour votre session, la tâche tournera sans jeton et sans proxy\. Enregistrez ces réglages dans .*agent\.json/,
    );
    assert.ok(!run.err[0].includes(TOKEN), "the token is never shown");
  });
});

Deno.test("install-task: an address, a folder or an agent id from the session is named too", async () => {
  await withWorkDir({}, async (workDir, importDir) => {
    const run = await dryRun({
      SAXIUM_WORK_DIR: workDir,
      SAXIUM_API_URL: API,
      SAXIUM_AGENT_ID: "POSTE-COMPTA",
      BATIGEST_IMPORT_PATH: `${importDir}-autre`,
    });
    assert.equal(run.code, 0);
    assert.equal(run.err.length, 1);
    assert.match(run.err[0], /si SAXIUM_API_URL, SAXIUM_AGENT_ID et BATIGEST_IMPORT_PATH ne sont/);
    assert.match(
      run.err[0],
      /sans adresse de Saxium, avec un autre identifiant de poste et avec un autre dossier d'import/,
    );
  });
});

Deno.test("install-task: no warning when the task gets the same settings without the session", async () => {
  await withWorkDir({ apiUrl: API, token: TOKEN, agentId: "SRV-TEST" }, async (workDir) => {
    // The same values in agent.json; the proxy given as an option, passed to the task.
    const run = await dryRun(
      { SAXIUM_WORK_DIR: workDir, SAXIUM_TOKEN: TOKEN, HTTPS_PROXY: "http://proxy.local:3128" },
      ["--proxy", "http://proxy.local:3128"],
    );
    assert.equal(run.code, 0);
    assert.deepEqual(run.err, []);
    const one = await dryRun({ SAXIUM_WORK_DIR: workDir, SAXIUM_TOKEN: "autre-jeton-de-session" });
    assert.match(
      one.err.join("\n"),
      /si SAXIUM_TOKEN n'est définie que pour votre session, la tâche tournera avec un autre jeton\. Enregistrez ce réglage/,
    );
  });
});
