/**
 * The `doctor` command in process (one screen, JSON, exit codes) against the
 * Saxium simulator, and under the agent's own permission set.
 */

import { ConfigError } from "../../lib/base/config_error.ts";
import assert from "node:assert/strict";
import nodePath from "node:path";
import type { CommandResult } from "../../lib/base/command_runner.ts";
import { doctorCommand } from "../../lib/cli/doctor.ts";
import type { DoctorReport } from "../../lib/health/doctor.ts";
import { makeWorld, runAgent, TEST_TOKEN } from "../support/agent_process.ts";
import { fakeContext } from "../support/context.ts";
import { DOCTOR_TOKEN as TOKEN, taskQuery, withRoot, withSaxium } from "../support/health.ts";

function contextFor(env: Record<string, string>, schtasks: CommandResult) {
  return fakeContext({ env, runCommand: () => Promise.resolve(schtasks) });
}

Deno.test("doctor: all OK gives exit 0, one screen and JSON; a problem gives exit 1 with its fix", async () => {
  await withRoot(async (root) => {
    await withSaxium(async (url) => {
      const env = {
        SAXIUM_API_URL: url,
        SAXIUM_TOKEN: TOKEN,
        SAXIUM_WORK_DIR: nodePath.join(root, "work"),
        BATIGEST_IMPORT_PATH: nodePath.join(root, "import"),
      };
      const healthy = { code: 0, stdout: taskQuery({ lastResult: 0 }), stderr: "" };
      const screen = contextFor(env, healthy);
      const code = await doctorCommand([], screen.ctx);
      const text = screen.out.join("\n");
      assert.equal(code, 0, text);
      assert.match(
        text,
        /^Diagnostic de l'agent Saxium → Batigest .* \(SRV-TEST\) : tout est en ordre/,
      );
      assert.equal(screen.out.filter((l) => /^ {2}OK /.test(l)).length, 19, text);
      assert.ok(!text.includes(TOKEN));

      const json = contextFor(env, healthy);
      assert.equal(await doctorCommand(["--json"], json.ctx), 0);
      const report = JSON.parse(json.out.join("\n")) as DoctorReport;
      assert.equal(report.ok, true);
      assert.deepEqual(report.counts, { ok: 19, warnings: 0, errors: 0 });
      assert.deepEqual(report.checks.map((c) => c.id), [
        "config",
        "work-folder",
        "import-folder",
        "disk-space",
        "saxium-reachable",
        "saxium-tls",
        "saxium-token",
        "clock",
        "saxium-queue",
        "proxy",
        "scheduled-task",
        "old-script",
        "journal",
        "exports-aside",
        "errors-folder",
        "import-waiting",
        "batigest-traces",
        "batigest-imports",
        "notify",
      ]);

      const broken = contextFor(
        { ...env, SAXIUM_TOKEN: "jeton-perime-depuis-hier" },
        { code: 1, stdout: "", stderr: "ERROR: The system cannot find the file specified." },
      );
      assert.equal(await doctorCommand([], broken.ctx), 1);
      const brokenText = broken.out.join("\n");
      // Saxium's queue is not checked while it refuses the agent.
      assert.match(brokenText, /: 2 erreurs, 1 avertissement/);
      assert.match(brokenText, /ATTENTION +File de Saxium +non vérifié : Saxium n'a pas répondu/);
      assert.match(
        brokenText,
        /ERREUR +Jeton Saxium +jeton refusé par Saxium \(HTTP 401\)\n +→ Vérifiez ou renouvelez/,
      );
      assert.match(brokenText, /ERREUR +Tâche planifiée .*\n +→ Lancez install-task/);
      assert.match(brokenText, /doctor --bundle/);
    });
  });
});

Deno.test("doctor: an unreadable configuration is reported as the one ERROR, exit 2", async () => {
  const { ctx, out } = contextFor({}, { code: 0, stdout: "", stderr: "" });
  assert.equal(await doctorCommand(["--work-dir", "relatif"], ctx), 2);
  const text = out.join("\n");
  assert.match(text, /ERREUR +Configuration +Option --work-dir invalide/);
  assert.match(text, /→ Corrigez le paramètre workDir/);
  assert.equal(
    await doctorCommand(["--inconnu"], ctx).catch((e) => e instanceof ConfigError),
    true,
  );
  // An empty task name is refused as install-task refuses it.
  await assert.rejects(
    () => doctorCommand(["--name", ""], ctx),
    (e: unknown) => e instanceof ConfigError && /^Nom de tâche invalide/.test(e.message),
  );
});

Deno.test("doctor --help", async () => {
  const { ctx, out } = contextFor({}, { code: 0, stdout: "", stderr: "" });
  assert.equal(await doctorCommand(["--help"], ctx), 0);
  assert.match(out.join("\n"), /--bundle/);
});

// ---------------------------------------------------------------------------
// Under the agent's own permission set (needs `doctor` in main.ts's commands)

Deno.test({
  name: "agent: doctor runs under its permission set; disk space honestly not verifiable",
  async fn() {
    const world = await makeWorld();
    try {
      const run = await runAgent(world, ["doctor", "--json"]);
      assert.equal(run.code, 1, run.stderr);
      const report = JSON.parse(run.stdout) as DoctorReport;
      const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
      assert.equal(byId["config"].status, "OK");
      assert.equal(byId["import-folder"].status, "OK");
      assert.equal(byId["saxium-token"].status, "OK");
      assert.equal(byId["clock"].status, "OK");
      // Free space comes from statfs, which the permission set grants (sys: hostname, statfs).
      assert.equal(byId["disk-space"].status, "OK", byId["disk-space"].detail);
      assert.equal(byId["scheduled-task"].status, "WARNING");
      assert.ok(!run.stdout.includes(TEST_TOKEN) && !run.stderr.includes(TEST_TOKEN));
      assert.deepEqual(
        [...Deno.readDirSync(world.importDir)],
        [],
        "nothing left in Batigest's folder",
      );
    } finally {
      await world.close();
    }
  },
});
