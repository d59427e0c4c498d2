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

import { type BuildDefaults } from "./lib/base/config.ts";
import { runCommand } from "./lib/base/command_runner.ts";
import type { CommandContext } from "./lib/base/context.ts";
import type { FileOps } from "./lib/base/fs_retry.ts";
import { AGENT_NAME, VERSION } from "./lib/base/version.ts";
import { ConfigError } from "./lib/base/config_error.ts";

type Command = (args: string[], ctx: CommandContext) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  "sync": {
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
    summary: "exports synchronisés ou refusés (aujourd'hui, --date, --days, --errors, --json)",
    load: async () => (await import("./lib/cli/history.ts")).historyCommand,
  },
  "tail-logs": {
    summary: "dernières lignes du journal du jour (-n, --follow, --level, --date)",
    load: async () => (await import("./lib/cli/tail_logs.ts")).tailLogsCommand,
  },
};

/** How the program was built: defaults baked in, and test-only switches. */
export interface MainOptions {
  /** Settings baked into the executable by the compile script. */
  buildDefaults?: BuildDefaults;
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
  ].join("\n");
}

/** Runs the agent with `args`; resolves to the process exit code. */
export async function main(args: string[], options: MainOptions = {}): Promise<number> {
  const [name, ...rest] = args;
  if (name === "--version" || name === "-V" || name === "version") {
    console.log(`${AGENT_NAME} ${VERSION}`);
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
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  const ctx: CommandContext = {
    stdout: (line) => console.log(line),
    stderr: (line) => console.error(line),
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
    return await (await command.load())(rest, ctx);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration : ${error.message}`);
      return 2;
    }
    if (error instanceof Deno.errors.NotCapable) {
      console.error(
        `Accès refusé par les permissions de l'agent (${
          (error as Error).message
        }) : l'agent ne lit et n'écrit que dans son dossier de travail et le dossier d'import de Batigest ; vérifiez la configuration.`,
      );
      return 2;
    }
    console.error(`Erreur inattendue : ${(error as Error)?.message ?? String(error)}`);
    return 1;
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
