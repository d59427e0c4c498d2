/**
 * What `status` says of the runs of `sync`, judged from the journal's
 * records (`lib/journal/runs.ts`) without taking the instance lock: the pass
 * in progress (it gives signs of life), since when and how far, or stuck; the
 * last run that ended, finished with its exit code in `doctor`'s words and,
 * when it failed, its cause, or interrupted (begun, never finished, silent
 * since: killed, the server rebooted), and whether the next one resumed.
 * Pure: the report is a function of the runs and the time.
 *
 * @module
 */

import { formatClock, formatDateTime, formatDuration, formatPassFigures } from "../base/french.ts";
import { runIsAlive, type RunRecord } from "../journal/runs.ts";
import { describeLastResult } from "../windows/task_definition.ts";
import { fixForExitCode } from "./agent_checks.ts";

/** A pass without any export done for this long (ms) is stuck. */
export const STUCK_MS = 30 * 60_000;

/** The pass running now. */
export type RunningPass = RunRecord & {
  /** Nothing done for {@linkcode STUCK_MS}. */
  stuck: boolean;
};

/** The last run that ended: finished, or interrupted (never finished, silent since). */
export type EndedRun = RunRecord & {
  outcome: "finished" | "interrupted";
  /** Interrupted: whether a later run has begun since (it resumes what was left). */
  resumed?: boolean;
};

/** What `status` knows of the runs. */
export interface RunsReport {
  running?: RunningPass;
  lastRun?: EndedRun;
  /** The run before the last one was interrupted, and the last one resumed it (when it was). */
  resumedInterruption?: string;
}

/** Judges the journal's last runs (newest first) at `now`. */
export function judgeRuns(runs: readonly RunRecord[], now: Date): RunsReport {
  const report: RunsReport = {};
  let rest = runs;
  if (runs[0] && runIsAlive(runs[0], now)) {
    const since = Date.parse(runs[0].progressAt ?? runs[0].startedAt);
    report.running = { ...runs[0], stuck: now.getTime() - since >= STUCK_MS };
    rest = runs.slice(1);
  }
  const [last, before] = rest;
  if (last) {
    const finished = last.finishedAt !== undefined;
    report.lastRun = finished
      ? { ...last, outcome: "finished" }
      : { ...last, outcome: "interrupted", resumed: report.running !== undefined };
    if (finished && before && before.finishedAt === undefined) {
      report.resumedInterruption = before.aliveAt;
    }
  }
  return report;
}

/** The lines `status` shows of the runs, after their labels. */
export function runLines(report: RunsReport, now: Date): { label: string; text: string }[] {
  const lines: { label: string; text: string }[] = [];
  const running = report.running;
  if (running) {
    const stuck = running.stuck
      ? ` ; rien n'a avancé depuis ${
        moment(new Date(running.progressAt ?? running.startedAt), now)
      }`
      : "";
    lines.push({
      label: "Passe en cours",
      text: `en cours depuis ${moment(new Date(running.startedAt), now)}, ${
        progressText(running)
      }${stuck}`,
    });
  }
  const last = report.lastRun;
  if (!last) {
    lines.push({ label: "Dernière passe", text: running ? "aucune avant celle-ci" : "aucune" });
    return lines;
  }
  if (last.outcome === "interrupted") {
    lines.push({
      label: "Dernière passe",
      text: `interrompue (arrêt brutal, redémarrage ?) le ${
        formatDateTime(new Date(last.aliveAt))
      }, commencée à ${formatClock(new Date(last.startedAt))}, ${progressText(last)} ; ${
        last.resumed ? "la suivante a repris" : "la suivante reprendra"
      }`,
    });
    return lines;
  }
  const end = new Date(last.finishedAt!);
  const resumed = report.resumedInterruption
    ? ` ; elle a repris la passe interrompue le ${
      formatDateTime(new Date(report.resumedInterruption))
    }`
    : "";
  lines.push({
    label: "Dernière passe",
    text: `${formatDateTime(end)} (${ago(end, now)}), code ${
      describeLastResult(last.exitCode!)
    } ; ${runFigures(last.summary)}${resumed}`,
  });
  if (last.exitCode !== 0 && last.message) {
    lines.push({ label: "", text: `cause : ${last.message}` });
  }
  return lines;
}

/** What is wrong with the runs, one line each with what to do: none when all is well. */
export function runProblems(report: RunsReport, now: Date): string[] {
  const problems: string[] = [];
  const running = report.running;
  if (running?.stuck) {
    const since = new Date(running.progressAt ?? running.startedAt);
    problems.push(
      `La passe en cours depuis ${moment(new Date(running.startedAt), now)} n'avance plus depuis ${
        formatDuration(now.getTime() - since.getTime())
      } : regardez tail-logs ; si elle reste bloquée, arrêtez la tâche dans le Planificateur de tâches, la suivante reprendra où elle en était.`,
    );
  }
  const last = report.lastRun;
  if (!last) {
    if (!running) problems.push("L'agent n'a encore jamais terminé de passe : lancez sync --once.");
    return problems;
  }
  if (last.outcome === "interrupted") {
    problems.push(
      `La dernière passe a été interrompue (arrêt brutal, redémarrage ?) le ${
        formatDateTime(new Date(last.aliveAt))
      } : rien n'est perdu, ${
        last.resumed
          ? "la passe en cours reprend où elle s'était arrêtée"
          : "la prochaine passe reprendra où elle s'était arrêtée (sync --once pour ne pas l'attendre)"
      } ; si cela se répète, regardez tail-logs et le journal d'événements Windows.`,
    );
  } else if (last.exitCode !== 0) {
    // The cause is the line under « Dernière passe » (and `lastRun.message` in JSON).
    const cause = last.message ? " (cause ci-dessus)" : "";
    problems.push(
      `La dernière passe (${formatDateTime(new Date(last.finishedAt!))}) a fini avec le code ${
        describeLastResult(last.exitCode!)
      }${cause}. ${fixForExitCode(last.exitCode!)}`,
    );
  }
  return problems;
}

function progressText(run: RunRecord): string {
  if (run.known === 0 && run.done === 0) return "aucun export traité pour l'instant";
  return `${run.done} ${run.done >= 2 ? "exports traités" : "export traité"} sur ${
    Math.max(run.known, run.done)
  }`;
}

/** A recorded run's figures (a run recorded by an older agent may lack some). */
function runFigures(summary: Record<string, number>): string {
  return formatPassFigures({
    ...summary,
    synced: summary.synced ?? 0,
    errors: summary.errors ?? 0,
  });
}

/** `14:05` today, `le 04/12/2026 à 14:05` another day. */
function moment(date: Date, now: Date): string {
  return date.toDateString() === now.toDateString()
    ? formatClock(date)
    : `le ${formatDateTime(date).slice(0, 10)} à ${formatClock(date)}`;
}

/** `à l'instant`, `il y a 12 min`, `il y a 3 h`, `il y a 2 j`. */
export function ago(then: Date, now: Date): string {
  const minutes = Math.round((now.getTime() - then.getTime()) / 60_000);
  if (minutes < 1) return "à l'instant";
  if (minutes < 120) return `il y a ${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `il y a ${hours} h` : `il y a ${Math.round(hours / 24)} j`;
}
