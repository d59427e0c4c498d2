/**
 * `uninstall-task`: removes the Windows scheduled task.
 *
 * @module
 */

import type { CommandContext } from "../base/context.ts";
import { uninstallTask } from "../windows/schtasks.ts";
import { taskFailureLine, taskNameOption } from "../windows/task_admin.ts";
import { DEFAULT_TASK_NAME } from "../windows/task_definition.ts";
import { EXIT } from "../base/exit_codes.ts";
import { parseFlags, settingSources } from "./flags.ts";
import { resolveSettings } from "../base/config.ts";
import { ConfigError } from "../base/config_error.ts";
import { type WorkFolders, workFolders } from "../base/work_folders.ts";
import { waitingDocuments, waitingLine } from "../health/waiting_documents.ts";
import { printedHelp, renderHelp } from "./help.ts";

const HELP = renderHelp({
  usage: "uninstall-task [--name <tâche>]",
  about: [
    "Supprime la tâche planifiée Windows de l'agent. Les dossiers, les fichiers de log et",
    "la configuration restent en place. Nomme les documents qui attendent encore",
    "dans le dossier d'import de Batigest (plus rien ne confirmera leur import).",
    "À lancer depuis une « Invite de commandes (administrateur) ».",
  ],
  options: [{ flag: "--name <tâche>", text: `nom de la tâche [${DEFAULT_TASK_NAME}]` }],
  settings: "none",
  exitCodes: {
    codes: [EXIT.ok, EXIT.config, EXIT.localTrouble],
    meanings: {
      [EXIT.ok]: "tâche supprimée (ou déjà absente)",
      [EXIT.config]: "le Planificateur de tâches a refusé (droits administrateur ?)",
    },
  },
});

/** The options `uninstall-task` takes. */
export const OPTIONS = {
  name: { type: "string" as const },
  help: { type: "boolean" as const, short: "h" },
};

/**
 * Runs `uninstall-task`; returns the exit code. Needs no settings, so a
 * broken configuration never prevents removing the task.
 */
export async function uninstallTaskCommand(args: string[], ctx: CommandContext): Promise<number> {
  try {
    const flags = parseFlags(args, OPTIONS);
    if (printedHelp(flags, { help: HELP, out: ctx.stdout })) return EXIT.ok;
    const name = taskNameOption(flags.values.name);

    if (await uninstallTask(ctx.runCommand, name)) {
      ctx.stdout(`Tâche planifiée « ${name} » supprimée.`);
    } else {
      ctx.stdout(`Aucune tâche planifiée « ${name} » : il n'y avait rien à supprimer.`);
    }
    const folders = configuredFolders(ctx);
    if (folders) {
      waitingLine(waitingDocuments(folders), folders.importDir).forEach((l) => ctx.stdout(l));
    }
    return EXIT.ok;
  } catch (error) {
    ctx.stderr(taskFailureLine(error));
    return EXIT.config;
  }
}

/** The folders as configured, or undefined when the configuration cannot be read (the task is removed all the same). */
function configuredFolders(ctx: CommandContext): WorkFolders | undefined {
  try {
    return workFolders(resolveSettings({}, settingSources(ctx)));
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}
