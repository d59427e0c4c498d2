/**
 * Batigest's imports and the import folder's waiting files tell one story in
 * `doctor` (and `status`): a fresh install has seen no import yet; the
 * agent's documents waiting are judged in Batigest's working hours (a
 * weekend is normal, past the patience a WARNING); a file nobody follows,
 * left for days, is named beside « importe normalement » with why the two
 * agree. Real journals and folders, the clock injected.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import type { Settings } from "../../lib/base/settings.ts";
import { journalPath, workFolders } from "../../lib/base/work_folders.ts";
import { saveBatigestMemory } from "../../lib/batigest/memory.ts";
import {
  batigestActivity,
  checkBatigestImports,
  checkImportWaiting,
  probeImportFolder,
} from "../../lib/health/batigest_imports.ts";
import { isImportCandidate, listFiles } from "../../lib/health/batigest_checks.ts";
import { renderDoctor, runDoctor } from "../../lib/health/doctor.ts";
import { Journal } from "../../lib/journal/journal.ts";
import { settingsFor, withRoot } from "../support/health.ts";

/** A document of the agent delivered into the import folder at `at`. */
async function delivered(settings: Settings, ref: string, at: Date): Promise<void> {
  const folders = workFolders(settings);
  await Deno.mkdir(folders.state, { recursive: true });
  const journal = new Journal(journalPath(folders), { now: () => at });
  try {
    const id = crypto.randomUUID();
    const files = [{ format: "xml" as const, importName: `${ref}.xml` }];
    journal.begin({ id, reference: ref, documentType: "devis_client", baseName: ref, files });
    journal.setState(id, "ready");
    journal.setState(id, "staged");
    journal.setState(id, "delivered");
  } finally {
    journal.close();
  }
  const path = nodePath.join(settings.batigestImportDir, `${ref}.xml`);
  await Deno.writeTextFile(path, `<Devis><Reference>${ref}</Reference></Devis>`);
  // The file keeps its download time: days before its delivery, after a long closure.
  const downloaded = new Date(at.getTime() - 5 * 86_400_000);
  await Deno.utime(path, downloaded, downloaded);
}

