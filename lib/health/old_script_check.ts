/**
 * `doctor`'s check of the old PowerShell script (`batigest-sync-agent.ps1`):
 * still running beside the agent (its task enabled, its fresh traces) is an
 * ERROR, since both would import every document; what it left (a disabled
 * task, its downloads, its files in `Errors\`) is a WARNING with what to do;
 * its old log lines alone are history. The recognition and the judgement are
 * `windows/old_script.ts`'s, shared with `sync`'s refusal and `install-task`.
 *
 * @module
 */

import type { CommandRunner } from "../base/command_runner.ts";
import { formatDateTime, plural } from "../base/french.ts";
import type { WorkFolders } from "../base/work_folders.ts";
import {
  judgeOldScript,
  OLD_SCRIPT_NAME,
  type OldScriptFacts,
  runningFact,
  runningFix,
} from "../windows/old_script.ts";
import { findOldTasks, oldScriptFacts } from "../windows/old_script_probe.ts";
import { TaskSchedulerError } from "../windows/schtasks.ts";
import { DEFAULT_TASK_NAME } from "../windows/task_definition.ts";
import { capitalize, type CheckResult, verdicts } from "./check.ts";

/** What `doctor` saw of the old script, and why Task Scheduler could not be asked, if so. */
export interface OldScriptProbe {
  facts: OldScriptFacts;
  /** Why its tasks were not looked for (not Windows, refused), in French. */
  tasksUnknown?: string;
}

/** Looks for the old script: every task that runs it (any name), its traces, its replacement. */
export async function probeOldScript(
  runner: CommandRunner,
  options: { folders: WorkFolders; now: Date; taskName: string },
): Promise<OldScriptProbe> {
  let tasks;
  let tasksUnknown: string | undefined;
  try {
    tasks = await findOldTasks(runner, [DEFAULT_TASK_NAME, options.taskName]);
  } catch (error) {
    if (!(error instanceof TaskSchedulerError)) throw error;
    tasksUnknown = error.message;
  }
  return {
    facts: await oldScriptFacts(options.folders, { now: options.now, tasks }),
    tasksUnknown,
  };
}

/** The check: ERROR while it runs beside the agent, WARNING for what it left, OK otherwise. */
export function checkOldScript(probe: OldScriptProbe, now: Date): CheckResult {
  const verdict = verdicts("old-script", "Ancien script PowerShell");
  const { facts } = probe;
  const judged = judgeOldScript(facts, now);
  if (judged.state === "running") {
    return verdict.error(
      `${
        runningFact(judged.sign, formatDateTime)
      } : il importerait les mêmes documents que l'agent`,
      `${capitalize(runningFix(judged.sign, facts.replacedAt))}.`,
    );
  }
  const unchecked = probe.tasksUnknown ? " ; tâches planifiées non vérifiées" : "";
  const replaced = facts.replacedAt
    ? `remplacé par l'agent le ${formatDateTime(facts.replacedAt)}`
    : undefined;
  if (judged.state === "none") {
    return verdict.ok(`${replaced ?? `aucune trace de ${OLD_SCRIPT_NAME}`}${unchecked}`);
  }
  const disabled = judged.tasks.map((t) => `tâche « ${t.name} » (désactivée)`);
  const files = judged.files.length === 0 ? [] : [
    `${plural(judged.files.length, "fichier")} à son nom dans le dossier de travail (${
      judged.files.slice(0, 3).map((f) => `${f.folder}\\${f.name}`).join(", ")
    }${judged.files.length > 3 ? ", …" : ""})`,
  ];
  if (disabled.length === 0 && files.length === 0) {
    // Only its log lines: history, kept with the agent's until the logs' retention.
    return verdict.ok(
      `${
        replaced ?? "ne tourne plus"
      } ; ses lignes restent dans Logs, jamais prises pour celles de l'agent${unchecked}`,
    );
  }
  const fixes = [
    ...(disabled.length > 0
      ? [
        "Supprimez sa tâche : dans une invite de commandes administrateur, « saxium-batigest-agent.exe install-task » la sauvegarde puis la supprime.",
      ]
      : []),
    ...(files.length > 0
      ? [
        "L'agent ne touche jamais à ses fichiers : vérifiez dans Batigest que ces documents y sont, puis supprimez-les.",
      ]
      : []),
  ];
  return verdict.warning(
    `restes de ${OLD_SCRIPT_NAME}${replaced ? ` (${replaced})` : ""} : ${
      [...disabled, ...files].join(" ; ")
    }${unchecked}`,
    fixes.join(" "),
  );
}
