import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  createWorkFolders,
  stagingPath,
  toImportPath,
  withdrawnPath,
  workFolders,
} from "../../lib/base/work_folders.ts";
import {
  adoptStateReceipts,
  archiveOrphans,
  completeReceipts,
  publishedVersion,
  readReceipt,
  type Receipt,
  receiptsComplete,
  removeReceipt,
  stateFromFolders,
  uncoveredInFlight,
  writeReceipt,
} from "../../lib/journal/receipts.ts";
import { Journal, JournalError } from "../../lib/journal/journal.ts";

const ID = "0b4f3c1e-9d2a-4f6b-8c3d-2e1f0a9b8c7d";

async function world() {
  const root = await Deno.makeTempDir({ prefix: "saxium-receipts-" });
  const folders = workFolders({
    workDir: nodePath.join(root, "work"),
    batigestImportDir: nodePath.join(root, "import"),
  });
  createWorkFolders(folders);
  await Deno.mkdir(folders.importDir);
  const receipt: Receipt = {
    id: ID,
    reference: "DV-1",
    documentType: "devis_client",
    baseName: "DV-1",
    files: [{ format: "xml", importName: "DV-1.xml" }],
    at: "2026-01-02T03:04:05.000Z",
  };
  return { root, folders, receipt };
}

