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
import { EXIT } from "./exit_codes.ts";
import { loadSettings, parseFlags, SETTING_OPTIONS } from "./flags.ts";

const HELP = `Utilisation : saxium-batigest-agent status [--json] [--name NOM_DE_TACHE]

Affiche l'état de l'agent : dernière passe, exports par état, fichiers en erreur,
tâche planifiée et état du serveur Saxium. Code de sortie 0 si tout va bien, 1 sinon.`;

/** Runs `status`; returns 0 when healthy, 1 otherwise. */
export async function statusCommand(args: string[], ctx: CommandContext): Promise<number> {
  const flags = parseFlags(args, {
    ...SETTING_OPTIONS,
    json: { type: "boolean" },
    name: { type: "string" },
  });
  if (flags.values.help) {
    ctx.stdout(HELP);
    return EXIT.ok;
  }
  const settings = loadSettings(ctx, flags);
  const report = await gatherStatus(settings, {
    runCommand: ctx.runCommand,
    taskName: String(flags.values.name ?? DEFAULT_TASK_NAME),
  });
  if (flags.values.json) ctx.stdout(JSON.stringify(report, null, 2));
  else for (const line of renderStatus(report, ctx.now())) ctx.stdout(line);
  return report.healthy ? EXIT.ok : EXIT.exportErrors;
}
