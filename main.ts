/**
 * saxium-batigest-agent: moves client quotes and purchase orders from Saxium
 * into Sage Batigest's import folder, exactly once.
 *
 * This file parses the command name, dispatches to `lib/cli/`, and turns
 * errors into the contract's exit codes. Command modules are loaded on demand
 * so that `--version` and `status` start fast.
 *
 * @module
 */

import { type BuildDefaults } from "./lib/base/settings.ts";
import { runCommand } from "./lib/base/command_runner.ts";
import type { CommandContext } from "./lib/base/context.ts";
import type { FileOps } from "./lib/base/fs_retry.ts";
import { AGENT_NAME, VERSION } from "./lib/base/version.ts";
import { ConfigError } from "./lib/base/config_error.ts";
import type { BuildInfo } from "./lib/executable/build_info.ts";
import { frenchPermissionText, permissionRefusalLine } from "./lib/base/permission_text.ts";
import { describeSystemError } from "./lib/base/system_errors.ts";
import { showInvisible } from "./lib/base/text.ts";
import { EXIT, exitCodeLines } from "./lib/base/exit_codes.ts";
import { BOM } from "./lib/base/excel_csv.ts";

/** The exit code after a second Ctrl-C (128 + SIGINT, as shells report it). */
const INTERRUPTED_EXIT = 130;

type Command = (args: string[], ctx: CommandContext) => Promise<number>;

/**
 * What the first Ctrl-C does: `pass` asks sync to end its pass (it says so;
 * a second one exits at once), `signal` ends a command that listens to the
 * stop signal (tail-logs --follow), quietly; the other commands have nothing
 * to finish and stop at once, quietly too.
 */
type OnCtrlC = "pass" | "signal" | "exit";

const COMMANDS: Record<
  string,
  { summary: string; load: () => Promise<Command>; onCtrlC?: OnCtrlC }
> = {
  "sync": {
    onCtrlC: "pass",
    summary: "synchronise (une passe avec --once, sinon en continu)",
    load: async () => (await import("./lib/cli/sync.ts")).syncCommand,
  },
  "install-task": {
    summary: "installe la tâche planifiée Windows (toutes les 5 minutes)",
    load: async () => (await import("./lib/cli/install_task.ts")).installTaskCommand,
  },
  "uninstall-task": {
    summary: "supprime la tâche planifiée",
    load: async () => (await import("./lib/cli/uninstall_task.ts")).uninstallTaskCommand,
  },
  "status": {
    summary: "état de l'agent en un écran (--json pour la supervision)",
    load: async () => (await import("./lib/cli/status.ts")).statusCommand,
  },
  "doctor": {
    summary: "vérifie l'installation (--json, --bundle FICHIER.zip pour le support)",
    load: async () => (await import("./lib/cli/doctor.ts")).doctorCommand,
  },
  "history": {
    summary:
      "exports synchronisés, refusés ou en cours (aujourd'hui, --date, --days, --errors, --csv, --json) ; history <référence> : un document de bout en bout",
    load: async () => (await import("./lib/cli/history.ts")).historyCommand,
  },
  "tail-logs": {
    onCtrlC: "signal",
    summary: "dernières lignes du fichier de log du jour (-n, --follow, --level, --date)",
    load: async () => (await import("./lib/cli/tail_logs.ts")).tailLogsCommand,
  },
};

/** How the program was built: defaults baked in, and test-only switches. */
export interface MainOptions {
  /** Settings baked into the executable by the compile script. */
  buildDefaults?: BuildDefaults;
  /**
   * What the executable was built for (its permissions): configured folders
   * and Saxium host are checked against it before any command runs.
   */
  build?: BuildInfo;
  /** Test-only crash points (the crash harness's entry sets it; builds never do). */
  failpoint?: (name: string) => void;
  /** Test-only file operations (the crash harness's entry sets it; builds never do). */
  fileOps?: FileOps;
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) =>
    `  ${name.padEnd(width)}  ${c.summary}`
  );
  return [
    `${AGENT_NAME} ${VERSION} : synchronisation des devis et bons de commande Saxium vers Sage Batigest.`,
    "",
    `Utilisation : ${AGENT_NAME} <commande> [options]`,
    "",
    "Commandes :",
    ...lines,
    "",
    "  --version     affiche la version",
    "  --help        cette aide ; <commande> --help pour l'aide d'une commande",
    "",
    ...exitCodeLines(),
    "  (ceux de sync ; chaque commande donne les siens dans <commande> --help)",
  ].join("\n");
}

