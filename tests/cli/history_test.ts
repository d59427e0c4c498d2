/**
 * `history` as an administrator runs it: after real passes of the agent
 * (subprocess, real permission set, simulators), what was synced or refused
 * today, in French, with the filters and the JSON.
 */

import assert from "node:assert/strict";
import { localDate } from "../../lib/base/log.ts";
import { journalDamagedLine } from "../../lib/journal/journal.ts";
import { type AgentRun, runAgent, withWorld, type World } from "../support/agent_process.ts";
import { orderXml, quoteXml } from "../support/documents.ts";

async function run(world: World, args: string[]): Promise<AgentRun> {
  return await runAgent(world, args);
}

function french(day: string): string {
  const [y, m, d] = day.split("-");
  return `${d}/${m}/${y}`;
}

Deno.test("history: today's synced and refused exports, filters, JSON, French dates", async () => {
  await withWorld({}, async (world) => {
    world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-HIST-1",
      files: { xml: quoteXml("DV-HIST-1") },
    });
    world.saxium.addExport({
      documentType: "bon_commande",
      documentReference: "BC-HIST-2",
      files: { xml: orderXml("BC-HIST-2").replace("<Lignes>", "<Lignes><Oops>") },
    });
    const pass = await run(world, ["sync", "--once"]);
    assert.equal(pass.code, 1, pass.stderr);

    const today = await run(world, ["history"]);
    assert.equal(today.code, 0, today.stderr);
    const lines = today.stdout.trim().split("\n");
    assert.match(
      lines[0],
      new RegExp(
        `^Historique du ${french(localDate(new Date()))} : 1 synchronisé, 1 en erreur\\.$`,
      ),
    );
    assert.equal(lines.length, 3);
    // Oldest first; which of the two ends first depends on the machine.
    const rows = lines.slice(1);
    assert.ok(
      rows.some((l) => /^ {2}\d\d:\d\d:\d\d {2}en erreur +bon de commande +BC-HIST-2 +\S/.test(l)),
      lines.join("\n"),
    );
    assert.ok(
      rows.some((l) =>
        /^ {2}\d\d:\d\d:\d\d {2}synchronisé +devis +DV-HIST-1 +DV-HIST-1\.xml$/.test(l)
      ),
      lines.join("\n"),
    );
    assert.deepEqual([...rows].sort((a, b) => a.slice(2, 10).localeCompare(b.slice(2, 10))), rows);

    const errors = await run(world, ["history", "--errors"]);
    assert.equal(errors.stdout.trim().split("\n").length, 2);
    assert.match(errors.stdout, /BC-HIST-2/);
    assert.doesNotMatch(errors.stdout, /DV-HIST-1/);

    const json = JSON.parse((await run(world, ["history", "--json", "--days", "3"])).stdout);
    assert.equal(json.synced, 1);
    assert.equal(json.errors, 1);
    assert.deepEqual(json.events.map((e: { reference: string }) => e.reference).sort(), [
      "BC-HIST-2",
      "DV-HIST-1",
    ]);
    assert.equal(json.to, localDate(new Date()));

    const otherDay = await run(world, ["history", "--date", "25/11/2020"]);
    assert.equal(otherDay.code, 0);
    assert.match(
      otherDay.stdout,
      /^Historique du 25\/11\/2020 : 0 synchronisé, 0 en erreur\.\nAucun export synchronisé ni refusé ce jour-là\./,
    );

    const bad = await run(world, ["history", "--date", "31/02/2026"]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split("\n").length, 1);
    assert.match(bad.stderr, /Option --date invalide .* 25\/11\/2026/);
    const badDays = await run(world, ["history", "--days", "0"]);
    assert.equal(badDays.code, 2);
    assert.match(badDays.stderr, /--days/);
  });
});

Deno.test("history before the agent ever ran: nothing to show, nothing created", async () => {
  await withWorld({}, async (world) => {
    const out = await run(world, ["history"]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /Aucun export synchronisé ni refusé ce jour-là/);
    assert.equal(await Deno.stat(world.workDir).then(() => true, () => false), false);
  });
});

Deno.test("history on a damaged journal: the journal-damaged line and exit 2, like sync and status", async () => {
  await withWorld({}, async (world) => {
    await Deno.mkdir(`${world.workDir}/State`, { recursive: true });
    const path = `${world.workDir}/State/journal.db`;
    await Deno.writeTextFile(path, "ceci n'est pas une base SQLite ".repeat(200));
    const out = await run(world, ["history"]);
    assert.equal(out.code, 2, out.stderr);
    assert.equal(out.stdout, "");
    assert.equal(out.stderr.trim(), journalDamagedLine(path));
  });
});

Deno.test("history: --days -1 gets the range, --work-dir named as typed, empty refused", async () => {
  await withWorld({}, async (world) => {
    const negative = await run(world, ["history", "--days", "-1"]);
    assert.equal(negative.code, 2);
    assert.match(
      negative.stderr,
      /Option --days invalide \(« -1 »\) : un nombre de jours entre 1 et 366/,
    );
    const relative = await run(world, ["history", "--work-dir", "work"]);
    assert.equal(relative.code, 2);
    assert.match(relative.stderr, /Option --work-dir invalide \(work\)/);
    const empty = await run(world, ["history", "--work-dir", ""]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /Option --work-dir vide/);
  });
});
