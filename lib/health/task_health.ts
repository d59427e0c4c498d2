/**
 * The scheduled task's health, judged once for `status` and `doctor`.
 *
 * Both commands used to read the task scheduler and judge the answer each in
 * its own way, with different words and fixes for the same state. Here
 * {@linkcode probeTask} asks `schtasks` (never throws), and
 * {@linkcode judgeTask} turns the answer into one verdict: a level, the line
 * describing what was found, and, when not OK, what is wrong and its fix.
 * `doctor` shows it as its "Tâche planifiée" check ({@linkcode checkTask});
 * `status` lists the problem and its fix under "À faire".
 *
 * @module
 */

import type { CommandRunner } from "../base/command_runner.ts";
import { queryTask } from "../windows/schtasks.ts";
import {
  describeLastResult,
  RESULT_NEVER_RUN,
  RESULT_RUNNING,
  type TaskInfo,
} from "../windows/task_definition.ts";
import { type CheckResult, type CheckStatus, oneLineMessage } from "./check.ts";

/** What the task scheduler says of the agent's task. */
export interface TaskFacts {
  name: string;
  /** Null when the task does not exist. */
  info?: TaskInfo | null;
  /** Why the scheduler could not be asked. */
  error?: string;
}

/** Asks `schtasks` about the task; never throws. */
export async function probeTask(runner: CommandRunner, name: string): Promise<TaskFacts> {
  try {
    return { name, info: (await queryTask(runner, name)) ?? null };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return {
        name,
        error: "schtasks.exe introuvable (vérification possible sous Windows seulement)",
      };
    }
    if (e instanceof Deno.errors.NotCapable) {
      return { name, error: "l'agent n'a pas la permission de lancer schtasks.exe" };
    }
    return { name, error: oneLineMessage(e) };
  }
}

/** The judgement of the task, in French. */
export interface TaskVerdict {
  level: CheckStatus;
  /** What was found, one line (doctor's detail). */
  detail: string;
  /** What is wrong, one sentence, when not OK (status's "À faire"). */
  problem?: string;
  /** The fix, one sentence, when not OK. */
  fix?: string;
}

/** The fix for a last run that ended with one of the contract's exit codes. */
const FIXES_BY_RESULT: Record<number, string> = {
  1: "Lisez les raisons dans le dossier Errors et le journal (tail-logs --level ERROR), corrigez, puis relancez l'export depuis Saxium.",
  2: "Lancez sync --once à la main dans une invite de commandes pour voir le message de configuration, et corrigez-le.",
  3: "Corrigez l'accès à Saxium (réseau, proxy, certificat, jeton) : voir les vérifications Saxium ci-dessus.",
  4: "Une autre instance tournait encore : vérifiez qu'aucune synchronisation lancée à la main n'est restée bloquée.",
};

const OTHER_RESULT_FIX =
  "Consultez l'historique de la tâche dans le Planificateur de tâches et le journal de l'agent.";

/**
 * The task's state in one line: `Prêt, dernière exécution 26/11/2026 14:05:00
 * (0 : OK), prochaine 26/11/2026 14:10:00`.
 */
export function describeTaskState(info: TaskInfo): string {
  const last = info.lastResult;
  return `${info.statusText}, dernière exécution ${info.lastRunTime ?? "jamais"}${
    last === undefined ? "" : ` (${describeLastResult(last)})`
  }, prochaine ${info.nextRunTime ?? "non prévue"}`;
}

/**
 * Judges the task: it can be read, exists, is enabled, and its last run went
 * well (a run that is going on or has not happened yet is fine). A last run
 * that exported with errors (1) or a scheduler that cannot be asked is a
 * WARNING; a missing or disabled task, or any other failed run, an ERROR.
 */
export function judgeTask(facts: TaskFacts): TaskVerdict {
  const name = facts.name;
  if (facts.error !== undefined) {
    return {
      level: "WARNING",
      detail: `non vérifiable : ${facts.error}`,
      problem: `Tâche planifiée « ${name} » illisible : ${asSentence(facts.error)}`,
      fix: `Vérifiez la tâche « ${name} » dans le Planificateur de tâches de Windows.`,
    };
  }
  const info = facts.info;
  if (!info) {
    return {
      level: "ERROR",
      detail: `la tâche « ${name} » n'existe pas`,
      problem: `La tâche planifiée « ${name} » n'existe pas.`,
      fix: "Lancez install-task dans une invite de commandes ouverte en administrateur.",
    };
  }
  const detail = `« ${info.name} » ${describeTaskState(info)}`;
  if (info.status === "disabled") {
    return {
      level: "ERROR",
      detail,
      problem: `La tâche planifiée « ${info.name} » est désactivée.`,
      fix: "Activez la tâche dans le Planificateur de tâches, ou relancez install-task.",
    };
  }
  const last = info.lastResult;
  if (last === undefined || last === 0 || last === RESULT_NEVER_RUN || last === RESULT_RUNNING) {
    return { level: "OK", detail };
  }
  return {
    level: last === 1 ? "WARNING" : "ERROR",
    detail,
    problem: `La dernière exécution planifiée a fini avec le code ${describeLastResult(last)}.`,
    fix: FIXES_BY_RESULT[last] ?? OTHER_RESULT_FIX,
  };
}

/** The scheduled task exists, is enabled, and its last run went well. */
export function checkTask(facts: TaskFacts): CheckResult {
  const verdict = judgeTask(facts);
  return {
    id: "scheduled-task",
    title: "Tâche planifiée",
    status: verdict.level,
    detail: verdict.detail,
    ...(verdict.fix === undefined ? {} : { fix: verdict.fix }),
  };
}

function asSentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}
