/**
 * The executable knows its build, proven under its real permission set: the
 * agent runs through the entry the compile script generates (`entrySource`,
 * the build's defaults and description baked in, built for the world's
 * folders and simulated Saxium), with exactly the executable's flags. A work
 * folder, import folder or Saxium host outside the build is exit 2 and one
 * French line, before anything is created or contacted; and no command ever
 * shows Deno's English permission advice.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { pathToFileURL } from "node:url";
import { type BuildConfig, entrySource } from "../../lib/executable/build_config.ts";
import {
  type AgentRun,
  listFiles,
  makeWorld,
  PROJECT_ROOT,
  runAgent,
  type RunOptions,
  type World,
} from "../support/agent_process.ts";
import { startSaxiumSimulator } from "../support/saxium_simulator.ts";
import { quoteXml } from "../support/documents.ts";

const ENGLISH = /Requires|run again|NotCapable/;
const README = "(voir README, « Construire l'exécutable d'un site »).";

/** A world, and the generated entry of an executable built for it. */
async function withBuiltWorld(
  body: (
    world: World,
    run: (args: string[], options?: RunOptions) => Promise<AgentRun>,
  ) => Promise<void>,
): Promise<void> {
  const world = await makeWorld({ consumeDelayMs: 10 });
  const side = await Deno.makeTempDir({ prefix: "saxium-build-entry-" });
  try {
    const config: BuildConfig = {
      apiUrl: world.saxium.url,
      workDir: world.workDir,
      batigestImportDir: world.importDir,
    };
    const entry = nodePath.join(side, "entry.ts");
    const main = pathToFileURL(nodePath.join(PROJECT_ROOT, "main.ts")).href;
    await Deno.writeTextFile(entry, entrySource(config, main));
    await body(world, (args, options = {}) => runAgent(world, args, { ...options, entry }));
  } finally {
    await Deno.remove(side, { recursive: true }).catch(() => {});
    await world.close();
  }
}

async function assertNothingTouched(world: World, run: AgentRun): Promise<void> {
  assert.equal(run.code, 2, run.stdout + run.stderr);
  assert.equal(run.stdout, "");
  assert.equal(run.stderr.trim().split("\n").length, 1, `one line: ${run.stderr}`);
  assert.doesNotMatch(run.stderr, ENGLISH);
  assert.deepEqual(await listFiles(world.outsideDir), ["canary.txt"], "outside untouched");
  assert.deepEqual(await listFiles(world.importDir), [], "import folder untouched");
  assert.deepEqual(await listFiles(world.workDir), [], "work folder not created");
  assert.equal(world.saxium.requests.length, 0, "Saxium not contacted");
}

Deno.test("build scope: an import folder outside the build is exit 2, one French line, nothing touched", async () => {
  await withBuiltWorld(async (world, run) => {
    world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-1730000000001",
      files: { xml: quoteXml("DV-1730000000001") },
    });
    const elsewhere = nodePath.join(world.outsideDir, "Import");
    const result = await run(["sync", "--once"], { env: { BATIGEST_IMPORT_PATH: elsewhere } });
    assert.equal(
      result.stderr.trim(),
      `Le dossier d'import configuré (${elsewhere}) n'est pas celui pour lequel cet exécutable a été construit (${world.importDir}) : corrigez batigestImportDir ou construisez l'exécutable pour ce dossier ${README}`,
    );
    await assertNothingTouched(world, result);
  });
});

Deno.test("build scope: a work folder outside the build is exit 2, one French line, nothing touched", async () => {
  await withBuiltWorld(async (world, run) => {
    const elsewhere = nodePath.join(world.outsideDir, "work");
    for (const args of [["sync", "--once"], ["status"], ["tail-logs"], ["doctor"]]) {
      const result = await run(args, { env: { SAXIUM_WORK_DIR: elsewhere } });
      assert.equal(
        result.stderr.trim(),
        `Le dossier de travail configuré (${elsewhere}) n'est pas celui pour lequel cet exécutable a été construit (${world.workDir}) : corrigez SAXIUM_WORK_DIR ou --work-dir, ou construisez l'exécutable pour ce dossier ${README}`,
        args.join(" "),
      );
      await assertNothingTouched(world, result);
    }
  });
});

