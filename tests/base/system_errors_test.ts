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
