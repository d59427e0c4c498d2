import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  DocumentDelivery,
  FolderWatcher,
  NameTakenError,
  publish,
  stage,
  withdraw,
} from "../../lib/batigest/delivery.ts";
import { realFileOps } from "../../lib/base/fs_retry.ts";
import {
  createWorkFolders,
  exists,
  toImportPath,
  workFolders,
} from "../../lib/base/work_folders.ts";

async function tempFolder(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "delivery-" });
}

Deno.test("stage writes a complete copy; publish renames it and never overwrites", async () => {
  const dir = await tempFolder();
  try {
    const source = nodePath.join(dir, "source.xml");
    await Deno.writeTextFile(source, "<Devis/>");
    const temp = nodePath.join(dir, "~saxium-1.xml.tmp");
    await stage(source, { stagingPath: temp, fileOps: realFileOps });
    assert.equal(await Deno.readTextFile(temp), "<Devis/>");
    const final = nodePath.join(dir, "DV-1.xml");
    await Deno.writeTextFile(final, "autre document");
    await assert.rejects(publish(temp, { finalPath: final, fileOps: realFileOps }), NameTakenError);
    assert.equal(await Deno.readTextFile(final), "autre document");
    await Deno.remove(final);
    await publish(temp, { finalPath: final, fileOps: realFileOps });
    assert.equal(await Deno.readTextFile(final), "<Devis/>");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failed staging leaves no partial file behind", async () => {
  const dir = await tempFolder();
  try {
    const temp = nodePath.join(dir, "~saxium-2.xml.tmp");
    const full = {
      ...realFileOps,
      copyFile: async (_from: string, to: string) => {
        await Deno.writeTextFile(to, "<Dev");
        throw new Error("No space left on device (os error 28)");
      },
    };
    await assert.rejects(stage("unused", { stagingPath: temp, fileOps: full }), /os error 28/);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the watcher wakes a wait when a file disappears; withdrawal takes back what stays", async () => {
  const dir = await tempFolder();
  const watcher = new FolderWatcher(dir);
  try {
    const file = nodePath.join(dir, "DV-3.xml");
    await Deno.writeTextFile(file, "x");
    setTimeout(() => Deno.removeSync(file), 30);
    const started = Date.now();
    while (exists(file) && Date.now() - started < 5_000) await watcher.next(5_000);
    assert.equal(exists(file), false, "the wait saw the file go");
    await Deno.writeTextFile(file, "x");
    const marker = nodePath.join(dir, "~saxium-3.xml.withdrawn");
    assert.equal(
      await withdraw(file, { withdrawnPath: marker, fileOps: realFileOps }),
      "withdrawn",
    );
    assert.equal(await Deno.readTextFile(marker), "x", "kept, under a name Batigest ignores");
    assert.equal(
      await withdraw(file, { withdrawnPath: marker, fileOps: realFileOps }),
      "gone",
      "already gone: Batigest took it",
    );
  } finally {
    await watcher.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a name Batigest's trace keeps is not given to a new document; once the trace is gone, it is", async () => {
  const root = await tempFolder();
  try {
    const importDir = nodePath.join(root, "import");
    await Deno.mkdir(importDir);
    const folders = workFolders({
      workDir: nodePath.join(root, "work"),
      batigestImportDir: importDir,
    });
    createWorkFolders(folders);
    const stageOne = async (id: string) => {
      await Deno.writeTextFile(toImportPath(folders, id, "xml"), "<Devis/>");
      const delivery = new DocumentDelivery({ folders, fileOps: realFileOps });
      const files = await delivery.stage({
        id,
        baseName: "DV-1",
        files: [{ format: "xml", importName: "" }],
      });
      return files.map((f) => f.importName);
    };
    // DV-1.xml refused earlier, renamed by Batigest: a new DV-1.xml would be read as refused too.
    await Deno.writeTextFile(nodePath.join(importDir, "DV-1.xml.err"), "<Devis/>");
    assert.deepEqual(await stageOne("11111111-0000-4000-8000-000000000001"), ["DV-1 (2).xml"]);
    await Deno.remove(nodePath.join(importDir, "DV-1.xml.err"));
    await Deno.mkdir(nodePath.join(importDir, "Erreurs"));
    await Deno.writeTextFile(nodePath.join(importDir, "Erreurs", "dv-1.XML"), "<Devis/>");
    assert.deepEqual(await stageOne("22222222-0000-4000-8000-000000000002"), ["DV-1 (2).xml"]);
    await Deno.remove(nodePath.join(importDir, "Erreurs"), { recursive: true });
    assert.deepEqual(await stageOne("33333333-0000-4000-8000-000000000003"), ["DV-1.xml"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
