import assert from "node:assert/strict";
import { describeSystemError } from "../../lib/base/system_errors.ts";

Deno.test("describeSystemError: a folder where a file is expected, and a file in a folder's place", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/file`, "x");
    let error: unknown;
    try {
      await Deno.readTextFile(dir);
    } catch (e) {
      error = e;
    }
    const folder = describeSystemError(error);
    assert.equal(folder.kind, "is-a-directory");
    assert.equal(folder.cause, "c'est un dossier, pas un fichier");
    try {
      await Deno.readTextFile(`${dir}/file/agent.json`);
    } catch (e) {
      error = e;
    }
    const file = describeSystemError(error);
    assert.equal(file.kind, "not-a-directory");
    assert.match(file.original, /Not a directory/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("describeSystemError: the same errors known by their words (wrapped by a library)", () => {
  const wrapped = new Error("could not write", {
    cause: new Error("Is a directory (os error 21): rename 'a' -> 'b'"),
  });
  assert.equal(describeSystemError(wrapped).kind, "is-a-directory");
  assert.equal(describeSystemError(new Error("ENOTDIR: stat")).kind, "not-a-directory");
});

Deno.test("describeSystemError: a journal locked by another program has its own kind and a French cause", async () => {
  const { DatabaseSync } = await import("node:sqlite");
  const dir = await Deno.makeTempDir();
  const path = `${dir}/journal.db`;
  const holder = new DatabaseSync(path);
  const other = new DatabaseSync(path, { timeout: 0 });
  try {
    holder.exec(
      "PRAGMA journal_mode=WAL; CREATE TABLE t(x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1)",
    );
    let error: unknown;
    try {
      other.exec("BEGIN IMMEDIATE; INSERT INTO t VALUES (2)");
    } catch (e) {
      error = e;
    }
    const locked = describeSystemError(error);
    assert.equal(locked.kind, "journal-locked");
    assert.equal(
      locked.cause,
      "journal de l'agent verrouillé par un autre programme (sauvegarde, antivirus ?)",
    );
    assert.match(locked.original, /database is locked/, "the original is kept for DEBUG");
  } finally {
    other.close();
    holder.exec("ROLLBACK");
    holder.close();
    await Deno.remove(dir, { recursive: true });
  }
  for (const text of ["database table is locked", "SQLITE_BUSY: busy", "SQLITE_LOCKED"]) {
    const wrapped = new Error("could not record the export", { cause: new Error(text) });
    assert.equal(describeSystemError(wrapped).kind, "journal-locked", text);
  }
});
