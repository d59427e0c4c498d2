/**
 * `deno task demo`: the agent's main job, on a machine with nothing set up.
 *
 * Starts the Saxium simulator with a few realistic exports (one of them wrong
 * on purpose) and a simulated Batigest on a temporary import folder, runs a
 * real `sync --once` (a subprocess under the executable's permission set),
 * then shows what happened in time order (the day's log), on each side, and
 * what `history` says. The folder is kept, and the last lines say what to try
 * next on it. `--clean` removes it instead.
 *
 * @module
 */

import nodePath from "node:path";
import { parseArgs } from "node:util";
import { EXIT_MEANINGS } from "../lib/base/exit_codes.ts";
import { parseLogLine } from "../lib/base/log.ts";
import { listFiles, makeWorld, PROJECT_ROOT, runAgent } from "../tests/support/agent_process.ts";
import { orderXml, quoteXml } from "../tests/support/documents.ts";

const STATUS_WORDS: Record<string, string> = {
  ready: "en attente",
  pending: "en attente",
  imported: "importé",
  error: "en erreur",
};

const { values } = parseArgs({ args: Deno.args, options: { clean: { type: "boolean" } } });
const world = await makeWorld({ consumeDelayMs: 150 });
try {
  const wrong = "DV-1730000000009";
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
      documentReference: wrong,
      files: {
        xml: quoteXml(wrong).replace(/<TotalHT>([\d.]+)<\/TotalHT>/, "<TotalHT>99999.00</TotalHT>"),
      },
    }),
  ];

  console.log("Démonstration : agent Saxium → Batigest");
  console.log(`  Saxium simulé      ${world.saxium.url} (${exports.length} exports en attente)`);
  console.log(`  Dossier de travail ${world.workDir}`);
  console.log(`  Import Batigest    ${world.importDir} (Batigest simulé, 150 ms par document)`);
  console.log(
    `  Exprès : le devis ${wrong} a des totaux faux ; l'agent doit le refuser avant que Batigest le voie.`,
  );
  console.log("\n$ saxium-batigest-agent sync --once\n");

  const run = await runAgent(world, ["sync", "--once"]);
  // The day's log holds every line in the order it happened (the console splits them in two streams).
  for (const file of (await listFiles(world.workDir)).filter((f) => f.startsWith("Logs/"))) {
    const text = await Deno.readTextFile(nodePath.join(world.workDir, file));
    for (const line of text.split(/\r?\n/)) {
      const parsed = parseLogLine(line);
      if (parsed && parsed.level !== "DEBUG") console.log(line.replace(/^\uFEFF/, ""));
    }
  }
  const expected = run.code === 1 ? " — attendu : c'est le devis refusé exprès" : "";
  console.log(
    `\nCode de sortie : ${run.code} (${EXIT_MEANINGS[run.code] ?? "inattendu"})${expected}`,
  );

  console.log("\nImporté par Batigest :");
  for (const entry of world.batigest.ledger) {
    console.log(`  ${entry.name.padEnd(28)} ${String(entry.bytes).padStart(6)} o`);
  }
  console.log("\nÉtat dans Saxium :");
  for (const e of world.saxium.exports.values()) {
    const detail = e.status === "error" ? ` : ${e.errorMessage}` : "";
    console.log(
      `  ${e.documentReference.padEnd(20)} ${STATUS_WORDS[e.status] ?? e.status}${detail}`,
    );
  }
  console.log("\nDossier de travail :");
  for (const file of await listFiles(world.workDir)) {
    if (!file.startsWith("State/")) console.log(`  ${file.split("/").join(nodePath.sep)}`);
  }
  console.log("\n$ saxium-batigest-agent history\n");
  const history = await runAgent(world, ["history"]);
  console.log(history.stdout.trimEnd());
} finally {
  await world.batigest.close();
  await world.saxium.close();
  if (values.clean) await Deno.remove(world.root, { recursive: true }).catch(() => {});
}

if (!values.clean) {
  const agent = `npx -y deno@2.9.6 run -A ${
    nodePath.relative(Deno.cwd(), nodePath.join(PROJECT_ROOT, "main.ts"))
  }`;
  console.log(`\nLe dossier de la démonstration est gardé : ${world.root}`);
  console.log("À essayer ensuite, sur ce dossier :");
  console.log(`  ${agent} history --work-dir ${world.workDir} --errors`);
  console.log(`  ${agent} tail-logs --work-dir ${world.workDir} --level attention`);
  console.log(
    `  ${agent} status --work-dir ${world.workDir} --batigest-import-dir ${world.importDir} --api-url ${world.saxium.url}   (Saxium simulé arrêté : status le dira)`,
  );
  console.log(`Pour le supprimer : deno task demo --clean, ou effacez ${world.root}.`);
}
