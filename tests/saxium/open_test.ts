import assert from "node:assert/strict";
import { ConfigError } from "../../lib/base/config_error.ts";
import { readCaCerts } from "../../lib/saxium/open.ts";

function refusal(caFile: string): ConfigError {
  try {
    readCaCerts({ caFile });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail(`${caFile} accepted`);
}

Deno.test("readCaCerts: a missing file, a folder or a file without certificate, in French only", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = refusal(`${dir}/absent.pem`);
    assert.match(missing.message, /absent\.pem \(fichier ou dossier introuvable\) ; indiquez/);
    assert.doesNotMatch(missing.message, /os error|No such file|readfile/i);

    await Deno.mkdir(`${dir}/dir.pem`);
    const folder = refusal(`${dir}/dir.pem`);
    assert.match(folder.message, /dir\.pem \(c'est un dossier, pas un fichier\)/);
    assert.doesNotMatch(folder.message, /os error|Is a directory/i);

    await Deno.writeTextFile(`${dir}/empty.pem`, "rien");
    assert.match(refusal(`${dir}/empty.pem`).message, /aucun certificat PEM dedans/);

    await Deno.writeTextFile(`${dir}/good.pem`, "-----BEGIN CERTIFICATE-----\nx\n");
    assert.equal(readCaCerts({ caFile: `${dir}/good.pem` })?.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
