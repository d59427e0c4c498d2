/**
 * The pass's view of Batigest's folder: its mark (the proof that documents
 * wait in the folder they were put in), lost or replaced between passes.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { BatigestWatch } from "../../lib/batigest/watch.ts";
import { FOLDER_MARK_NAME, readFolderMark } from "../../lib/batigest/memory.ts";
import { FolderUnusable } from "../../lib/batigest/folder_guard.ts";

async function withImportDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "batigest-watch-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** An export whose document `DV-1.xml` waits in the import folder. */
const WAITING = {
  id: "0b4f3c1e-9d2a-4f6b-8c3d-2e1f0a9b8c7d",
  files: [{ format: "xml" as const, importName: "DV-1.xml" }],
};

Deno.test("a mark lost while its documents are still there: written again, the documents still wait", async () => {
  await withImportDir((dir) => {
    const doc = nodePath.join(dir, "DV-1.xml");
    Deno.writeTextFileSync(doc, "<Devis/>");
    const watch = new BatigestWatch({
      importDir: dir,
      memory: { folderMark: crypto.randomUUID() },
    });
    watch.track(WAITING);
    watch.ensureMark({ documentsWaiting: true });
    assert.ok(readFolderMark(dir), "a mark again");
  });
});

Deno.test("a mark missing and its documents gone (the folder replaced): the pass stops, nothing counted", async () => {
  await withImportDir((dir) => {
    const watch = new BatigestWatch({
      importDir: dir,
      memory: { folderMark: crypto.randomUUID() },
    });
    watch.track(WAITING);
    assert.throws(() => watch.ensureMark({ documentsWaiting: true }), FolderUnusable);
  });
});

Deno.test("another mark than the one remembered: the pass stops, even with the documents there", async () => {
  await withImportDir((dir) => {
    const doc = nodePath.join(dir, "DV-1.xml");
    Deno.writeTextFileSync(doc, "<Devis/>");
    Deno.writeTextFileSync(nodePath.join(dir, FOLDER_MARK_NAME), `id=${crypto.randomUUID()}\r\n`);
    const watch = new BatigestWatch({
      importDir: dir,
      memory: { folderMark: crypto.randomUUID() },
    });
    watch.track(WAITING);
    assert.throws(() => watch.ensureMark({ documentsWaiting: true }), FolderUnusable);
  });
});

Deno.test("the mark stays while any document is in the folder, even one the journal does not know", async () => {
  await withImportDir((dir) => {
    const watch = new BatigestWatch({ importDir: dir, memory: {} });
    watch.ensureMark({ documentsWaiting: false });
    const lost = nodePath.join(dir, "DV-PERDU.xml"); // a journal deleted, say
    Deno.writeTextFileSync(lost, "<Devis/>");
    watch.finish({ documentsWaiting: false });
    assert.ok(readFolderMark(dir), "kept beside a document");
    Deno.removeSync(lost);
    new BatigestWatch({ importDir: dir, memory: {} }).finish({ documentsWaiting: false });
    assert.equal(readFolderMark(dir), undefined, "removed once nothing waits");
  });
});

Deno.test("a document renamed to .err or moved into a subfolder: refused with its trace, which stays; one left empty: imported", async () => {
  await withImportDir((dir) => {
    const watch = new BatigestWatch({ importDir: dir, memory: {} });
    watch.ensureMark({ documentsWaiting: false });
    const docs = ["DV-1", "DV-2", "DV-3"].map((ref, i) => {
      Deno.writeTextFileSync(nodePath.join(dir, `${ref}.xml`), "<Devis/>");
      return watch.track({
        id: `0b4f3c1e-9d2a-4f6b-8c3d-2e1f0a9b8c7${i}`,
        files: [{ format: "xml" as const, importName: `${ref}.xml` }],
      });
    });
    watch.poll(new Date());
    assert.equal(watch.waiting(), 3, "all still there, full");
    Deno.renameSync(nodePath.join(dir, "DV-1.xml"), nodePath.join(dir, "DV-1.xml.err"));
    Deno.mkdirSync(nodePath.join(dir, "Erreurs"));
    Deno.renameSync(nodePath.join(dir, "DV-2.xml"), nodePath.join(dir, "Erreurs", "DV-2.xml"));
    Deno.truncateSync(nodePath.join(dir, "DV-3.xml"), 0);
    watch.poll(new Date());
    assert.deepEqual(docs.map((d) => d.decision), [
      { kind: "refused", traces: [{ kind: "renamed", path: "DV-1.xml.err", of: "DV-1.xml" }] },
      {
        kind: "refused",
        traces: [{
          kind: "moved-aside",
          path: nodePath.join("Erreurs", "DV-2.xml"),
          of: "DV-2.xml",
        }],
      },
      { kind: "imported", leftovers: ["DV-3.xml"] },
    ]);
    assert.equal(watch.waiting(), 0);
    assert.ok(Deno.statSync(nodePath.join(dir, "DV-1.xml.err")).isFile, "Batigest's trace stays");
  });
});

Deno.test("a refusal with a trace is Batigest at work: the silence remembered ends, no import is claimed", async () => {
  await withImportDir((dir) => {
    const memory = { inactiveSince: "2025-03-01T18:00:00.000Z" };
    const watch = new BatigestWatch({ importDir: dir, memory });
    watch.ensureMark({ documentsWaiting: false });
    Deno.writeTextFileSync(nodePath.join(dir, "DV-1.xml"), "<Devis/>");
    watch.track(WAITING);
    Deno.renameSync(nodePath.join(dir, "DV-1.xml"), nodePath.join(dir, "DV-1.bak"));
    watch.poll(new Date("2025-03-03T08:00:00Z"));
    const after = watch.finish({ documentsWaiting: false });
    assert.equal(after.inactiveSince, undefined);
    assert.equal(after.lastImportAt, undefined);
  });
});
