/**
 * Batigest and the folders: `doctor`'s folder checks (the probes against real
 * folders, and Batigest's simulator watching the import folder), free space,
 * files waiting too long in `Errors\`, Batigest's traces (Batigest's imports
 * and the import folder's waiting files: `batigest_imports_test.ts`).
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { isErrorDocument } from "../../lib/base/work_folders.ts";
import { checkImportWaiting, probeImportFolder } from "../../lib/health/batigest_imports.ts";
import {
  checkBatigestTraces,
  checkDiskSpace,
  checkImportFolder,
  checkWaitingFiles,
  checkWorkFolder,
  DISK_WARNING_BYTES,
  findTraces,
  isImportCandidate,
  listFiles,
  probeDiskSpace,
  probeFolder,
} from "../../lib/health/batigest_checks.ts";
import { startBatigestSimulator } from "../support/batigest_simulator.ts";
import { assertFix, settingsFor, withRoot } from "../support/health.ts";

// ---------------------------------------------------------------------------
// Folders

Deno.test("work folder: OK when writable; missing, a file, unwritable, outside the permissions", async () => {
  await withRoot(async (root) => {
    const facts = await probeFolder(nodePath.join(root, "work"));
    assert.deepEqual(facts, {
      path: nodePath.join(root, "work"),
      exists: true,
      isDirectory: true,
      writable: true,
    });
    assert.equal(checkWorkFolder(facts).status, "OK");
    assert.deepEqual([...Deno.readDirSync(nodePath.join(root, "work"))], [], "nothing left behind");

    assertFix(
      checkWorkFolder(await probeFolder(nodePath.join(root, "absent"))),
      "WARNING",
      /sync --once/,
    );
    await Deno.writeTextFile(nodePath.join(root, "fichier"), "x");
    assertFix(
      checkWorkFolder(await probeFolder(nodePath.join(root, "fichier"))),
      "ERROR",
      /dossier/,
    );
    assertFix(
      checkWorkFolder({
        path: "C:\\SaxiumBatigest",
        exists: true,
        isDirectory: true,
        writable: false,
        writeError: "accès refusé",
      }),
      "ERROR",
      /SYSTEM/,
    );
    assertFix(
      checkWorkFolder({ path: "D:\\Autre", exists: false, notPermitted: true }),
      "ERROR",
      /reconstruisez l'exécutable/,
    );
    assertFix(
      checkWorkFolder({
        path: "C:\\S",
        exists: true,
        isDirectory: true,
        writable: true,
        leftover: "C:\\S\\~saxium-doctor-1.tmp",
      }),
      "WARNING",
      /Supprimez ce fichier/,
    );
  });
});

Deno.test({
  name: "a folder the system refuses to write to: the cause in French, never Deno's English",
  ignore: Deno.build.os !== "linux" || !Deno.statSync("/sys/kernel").isDirectory,
  async fn() {
    // sysfs refuses new files, even to root.
    const facts = await probeFolder("/sys/kernel");
    assert.equal(facts.writable, false);
    const check = checkWorkFolder(facts);
    assert.match(
      check.detail,
      /^\/sys\/kernel : écriture impossible \((accès refusé|disque en lecture seule)\)$/,
    );
    assert.doesNotMatch(JSON.stringify(facts), /os error|Permission denied|writefile/);
  },
});

Deno.test("import folder: a rename under names Batigest ignores works, then nothing is left", async () => {
  await withRoot(async (root) => {
    const dir = nodePath.join(root, "import");
    const batigest = startBatigestSimulator({ dir });
    const seen = new Set<string>();
    const watcher = Deno.watchFs(dir);
    const watching = (async () => {
      for await (const event of watcher) {
        for (const p of event.paths) seen.add(nodePath.basename(p));
      }
    })();
    try {
      const facts = await probeFolder(dir, { rename: true });
      assert.equal(facts.renamed, true);
      assert.equal(checkImportFolder(facts).status, "OK");
      assert.match(checkImportFolder(facts).detail, /écriture et renommage possibles/);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      watcher.close();
      await watching;
      await batigest.close();
    }
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    assert.equal(batigest.ledger.length, 0, "Batigest imported nothing");
    for (const name of seen) assert.match(name, /^~saxium-doctor-[0-9a-f]{8}(-renomme)?\.tmp$/);
  });
});

Deno.test("import folder: missing, unwritable, rename refused", async () => {
  await withRoot(async (root) => {
    assertFix(
      checkImportFolder(await probeFolder(nodePath.join(root, "absent"), { rename: true })),
      "ERROR",
      /batigestImportDir/,
    );
    assertFix(
      checkImportFolder({
        path: "C:\\Batigest\\Import",
        exists: true,
        isDirectory: true,
        writable: false,
        writeError: "Accès refusé",
      }),
      "ERROR",
      /SYSTEM/,
    );
    const refused = checkImportFolder({
      path: "C:\\Batigest\\Import",
      exists: true,
      isDirectory: true,
      writable: true,
      renamed: false,
      renameError: "Le processus ne peut pas accéder au fichier (os error 32)",
    });
    assertFix(refused, "ERROR", /antivirus/);
    assert.match(refused.detail, /renommage impossible \(Le processus/);
  });
});

// ---------------------------------------------------------------------------
// Disk space

Deno.test("disk space: measured when allowed; low is WARNING or ERROR; unknown is an honest WARNING", async () => {
  const measured = await probeDiskSpace(Deno.cwd());
  assert.ok(
    measured.freeBytes! > 0 && measured.totalBytes! >= measured.freeBytes!,
    JSON.stringify(measured),
  );
  const roomy = checkDiskSpace([{ path: "C:\\S", freeBytes: 50 * DISK_WARNING_BYTES }]);
  assert.equal(roomy.status, "OK");
  assert.match(roomy.detail, /C:\\S : 50,0 Go libres/);
  assertFix(
    checkDiskSpace([{ path: "C:\\S", freeBytes: DISK_WARNING_BYTES / 2 }]),
    "WARNING",
    /Libérez/,
  );
  assertFix(checkDiskSpace([{ path: "C:\\S", freeBytes: 10 * 1024 * 1024 }]), "ERROR", /Libérez/);
  const unknown = checkDiskSpace([{ path: "C:\\S", unavailable: "permission" }]);
  assertFix(unknown, "WARNING", /Explorateur/);
  assert.match(unknown.detail, /^non vérifiable : .*--allow-sys=statfs/);
});

// ---------------------------------------------------------------------------
// Files waiting

Deno.test("Errors folder: files older than a day are reported", async () => {
  await withRoot(async (root) => {
    const now = new Date();
    const twoDaysAgo = new Date(now.getTime() - 48 * 3_600_000);
    const errors = nodePath.join(root, "work", "Errors");
    await Deno.mkdir(errors);
    assert.match(
      checkWaitingFiles(await listFiles(errors, isErrorDocument), {
        folder: "errors",
        dir: errors,
        now,
      }).detail,
      /aucun fichier en erreur/,
    );
    await Deno.writeTextFile(nodePath.join(errors, "recent.xml"), "x");
    await Deno.writeTextFile(nodePath.join(errors, "recent.xml.erreur.txt"), "raison");
    const fresh = checkWaitingFiles(await listFiles(errors, isErrorDocument), {
      folder: "errors",
      dir: errors,
      now,
    });
    assert.equal(fresh.status, "OK");
    assert.match(fresh.detail, /1 fichier de moins d'un jour/);
    await Deno.writeTextFile(nodePath.join(errors, "ancien.xml"), "x");
    await Deno.utime(nodePath.join(errors, "ancien.xml"), twoDaysAgo, twoDaysAgo);
    await Deno.writeTextFile(nodePath.join(errors, "ancien.xml.erreur.txt"), "raison");
    await Deno.utime(nodePath.join(errors, "ancien.xml.erreur.txt"), twoDaysAgo, twoDaysAgo);
    const old = checkWaitingFiles(await listFiles(errors, isErrorDocument), {
      folder: "errors",
      dir: errors,
      now,
    });
    assertFix(old, "WARNING", /\.erreur\.txt/);
    // As the README says: a corrected export, once imported, leaves Errors\ by itself.
    assert.match(
      old.fix!,
      /renvoyez l'export : une fois importé, le fichier quitte Errors\\ de lui-même\.$/,
    );
    assert.doesNotMatch(old.fix!, /supprimez|déplacez/);
    assert.match(
      old.detail,
      /^1 fichier en erreur depuis plus d'un jour, le plus ancien ancien\.xml du \d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d$/,
    );
  });
});

// ---------------------------------------------------------------------------
// Batigest's traces

Deno.test("traces: none is OK; renamed, moved aside and emptied files are a WARNING naming them, with what to do", async () => {
  await withRoot(async (root) => {
    const importDir = nodePath.join(root, "import");
    await Deno.writeTextFile(nodePath.join(importDir, "DV-EN-ATTENTE.xml"), "<Devis/>");
    await Deno.writeTextFile(nodePath.join(importDir, "~saxium-dossier.txt"), "id=…");
    const none = checkBatigestTraces(findTraces(importDir));
    assert.equal(none.status, "OK");
    assert.match(none.detail, /aucune trace de Batigest/);

    await Deno.writeTextFile(nodePath.join(importDir, "DV-1.xml.err"), "<Devis/>");
    await Deno.mkdir(nodePath.join(importDir, "Rejets"));
    await Deno.writeTextFile(nodePath.join(importDir, "Rejets", "DV-2.xml"), "<Devis/>");
    await Deno.writeTextFile(nodePath.join(importDir, "DV-3.xml"), "");
    const found = checkBatigestTraces(findTraces(importDir));
    assertFix(found, "WARNING", /refusé .* supprimez ce fichier .* vide .* supprimez-le/);
    assert.equal(
      found.detail,
      `3 traces de Batigest dans le dossier d'import : DV-1.xml.err (renommé : refusé), ` +
        `DV-3.xml (vide : importé), ${nodePath.join("Rejets", "DV-2.xml")} ` +
        `(rangé dans un sous-dossier : refusé)`,
    );
    // The empty leftover is a trace, not a document waiting for Batigest.
    const twoDaysAgo = new Date(Date.now() - 48 * 3_600_000);
    await Deno.utime(nodePath.join(importDir, "DV-3.xml"), twoDaysAgo, twoDaysAgo);
    const waiting = checkImportWaiting(
      await listFiles(importDir, isImportCandidate),
      probeImportFolder(settingsFor(root), { now: new Date() }),
    );
    assert.equal(waiting.status, "OK", waiting.detail);

    // Only leftovers: only what to do with them.
    for (const name of ["DV-1.xml.err", "Rejets"]) {
      await Deno.remove(nodePath.join(importDir, name), { recursive: true });
    }
    const leftover = checkBatigestTraces(findTraces(importDir));
    assertFix(leftover, "WARNING", /^Un fichier vide est un document que Batigest a importé/);
    assert.doesNotMatch(leftover.fix!, /refusé|relancez/);
  });
});

Deno.test("traces: an import folder that does not exist has none (its own check says it is missing)", () => {
  assert.equal(checkBatigestTraces(findTraces("/nulle-part/import")).status, "OK");
});
