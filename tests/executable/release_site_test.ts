/** A site's build configuration from the release form, the repository variable or the example. */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { parseBuildConfig, siteOutput } from "../../lib/executable/build_config.ts";
import { sha256Line, siteConfigText } from "../../scripts/release_site.ts";

Deno.test("release site: the form's values win, then BUILD_CONFIG_JSON, then the example", () => {
  const env = (values: Record<string, string>) => (name: string) => values[name];
  const form = siteConfigText(
    {},
    env({
      SITE_API_URL: "https://saxium.client.fr",
      SITE_WORK_DIR: "",
      SITE_BATIGEST_IMPORT_DIR: "D:\\Batigest\\Import",
      SITE_NOTIFY_JSON: '{"webhookUrl": "https://hooks.client.fr/x"}',
      BUILD_CONFIG_JSON: '{"apiUrl": "https://autre.fr"}',
    }),
  );
  const { config } = parseBuildConfig(form.text, form.source);
  assert.deepEqual(config, {
    apiUrl: "https://saxium.client.fr",
    workDir: "C:\\SaxiumBatigest",
    batigestImportDir: "D:\\Batigest\\Import",
    notify: { webhookUrl: "https://hooks.client.fr/x" },
  });
  assert.equal(siteOutput(config), "dist/saxium-batigest-agent-saxium.client.fr.exe");

  const repository = siteConfigText(
    {},
    env({ BUILD_CONFIG_JSON: '{"apiUrl": "https://autre.fr"}' }),
  );
  assert.equal(repository.source, "BUILD_CONFIG_JSON");
  const example = siteConfigText({}, env({}));
  assert.equal(example.source, "scripts/build.example.json");
  assert.throws(
    () => siteConfigText({ "api-url": "https://s.fr", "notify-json": "{" }, env({})),
    /ne sont pas un JSON valide/,
  );
});

Deno.test("release site: the checksum line is sha256sum's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = nodePath.join(dir, "agent.exe");
    await Deno.writeTextFile(file, "abc");
    assert.equal(
      await sha256Line(file),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  agent.exe\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
