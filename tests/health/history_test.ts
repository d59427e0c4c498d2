/**
 * `history` on a journal of many days, written at chosen dates: one
 * document followed through every export and attempt (`history DV-…`), a
 * day's history with the time Batigest imported each document and the ones
 * delivered but not confirmed yet, errors never cut, and the same for Excel.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { BOM } from "../../lib/base/excel_csv.ts";
import { workFolders } from "../../lib/base/work_folders.ts";
import { documentCsv, gatherDocument, renderDocument } from "../../lib/health/document_history.ts";
import {
  gatherHistory,
  historyCsv,
  type HistoryReport,
  renderHistory,
} from "../../lib/health/history.ts";
import { Journal } from "../../lib/journal/journal.ts";

function event(at: Date, reference: string): HistoryReport["events"][number] {
  return {
    at: at.toISOString(),
    exportId: crypto.randomUUID(),
    reference,
    documentType: "devis_client",
    outcome: "synced",
    detail: `${reference}.xml`,
    attempt: 1,
  };
}

function report(from: string, to: string, events: HistoryReport["events"]): HistoryReport {
  return {
    timeZone: "UTC",
    from,
    to,
    synced: events.length,
    errors: 0,
    events,
    unfinished: [],
  };
}

Deno.test("renderHistory: days without the year within one year, with the year across two", () => {
  const request = { lastDay: "2026-11-27", days: 366, errorsOnly: false };
  const events = [
    event(new Date(2025, 11, 2, 9, 0, 0), "DV-OLD"),
    event(new Date(2026, 10, 27, 14, 51, 24), "DV-NEW"),
  ];
  const twoYears = renderHistory(report("2025-11-27", "2026-11-27", events), request);
  assert.match(twoYears[0], /^Historique du 27\/11\/2025 au 27\/11\/2026 : 2 synchronisés/);
  assert.match(twoYears[1], /^ {2}02\/12\/2025 09:00:00 {2}synchronisé/);
  assert.match(twoYears[2], /^ {2}27\/11\/2026 14:51:24 {2}synchronisé/);

  const oneYear = renderHistory(report("2026-11-21", "2026-11-27", events.slice(1)), {
    ...request,
    days: 7,
  });
  assert.match(oneYear[1], /^ {2}27\/11 14:51:24 {2}synchronisé/);
});

const QUOTE = "3f2a1b4c-9d2a-4f6b-8c3d-2e1f0a9b8c7d";
const NEWER = "7b1c9d2e-1111-4f6b-8c3d-2e1f0a9b8c7d";
const OLDER = "0c0c0c0c-2222-4f6b-8c3d-2e1f0a9b8c7d";
const OTHER = "5e5e5e5e-3333-4f6b-8c3d-2e1f0a9b8c7d";
const STALLED = "6f6f6f6f-4444-4f6b-8c3d-2e1f0a9b8c7d";
const REFUSAL =
  "Le total ne correspond pas : la somme des lignes (21 018,12) diffère de TotalHT (99 999,00) ; " +
  "le document a été vérifié ligne à ligne, quantité par prix unitaire, remises comprises, " +
  "comme Batigest le recalculera à l'import ; corrigez le document dans Saxium puis ré-exportez-le.";
const ACK_REFUSED =
  "accusé de réception refusé : Saxium répond HTTP 422 (batigestReference invalide).";

/**
 * Two weeks of one document's life, written at chosen (local) dates: refused,
 * corrected and delivered, imported on a Monday but confirmed the next day, a
 * version replaced before Batigest saw it, a newer one imported and waiting
 * for its confirmation; another document, delivered and never imported; and
 * one whose download stalled, set aside.
 */
