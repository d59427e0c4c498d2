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

Deno.test("a sighting of Batigest passing a document by, recorded by an earlier run, counts only while fresh", async () => {
  await withImportDir((dir) => {
    const now = new Date("2025-03-05T09:00:00Z");
    const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
    const ids = ["a", "b", "c"].map((x) => `${x.repeat(8)}-0000-4000-8000-000000000000`);
    const memory = {
      passedBy: {
        [ids[0]]: ago(4 * 86_400_000), // four days before: Batigest closed since, maybe
        [ids[1]]: ago(5 * 60_000), // the pass before
        [ids[2]]: ago(-2 * 3_600_000), // two hours ahead: a clock set back since
      },
    };
    let clock = 1_000_000;
    const wall = () => new Date(now.getTime() + clock - 1_000_000);
    const watch = new BatigestWatch({ importDir: dir, memory, clock: () => clock, now: wall });
    const docs = ids.map((id, i) =>
      watch.track({ id, files: [{ format: "xml" as const, importName: `DV-${i}.xml` }] })
    );
    for (const [i] of ids.entries()) {
      Deno.writeTextFileSync(nodePath.join(dir, `DV-${i}.xml`), "<Devis/>");
    }
    assert.equal(watch.passedBy(docs[0]), undefined, "four days old: no evidence");
    assert.equal(watch.passedBy(docs[1]), 1_000_000 - 5 * 60_000);
    assert.equal(watch.passedBy(docs[2]), undefined, "in the future: no evidence");
    clock += 1_000;
    const kept = watch.finish({ documentsWaiting: true });
    assert.deepEqual(Object.keys(kept.passedBy ?? {}), [ids[1]], "the stale ones forgotten");
    assert.equal(kept.passedBy![ids[1]], ago(5 * 60_000), "kept as first seen");
  });
});

Deno.test("a document is passed by only by one published after it and named after it: Batigest's order is not known", async () => {
  await withImportDir((dir) => {
    const watch = new BatigestWatch({ importDir: dir, memory: {} });
    watch.ensureMark({ documentsWaiting: false });
    // Published newest first, as Saxium lists them: DV-3, then DV-2, then dv-4.
    const [three, two, four] = ["DV-3", "DV-2", "dv-4"].map((ref, i) => {
      Deno.writeTextFileSync(nodePath.join(dir, `${ref}.xml`), "<Devis/>");
      return watch.track({
        id: `1c5f4d2e-9d2a-4f6b-8c3d-2e1f0a9b8c7${i}`,
        files: [{ format: "xml" as const, importName: `${ref}.xml` }],
      });
    });
    Deno.removeSync(nodePath.join(dir, "DV-2.xml")); // a Batigest working by name takes it first
    watch.poll(new Date());
    assert.equal(two.decision?.kind, "imported");
    assert.equal(watch.passedBy(three), undefined, "DV-2 sorts before DV-3: no evidence");
    Deno.removeSync(nodePath.join(dir, "dv-4.xml"));
    watch.poll(new Date());
    assert.equal(watch.passedBy(three), four.leftAt, "dv-4 sorts after DV-3, whatever the case");
  });
});
