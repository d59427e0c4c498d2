/**
 * The table of Batigest's traces, as pure rules: which files left beside a
 * published document say Batigest refused it (renamed, moved aside) or
 * imported it (emptied), which say nothing, what a document's files and the
 * folder's traces decide, and which names a trace keeps from new documents.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  type FolderEntry,
  judgeTraces,
  looksLikeTrace,
  nameKept,
  readImportFolder,
  traceOf,
} from "../../lib/batigest/traces.ts";

const full = (name: string, subfolder?: string): FolderEntry => ({ name, subfolder, size: 120 });
const empty = (name: string): FolderEntry => ({ name, size: 0 });

/** The table's rows, for a document published as `DV-1.xml`. */
const TRACES_OF_DV1: [FolderEntry, string][] = [
  [full("DV-1.xml.err"), "renamed"],
  [full("DV-1.XML.ERR"), "renamed"],
  [full("DV-1.xml.bak"), "renamed"],
  [full("DV-1.xml.20251014"), "renamed"],
  [full("DV-1.err"), "renamed"],
  [full("dv-1.BAK"), "renamed"],
  [full("DV-1.rej"), "renamed"],
  [full("DV-1.xml", "Erreurs"), "moved-aside"],
  [full("dv-1.XML", "Rejets"), "moved-aside"],
  [full("DV-1.xml.err", "Refus"), "moved-aside"],
  [full("DV-1.bak", "Errors"), "moved-aside"],
  [empty("DV-1.xml"), "emptied"],
];

/** Files that say nothing of `DV-1.xml`. */
const NOT_TRACES_OF_DV1: FolderEntry[] = [
  full("DV-1.xml"), // the document itself, still full
  full("DV-1.csv"), // its other format, a document
  full("DV-1.pdf"), // not a refusal extension
  full("DV-10.xml.err"),
  full("DV-10.err"),
  full("DV-1 (2).err"),
  full("DV-1.2.err"),
  full("DV-2.xml", "Erreurs"),
  full("notes.txt", "Erreurs"),
  full("~saxium-0b4f3c1e.xml.withdrawn"),
];

Deno.test("the table: each trace of DV-1.xml reads as documented, any case, any subfolder", () => {
  for (const [entry, kind] of TRACES_OF_DV1) {
    assert.equal(traceOf("DV-1.xml", entry), kind, JSON.stringify(entry));
  }
});

Deno.test("files that are not DV-1.xml's traces: its own full file, its other format, other documents, the agent's", () => {
  for (const entry of NOT_TRACES_OF_DV1) {
    assert.equal(traceOf("DV-1.xml", entry), undefined, JSON.stringify(entry));
  }
  // The agent's own names are never traces, even shaped like one.
  assert.equal(traceOf("~saxium-x.xml", full("~saxium-x.xml.err")), undefined);
});

Deno.test("without knowing the documents (doctor), every trace the table finds is seen, and nothing else", () => {
  for (const [entry, kind] of TRACES_OF_DV1) {
    assert.equal(looksLikeTrace(entry), kind, JSON.stringify(entry));
  }
  for (
    const entry of [
      full("DV-1.xml"),
      full("BC-2.CSV"),
      full("notes.txt"),
      full("desktop.ini"),
      empty("lisez-moi.txt"),
      full("~saxium-dossier.txt"),
      full("~saxium-0b4f3c1e.xml.tmp"),
      full("photo.jpg", "Archives"),
    ]
  ) {
    assert.equal(looksLikeTrace(entry), undefined, JSON.stringify(entry));
  }
});

Deno.test("a document still there and full is waiting, whatever stands beside it", () => {
  assert.deepEqual(judgeTraces(["DV-1.xml"], [full("DV-1.xml"), full("DV-1.xml.err")]), {
    kind: "waiting",
  });
  // Two formats: one taken, the other still there.
  assert.deepEqual(judgeTraces(["DV-1.xml", "DV-1.csv"], [full("DV-1.csv")]), {
    kind: "waiting",
  });
});

Deno.test("gone with a trace beside it: refused, naming the trace and the file it stands for", () => {
  assert.deepEqual(judgeTraces(["DV-1.xml"], [full("DV-1.xml.err"), full("DV-2.xml")]), {
    kind: "refused",
    traces: [{ kind: "renamed", path: "DV-1.xml.err", of: "DV-1.xml" }],
  });
  assert.deepEqual(judgeTraces(["DV-1.xml"], [full("DV-1.xml", "Erreurs")]), {
    kind: "refused",
    traces: [{ kind: "moved-aside", path: nodePath.join("Erreurs", "DV-1.xml"), of: "DV-1.xml" }],
  });
  // One format imported, the other refused: the document is refused.
  assert.equal(judgeTraces(["DV-1.xml", "DV-1.csv"], [full("DV-1.csv.err")]).kind, "refused");
});

Deno.test("gone with no trace, or left empty: imported, the empty files named as leftovers", () => {
  assert.deepEqual(judgeTraces(["DV-1.xml"], [full("DV-2.xml"), full("DV-10.xml.err")]), {
    kind: "imported",
    leftovers: [],
  });
  assert.deepEqual(judgeTraces(["DV-1.xml", "DV-1.csv"], [empty("DV-1.xml")]), {
    kind: "imported",
    leftovers: ["DV-1.xml"],
  });
});

Deno.test("a trace keeps its document's name from new documents; other names stay free", () => {
  for (const [entry] of TRACES_OF_DV1) {
    assert.ok(nameKept("dv-1.xml", [entry]), JSON.stringify(entry));
  }
  assert.ok(nameKept("dv-1.xml", [full("DV-1.xml")]), "a file of that name");
  assert.ok(!nameKept("dv-1 (2).xml", [full("DV-1.xml.err"), full("DV-1.xml", "Erreurs")]));
  assert.ok(!nameKept("dv-1.xml", [full("DV-10.xml.err"), full("DV-2.xml", "Erreurs")]));
});

Deno.test("the folder as read: its files and those of its direct subfolders, with sizes, nothing deeper", async () => {
  const dir = await Deno.makeTempDir({ prefix: "traces-" });
  try {
    await Deno.writeTextFile(nodePath.join(dir, "DV-1.xml.err"), "<Devis/>");
    await Deno.writeTextFile(nodePath.join(dir, "DV-3.xml"), "");
    await Deno.mkdir(nodePath.join(dir, "Erreurs", "2025"), { recursive: true });
    await Deno.writeTextFile(nodePath.join(dir, "Erreurs", "DV-2.xml"), "<Devis/>");
    await Deno.writeTextFile(nodePath.join(dir, "Erreurs", "2025", "DV-9.xml"), "<Devis/>");
    const entries = readImportFolder(dir).sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(entries, [
      { name: "DV-1.xml.err", size: 8 },
      { name: "DV-2.xml", subfolder: "Erreurs", size: 8 },
      { name: "DV-3.xml", size: 0 },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