async function journalOfManyDays(workDir: string): Promise<void> {
  await Deno.mkdir(nodePath.join(workDir, "State"), { recursive: true });
  let clock = new Date(2026, 10, 16, 9, 0, 0);
  const at = (day: number, h: number, m: number, s = 0) => clock = new Date(2026, 10, day, h, m, s);
  const journal = new Journal(nodePath.join(workDir, "State", "journal.db"), {
    now: () => clock,
  });
  const begin = (id: string, reference: string, generated: Date) =>
    journal.begin({
      id,
      reference,
      documentType: "devis_client",
      baseName: reference,
      files: [{ format: "xml", importName: "" }],
      generatedAt: generated.toISOString(),
    });
  const deliver = (id: string, name: string) => {
    journal.setState(id, "ready");
    journal.setState(id, "staged", { files: [{ format: "xml", importName: name }] });
    journal.setState(id, "delivered");
  };
  try {
    at(16, 9, 0);
    begin(QUOTE, "DV-123", new Date(2026, 10, 16, 8, 55));
    at(16, 9, 0, 2);
    journal.setState(QUOTE, "failed", { error: REFUSAL, errorStage: "check" });
    journal.setState(QUOTE, "reported");
    at(18, 14, 10);
    journal.retry(QUOTE, [{ format: "xml", importName: "" }]);
    deliver(QUOTE, "DV-123.xml");
    at(23, 8, 2, 11); // a Monday: Batigest opens
    journal.setState(QUOTE, "imported");
    journal.setAside(QUOTE, { kind: "refused", reason: ACK_REFUSED });
    at(23, 8, 7, 12);
    journal.setAside(QUOTE, { kind: "refused", reason: ACK_REFUSED });
    at(24, 9, 30);
    journal.setState(QUOTE, "acknowledged");
    journal.setState(QUOTE, "archived");

    at(26, 10, 0);
    begin(OLDER, "DV-123", new Date(2026, 10, 26, 9, 50));
    deliver(OLDER, "DV-123.xml");
    journal.setState(OLDER, "failed", {
      error: "remplacé par une version plus récente du même document, générée le 26/11/2026 09:55.",
      errorStage: "superseded",
    });
    journal.setState(OLDER, "reported");
    at(26, 10, 1);
    begin(NEWER, "DV-123", new Date(2026, 10, 26, 9, 55));
    deliver(NEWER, "DV-123.xml");
    at(26, 10, 1, 9);
    journal.setState(NEWER, "imported");

    at(27, 17, 45);
    begin(OTHER, "BC-77", new Date(2026, 10, 27, 17, 40));
    deliver(OTHER, "BC-77.xml");

    at(27, 18, 0);
    begin(STALLED, "DV-LENT", new Date(2026, 10, 27, 17, 58));
    journal.setAside(STALLED, {
      kind: "retry",
      reason: "téléchargement sans octet reçu pendant 30 s.",
      until: new Date(2026, 10, 27, 18, 5).toISOString(),
    });
  } finally {
    journal.close();
  }
}

