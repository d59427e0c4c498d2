/**
 * Batigest and the folders: `doctor`'s folder checks (the probes against real
 * folders, and Batigest's simulator watching the import folder), free space,
 * files waiting too long in `Errors\` or the import folder; and `status` and
 * `doctor` on Batigest's imports, the same judgement from what the sync
 * remembered, in the words an administrator reads.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { isErrorDocument } from "../../lib/base/work_folders.ts";
import {
  batigestActivity,
  checkBatigestImports,
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
import { assertFix, withRoot } from "../support/health.ts";

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

Deno.test("Errors folder and import folder: files older than a day are reported", async () => {
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

    const importDir = nodePath.join(root, "import");
    for (const name of ["vieux.zip", "~saxium-doctor-abcd1234.tmp"]) {
      await Deno.writeTextFile(nodePath.join(importDir, name), "x");
      await Deno.utime(nodePath.join(importDir, name), twoDaysAgo, twoDaysAgo);
    }
    await Deno.writeTextFile(nodePath.join(importDir, "DV-NEUF.xml"), "x");
    const waitingFresh = checkWaitingFiles(await listFiles(importDir, isImportCandidate), {
      folder: "import",
      dir: importDir,
      now,
    });
    assert.equal(waitingFresh.status, "OK");
    assert.match(waitingFresh.detail, /1 fichier récent/);
    await Deno.writeTextFile(nodePath.join(importDir, "DV-VIEUX.xml"), "x");
    await Deno.utime(nodePath.join(importDir, "DV-VIEUX.xml"), twoDaysAgo, twoDaysAgo);
    const waiting = checkWaitingFiles(await listFiles(importDir, isImportCandidate), {
      folder: "import",
      dir: importDir,
      now,
    });
    assertFix(waiting, "ERROR", /Batigest est ouvert/);
    assert.match(waiting.detail, /^1 fichier attend .* DV-VIEUX\.xml/);
    // The staged documents are the next ones: deleting them would lose them.
    assert.match(waiting.fix!, /ne supprimez aucun fichier/);
    assert.doesNotMatch(waiting.fix!, /peut être supprimé|supprimez (le|les|un)/);
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
    const waiting = checkWaitingFiles(await listFiles(importDir, isImportCandidate), {
      folder: "import",
      dir: importDir,
      now: new Date(),
    });
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

// ---------------------------------------------------------------------------
// Batigest's imports

Deno.test("Batigest importing: OK, with the last import seen", () => {
  const activity = batigestActivity({ lastImportAt: "2025-03-01T17:55:00Z" });
  assert.match(
    activity.line,
    /^importe normalement \(dernier import vu le \d\d\/\d\d\/2025 \d\d:\d\d:\d\d\)$/,
  );
  assert.equal(activity.problem, undefined);
  assert.equal(checkBatigestImports({}).status, "OK");
});

Deno.test("Batigest inactive: since when, what to do, nothing lost", () => {
  const memory = { inactiveSince: "2025-03-01T18:02:00Z", lastImportAt: "2025-03-01T17:55:00Z" };
  const activity = batigestActivity(memory);
  assert.match(activity.line, /^n'importe plus depuis le \d\d\/0[23]\/2025 \d\d:\d\d:\d\d \(/);
  assert.match(activity.problem!, /vérifiez qu'il est ouvert .* rien n'est perdu/);
  const check = checkBatigestImports(memory);
  assert.equal(check.status, "WARNING");
  assert.match(check.fix!, /Ouvrez Batigest .* ne relancez rien dans Saxium/);
});
