/**
 * `deno task demo`: the agent's main job, on a machine with nothing set up.
 *
 * Starts the Saxium simulator with a few realistic exports and a simulated
 * Batigest on a temporary import folder, runs a real `sync --once` (a
 * subprocess under the executable's permission set), and prints what
 * happened on each side.
 *
 * @module
 */

import nodePath from "node:path";
import { listFiles, makeWorld, runAgent } from "../tests/support/agent_process.ts";
import { orderXml, quoteXml } from "../tests/support/documents.ts";

const world = await makeWorld({ consumeDelayMs: 150 });
try {
  const exports = [
    world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-1730000000001",
      files: { xml: quoteXml("DV-1730000000001", { name: "Dupont & Fils Rénovation" }) },
    }),
    world.saxium.addExport({
      documentType: "bon_commande",
      documentReference: "BC-1730000000002",
      files: { xml: orderXml("BC-1730000000002", { lines: 4 }) },
    }),
    world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-2025/0042",
      files: { xml: quoteXml("DV-2025/0042", { lines: 6, name: "SCI Les Érables" }) },
    }),
    world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-1730000000009",
      // Totals that do not add up: the agent must refuse it before Batigest sees it.
      files: {
        xml: quoteXml("DV-1730000000009").replace(
          /<TotalHT>([\d.]+)<\/TotalHT>/,
          "<TotalHT>99999.00</TotalHT>",
        ),
      },
    }),
  ];

  console.log("Démonstration : agent Saxium → Batigest");
  console.log(`  Saxium simulé      ${world.saxium.url} (${exports.length} exports en attente)`);
  console.log(`  Dossier de travail ${world.workDir}`);
  console.log(`  Import Batigest    ${world.importDir} (Batigest simulé, 150 ms par document)`);
  console.log("\n$ saxium-batigest-agent sync --once\n");

  const run = await runAgent(world, ["sync", "--once"]);
  Deno.stdout.writeSync(new TextEncoder().encode(run.stdout + run.stderr));

  console.log(`\nCode de sortie : ${run.code}`);
  console.log("\nImporté par Batigest :");
  for (const entry of world.batigest.ledger) {
    console.log(`  ${entry.name.padEnd(28)} ${String(entry.bytes).padStart(6)} o`);
  }
  console.log("\nÉtat dans Saxium :");
  for (const e of world.saxium.exports.values()) {
    const detail = e.status === "error" ? ` : ${e.errorMessage}` : "";
    console.log(`  ${e.documentReference.padEnd(20)} ${e.status}${detail}`);
  }
  console.log("\nDossier de travail :");
  for (const file of await listFiles(world.workDir)) {
    if (!file.startsWith("State/")) console.log(`  ${file.split("/").join(nodePath.sep)}`);
  }
} finally {
  await world.close();
}
