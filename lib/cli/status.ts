/**
 * `status [--json]`: one screen a person reads in five seconds, or JSON for
 * monitoring. Exit code 0 only when healthy. The status itself is
 * `lib/health/status.ts`.
 *
 * @module
 */

import type { CommandContext } from "../base/context.ts";
import { gatherStatus, renderStatus } from "../health/status.ts";
import { DEFAULT_TASK_NAME } from "../windows/task_definition.ts";
import { taskNameOption } from "../windows/task_admin.ts";
import { EXIT } from "../base/exit_codes.ts";
import { loadSettings, parseFlags, SETTING_OPTIONS } from "./flags.ts";
import { printedHelp, renderHelp } from "./help.ts";

const HELP = renderHelp({
  usage: "status [--json] [--name <tâche>]",
  about: [
    "Affiche l'état de l'agent : configuration (secrets masqués), dernière passe,",
    "exports par état, fichiers en erreur, tâche planifiée et état du serveur Saxium.",
  ],
  options: [
    { flag: "--json", text: "l'état en JSON, pour la supervision" },
    { flag: "--name <tâche>", text: `nom de la tâche planifiée [${DEFAULT_TASK_NAME}]` },
  ],
  settings: "all",
  footer: [
    "La dernière passe est dite avec les codes de sortie de sync (voir sync --help).",
  ],
  exitCodes: {
    codes: [EXIT.ok, EXIT.exportErrors, EXIT.config, EXIT.localTrouble],
    meanings: {
      [EXIT.ok]: "tout va bien",
      [EXIT.exportErrors]:
        "au moins un point à voir, listé sous « À faire » (dernière passe en échec ou interrompue, passe bloquée, exports mis de côté…)",
      [EXIT.config]: "configuration illisible",
    },
  },
});

/** The options `status` takes. */
export const OPTIONS = {
  ...SETTING_OPTIONS,
  json: { type: "boolean" as const },
  name: { type: "string" as const },
};

/** Runs `status`; returns 0 when healthy, 1 otherwise. */
export async function statusCommand(args: string[], ctx: CommandContext): Promise<number> {
  const flags = parseFlags(args, OPTIONS);
  if (printedHelp(flags, { help: HELP, out: ctx.stdout })) return EXIT.ok;
  const taskName = taskNameOption(flags.values.name);
  const settings = loadSettings(ctx, flags);
  const report = await gatherStatus(settings, {
    runCommand: ctx.runCommand,
    taskName,
    now: ctx.now,
  });
  if (flags.values.json) ctx.stdout(JSON.stringify(report, null, 2));
  else for (const line of renderStatus(report, ctx.now())) ctx.stdout(line);
  return report.healthy ? EXIT.ok : EXIT.exportErrors;
}
