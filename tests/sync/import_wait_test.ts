import assert from "node:assert/strict";
import nodePath from "node:path";
import { type FileOps, realFileOps } from "../../lib/base/fs_retry.ts";
import { createWorkFolders, workFolders } from "../../lib/base/work_folders.ts";
import { BatigestWatch } from "../../lib/sync/batigest_watch.ts";
import { FolderWatcher } from "../../lib/sync/delivery.ts";
import { awaitImport, type ImportWaitOptions } from "../../lib/sync/import_wait.ts";
import type { ExportRecord } from "../../lib/sync/journal.ts";

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

/**
 * Batigest passed A by (it took B, published after A), then holds A open
 * while it reads it for `holdMs`, then takes it: the evidence of a refusal
 * is there, but a held file means Batigest is at work.
 */
async function heldAfterPassedBy(holdMs: number) {
  const root = await Deno.makeTempDir({ prefix: "import-wait-" });
  const importDir = nodePath.join(root, "import");
  await Deno.mkdir(importDir);
  const folders = workFolders({
    workDir: nodePath.join(root, "work"),
    batigestImportDir: importDir,
  });
  createWorkFolders(folders);
  const watch = new BatigestWatch({ importDir, memory: {} });
  watch.ensureMark({ documentsWaiting: false });
  const a = record("aaaaaaaa-0000-4000-8000-000000000001", "DV-A.xml");
  const pathA = nodePath.join(importDir, "DV-A.xml");
  const pathB = nodePath.join(importDir, "DV-B.xml");
  await Deno.writeTextFile(pathA, "<Devis/>");
  await Deno.writeTextFile(pathB, "<Devis/>");
  watch.track(a.id, [pathA]);
  watch.track("bbbbbbbb-0000-4000-8000-000000000002", [pathB]);
  await Deno.remove(pathB);
  watch.poll(new Date());
  const heldUntil = performance.now() + holdMs;
  let probes = 0;
  const release = setTimeout(() => Deno.removeSync(pathA), holdMs);
  const fileOps: FileOps = {
    ...realFileOps,
    async rename(from, to) {
      if (from === pathA && performance.now() < heldUntil) {
        probes++;
        throw Object.assign(new Error("used by another process. (os error 32)"), { code: "EBUSY" });
      }
      await realFileOps.rename(from, to);
    },
  };
  const watcher = new FolderWatcher(importDir);
  const warnings: string[] = [];
  const options: ImportWaitOptions = {
    settings: { importTimeoutSeconds: 1, batigestRefusalHours: 72 },
    folders,
    fileOps,
    retry: { sleep: () => Promise.resolve() }, // a probe answers at once
    watch,
    watcher,
    now: () => new Date(),
    publishedHere: true,
    warn: (message) => warnings.push(message),
  };
  try {
    const outcome = await awaitImport(a, options);
    return {
      outcome,
      probes,
      warnings,
      leftInFolder: await Array.fromAsync(Deno.readDir(importDir)),
    };
  } finally {
    clearTimeout(release);
    await watcher.close();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("a held document passed by is looked at again a second later until Batigest lets go: imported, not given up", async () => {
  const { outcome, probes, warnings } = await heldAfterPassedBy(3_000);
  assert.deepEqual(outcome, { kind: "consumed" });
  assert.ok(probes > 0, "the wait found the file held");
  // Twenty looks in a row would have given it up (a warning, "waiting"): they are a second apart.
  assert.deepEqual(warnings, []);
});
