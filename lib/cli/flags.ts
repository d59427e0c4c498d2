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
 * the command does not take (beyond `positionals`, none by default), is a
 * {@linkcode ConfigError} (exit 2) with a French message. A long option typed
 * with one dash (`-once`) is answered as such, with the option meant.
 */
export function parseFlags(
  args: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
  accepts: { positionals?: number } = {},
): ParsedFlags {
  oneDashRefused(args, options);
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
    const meant = what.startsWith("inconnue") ? closestOption(flag, options) : undefined;
    throw new ConfigError(
      flag,
      meant
        ? `Option ${flag} inconnue : vouliez-vous dire --${meant} ? (consultez l'aide avec --help)`
        : `Option ${flag} ${what} : consultez l'aide avec --help.`,
    );
  }
  if (parsed.positionals.length > (accepts.positionals ?? 0)) {
    const extra = parsed.positionals[accepts.positionals ?? 0].slice(0, 60);
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
 * `-once`, `-follow`: a long option typed with one dash, which `parseArgs`
 * would read as `-o -n -c -e` and answer about `-o`. Said as typed, with the
 * option meant when there is one; a cluster of real short options (`-n20`,
 * `-hf`) is left to `parseArgs`.
 */
function oneDashRefused(args: string[], options: NonNullable<ParseArgsConfig["options"]>): void {
  for (const arg of args) {
    if (arg === "--") return;
    const match = /^-([a-zA-Z][a-zA-Z-]+)(=.*)?$/.exec(arg);
    if (!match) continue;
    const name = match[1];
    const typed = `-${name}`;
    if (options[name] !== undefined) {
      throw new ConfigError(
        typed,
        `Option ${typed} inconnue : vouliez-vous dire --${name} ? (les options longues prennent deux tirets)`,
      );
    }
    const shorts = Object.values(options).map((o) => o.short).filter((c) => c !== undefined);
    if (shorts.includes(name[0])) continue;
    const meant = closestOption(`--${name}`, options);
    throw new ConfigError(
      typed,
      meant
        ? `Option ${typed} inconnue : vouliez-vous dire --${meant} ? (les options longues prennent deux tirets)`
        : `Option ${typed} inconnue : les options longues prennent deux tirets (--…) ; consultez l'aide avec --help.`,
    );
  }
}

/** The option a mistyped `--flag` most likely meant (one or two letters off), if any. */
function closestOption(
  flag: string,
  options: NonNullable<ParseArgsConfig["options"]>,
): string | undefined {
  const typed = flag.replace(/^-+/, "").toLowerCase();
  if (typed.length < 3) return undefined;
  let best: { name: string; distance: number } | undefined;
  for (const name of Object.keys(options)) {
    const distance = editDistance(typed, name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Levenshtein's distance between two short words. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
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
