/**
 * `uninstall-task` names the documents still waiting in Batigest's import
 * folder: once the task is gone, nothing confirms them to Saxium. The real
 * agent as a subprocess, Batigest closed, a fake Task Scheduler.
 *
 * @module
 */

import assert from "node:assert/strict";
import { quoteXml } from "../support/documents.ts";
import { runAgent, unsupportedHere, withWorld } from "../support/agent_process.ts";
import { fakeWindows } from "../support/fake_windows.ts";

Deno.test({
  name:
    "uninstall-task removes the task and names the documents still waiting in Batigest's folder",
  ignore: unsupportedHere({
    name: "uninstall-task names the waiting documents",
    runsOn: ["linux", "darwin"],
    reason: "the fake schtasks.exe is a /bin/sh script",
  }),
}, async () => {
  const windows = await fakeWindows();
  try {
    await withWorld({ batigestStopped: true }, async (world) => {
      for (const reference of ["DV-1730000000011", "DV-1730000000012"]) {
        world.saxium.addExport({
          documentType: "devis_client",
          documentReference: reference,
          files: { xml: quoteXml(reference) },
        });
      }
      const options = { schtasks: "schtasks.exe", env: windows.env };
      assert.equal((await runAgent(world, ["install-task"], options)).code, 0);
      const sync = await runAgent(world, ["sync", "--once", "--import-timeout", "1"], options);
      assert.equal(sync.code, 5, sync.stdout + sync.stderr);

      const uninstall = await runAgent(world, ["uninstall-task"], options);
      assert.equal(uninstall.code, 0, uninstall.stderr);
      const lines = uninstall.stdout.trim().split("\n");
      assert.equal(lines[0], "Tâche planifiée « Saxium Batigest Sync » supprimée.");
      assert.match(
        lines[1],
        /^Attention : 2 documents attendent encore dans le dossier d'import de Batigest \(.*\) : DV-1730000000011\.xml, DV-1730000000012\.xml\. Plus rien ne confirmera leur import à Saxium : ouvrez Batigest pour qu'il les importe, puis lancez une dernière fois « saxium-batigest-agent\.exe sync --once » ; ne les supprimez pas à la main/,
      );
      assert.deepEqual(await windows.tasks(), {});
      console.log(uninstall.stdout);

      // Once Batigest imported them and the last pass confirmed them, nothing is named.
      world.batigest.start();
      const last = await runAgent(world, ["sync", "--once"], options);
      assert.equal(last.code, 0, last.stderr);
      const again = await runAgent(world, ["uninstall-task"], options);
      assert.deepEqual(again.stdout.trim().split("\n"), [
        "Aucune tâche planifiée « Saxium Batigest Sync » : il n'y avait rien à supprimer.",
      ]);
    });
  } finally {
    await windows.close();
  }
});
