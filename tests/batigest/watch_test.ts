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