async function doctorLines(settings: Settings, now: Date): Promise<string[]> {
  const report = await runDoctor({
    settings,
    env: () => undefined,
    runCommand: () => Promise.resolve({ code: 1, stdout: "", stderr: "" }),
    now: () => now,
    taskName: "T",
    timeoutMs: 200,
  });
  // The two checks' lines, each with its fix below it, if any.
  const lines = renderDoctor(report);
  return lines.filter((l, i) =>
    /Imports de Batigest|Fichiers en attente d'import/.test(l) ||
    (/^\s+→/.test(l) && /Imports de Batigest|Fichiers en attente d'import/.test(lines[i - 1]))
  ).map((l) => l.replace(/ {2,}/g, "  "));
}

async function checks(settings: Settings, now: Date) {
  const facts = probeImportFolder(settings, { now });
  const listing = await listFiles(settings.batigestImportDir, isImportCandidate);
  return { imports: checkBatigestImports(facts), waiting: checkImportWaiting(listing, facts) };
}

Deno.test("a fresh install: no import seen yet, never « importe normalement »", async () => {
  await withRoot(async (root) => {
    const settings = settingsFor(root);
    const lines = await doctorLines(settings, new Date(2026, 11, 7, 10));
    assert.deepEqual(lines, [
      "  OK  Fichiers en attente d'import  aucun fichier en attente",
      "  OK  Imports de Batigest  pas encore d'import vu (aucun document déposé pour l'instant)",
    ]);
    await assert.rejects(
      () => Deno.stat(journalPath(workFolders(settings))),
      Deno.errors.NotFound,
      "doctor creates no journal",
    );
  });
});

Deno.test("a document waiting since Saturday night: OK on Sunday and on Monday at 09:00; a WARNING at 10:05; the waiting files point to it", async () => {
  await withRoot(async (root) => {
    const settings = settingsFor(root);
    await delivered(settings, "DV-SAMEDI", new Date(2026, 11, 5, 23, 30));

    const sunday = await checks(settings, new Date(2026, 11, 6, 15));
    assert.equal(sunday.imports.status, "OK");
    assert.equal(
      sunday.imports.detail,
      "fermé, hors de ses heures de travail (lun-ven 08:00-18:00) : 1 document attend depuis le samedi 05/12/2026 à 23:30, c'est normal (pas d'alerte avant le lundi 07/12/2026 à 10:00)",
    );
    // The file's date (its download, five days before) does not make it « old »: the journal says when it was put there.
    assert.equal(sunday.waiting.status, "OK");
    assert.equal(sunday.waiting.detail, "1 fichier de l'agent, suivi par « Imports de Batigest »");

    const monday = await checks(settings, new Date(2026, 11, 7, 9));
    assert.equal(monday.imports.status, "OK");
    assert.equal(
      monday.imports.detail,
      "1 document attend depuis le samedi 05/12/2026 à 23:30 (1 h en heures de travail ; pas d'alerte avant le lundi 07/12/2026 à 10:00)",
    );

    const late = await checks(settings, new Date(2026, 11, 7, 10, 5));
    assert.equal(late.imports.status, "WARNING");
    assert.equal(
      late.imports.detail,
      "n'importe plus : 1 document attend dans son dossier d'import depuis le samedi 05/12/2026 à 23:30 (2 h 05 en heures de travail, plus que la patience de 2 h)",
    );
    assert.match(
      late.imports.fix!,
      /^Ouvrez Batigest .* surveille .*import ; ne relancez rien dans Saxium/,
    );
    assert.equal(late.waiting.status, "OK", "one problem, said once");

    // status says the same, and counts it a problem only past the patience.
    const status = batigestActivity(
      probeImportFolder(settings, { now: new Date(2026, 11, 7, 10, 5) }),
    );
    assert.equal(status.line, late.imports.detail);
    assert.match(
      status.problem!,
      /^Batigest n'a rien importé alors que des documents l'attendent depuis le samedi/,
    );
    assert.equal(
      batigestActivity(probeImportFolder(settings, { now: new Date(2026, 11, 6, 15) })).problem,
      undefined,
    );
  });
});

Deno.test("an old file nobody follows beside « importe normalement »: a WARNING that says why both are true", async () => {
  await withRoot(async (root) => {
    const settings = settingsFor(root);
    const folders = workFolders(settings);
    await Deno.mkdir(folders.state, { recursive: true });
    const journal = new Journal(journalPath(folders));
    saveBatigestMemory(journal.smallState(), { lastImportAt: "2026-12-07T08:55:00Z" });
    journal.close();
    const stray = nodePath.join(settings.batigestImportDir, "DV-ANCIEN.xml");
    await Deno.writeTextFile(stray, "<Devis/>");
    const threeDaysAgo = new Date(2026, 11, 4, 9, 0);
    await Deno.utime(stray, threeDaysAgo, threeDaysAgo);
    for (const name of ["~saxium-doctor-abcd1234.tmp", "~saxium-dossier.txt"]) {
      await Deno.writeTextFile(nodePath.join(settings.batigestImportDir, name), "x");
    }

    const now = new Date(2026, 12 - 1, 7, 10);
    const lines = await doctorLines(settings, now);
    assert.match(
      lines[0],
      /^ {2}ATTENTION {2}Fichiers en attente d'import {2}1 fichier que l'agent n'a pas déposé \(ou ne suit plus\) attend depuis plus d'un jour : DV-ANCIEN\.xml du vendredi 04\/12\/2026 à 09:00 \(Batigest importe les documents de l'agent, pas celui-ci\)$/,
    );
    assert.match(
      lines[1],
      /→ Vérifiez dans Batigest \(son journal d'import\) si ce fichier a été refusé/,
    );
    assert.match(
      lines[2],
      /^ {2}OK {2}Imports de Batigest {2}importe normalement \(dernier import vu le lundi 07\/12\/2026 à \d\d:55\)$/,
    );
    assert.equal(lines.length, 3);
  });
});

Deno.test("Batigest closed past the patience and a stray file: the file's line points to the imports' one", async () => {
  await withRoot(async (root) => {
    const settings = settingsFor(root, { batigestHours: "lun-dim 00:00-24:00" });
    await delivered(settings, "DV-1", new Date(2026, 11, 5, 8, 0));
    const stray = nodePath.join(settings.batigestImportDir, "BC-MAIN.csv");
    await Deno.writeTextFile(stray, "x");
    const old = new Date(2026, 11, 3);
    await Deno.utime(stray, old, old);
    const { imports, waiting } = await checks(settings, new Date(2026, 11, 5, 12, 0));
    assert.equal(imports.status, "WARNING");
    assert.match(imports.detail, /\(4 h en heures de travail, plus que la patience de 2 h\)$/);
    assert.equal(waiting.status, "WARNING");
    assert.match(
      waiting.detail,
      /BC-MAIN\.csv du jeudi 03\/12\/2026 à 00:00 \(Batigest n'importe plus : voir « Imports de Batigest »\) ; 1 fichier de l'agent, suivi par « Imports de Batigest »$/,
    );
  });
});

Deno.test("documents taken by Batigest between two passes: said, not « waiting »", async () => {
  await withRoot(async (root) => {
    const settings = settingsFor(root);
    await delivered(settings, "DV-PRIS", new Date(2026, 11, 7, 9, 0));
    await Deno.remove(nodePath.join(settings.batigestImportDir, "DV-PRIS.xml"));
    const { imports, waiting } = await checks(settings, new Date(2026, 11, 7, 15));
    assert.equal(imports.status, "OK");
    assert.equal(
      imports.detail,
      "a pris le document en attente ; la prochaine passe le confirmera à Saxium",
    );
    assert.equal(waiting.detail, "aucun fichier en attente");
  });
});
