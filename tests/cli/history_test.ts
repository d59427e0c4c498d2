/**
 * `history` as an administrator runs it: after real passes of the agent
 * (subprocess, real permission set, simulators), what was synced or refused
 * today, in French, with the filters and the JSON; one document followed
 * across several days (the agent run under `faketime`), and the CSV opened
 * as Excel opens it.
 */

import assert from "node:assert/strict";
import { localDate } from "../../lib/base/log.ts";
import { journalDamagedLine } from "../../lib/journal/journal.ts";
import {
  agentArgs,
  agentEnv,
  type AgentRun,
  runAgent,
  withWorld,
  type World,
} from "../support/agent_process.ts";
import { orderXml, quoteXml } from "../support/documents.ts";
import { faketimeMissing, runAgentAt } from "../support/faketime.ts";

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

/** A CSV read as Excel reads it: UTF-8 after its byte order mark, `;`, quoted fields. */
function asExcelReadsIt(bytes: Uint8Array): string[][] {
  assert.deepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], "UTF-8 byte order mark");
  const text = new TextDecoder().decode(bytes.slice(3));
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"', i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ";") (row.push(field), field = "");
    else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      [row, field] = [[], ""];
      i++;
    } else field += c;
  }
  assert.equal(field + row.join(""), "", "every line ends in CRLF");
  return rows;
}