/**
 * Why the configured work folder, import folder or Saxium host is outside
 * what this executable was built for (one French line), before the command
 * touches anything; undefined when inside, for `--help`, and for
 * `uninstall-task`.
 */
async function outsideBuild(
  name: string,
  args: string[],
  ctx: CommandContext,
  build: BuildInfo,
): Promise<string | undefined> {
  // uninstall-task reads no setting: removing the task stays possible whatever the configuration.
  if (name === "uninstall-task" || args.includes("--help") || args.includes("-h")) return undefined;
  // Loaded here, not at start-up: `--version` stays fast.
  const { configuredScope, scopeProblem } = await import("./lib/executable/build_info.ts");
  const { settingSources } = await import("./lib/cli/flags.ts");
  const scope = configuredScope({ args, sources: settingSources(ctx), info: build });
  return scopeProblem(scope, build);
}

/**
 * A line as printed: Deno's refusals in French, invisible characters shown
 * as `?`; the byte order mark that opens `history --csv` (Excel needs it to
 * read UTF-8) is the one kept.
 */
function shown(line: string): string {
  const bom = line.startsWith(BOM) ? BOM : "";
  return bom + showInvisible(frenchPermissionText(line.slice(bom.length)));
}

/** Runs the agent with `args`; resolves to the process exit code. */
export async function main(args: string[], options: MainOptions = {}): Promise<number> {
  const [name, ...rest] = args;
  if (name === "--version" || name === "-V" || name === "version") {
    console.log(`${AGENT_NAME} ${VERSION}`);
    if (options.build) {
      const { buildSummary } = await import("./lib/executable/build_info.ts");
      buildSummary(options.build).forEach((line) => console.log(line));
    }
    return 0;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(
      `Commande inconnue « ${name.slice(0, 40)} » : ${AGENT_NAME} --help liste les commandes.`,
    );
    return 2;
  }
  // Every line a person reads: Deno's refusals in French, invisible characters shown.
  const stdout = (line: string) => console.log(shown(line));
  const stderr = (line: string) => console.error(shown(line));
  // In sync, the first Ctrl-C stops taking work and lets the run end (within
  // seconds: requests and waits are cut short, the journal keeps everything
  // resumable); a second one exits at once, which the journal survives too.
  // The other commands have no pass to end: they say nothing of one.
  const stop = new AbortController();
  const onCtrlC = command.onCtrlC ?? "exit";
  const onSignal = () => {
    if (onCtrlC === "exit") Deno.exit(INTERRUPTED_EXIT);
    if (!stop.signal.aborted) {
      if (onCtrlC === "pass") {
        console.error(
          "Arrêt demandé : fin de la passe en cours dans quelques secondes (Ctrl+C de nouveau pour quitter tout de suite).",
        );
      }
      stop.abort();
      return;
    }
    if (onCtrlC === "pass") console.error("Arrêt immédiat : tout reprendra à la prochaine passe.");
    Deno.exit(INTERRUPTED_EXIT);
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  const ctx: CommandContext = {
    stdout,
    stderr,
    env: (key) => Deno.env.get(key),
    hostname: () => Deno.hostname(),
    now: () => new Date(),
    runCommand,
    buildDefaults: options.buildDefaults ?? {},
    executable: { path: Deno.execPath(), standalone: Deno.build.standalone },
    signal: stop.signal,
    failpoint: options.failpoint ?? (() => {}),
    fileOps: options.fileOps,
  };
  try {
    const outside = options.build && await outsideBuild(name, rest, ctx, options.build);
    if (outside) {
      stderr(outside);
      return 2;
    }
    return await (await command.load())(rest, ctx);
  } catch (error) {
    if (error instanceof ConfigError) {
      stderr(`Configuration : ${error.message}`);
      return 2;
    }
    if (error instanceof Deno.errors.NotCapable) {
      stderr(permissionRefusalLine(error));
      return 2;
    }
    const { cause, original } = describeSystemError(error);
    stderr(
      `Erreur inattendue de l'agent (${cause}) : rien n'a été perdu ; relancez, et si elle revient, envoyez au support le paquet de « saxium-batigest-agent doctor --bundle ».`,
    );
    if (args.includes("--verbose")) stderr(`Détail : ${original}`);
    return EXIT.localTrouble;
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
