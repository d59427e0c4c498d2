/**
 * The README's switch-over walkthrough (« Remplacer l'ancien script ») is
 * the program's real output: each command of the block is run again, as a
 * subprocess under the executable's permission set, against a fake Task
 * Scheduler holding the old script's task, and what it prints is compared
 * line by line with the README, times, dates, ids and paths aside.
 *
 * @module
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { localDate } from "../../lib/base/log.ts";
import { quoteXml } from "../support/documents.ts";
import {
  PROJECT_ROOT,
  runAgent,
  TEST_TOKEN,
  unsupportedHere,
  withWorld,
} from "../support/agent_process.ts";
import { fakeWindows, oldScriptRun, oldScriptTaskXml } from "../support/fake_windows.ts";

const README = await Deno.readTextFile(nodePath.join(PROJECT_ROOT, "README.md"));
const PROMPT = "C:\\SaxiumBatigest> saxium-batigest-agent.exe ";

/** The block's commands, each with the lines the README shows for it. */
function walkthrough(): { args: string[]; lines: string[] }[] {
  const start = README.indexOf("<!-- switch-over -->");
  const end = README.indexOf("<!-- /switch-over -->");
  assert.ok(start >= 0 && end > start, "README: walkthrough « switch-over » introuvable");
  const steps: { args: string[]; lines: string[] }[] = [];
  for (const line of README.slice(start, end).split("\n")) {
    if (line.startsWith(PROMPT)) {
      steps.push({ args: line.slice(PROMPT.length).split(" "), lines: [] });
    } else if (steps.length > 0 && line !== "" && !line.startsWith("```")) {
      steps[steps.length - 1].lines.push(line);
    }
  }
  return steps;
}

/** What may differ between two runs: times, dates, the export's id, durations. */
function normalized(line: string): string {
  return line
    .replace(/\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\]/g, "[<horodatage>]")
    .replace(/ancienne-tache-\d{4}-\d\d-\d\d-\d{6}/g, "ancienne-tache-<date>")
    .replace(/\[[0-9a-f]{8}\]/g, "[<id>]")
    .replace(/ en \d+ s\./g, " en <n> s.");
}

Deno.test({
  name: "README: the switch-over walkthrough is what the commands print",
  ignore: unsupportedHere({
    name: "README switch-over walkthrough",
    runsOn: ["linux", "darwin"],
    reason: "the fake schtasks.exe is a /bin/sh script",
  }),
}, async () => {
  const steps = walkthrough();
  assert.deepEqual(steps.map((s) => s.args.join(" ")), [
    "sync --once",
    "install-task",
    "sync --once",
  ]);
  const windows = await fakeWindows();
  try {
    await withWorld({}, async (world) => {
      // The server as the walkthrough found it: the old task, a run of it, a download it left.
      await windows.addTask("Saxium Batigest Sync", oldScriptTaskXml());
      const ran = new Date(Date.now() - 3 * 60_000);
      await Deno.mkdir(nodePath.join(world.workDir, "Logs"), { recursive: true });
      await Deno.writeFile(
        nodePath.join(world.workDir, "Logs", `sync-${localDate(ran)}.log`),
        oldScriptRun(ran),
      );
      await Deno.mkdir(nodePath.join(world.workDir, "Downloads"));
      await Deno.writeTextFile(
        nodePath.join(world.workDir, "Downloads", "DV-1730000000005.xml"),
        "<Devis/>",
      );
      // Its settings where a server keeps them: agent.json (SYSTEM sees no session variable).
      await Deno.writeTextFile(
        nodePath.join(world.workDir, "agent.json"),
        JSON.stringify({
          apiUrl: world.saxium.url,
          token: TEST_TOKEN,
          agentId: "SRV-COMPTA",
          batigestImportDir: world.importDir,
        }),
      );
      world.saxium.addExport({
        documentType: "devis_client",
        documentReference: "DV-1730000000009",
        files: { xml: quoteXml("DV-1730000000009") },
      });
      // The world's paths and address, as the README's server has them.
      const asOnTheServer = (text: string) =>
        text.replaceAll(world.saxium.url, "https://saxium.client.fr")
          .replace(
            new RegExp(`${world.workDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[^\\s,)]*`, "g"),
            (path) => path.replace(world.workDir, "C:\\SaxiumBatigest").replaceAll("/", "\\"),
          );
      for (const step of steps) {
        const run = await runAgent(world, step.args, {
          schtasks: "schtasks.exe",
          bareEnv: true,
          env: { ...windows.env, SAXIUM_WORK_DIR: world.workDir },
        });
        const printed = [run.stdout, run.stderr].join("\n").split("\n").filter((l) => l !== "")
          .map(asOnTheServer);
        assert.deepEqual(
          printed.map(normalized),
          step.lines.map(normalized),
          `README, « ${step.args.join(" ")} » : la sortie réelle diffère\n${printed.join("\n")}`,
        );
      }
    });
  } finally {
    await windows.close();
  }
});
