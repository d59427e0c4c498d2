/**
 * Builds one site's executable, named after its Saxium host, with its SHA-256
 * checksum file: what the release workflow runs (from the GitHub page's form,
 * or on a tag), and what an operator runs by hand:
 *
 *   deno run -A scripts/release_site.ts --api-url https://saxium.client.fr
 *     [--work-dir C:\SaxiumBatigest] [--batigest-import-dir "D:\Batigest\Import"]
 *     [--smtp-host smtp.client.fr:587] [--webhook-host hooks.client.fr]
 *   deno run -A scripts/release_site.ts --config build.json
 *
 * Without flags, the same values are read from the variables SITE_API_URL,
 * SITE_WORK_DIR, SITE_BATIGEST_IMPORT_DIR, SITE_SMTP_HOST, SITE_WEBHOOK_HOST
 * (the workflow's form), then BUILD_CONFIG_JSON (the repository variable, a
 * tag's build). Nothing given is an error: no executable is ever built for
 * the example's `saxium.example.com` by default. Every value is public (a
 * host, a folder): secrets are refused by `parseBuildConfig` and live in
 * `agent.json` on the server. Writes `saxium-batigest-agent.exe` (the name
 * every command uses) and `saxium-batigest-agent.exe.sha256` ("<hash>  <name>",
 * as `sha256sum -c` reads) in a folder named after the site,
 * `dist/saxium-batigest-agent-<host>/`, and their paths and the site's name to
 * `GITHUB_OUTPUT` when set (`exe`, `sha256`, `site`: the artifact's name).
 *
 * @module
 */

import nodePath from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  BuildConfigError,
  parseBuildConfig,
  siteName,
  siteOutput,
} from "../lib/executable/build_config.ts";
import { runCompileScript } from "./compile.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * The build configuration's JSON from the flags, then the form's variables,
 * then `--config`, then BUILD_CONFIG_JSON.
 *
 * @throws {BuildConfigError} when none is given.
 */
export function siteConfigText(
  flags: Record<string, string | undefined>,
  env: (name: string) => string | undefined,
): { text: string; source: string } {
  const pick = (flag: string, variable: string) => flags[flag] || env(variable) || undefined;
  const apiUrl = pick("api-url", "SITE_API_URL");
  if (apiUrl) {
    const config: Record<string, unknown> = { apiUrl };
    const workDir = pick("work-dir", "SITE_WORK_DIR");
    const importDir = pick("batigest-import-dir", "SITE_BATIGEST_IMPORT_DIR");
    const smtpHost = pick("smtp-host", "SITE_SMTP_HOST");
    const webhookHost = pick("webhook-host", "SITE_WEBHOOK_HOST");
    if (workDir) config.workDir = workDir;
    if (importDir) config.batigestImportDir = importDir;
    if (smtpHost || webhookHost) {
      config.notify = {
        ...(smtpHost ? { smtpHost } : {}),
        ...(webhookHost ? { webhookHost } : {}),
      };
    }
    return { text: JSON.stringify(config), source: "formulaire" };
  }
  if (flags.config) return { text: Deno.readTextFileSync(flags.config), source: flags.config };
  const repository = env("BUILD_CONFIG_JSON");
  if (repository) return { text: repository, source: "BUILD_CONFIG_JSON" };
  throw new BuildConfigError(
    env("GITHUB_REF_TYPE") === "tag"
      ? "Version publiée sans configuration de site : définissez la variable du dépôt BUILD_CONFIG_JSON (même contenu que scripts/build.example.json, sans secret), ou construisez depuis le formulaire « Run workflow »."
      : "Indiquez le site : --api-url https://saxium.client.fr (et si besoin les dossiers et les hôtes des alertes), --config build.json, ou la variable BUILD_CONFIG_JSON.",
  );
}

/** `<hash>  <name>` of a file, as `sha256sum` writes it. */
export async function sha256Line(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex}  ${nodePath.basename(path)}\n`;
}

async function run(args: string[]): Promise<number> {
  const flags = parseArgs({
    args,
    options: {
      "api-url": { type: "string" },
      "work-dir": { type: "string" },
      "batigest-import-dir": { type: "string" },
      "smtp-host": { type: "string" },
      "webhook-host": { type: "string" },
      config: { type: "string" },
    },
    strict: true,
  }).values;
  let parsed;
  try {
    const { text, source } = siteConfigText(flags, (name) => Deno.env.get(name));
    parsed = parseBuildConfig(text, source);
  } catch (error) {
    if (error instanceof BuildConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  const buildDir = nodePath.join(ROOT, "dist", "build");
  await Deno.mkdir(buildDir, { recursive: true });
  const configPath = nodePath.join(buildDir, "site.json");
  await Deno.writeTextFile(configPath, JSON.stringify(parsed.config, null, 2));
  const exe = nodePath.join(ROOT, siteOutput(parsed.config));
  await Deno.mkdir(nodePath.dirname(exe), { recursive: true });
  const compile = await runCompileScript({ config: configPath, output: exe });
  if (!compile.success) return 1;
  const sha = `${exe}.sha256`;
  await Deno.writeTextFile(sha, await sha256Line(exe));
  console.log(`Somme de contrôle : ${sha}`);
  const output = Deno.env.get("GITHUB_OUTPUT");
  if (output) {
    const site = siteName(parsed.config);
    await Deno.writeTextFile(output, `exe=${exe}\nsha256=${sha}\nsite=${site}\n`, { append: true });
  }
  return 0;
}

if (import.meta.main) Deno.exit(await run(Deno.args));
