/**
 * Builds `dist/saxium-batigest-agent.exe` for Windows from a build
 * configuration: `deno task compile --config build.json [--output …]
 * [--site-name] [--target host] [--print-args]`.
 *
 * Two steps: `deno check` of the generated entry with a normal heap, then
 * `deno compile --no-check` with the executable's permissions and V8 heap
 * caps (which `deno compile` would otherwise apply to its own type check,
 * out of memory from an empty cache).
 *
 * `deno compile` downloads Deno's Windows runtime (denort) unless the
 * `DENORT_BIN` variable points to a local copy.
 *
 * @module
 */

import nodePath from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  BuildConfigError,
  buildDefaults,
  buildPermissionFlags,
  checkArgs,
  compileArgs,
  ENTRY_FILE,
  entrySource,
  ENV_FILE,
  envFileSource,
  isRuntimeDownloadFailure,
  parseBuildConfig,
  siteOutput,
  TARGET,
} from "../lib/executable/build_config.ts";
import { maskByKey } from "../lib/base/text.ts";
import { formatBytes } from "../lib/base/french.ts";

/** The project's root (this script's parent folder). */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

const HELP = `Construit l'exécutable Windows de l'agent (${TARGET}).

Utilisation : deno task compile --config build.json [--output dist/agent.exe] [--site-name]
                               [--target host] [--print-args]

  --config <fichier>   configuration de build (modèle : scripts/build.example.json)
  --output <fichier>   exécutable produit (par défaut dist/saxium-batigest-agent.exe)
  --site-name          nomme l'exécutable d'après le serveur Saxium
                       (dist/saxium-batigest-agent-<hôte>.exe)
  --target <cible>     cible Deno (par défaut ${TARGET}) ; « host » : celle de cette
                       machine (essai local avec DENORT_BIN pointant vers deno)
  --print-args         affiche les arguments de deno compile sans rien construire
  -h, --help           cette aide

Sans accès à Internet, indiquez le runtime Deno pour Windows déjà téléchargé
(denort-x86_64-pc-windows-msvc) avec la variable DENORT_BIN.`;