Deno.test({
  name: "history DV-…: the real agent on several days, one document followed through all of them",
  ignore: faketimeMissing("history across days"),
  async fn() {
    await withWorld({}, async (world) => {
      const good = quoteXml("DV-JOURS");
      const quote = world.saxium.addExport({
        documentType: "devis_client",
        documentReference: "DV-JOURS",
        files: { xml: good.replace("</Devis>", "") },
      });
      // Friday: refused by the check.
      const friday = await runAgentAt(world, "@2026-11-20 09:00:00", ["sync", "--once"]);
      assert.equal(friday.code, 1, friday.stdout + friday.stderr);
      // Sunday: fixed and sent again; Batigest closed, the document waits in its folder.
      quote.files.xml = new TextEncoder().encode(good);
      quote.status = "pending";
      world.batigest.stop();
      const sunday = await runAgentAt(world, "@2026-11-22 14:00:00", [
        "sync",
        "--once",
        "--import-timeout",
        "1",
      ]);
      assert.equal(sunday.code, 5, sunday.stdout + sunday.stderr);
      const waiting = await run(world, ["history", "DV-JOURS"]);
      assert.match(
        waiting.stdout,
        /^Document DV-JOURS \(devis\) : déposé dans le dossier d'import de Batigest le 22\/11\/2026 14:00:\d\d \(DV-JOURS\.xml\), pas encore importé par Batigest\.$/m,
        waiting.stdout,
      );
      // Delivered and not confirmed: in that day's history too (a two-digit year typed).
      const sundayHistory = await run(world, ["history", "--date", "22/11/26"]);
      assert.equal(sundayHistory.code, 0, sundayHistory.stderr);
      assert.match(
        sundayHistory.stdout,
        /^Historique du 22\/11\/2026 : 0 synchronisé, 0 en erreur, 1 en cours\.\n {2}14:00:\d\d {2}en cours {2}devis {2}DV-JOURS {2}déposé \(en attente d'import\) : DV-JOURS\.xml \(tentative 2\)$/m,
      );
      // Monday: Batigest open again.
      world.batigest.start();
      const monday = await runAgentAt(world, "@2026-11-23 08:00:00", ["sync", "--once"]);
      assert.equal(monday.code, 0, monday.stdout + monday.stderr);

      const story = await run(world, ["history", "dv-jours"]);
      assert.equal(story.code, 0, story.stderr);
      const lines = story.stdout.trimEnd().split("\n");
      assert.match(
        lines[0],
        /^Document DV-JOURS \(devis\) : synchronisé : importé par Batigest le 23\/11\/2026 08:00:\d\d, confirmé à Saxium le 23\/11\/2026 08:00:\d\d\.$/,
      );
      assert.equal(lines[1], "1 export de ce document dans le journal de l'agent :");
      assert.match(lines[3], new RegExp(`^Export ${quote.id}, .*2 tentatives : synchronisé$`));
      const steps = lines.slice(4).map((l) =>
        l.replace(/^ {2}(\d\d\/\d\d\/\d{4}) \d\d:\d\d:\d\d {2}/, "$1 ")
      );
      assert.deepEqual(steps.map((s) => s.slice(0, 10)), [
        "20/11/2026",
        "20/11/2026",
        "20/11/2026",
        "22/11/2026",
        "22/11/2026",
        "22/11/2026",
        "22/11/2026",
        "23/11/2026",
        "23/11/2026",
        "23/11/2026",
      ]);
      assert.match(steps[1], /^20\/11\/2026 en erreur : .*mal formé.*; corrigez/);
      assert.match(steps[3], /proposé de nouveau par Saxium \(tentative 2\)/);
      assert.equal(
        steps[6],
        "22/11/2026 déposé dans le dossier d'import de Batigest : DV-JOURS.xml",
      );
      assert.equal(steps[7], "23/11/2026 importé par Batigest");
      assert.equal(steps[8], "23/11/2026 import confirmé à Saxium");

      // The same found by the export's id, and in JSON, in UTC and saying so.
      const json = JSON.parse(
        (await run(world, ["history", quote.id.slice(0, 8), "--json"])).stdout,
      );
      assert.equal(json.timeZone, "UTC");
      assert.equal(json.reference, "DV-JOURS");
      assert.match(json.exports[0].steps[0].at, /^2026-11-20T\d\d:\d\d:\d\d\.\d{3}Z$/);

      // For Excel, opened as Excel opens it: the refusal whole in its one cell.
      const csv = await new Deno.Command(Deno.execPath(), {
        args: agentArgs(world, ["history", "DV-JOURS", "--csv"]),
        env: agentEnv(world),
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const rows = asExcelReadsIt(csv.stdout);
      assert.deepEqual(rows[0], [
        "Date",
        "Heure",
        "Référence",
        "Type",
        "Export Saxium",
        "Tentative",
        "Étape",
      ]);
      assert.equal(rows.length, 11);
      assert.ok(rows.every((r) => r.length === 7), JSON.stringify(rows));
      assert.match(rows[2][6], /^en erreur : .*mal formé.* ; corrigez .*$/);
      assert.match(rows[8][1], /^08:00:\d\d$/);
      const week = asExcelReadsIt(
        (await new Deno.Command(Deno.execPath(), {
          args: agentArgs(world, ["history", "--csv", "--date", "23/11/2026", "--days", "7"]),
          env: agentEnv(world),
          clearEnv: true,
          stdout: "piped",
        }).output()).stdout,
      );
      assert.deepEqual(week[0].slice(0, 3), ["Date", "Heure", "Résultat"]);
      assert.deepEqual(week.slice(1).map((r) => [r[0], r[2], r[6]]), [
        ["20/11/2026", "en erreur", "1"],
        ["23/11/2026", "synchronisé", "2"],
      ]);
    });
  },
});

Deno.test("history: a mistyped option or a reference with a day filter is answered plainly", async () => {
  await withWorld({}, async (world) => {
    const oneDash = await run(world, ["sync", "-once"]);
    assert.equal(oneDash.code, 2);
    assert.match(oneDash.stderr, /Option -once inconnue : vouliez-vous dire --once \?/);
    const narrowed = await run(world, ["history", "DV-1", "--date", "hier"]);
    assert.equal(narrowed.code, 2);
    assert.match(narrowed.stderr, /Option --date inutile avec une référence/);
    const both = await run(world, ["history", "--csv", "--json"]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--csv et --json incompatibles/);
    const unknown = await run(world, ["history", "DV-404"]);
    assert.equal(unknown.code, 0, unknown.stderr);
    assert.match(unknown.stdout, /^Aucun document « DV-404 » dans le journal de l'agent/);
  });
});