async function withJournal(body: (workDir: string) => Promise<void> | void): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "history_test_" });
  try {
    const workDir = nodePath.join(root, "work");
    await journalOfManyDays(workDir);
    await body(workDir);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const folders = (workDir: string) => workFolders({ workDir, batigestImportDir: workDir });
const NOW = new Date(2026, 10, 28, 12, 0, 0);

Deno.test("history DV-…: every export and attempt of the document, the four times, the whole refusal", async () => {
  await withJournal((workDir) => {
    const found = gatherDocument(folders(workDir), { query: "dv-123", now: NOW });
    const screen = renderDocument(found);
    const text = screen.join("\n");
    assert.equal(
      screen[0],
      "Document DV-123 (devis) : importé par Batigest le 26/11/2026 10:01:09, pas encore confirmé à Saxium.",
    );
    assert.equal(
      screen[1],
      "3 exports de ce document dans le journal de l'agent, le plus ancien en premier :",
    );
    // The first export: refused, then delivered, imported on the Monday, confirmed the next day.
    assert.ok(
      screen.includes(
        `Export ${QUOTE}, généré par Saxium le 16/11/2026 08:55:00, 2 tentatives : synchronisé`,
      ),
      text,
    );
    for (
      const line of [
        "  16/11/2026 09:00:00  proposé par Saxium, téléchargement commencé",
        `  16/11/2026 09:00:02  en erreur : ${REFUSAL.replace(/\.$/, "")}`,
        "  16/11/2026 09:00:02  erreur signalée à Saxium",
        "  18/11/2026 14:10:00  proposé de nouveau par Saxium (tentative 2), téléchargement commencé",
        "  18/11/2026 14:10:00  déposé dans le dossier d'import de Batigest : DV-123.xml",
        "  23/11/2026 08:02:11  importé par Batigest",
        `  23/11/2026 08:02:11  mis de côté, 2 fois de suite jusqu'au 23/11/2026 08:07:12 : ${
          ACK_REFUSED.replace(/\.$/, "")
        }`,
        "  24/11/2026 09:30:00  import confirmé à Saxium",
        "  24/11/2026 09:30:00  archivé : synchronisé",
      ]
    ) {
      assert.ok(screen.includes(line), `${line}\n---\n${text}`);
    }
    // The version replaced before Batigest saw it, and the newer one.
    assert.ok(
      screen.includes(
        `Export ${OLDER}, généré par Saxium le 26/11/2026 09:50:00 : remplacé par une version plus récente`,
      ),
      text,
    );
    assert.match(text, /26\/11\/2026 10:00:00 {2}remplacé : remplacé par une version plus récente/);
    assert.match(text, /remplacement signalé à Saxium/);
    assert.ok(
      screen.includes(
        `Export ${NEWER}, généré par Saxium le 26/11/2026 09:55:00 : importé (pas encore confirmé à Saxium)`,
      ),
    );
    assert.doesNotMatch(text, /BC-77/);
    assert.doesNotMatch(text, /…/, "nothing cut");

    // Found by an export id too, whole or its first 8 characters.
    const byId = gatherDocument(folders(workDir), { query: QUOTE.slice(0, 8), now: NOW });
    assert.deepEqual(byId.exports.map((e) => e.id), [QUOTE, OLDER, NEWER]);
    assert.equal(byId.timeZone, "UTC");
    assert.equal(byId.exports[0].steps[0].at, new Date(2026, 10, 16, 9, 0, 0).toISOString());

    // For Excel: BOM, `;`, French headers, local times, one line a step.
    const csv = documentCsv(found);
    assert.ok(csv[0].startsWith(BOM));
    assert.equal(
      csv[0],
      `${BOM}Date;Heure;Référence;Type;Export Saxium;Tentative;Étape\r`,
    );
    assert.ok(csv.includes(`23/11/2026;08:02:11;DV-123;devis;${QUOTE};2;importé par Batigest\r`));
    assert.ok(csv.every((line) => line.endsWith("\r")));
  });
});

Deno.test("history of a document never seen: said, with the references that come close", async () => {
  await withJournal((workDir) => {
    const missing = gatherDocument(folders(workDir), { query: "DV-12", now: NOW });
    assert.equal(missing.found, false);
    assert.deepEqual(renderDocument(missing), [
      "Aucun document « DV-12 » dans le journal de l'agent (ni référence, ni identifiant d'export). Références proches : DV-123.",
    ]);
  });
});

Deno.test("a day's history: the import time, a late confirmation said, the documents delivered and not confirmed", async () => {
  await withJournal((workDir) => {
    const tuesday = { lastDay: "2026-11-24", days: 1, errorsOnly: false };
    const day = gatherHistory(folders(workDir), tuesday, NOW);
    assert.deepEqual(renderHistory(day, tuesday), [
      "Historique du 24/11/2026 : 1 synchronisé, 0 en erreur.",
      "  23/11 08:02:11  synchronisé  devis  DV-123  DV-123.xml (confirmé à Saxium le 24/11/2026 09:30:00) (tentative 2)",
    ]);
    assert.equal(day.events[0].importedAt, new Date(2026, 10, 23, 8, 2, 11).toISOString());

    const week = { lastDay: "2026-11-28", days: 7, errorsOnly: false };
    const lines = renderHistory(gatherHistory(folders(workDir), week, NOW), week);
    assert.equal(
      lines[0],
      "Historique du 22/11/2026 au 28/11/2026 : 1 synchronisé, 0 en erreur, 2 en cours, 1 mis de côté.",
    );
    assert.match(
      lines.join("\n"),
      /27\/11 18:00:00 {2}mis de côté {2}devis +DV-LENT +en téléchargement ; mis de côté : téléchargement sans octet reçu pendant 30 s ; prochain essai à la prochaine passe$/m,
    );
    assert.match(lines.join("\n"), /26\/11 10:00:00 {2}remplacé {5}devis +DV-123/);
    assert.match(
      lines.join("\n"),
      /26\/11 10:01:09 {2}en cours {5}devis +DV-123 +importé \(pas encore confirmé à Saxium\) : DV-123\.xml$/m,
    );
    assert.match(
      lines.join("\n"),
      /27\/11 17:45:00 {2}en cours {5}devis +BC-77 +déposé \(en attente d'import\) : BC-77\.xml$/m,
    );

    // --errors: the whole reason, its instruction included.
    const errors = { lastDay: "2026-11-16", days: 1, errorsOnly: true };
    const refused = renderHistory(gatherHistory(folders(workDir), errors, NOW), errors);
    assert.equal(refused.length, 2);
    assert.ok(refused[1].endsWith(REFUSAL), refused[1]);

    // For Excel: the same rows, local times, both times of a synced document.
    const csv = historyCsv(gatherHistory(folders(workDir), week, NOW));
    assert.equal(
      csv[0],
      `${BOM}Date;Heure;Résultat;Type;Référence;Fichiers ou motif;Tentative;Importé par Batigest le;Confirmé à Saxium le;Export Saxium\r`,
    );
    assert.equal(
      csv[1],
      `23/11/2026;08:02:11;synchronisé;devis;DV-123;DV-123.xml;2;23/11/2026 08:02:11;24/11/2026 09:30:00;${QUOTE}\r`,
    );
  });
});
