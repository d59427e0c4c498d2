/**
 * An administrator's slips with files and folders, end to end (subprocess,
 * real permission set): a work folder that is a file, an `agent.json` that is
 * a folder or saved in ANSI, a support archive aimed at a folder or at
 * Batigest's import folder. Each gives one French line that names the real
 * problem, and exit code 2, from every command it reaches.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { type AgentRun, runAgent, withWorld } from "../support/agent_process.ts";

function assertOneLine(run: AgentRun, pattern: RegExp, label: string): void {
  const text = (run.stdout + run.stderr).trim();
  assert.equal(run.code, 2, `${label} : code ${run.code}\n${text}`);
  assert.match(run.stderr, pattern, `${label}\n${text}`);
  assert.doesNotMatch(text, /Erreur inattendue|vérifiez les droits|os error/, `${label}\n${text}`);
}

Deno.test("a work folder that is a file: every command says so, exit 2", async () => {
  await withWorld({}, async (world) => {
    await Deno.mkdir(world.workDir, { recursive: true });
    const file = nodePath.join(world.workDir, "afile");
    await Deno.writeTextFile(file, "");
    const line = new RegExp(
      `Le dossier de travail ${file.replace(/[\\/.]/g, "\\$&")} n'est pas un dossier`,
    );
    for (
      const args of [
        ["status"],
        ["sync", "--once"],
        ["install-task", "--dry-run"],
        ["history"],
        ["tail-logs"],
      ]
    ) {
      const run = await runAgent(world, [...args, "--work-dir", file]);
      assertOneLine(run, line, args.join(" "));
      assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    }
    const doctor = await runAgent(world, ["doctor", "--work-dir", file]);
    assert.equal(doctor.code, 2, doctor.stdout + doctor.stderr);
    assert.match(doctor.stdout, /n'est pas un dossier/);
  });
});

Deno.test("agent.json that is a folder: said so, exit 2", async () => {
  await withWorld({}, async (world) => {
    await Deno.mkdir(nodePath.join(world.workDir, "agent.json"), { recursive: true });
    for (const args of [["status"], ["sync", "--once"]]) {
      const run = await runAgent(world, args);
      assertOneLine(run, /agent\.json est un dossier, pas un fichier/, args.join(" "));
    }
  });
});

Deno.test("doctor --bundle onto a folder, or into Batigest's import folder: refused, exit 2", async () => {
  await withWorld({}, async (world) => {
    await Deno.mkdir(nodePath.join(world.workDir, "d.zip"), { recursive: true });
    const folder = await runAgent(world, ["doctor", "--bundle", "d.zip"]);
    assertOneLine(
      folder,
      /d\.zip est un dossier, pas un fichier : choisissez un autre nom/,
      "dossier",
    );
    assert.doesNotMatch(folder.stderr, /Is a directory|rename/);

    const intoImport = await runAgent(world, [
      "doctor",
      "--bundle",
      nodePath.join(world.importDir, "s.zip"),
    ]);
    assertOneLine(intoImport, /s'écrit dans le dossier de travail/, "dossier d'import");
    assert.doesNotMatch(intoImport.stderr, /import/i);
    assert.deepEqual(
      [...Deno.readDirSync(world.importDir)].filter((e) => /zip|support/.test(e.name)),
      [],
    );
  });
});

Deno.test("agent.json saved in ANSI (Windows-1252): refused with how to save it as UTF-8, exit 2", async () => {
  await withWorld({}, async (world) => {
    await Deno.mkdir(world.workDir, { recursive: true });
    const text = `{"batigestImportDir": "${world.importDir}/Donn\u00e9es"}`;
    // Windows-1252 writes é as the one byte 0xE9, which is not UTF-8.
    const bytes = Uint8Array.from([...text].map((c) => c.charCodeAt(0)));
    await Deno.writeFile(nodePath.join(world.workDir, "agent.json"), bytes);
    const run = await runAgent(world, ["status"]);
    assertOneLine(
      run,
      /agent\.json n'est pas enregistré en UTF-8 .*ligne 1.*« Enregistrer sous », choisissez l'encodage UTF-8/,
      "status",
    );
    assert.doesNotMatch(run.stdout + run.stderr, /\ufffd/);
  });
});