Deno.test("a receipt is written, read back and removed; a missing or cut one reads as none", async () => {
  const { root, folders, receipt } = await world();
  try {
    assert.equal(await readReceipt(folders, ID), undefined);
    await writeReceipt(folders, receipt);
    assert.deepEqual(await readReceipt(folders, ID), receipt);
    await Deno.writeTextFile(nodePath.join(folders.receipts, `${ID}.json`), '{"id":');
    assert.equal(await readReceipt(folders, ID), undefined);
    await removeReceipt(folders, receipt);
    await removeReceipt(folders, receipt); // twice is fine
    assert.equal(await readReceipt(folders, ID), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the folders tell where a published export stands: staged, or delivered for the wait to decide", async () => {
  const { root, folders, receipt } = await world();
  try {
    // Gone: imported, or refused if Batigest left a trace; the wait decides.
    assert.equal(stateFromFolders(folders, receipt), "delivered");
    await Deno.writeTextFile(stagingPath(folders, ID, "xml"), "x");
    assert.equal(stateFromFolders(folders, receipt), "staged");
    await Deno.writeTextFile(nodePath.join(folders.importDir, "DV-1.xml"), "x");
    assert.equal(stateFromFolders(folders, receipt), "delivered");
    await Deno.remove(nodePath.join(folders.importDir, "DV-1.xml"));
    await Deno.remove(stagingPath(folders, ID, "xml"));
    await Deno.writeTextFile(withdrawnPath(folders, ID, "xml"), "x");
    assert.equal(stateFromFolders(folders, receipt), "delivered");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the journal rebuilds a record from a receipt only before publication, never over a later state", () => {
  const journal = new Journal(":memory:");
  const base = {
    id: ID,
    reference: "DV-1",
    documentType: "devis_client",
    baseName: "DV-1",
    files: [{ format: "xml" as const, importName: "DV-1.xml" }],
  };
  assert.equal(journal.restore(base, "imported").state, "imported");
  const dated = {
    ...base,
    id: "2b4f3c1e-9d2a-4f6b-8c3d-2e1f0a9b8c7d",
    generatedAt: "2026-12-05T10:00:00.000Z",
  };
  assert.equal(
    journal.restore(dated, "delivered").generatedAt,
    dated.generatedAt,
    "Saxium's date kept",
  );
  assert.throws(() => journal.restore(base, "delivered"), JournalError);
  const other = { ...base, id: "1b4f3c1e-9d2a-4f6b-8c3d-2e1f0a9b8c7d" };
  journal.begin({ ...other, files: [{ format: "xml", importName: "" }] });
  assert.equal(journal.restore(other, "delivered").state, "delivered");
  assert.throws(() => journal.restore(other, "downloading"), JournalError);
  journal.close();
});

Deno.test("a copy left in ToImport by an export the journal forgot goes to Archive when its receipt says delivered", async () => {
  const { root, folders, receipt } = await world();
  try {
    await Deno.writeTextFile(toImportPath(folders, ID, "xml"), "x");
    const stranger = "1b4f3c1e-9d2a-4f6b-8c3d-2e1f0a9b8c7d";
    await Deno.writeTextFile(toImportPath(folders, stranger, "xml"), "x");
    assert.deepEqual(
      await archiveOrphans(folders, { known: () => false, archiveName: (n) => `A-${n}` }),
      [],
      "no receipt, nothing archived",
    );
    await writeReceipt(folders, receipt);
    assert.deepEqual(
      await archiveOrphans(folders, { known: (id) => id === ID, archiveName: (n) => `A-${n}` }),
      [],
      "known to the journal: the pass deals with it",
    );
    assert.deepEqual(
      await archiveOrphans(folders, { known: () => false, archiveName: (n) => `A-${n}` }),
      ["DV-1.xml"],
    );
    assert.deepEqual([...Deno.readDirSync(folders.archive)].map((e) => e.name), ["A-DV-1.xml"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("receipts live outside State: emptying State never reaches them; old ones are moved out", async () => {
  const { root, folders, receipt } = await world();
  try {
    await writeReceipt(folders, receipt);
    assert.ok(!folders.receipts.startsWith(folders.state), "not inside State");
    await Deno.remove(folders.state, { recursive: true });
    assert.deepEqual(await readReceipt(folders, ID), receipt, "still there once State is gone");

    // An earlier version kept them in State\receipts: taken out, the newer copy kept.
    const old = nodePath.join(folders.state, "receipts");
    await Deno.mkdir(old, { recursive: true });
    const other = "1c5e4d2f-0e3b-4a7c-9d4e-3f2a1b0c9d8e";
    await Deno.writeTextFile(
      nodePath.join(old, `${other}.json`),
      JSON.stringify({ ...receipt, id: other }),
    );
    await Deno.writeTextFile(nodePath.join(old, `${ID}.json`), '{"id": "older copy"}');
    assert.equal(adoptStateReceipts(folders), 1);
    assert.equal((await readReceipt(folders, other))?.id, other);
    assert.deepEqual(await readReceipt(folders, ID), receipt, "the one already outside wins");
    await assert.rejects(() => Deno.stat(old), Deno.errors.NotFound);
    assert.equal(adoptStateReceipts(folders), 0, "nothing left to move");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("documents in flight that no receipt covers are named by their reference", async () => {
  const { root, folders, receipt } = await world();
  try {
    assert.deepEqual(uncoveredInFlight(folders), [], "nothing in flight");
    const covered = ID;
    const bare = "2d6f5e3a-1f4c-4b8d-8e5f-4a3b2c1d0e9f";
    const staged = "3e7a6f4b-2a5d-4c9e-9f6a-5b4c3d2e1f0a";
    await Deno.writeTextFile(toImportPath(folders, covered, "xml"), "<Devis/>");
    await writeReceipt(folders, receipt);
    await Deno.writeTextFile(
      toImportPath(folders, bare, "xml"),
      '<?xml version="1.0"?><Devis><Reference>DV-PERDU</Reference></Devis>',
    );
    await Deno.writeTextFile(
      stagingPath(folders, staged, "csv"),
      "Type;Reference;Date\nDEVIS;DV-EN-VOL;2026-12-01\n",
    );
    await Deno.writeTextFile(
      withdrawnPath(folders, "4f8b7a5c-3b6e-4daf-8a7b-6c5d4e3f2a1b", "xml"),
      "x",
    );
    assert.deepEqual(uncoveredInFlight(folders), [
      "4f8b7a5c-3b6e-4daf-8a7b-6c5d4e3f2a1b",
      "DV-EN-VOL",
      "DV-PERDU",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("completing the receipts writes those a published document lacks; then only withdrawal markers are uncovered", async () => {
  const { root, folders, receipt } = await world();
  const journalFile = nodePath.join(root, "journal.db");
  try {
    const journal = new Journal(journalFile);
    try {
      // An older agent published DV-1 without a receipt; DV-2 is only downloaded.
      const published = journal.begin(receipt);
      journal.setState(published.id, "ready");
      journal.setState(published.id, "staged", { files: receipt.files });
      journal.setState(published.id, "delivered");
      const downloaded = journal.begin({
        id: "5a9c8b6d-4c7f-4eb0-9b8c-7d6e5f4a3b2c",
        reference: "DV-2",
        documentType: "devis_client",
        baseName: "DV-2",
        files: [{ format: "xml", importName: "DV-2.xml" }],
      });
      journal.setState(downloaded.id, "ready");
      await Deno.writeTextFile(toImportPath(folders, downloaded.id, "xml"), "<Devis/>");
      await Deno.writeTextFile(stagingPath(folders, downloaded.id, "xml"), "<Devis/>");
      await Deno.writeTextFile(
        withdrawnPath(folders, "4f8b7a5c-3b6e-4daf-8a7b-6c5d4e3f2a1b", "xml"),
        "x",
      );
      assert.equal(receiptsComplete(folders), false);

      const at = new Date("2026-12-05T10:00:00Z");
      assert.equal(
        await completeReceipts(folders, journal.inStates(["ready", "delivered"]), at),
        1,
      );
      assert.deepEqual(await readReceipt(folders, published.id), {
        ...receipt,
        at: at.toISOString(),
      });
      assert.equal(await readReceipt(folders, downloaded.id), undefined, "never published: none");
      assert.equal(receiptsComplete(folders), true);
      assert.deepEqual(
        uncoveredInFlight(folders),
        ["4f8b7a5c-3b6e-4daf-8a7b-6c5d4e3f2a1b"],
        "the copy and the temporary file of DV-2 were never published",
      );
      assert.equal(await completeReceipts(folders, journal.inStates(["delivered"]), at), 0, "once");
    } finally {
      journal.close();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("each document remembers its newest version published; a version taken back is forgotten", async () => {
  const { root, folders, receipt } = await world();
  try {
    const at = (hh: string) => `2026-12-05T${hh}:00:00.000Z`;
    assert.equal(publishedVersion(folders, receipt), undefined);
    await writeReceipt(folders, { ...receipt, generatedAt: at("10") });
    assert.deepEqual(publishedVersion(folders, receipt), { id: ID, generatedAt: at("10") });
    const older = { ...receipt, id: "1b4f3c1e-9d2a-4f6b-8c3d-2e1f0a9b8c7d", generatedAt: at("09") };
    await writeReceipt(folders, older);
    assert.equal(
      publishedVersion(folders, receipt)?.id,
      ID,
      "an older version does not take its place",
    );
    // A reference differing by case, or another type, is another document.
    assert.equal(publishedVersion(folders, { ...receipt, reference: "dv-1" }), undefined);
    assert.equal(
      publishedVersion(folders, { ...receipt, documentType: "bon_commande" }),
      undefined,
    );
    await removeReceipt(folders, older);
    assert.equal(publishedVersion(folders, receipt)?.id, ID, "only its own note goes with it");
    await removeReceipt(folders, receipt);
    assert.equal(publishedVersion(folders, receipt), undefined);
    assert.equal(await readReceipt(folders, ID), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
