import assert from "node:assert/strict";
import nodePath from "node:path";
import { type FileOps, realFileOps } from "../../lib/base/fs_retry.ts";
import { createWorkFolders, workFolders } from "../../lib/base/work_folders.ts";
import { BatigestWatch } from "../../lib/batigest/watch.ts";
import { FolderWatcher } from "../../lib/batigest/delivery.ts";
import { awaitImport, type ImportOutcome } from "../../lib/batigest/import_wait.ts";
import type { ExportRecord } from "../../lib/journal/journal.ts";

function record(id: string, importName: string): ExportRecord {
  return {
    id,
    reference: importName.replace(/\.xml$/, ""),
    documentType: "devis_client",
    baseName: importName.replace(/\.xml$/, ""),
    state: "delivered",
    files: [{ format: "xml", importName }],
    attempts: 1,
    updatedAt: new Date().toISOString(),
  };
}

interface HeldWait {
  outcome: ImportOutcome;
  /** When (on the wait's clock) the wait looked at the held document; a look may retry the rename. */
  looks: number[];
  warnings: string[];
}

/**
 * Batigest passed A by (it took B and C, published after A: the evidence
 * of a refusal), and holds A open meanwhile: until `clock` reaches
 * `releaseAtMs` (then takes it), or for good. The rename probe answers at
 * once (instant retry sleeps), and the wait's clock is the test's: every
 * reading moves it `stepMs` on, so seconds of waiting take a blink.
 */
