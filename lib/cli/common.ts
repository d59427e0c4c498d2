/**
 * What the command files share: flag parsing with the setting flags, and
 * loading the settings from every source.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import {
  ConfigError,
  resolveSettings,
  SETTING_FLAGS,
  type Settings,
  type SettingSources,
} from "../base/config.ts";
import type { CommandContext } from "../base/context.ts";
import { SaxiumClient, type SaxiumClientOptions } from "../saxium/client.ts";
import { VERSION } from "../base/version.ts";

/** Exit codes from the contract. */
export const EXIT = {
  ok: 0,
  exportErrors: 1,
  config: 2,
  unreachable: 3,
  locked: 4,
} as const;

/** Options every command that reads settings accepts. */
export const SETTING_OPTIONS: NonNullable<ParseArgsConfig["options"]> = {
  ...Object.fromEntries(
    Object.keys(SETTING_FLAGS).map((flag) => [flag, { type: "string" as const }]),
  ),
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

/** Parsed flags: strings, booleans, and the positionals. */
export interface ParsedFlags {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses a command's arguments; an unknown or malformed flag, or an argument
 * no command takes, is a {@linkcode ConfigError} (exit 2) with a French message.
 */
export function parseFlags(
  args: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
): ParsedFlags {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const flag = /'(-{1,2}[^'\s]+)/.exec(message)?.[1] ?? "?";
    throw new ConfigError(
      flag,
      `Option ${flag} inconnue ou mal formée : consultez l'aide avec --help.`,
    );
  }
  if (parsed.positionals.length > 0) {
    const extra = parsed.positionals[0].slice(0, 60);
    throw new ConfigError(
      extra,
      `Argument inattendu « ${extra} » : consultez l'aide avec --help.`,
    );
  }
  return {
    values: parsed.values as Record<string, string | boolean | undefined>,
    positionals: parsed.positionals,
  };
}

/** The real sources of settings for a command context. */
export function settingSources(ctx: CommandContext): SettingSources {
  return {
    env: ctx.env,
    hostname: ctx.hostname,
    buildDefaults: ctx.buildDefaults,
    readTextFile: (path) => {
      try {
        return Deno.readTextFileSync(path);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return undefined;
        throw error;
      }
    },
  };
}

/** Resolves the settings for a command from its parsed flags. */
export function loadSettings(ctx: CommandContext, flags: ParsedFlags): Settings {
  return resolveSettings(flags.values, settingSources(ctx));
}

/**
 * A Saxium client for the settings (token, agent id, proxy, extra root
 * certificates), with `overrides` for timeouts, retries and logging.
 */
export function openSaxiumClient(
  settings: Settings,
  overrides: Partial<SaxiumClientOptions> = {},
): SaxiumClient {
  return new SaxiumClient({
    apiUrl: settings.apiUrl,
    token: settings.token,
    agentId: settings.agentId,
    version: VERSION,
    proxy: settings.proxy,
    caCerts: overrides.caCerts ?? readCaCerts(settings),
    ...overrides,
  });
}

/**
 * The extra root certificates of `caFile`, read and checked up front.
 *
 * @throws {ConfigError} when the file cannot be read or holds no PEM certificate.
 */
export function readCaCerts(settings: Pick<Settings, "caFile">): string[] | undefined {
  if (!settings.caFile) return undefined;
  const path = settings.caFile;
  try {
    const pem = Deno.readTextFileSync(path);
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("pas de certificat PEM");
    return [pem];
  } catch (error) {
    throw new ConfigError(
      "caFile",
      `Paramètre caFile : impossible de lire le certificat ${path} (${
        (error as Error).message
      }) ; indiquez un fichier PEM placé dans le dossier de travail.`,
    );
  }
}

/** Waits `ms`, or less if `signal` aborts (Ctrl-C). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