Deno.test("build scope: another Saxium host is exit 2 at once, not five network retries", async () => {
  const other = await startSaxiumSimulator({});
  try {
    await withBuiltWorld(async (world, run) => {
      const started = Date.now();
      const result = await run(["sync", "--once"], { env: { SAXIUM_API_URL: other.url } });
      const target = new URL(other.url).host;
      assert.equal(
        result.stderr.trim(),
        `Le serveur Saxium configuré (${other.url}, soit ${target}) n'est pas celui pour lequel cet exécutable a été construit (${world.saxium.url}, soit ${
          new URL(world.saxium.url).host
        }) : corrigez apiUrl ou construisez l'exécutable pour ce serveur ${README}`,
      );
      await assertNothingTouched(world, result);
      assert.equal(other.requests.length, 0);
      assert.ok(Date.now() - started < 20_000, "no retries");
    });
  } finally {
    await other.close();
  }
});

Deno.test("build scope: uninstall-task reads no setting, so a wrong one never blocks it", async () => {
  await withBuiltWorld(async (world, run) => {
    const elsewhere = nodePath.join(world.outsideDir, "work");
    const result = await run(["uninstall-task"], { env: { SAXIUM_WORK_DIR: elsewhere } });
    assert.doesNotMatch(result.stderr, /n'est pas celui pour lequel/);
    assert.doesNotMatch(result.stdout + result.stderr, ENGLISH);
    assert.deepEqual(await listFiles(world.outsideDir), ["canary.txt"]);
  });
});

Deno.test("build scope: an import folder set in agent.json is checked too", async () => {
  await withBuiltWorld(async (world, run) => {
    await Deno.mkdir(world.workDir, { recursive: true });
    const elsewhere = nodePath.join(world.outsideDir, "Import");
    await Deno.writeTextFile(
      nodePath.join(world.workDir, "agent.json"),
      JSON.stringify({ batigestImportDir: elsewhere }),
    );
    const result = await run(["status"], { env: { BATIGEST_IMPORT_PATH: "" } });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^Le dossier d'import configuré .* corrigez batigestImportDir/);
    assert.deepEqual(await listFiles(world.workDir), ["agent.json"]);
    assert.deepEqual(await listFiles(world.outsideDir), ["canary.txt"]);
  });
});

Deno.test("build scope: a webhook in agent.json outside the build is exit 2, named by its host only", async () => {
  await withBuiltWorld(async (world, run) => {
    await Deno.mkdir(world.workDir, { recursive: true });
    await Deno.writeTextFile(
      nodePath.join(world.workDir, "agent.json"),
      JSON.stringify({
        notify: { webhookUrl: "https://hooks.autre.fr/IncomingWebhook/cle-secrete" },
      }),
    );
    const result = await run(["sync", "--once"]);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.equal(
      result.stderr.trim(),
      `Le webhook des alertes (notify.webhookUrl dans agent.json, hôte hooks.autre.fr:443) n'est pas sur l'hôte pour lequel cet exécutable a été construit (aucun webhook prévu) : corrigez notify.webhookUrl ou construisez l'exécutable pour cet hôte ${README}`,
    );
    assert.deepEqual(await listFiles(world.workDir), ["agent.json"], "nothing else created");
    assert.equal(world.saxium.requests.length, 0, "Saxium not contacted");
  });
});

Deno.test("build scope: inside the build the agent works, and --version shows the build", async () => {
  await withBuiltWorld(async (world, run) => {
    world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-1730000000002",
      files: { xml: quoteXml("DV-1730000000002") },
    });
    const sync = await run(["sync", "--once"]);
    assert.equal(sync.code, 0, sync.stdout + sync.stderr);
    assert.equal(world.batigest.ledger.length, 1);
    const version = await run(["--version"]);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^saxium-batigest-agent \d+\.\d+\.\d+\n/);
    assert.ok(version.stdout.includes(`Construit pour le serveur Saxium : ${world.saxium.url}`));
    assert.ok(version.stdout.includes(`Dossier de travail : ${world.workDir}`));
    assert.ok(version.stdout.includes(`Dossier d'import de Batigest : ${world.importDir}`));
  });
});