async function heldAfterPassedBy(
  options: { stepMs: number; releaseAtMs?: number },
): Promise<HeldWait> {
  const root = await Deno.makeTempDir({ prefix: "import-wait-" });
  const importDir = nodePath.join(root, "import");
  await Deno.mkdir(importDir);
  const folders = workFolders({
    workDir: nodePath.join(root, "work"),
    batigestImportDir: importDir,
  });
  createWorkFolders(folders);
  const [pathA, pathB, pathC] = ["A", "B", "C"].map((n) => nodePath.join(importDir, `DV-${n}.xml`));
  let held = true;
  let now = 0;
  const clock = () => {
    now += options.stepMs;
    if (held && options.releaseAtMs !== undefined && now >= options.releaseAtMs) {
      held = false;
      Deno.removeSync(pathA); // imported once let go
    }
    return now;
  };
  const watch = new BatigestWatch({ importDir, memory: {}, clock });
  watch.ensureMark({ documentsWaiting: false });
  const a = record("aaaaaaaa-0000-4000-8000-000000000001", "DV-A.xml");
  for (const path of [pathA, pathB, pathC]) await Deno.writeTextFile(path, "<Devis/>");
  watch.track(a);
  watch.track(record("bbbbbbbb-0000-4000-8000-000000000002", "DV-B.xml"));
  watch.track(record("cccccccc-0000-4000-8000-000000000003", "DV-C.xml"));
  // Batigest takes B, then C, while A stays: alive, and passing A by.
  await Deno.remove(pathB);
  watch.poll(new Date());
  await Deno.remove(pathC);
  watch.poll(new Date());
  const looks: number[] = [];
  const fileOps: FileOps = {
    ...realFileOps,
    async rename(from, to) {
      if (from === pathA && held) {
        if (looks.at(-1) !== now) looks.push(now);
        throw Object.assign(new Error("used by another process. (os error 32)"), { code: "EBUSY" });
      }
      await realFileOps.rename(from, to);
    },
  };
  const watcher = new FolderWatcher(importDir);
  const warnings: string[] = [];
  try {
    const outcome = await awaitImport(a, {
      settings: { importTimeoutSeconds: 1, batigestRefusalHours: 72 },
      folders,
      fileOps,
      retry: { sleep: () => Promise.resolve() },
      watch,
      watcher,
      now: () => new Date(),
      publishedHere: true,
      warn: (message) => warnings.push(message),
    });
    return { outcome, looks, warnings };
  } finally {
    await watcher.close();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("a held document passed by is looked at again a second later until Batigest lets go: imported, not given up", async () => {
  const { outcome, looks, warnings } = await heldAfterPassedBy({
    stepMs: 200,
    releaseAtMs: 4_000,
  });
  assert.deepEqual(outcome, { kind: "imported" });
  assert.ok(looks.length >= 2, `looked at again while held: ${looks.join(", ")}`);
  for (let i = 1; i < looks.length; i++) {
    assert.ok(looks[i] - looks[i - 1] >= 1_000, `looks a second apart: ${looks.join(", ")}`);
  }
  assert.deepEqual(warnings, []);
});

Deno.test("a document held for good is left in the folder after two minutes of looks, with one warning, never withdrawn", async () => {
  // Every reading of the clock: 3 s later.
  const { outcome, looks, warnings } = await heldAfterPassedBy({ stepMs: 3_000 });
  assert.deepEqual(outcome, { kind: "waiting" });
  assert.ok(looks.length >= 1);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^DV-A\.xml est toujours ouvert par un programme \(Batigest \?\)/);
});

/** A wait for `DV-T.xml` in a fresh folder, after `batigest` did its part; the clock stands still. */
async function waitAfter(
  batigest: (importDir: string, path: string) => void,
  options: { fileOps?: FileOps } = {},
): Promise<{ outcome: ImportOutcome; warnings: string[]; importDir: string; root: string }> {
  const root = await Deno.makeTempDir({ prefix: "import-wait-" });
  const importDir = nodePath.join(root, "import");
  await Deno.mkdir(importDir);
  const folders = workFolders({
    workDir: nodePath.join(root, "work"),
    batigestImportDir: importDir,
  });
  createWorkFolders(folders);
  const watch = new BatigestWatch({ importDir, memory: {}, clock: () => 0 });
  watch.ensureMark({ documentsWaiting: false });
  const path = nodePath.join(importDir, "DV-T.xml");
  await Deno.writeTextFile(path, "<Devis/>");
  const doc = record("dddddddd-0000-4000-8000-000000000004", "DV-T.xml");
  watch.track(doc);
  batigest(importDir, path);
  const watcher = new FolderWatcher(importDir);
  const warnings: string[] = [];
  // A wait that does not decide ends as "waiting" after 5 s, and the test fails on it.
  const giveUp = new AbortController();
  const timer = setTimeout(() => giveUp.abort(), 5_000);
  try {
    const outcome = await awaitImport(doc, {
      // Hours of timeout on a clock that stands still: only a decision ends this wait.
      settings: { importTimeoutSeconds: 3_600, batigestRefusalHours: 72 },
      folders,
      fileOps: options.fileOps ?? realFileOps,
      retry: { sleep: () => Promise.resolve() },
      watch,
      watcher,
      now: () => new Date(),
      publishedHere: true,
      warn: (message) => warnings.push(message),
      signal: giveUp.signal,
    });
    return { outcome, warnings, importDir, root };
  } finally {
    clearTimeout(timer);
    await watcher.close();
  }
}

Deno.test("a document Batigest renamed to .err: refused at once, the reason naming the trace and where the copy is", async () => {
  const { outcome, importDir, root } = await waitAfter((_dir, path) => {
    Deno.renameSync(path, `${path}.err`);
  });
  try {
    assert.equal(outcome.kind, "refused");
    const { reason } = outcome as { reason: string };
    assert.match(
      reason,
      /^Batigest a refusé DV-T\.xml : il l'a renommé en DV-T\.xml\.err dans son dossier d'import\. /,
    );
    assert.match(reason, /Une copie du document est gardée dans Errors/);
    assert.match(reason, /puis supprimez DV-T\.xml\.err du dossier d'import\.$/);
    assert.doesNotMatch(reason, /synchronisé|\n/);
    assert.deepEqual([...Deno.readDirSync(importDir)].map((e) => e.name).sort(), [
      "DV-T.xml.err",
      "~saxium-dossier.txt",
    ], "Batigest's trace left where it is, nothing withdrawn");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a document Batigest imported and left empty: imported, the empty leftover removed", async () => {
  const { outcome, warnings, importDir, root } = await waitAfter((_dir, path) => {
    Deno.truncateSync(path, 0);
  });
  try {
    assert.deepEqual(outcome, { kind: "imported" });
    assert.deepEqual(warnings, []);
    assert.deepEqual([...Deno.readDirSync(importDir)].map((e) => e.name), ["~saxium-dossier.txt"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an empty leftover a program keeps holding: imported all the same, left in place, said once", async () => {
  const held: FileOps = {
    ...realFileOps,
    remove: (path) =>
      path.endsWith("DV-T.xml")
        ? Promise.reject(
          Object.assign(new Error("used by another process. (os error 32)"), { code: "EBUSY" }),
        )
        : realFileOps.remove(path),
  };
  const { outcome, warnings, importDir, root } = await waitAfter((_dir, path) => {
    Deno.truncateSync(path, 0);
  }, { fileOps: held });
  try {
    assert.deepEqual(outcome, { kind: "imported" });
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0],
      /^DV-T\.xml, vidé par Batigest qui l'a importé, n'a pas pu être supprimé du dossier d'import \(.+\) : supprimez-le quand Batigest l'aura lâché ; le document est bien importé\.$/,
    );
    assert.equal(Deno.statSync(nodePath.join(importDir, "DV-T.xml")).size, 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
