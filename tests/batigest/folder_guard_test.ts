/**
 * A folder that refuses the agent is told from a file held for a moment:
 * the first stops the pass with one French line, the second keeps its
 * retries; and what Batigest's memory keeps between passes.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { type FileOps, realFileOps, withTransientRetry } from "../../lib/base/fs_retry.ts";
import { FolderUnusable, guardFileOps } from "../../lib/batigest/folder_guard.ts";
import { afterPass } from "../../lib/batigest/memory.ts";

const denied = () => new Deno.errors.PermissionDenied("Operation not permitted (os error 1)");
const noSleep = { sleep: () => Promise.resolve() };

async function withDirs(test: (root: string, importDir: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "saxium-guard-" });
  const importDir = nodePath.join(root, "import");
  await Deno.mkdir(importDir);
  try {
    await test(root, importDir);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("a folder that refuses every new file: FolderUnusable after a few tries, at once afterwards", async () => {
  await withDirs(async (root, importDir) => {
    const source = nodePath.join(root, "doc.xml");
    await Deno.writeTextFile(source, "<Devis/>");
    let calls = 0;
    const readOnly: FileOps = {
      ...realFileOps,
      copyFile: (from, to) => {
        calls++;
        return nodePath.dirname(to) === importDir
          ? Promise.reject(denied())
          : realFileOps.copyFile(from, to);
      },
    };
    const ops = guardFileOps(readOnly, { folders: { root, importDir } });
    const target = nodePath.join(importDir, "~saxium-x.xml.tmp");
    const error = await withTransientRetry(() => ops.copyFile(source, target), noSleep).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(error instanceof FolderUnusable, String(error));
    assert.match(
      error.message,
      /^Le dossier d'import de Batigest .* refuse l'écriture \(accès refusé\)/,
    );
    assert.match(error.message, /droit « Modifier »/);
    assert.ok(calls <= 4, `${calls} tries`);
    const before = calls;
    await assert.rejects(
      () => ops.copyFile(source, nodePath.join(importDir, "b.tmp")),
      FolderUnusable,
    );
    assert.equal(calls, before, "known refused: no more tries");
  });
});

Deno.test("one file held (antivirus) while the folder accepts new ones: the transient retries go on", async () => {
  await withDirs(async (root, importDir) => {
    const held = nodePath.join(importDir, "~saxium-held.xml.tmp");
    await Deno.writeTextFile(held, "<Devis/>");
    let refusals = 0;
    const antivirus: FileOps = {
      ...realFileOps,
      rename: (from, to) => {
        if (from === held && refusals < 8) {
          refusals++;
          return Promise.reject(denied());
        }
        return realFileOps.rename(from, to);
      },
    };
    const ops = guardFileOps(antivirus, { folders: { root, importDir } });
    const target = nodePath.join(importDir, "DV-1.xml");
    await withTransientRetry(() => ops.rename(held, target), noSleep);
    assert.equal(refusals, 8);
    assert.deepEqual([...Deno.readDirSync(importDir)].map((e) => e.name), ["DV-1.xml"]);
  });
});

Deno.test("Batigest's memory: inactive since the first pass that saw it, cleared by an import", () => {
  const first = afterPass({}, { inactiveSince: new Date("2025-03-01T18:02:00Z") });
  assert.equal(first.inactiveSince, "2025-03-01T18:02:00.000Z");
  const later = afterPass(first, { inactiveSince: new Date("2025-03-01T19:00:00Z") });
  assert.equal(later.inactiveSince, "2025-03-01T18:02:00.000Z", "since the first time");
  // Open again but slow: one import, then silence again: since the new silence.
  const slow = afterPass(later, {
    lastImportAt: new Date("2025-03-02T07:00:00Z"),
    inactiveSince: new Date("2025-03-02T07:00:00Z"),
  });
  assert.equal(slow.inactiveSince, "2025-03-02T07:00:00.000Z", "not the night before");
  const back = afterPass(later, { lastImportAt: new Date("2025-03-02T08:00:00Z") });
  assert.equal(back.inactiveSince, undefined);
  assert.equal(back.lastImportAt, "2025-03-02T08:00:00.000Z");
});