async function run(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args,
      options: {
        config: { type: "string" },
        output: { type: "string" },
        "site-name": { type: "boolean" },
        target: { type: "string" },
        "print-args": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error} : consultez --help.`);
    return 2;
  }
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  if (!flags.config) {
    console.error(
      "Indiquez la configuration de build avec --config (modèle : scripts/build.example.json).",
    );
    return 2;
  }

  let parsed;
  try {
    parsed = parseBuildConfig(await Deno.readTextFile(flags.config), flags.config);
  } catch (error) {
    if (error instanceof BuildConfigError) {
      console.error(error.message);
      return 2;
    }
    if (error instanceof Deno.errors.NotFound) {
      console.error(`Configuration de build introuvable : ${flags.config}.`);
      return 2;
    }
    throw error;
  }
  const { config, warnings } = parsed;
  const projectRoot = ROOT;
  const output = flags.output ?? (flags["site-name"] ? siteOutput(config) : undefined);
  if (output) await Deno.mkdir(nodePath.dirname(nodePath.resolve(output)), { recursive: true });
  const target = flags.target === "host" ? Deno.build.target : flags.target;
  const denoArgs = compileArgs(config, { projectRoot, output, target });
  if (flags["print-args"]) {
    console.log(JSON.stringify(denoArgs, null, 2));
    return 0;
  }

  for (const warning of warnings) console.warn(warning);
  console.log(`Permissions intégrées à l'exécutable :`);
  for (const flag of buildPermissionFlags(config)) console.log(`  ${flag}`);
  // Through the one masking rule, although a build with a secret was refused above.
  const defaults = maskByKey(buildDefaults(config)) as Record<string, unknown>;
  console.log(`Valeurs par défaut intégrées :`);
  for (const [key, value] of Object.entries(defaults)) {
    console.log(`  ${key} = ${JSON.stringify(value)}`);
  }
  if (config.notify) {
    // Hosts only (parseBuildConfig refuses a scheme, a path or credentials there).
    const { smtpHost, webhookHost } = config.notify;
    const hosts = [smtpHost && `SMTP ${smtpHost}`, webhookHost && `webhook ${webhookHost}`];
    console.log(
      `  alertes : ${
        hosts.filter(Boolean).join(", ")
      } (les hôtes seulement ; le reste, secrets compris, va dans agent.json sur le serveur)`,
    );
  }
  console.log(
    `  DENO_TLS_CA_STORE = mozilla,system (une variable déjà définie sur le poste l'emporte)`,
  );

  const buildDir = nodePath.join(projectRoot, nodePath.dirname(ENTRY_FILE));
  await Deno.mkdir(buildDir, { recursive: true });
  await Deno.writeTextFile(nodePath.join(projectRoot, ENTRY_FILE), entrySource(config));
  await Deno.writeTextFile(nodePath.join(projectRoot, ENV_FILE), envFileSource());

  console.log(`Vérification des types (${checkArgs().join(" ")})…`);
  const started = performance.now();
  const check = await new Deno.Command(Deno.execPath(), {
    args: checkArgs(),
    cwd: projectRoot,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!check.success) {
    console.error(
      `Échec de la vérification des types (code ${check.code}) : voir les messages ci-dessus ; rien n'a été construit.`,
    );
    return 1;
  }

  const denort = Deno.env.get("DENORT_BIN");
  if (denort) console.log(`Runtime Deno pour ${target ?? TARGET} : ${denort} (DENORT_BIN)`);
  const result = await new Deno.Command(Deno.execPath(), {
    args: denoArgs,
    cwd: projectRoot,
    stdout: "inherit",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(result.stderr);
  await Deno.stderr.write(result.stderr);
  if (!result.success) {
    if (denort && isRuntimeDownloadFailure(stderr)) {
      console.error(
        `Échec : le runtime Deno indiqué par DENORT_BIN (${denort}) est introuvable ou inutilisable ; indiquez le fichier denort.exe décompressé de denort-${TARGET}.zip pour Deno ${Deno.version.deno}.`,
      );
    } else if (isRuntimeDownloadFailure(stderr)) {
      console.error(
        `Échec : deno compile n'a pas pu obtenir le runtime Deno pour ${TARGET}. Il le télécharge depuis Internet ; sans accès, téléchargez denort-${TARGET}.zip pour Deno ${Deno.version.deno} sur une machine connectée, décompressez-le et indiquez son chemin avec la variable DENORT_BIN.`,
      );
    } else {
      console.error(`Échec de deno compile (code ${result.code}) : voir les messages ci-dessus.`);
    }
    return 1;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1).replace(".", ",");
  const written = denoArgs[denoArgs.indexOf("--output") + 1];
  const size = (await Deno.stat(nodePath.resolve(projectRoot, written))).size;
  console.log(`Exécutable créé : ${written} (${formatBytes(size)}, ${seconds} s)`);
  return 0;
}

/** What {@linkcode runCompileScript} builds. */
export interface CompileRequest {
  /** The build configuration file (a relative path is the caller's, from its working folder). */
  config: string;
  /** The executable to write (a relative path likewise). */
  output: string;
  /** A Deno target (`host` for this machine's); Windows by default. */
  target?: string;
  /** The environment (this process's by default), e.g. an empty `DENO_DIR`. */
  env?: Record<string, string>;
}

/** How the compile script ended, and everything it printed (shown as it came, too). */
export interface CompileRun {
  success: boolean;
  code: number;
  /** Its standard output and error, interleaved as they arrived. */
  printed: string;
}

/**
 * Runs this script in a child process, its output shown and kept (for the
 * checks on what `deno compile` embedded): how the other build scripts compile.
 */
export async function runCompileScript(request: CompileRequest): Promise<CompileRun> {
  const { target, env } = request;
  const config = nodePath.resolve(request.config);
  const output = nodePath.resolve(request.output);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      fileURLToPath(import.meta.url),
      "--config",
      config,
      "--output",
      output,
      ...(target ? ["--target", target] : []),
    ],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const chunks: Uint8Array[] = [];
  const relay = async (
    stream: ReadableStream<Uint8Array>,
    to: { write(b: Uint8Array): unknown },
  ) => {
    for await (const chunk of stream) {
      chunks.push(chunk);
      await to.write(chunk);
    }
  };
  const [status] = await Promise.all([
    child.status,
    relay(child.stdout, Deno.stdout),
    relay(child.stderr, Deno.stderr),
  ]);
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { success: status.success, code: status.code, printed: new TextDecoder().decode(bytes) };
}

if (import.meta.main) Deno.exit(await run(Deno.args));