Deno.test("build scope: no command shows Deno's English permission advice", async () => {
  await withBuiltWorld(async (world, run) => {
    world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-CASSE",
      files: { xml: "<Devis>" },
    });
    const outside = nodePath.join(world.outsideDir, "x");
    const commands: [string[], Record<string, string>][] = [
      [["sync", "--once"], {}],
      [["status"], {}],
      [["status", "--json"], {}],
      [["tail-logs", "-n", "50"], {}],
      [["doctor"], {}],
      [["doctor", "--json"], {}],
      [["uninstall-task"], {}],
      [["install-task", "--dry-run"], {}],
      [["--version"], {}],
      [["sync", "--once"], { BATIGEST_IMPORT_PATH: outside }],
      [["status"], { SAXIUM_WORK_DIR: outside }],
      [["doctor"], { SAXIUM_API_URL: "http://127.0.0.1:9" }],
    ];
    for (const [args, env] of commands) {
      const result = await run(args, { env, timeoutMs: 60_000 });
      const text = result.stdout + result.stderr;
      assert.doesNotMatch(text, ENGLISH, `${args.join(" ")} ${JSON.stringify(env)}:\n${text}`);
      // Under `deno run` the task's command line legitimately names Deno's flags.
      if (args[0] !== "install-task") {
        assert.doesNotMatch(text, /--allow-/, `${args.join(" ")}:\n${text}`);
      }
    }
    // A webhook on a host outside the build: refused at start-up, in French, by every command.
    await Deno.writeTextFile(
      nodePath.join(world.workDir, "agent.json"),
      JSON.stringify({ notify: { webhookUrl: "https://hooks.hors-build.example/x" } }),
    );
    for (const args of [["sync", "--once"], ["status"], ["doctor"]]) {
      const result = await run(args);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, /^Le webhook des alertes .*hooks\.hors-build\.example:443/);
      assert.doesNotMatch(result.stdout + result.stderr, ENGLISH);
    }
    const logs = (await listFiles(world.workDir)).filter((f) => f.startsWith("Logs/"));
    assert.ok(logs.length > 0);
    for (const log of logs) {
      assert.doesNotMatch(await Deno.readTextFile(nodePath.join(world.workDir, log)), ENGLISH);
    }
  });
});

Deno.test("build scope: without a baked build (deno run main.ts), refusals met deep inside are French too", async () => {
  const world = await makeWorld({});
  const other = await startSaxiumSimulator({});
  try {
    const cases: Record<string, string>[] = [
      { BATIGEST_IMPORT_PATH: nodePath.join(world.outsideDir, "Import") },
      { SAXIUM_WORK_DIR: nodePath.join(world.outsideDir, "work") },
      { SAXIUM_API_URL: other.url },
    ];
    for (const env of cases) {
      for (const args of [["sync", "--once"], ["status"], ["doctor"]]) {
        const result = await runAgent(world, args, { env });
        const text = result.stdout + result.stderr;
        assert.doesNotMatch(text, ENGLISH, `${args.join(" ")} ${JSON.stringify(env)}:\n${text}`);
        assert.doesNotMatch(text, /--allow-/, `${args.join(" ")}:\n${text}`);
      }
    }
    // The Saxium client does not retry a refused connection as a network error.
    const sync = await runAgent(world, ["sync", "--once"], { env: { SAXIUM_API_URL: other.url } });
    assert.equal(sync.code, 2, sync.stderr);
    assert.match(sync.stderr, /^Accès refusé \(connexion à « 127\.0\.0\.1:\d+ » refusée/);
    assert.doesNotMatch(sync.stdout + sync.stderr, /tentative/);
    assert.equal(other.requests.length, 0);
    assert.deepEqual(await listFiles(world.outsideDir), ["canary.txt"]);
  } finally {
    await other.close();
    await world.close();
  }
});
