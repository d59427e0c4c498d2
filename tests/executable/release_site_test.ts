/** A site's build configuration from the release form, the repository variable or the example. */

import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  BuildConfigError,
  parseBuildConfig,
  siteOutput,
} from "../../lib/executable/build_config.ts";
import { sha256Line, siteConfigText } from "../../scripts/release_site.ts";
import { versionProblems } from "../../scripts/release_version.ts";
import { VERSION } from "../../lib/base/version.ts";

Deno.test("release site: the form's values win, then BUILD_CONFIG_JSON; nothing given is an error", () => {
  const env = (values: Record<string, string>) => (name: string) => values[name];
  const form = siteConfigText(
    {},
    env({
      SITE_API_URL: "https://saxium.client.fr",
      SITE_WORK_DIR: "",
      SITE_BATIGEST_IMPORT_DIR: "D:\\Batigest\\Import",
      SITE_SMTP_HOST: "",
      SITE_WEBHOOK_HOST: "hooks.client.fr",
      BUILD_CONFIG_JSON: '{"apiUrl": "https://autre.fr"}',
    }),
  );
  const { config } = parseBuildConfig(form.text, form.source);
  assert.deepEqual(config, {
    apiUrl: "https://saxium.client.fr",
    workDir: "C:\\SaxiumBatigest",
    batigestImportDir: "D:\\Batigest\\Import",
    notify: { webhookHost: "hooks.client.fr:443" },
  });
  // The file is named as every command says; the folder (the artifact's zip) names the site.
  assert.equal(
    siteOutput(config),
    "dist/saxium-batigest-agent-saxium.client.fr/saxium-batigest-agent.exe",
  );

  const repository = siteConfigText(
    {},
    env({ BUILD_CONFIG_JSON: '{"apiUrl": "https://autre.fr"}' }),
  );
  assert.equal(repository.source, "BUILD_CONFIG_JSON");
  // A tag pushed without a site's configuration builds nothing (never saxium.example.com).
  assert.throws(
    () => siteConfigText({}, env({ GITHUB_REF_TYPE: "tag" })),
    (e: unknown) =>
      e instanceof BuildConfigError &&
      /^Version publiée sans configuration de site : définissez la variable du dépôt BUILD_CONFIG_JSON/
        .test(e.message),
  );
  assert.throws(() => siteConfigText({}, env({})), /: Indiquez le site : --api-url/);
});

Deno.test("release site: the form takes hosts only, and a secret in BUILD_CONFIG_JSON is refused", () => {
  const text = readWorkflowInputs();
  assert.deepEqual(text, [
    "api_url",
    "work_dir",
    "batigest_import_dir",
    "smtp_host",
    "webhook_host",
  ]);
  const repository = siteConfigText(
    {},
    (name) =>
      name === "BUILD_CONFIG_JSON"
        ? JSON.stringify({ apiUrl: "https://s.fr", notify: { webhookUrl: "https://h.fr/cle" } })
        : undefined,
  );
  assert.throws(
    () => parseBuildConfig(repository.text, repository.source),
    /: BUILD_CONFIG_JSON : remplacez « notify\.webhookUrl » par "webhookHost": "h\.fr"/,
  );
});

/** The names of the release form's inputs. */
function readWorkflowInputs(): string[] {
  const workflow = Deno.readTextFileSync(
    new URL("../../.github/workflows/release.yml", import.meta.url),
  );
  const inputs = workflow.slice(
    workflow.indexOf("    inputs:\n"),
    workflow.indexOf("\npermissions:"),
  );
  return [...inputs.matchAll(/^ {6}([a-z_]+):$/gm)].map((m) => m[1]);
}

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

Deno.test("release version: the tag, deno.json and the executable must agree", () => {
  assert.deepEqual(
    versionProblems("v2.0.0", {
      version: "2.0.0",
      exeVersionLine: "saxium-batigest-agent 2.0.0\r",
    }),
    [],
  );
  assert.deepEqual(versionProblems("v2.1.0", { version: "2.0.0" }), [
    'Le tag v2.1.0 ne correspond pas à la version de deno.json (2.0.0) : mettez "version": "2.1.0" dans deno.json, ou posez le tag v2.0.0.',
  ]);
  assert.deepEqual(
    versionProblems("v2.0.0", { version: "2.0.0", exeVersionLine: "saxium-batigest-agent 1.9.0" }),
    [
      "L'exécutable se présente comme « saxium-batigest-agent 1.9.0 », et non « saxium-batigest-agent 2.0.0 » comme son tag v2.0.0.",
    ],
  );
  assert.match(versionProblems("release", { version: "2.0.0" })[0], /n'est pas une version/);
  // The sources agree with themselves: lib/base/version.ts reads deno.json.
  const denoJson = JSON.parse(
    Deno.readTextFileSync(new URL("../../deno.json", import.meta.url)),
  );
  assert.deepEqual(versionProblems(`v${denoJson.version}`, { version: VERSION }), []);
});
