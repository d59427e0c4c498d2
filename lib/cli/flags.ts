/**
 * What every command file shares: parsing its flags with the setting flags
 * (French messages for a bad one), and loading the settings from every source.
 *
 * @module
 */

import { type Settings, type SettingSources } from "../base/settings.ts";
import { SETTING_FLAGS } from "../base/setting_table.ts";
import { ConfigError } from "../base/config_error.ts";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { resolveSettings, resolveWorkDir, workDirNotAFolder } from "../base/config.ts";
import nodePath from "node:path";
import { pathKind } from "../base/paths.ts";
import type { CommandContext } from "../base/context.ts";
import { decodeText } from "../base/json_text.ts";

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
    parsed = parseArgs({
      args: negativeValuesJoined(args, options),
      options,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const flag = /'(-{1,2}[^'\s]+)/.exec(message)?.[1] ?? "?";
    const what = /argument missing|argument is ambiguous/.test(message)
      ? "sans valeur"
      : /does not take an argument/.test(message)
      ? "sans valeur attendue (retirez « = … »)"
      : "inconnue ou mal formée";
    throw new ConfigError(flag, `Option ${flag} ${what} : consultez l'aide avec --help.`);
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

/**
 * `--batch-size -5` as `--batch-size=-5`: a negative number after an option
 * that takes a value is that value (then refused with the option's range),
 * not an unknown option `-5`.
 */
function negativeValuesJoined(
  args: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
): string[] {
  const takesValue = (arg: string): string | undefined => {
    const name = arg.startsWith("--")
      ? arg.slice(2)
      : Object.entries(options).find(([, o]) => o.short !== undefined && `-${o.short}` === arg)
        ?.[0];
    return name !== undefined && options[name]?.type === "string" ? name : undefined;
  };
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = takesValue(args[i]);
    if (name !== undefined && /^-\d/.test(args[i + 1] ?? "")) {
      out.push(`--${name}=${args[i + 1]}`);
      i++;
    } else {
      out.push(args[i]);
    }
  }
  return out;
}

/** The real sources of settings for a command context. */
export function settingSources(ctx: CommandContext): SettingSources {
  return {
    env: ctx.env,
    hostname: ctx.hostname,
    buildDefaults: ctx.buildDefaults,
    readTextFile: (path) => {
      try {
        return decodeText(Deno.readFileSync(path)).text;
      } catch (error) {
        // Windows says "access denied" for a folder read as a file, and "not
        // found" under a file taken for a folder: asked again, plainly.
        if (pathKind(path) === "directory") throw new Deno.errors.IsADirectory(String(error));
        if (error instanceof Deno.errors.NotFound) {
          if (pathKind(nodePath.dirname(path)) === "file") {
            throw new Deno.errors.NotADirectory(String(error));
          }
          return undefined;
        }
        throw error;
      }
    },
  };
}

/**
 * The work folder alone, for the commands that must work when another
 * setting is wrong (`history`, `tail-logs`); refused when it is a file.
 *
 * @throws {ConfigError} when it is invalid or a file.
 */
export function workDirOnly(ctx: CommandContext, flags: ParsedFlags): string {
  const dir = resolveWorkDir(flags.values, settingSources(ctx));
  if (pathKind(dir) === "file") throw workDirNotAFolder(dir);
  return dir;
}

/** Resolves the settings for a command from its parsed flags. */
export function loadSettings(ctx: CommandContext, flags: ParsedFlags): Settings {
  return resolveSettings(flags.values, settingSources(ctx));
}
