/**
 * The status of the agent in five seconds: what `status` prints, and what
 * the support bundle keeps as `status.json`. {@linkcode gatherStatus} reads
 * the journal, the `Errors\` folder, the task scheduler and Saxium, and
 * judges them into a list of problems through the same areas as `doctor`
 * (the runs in `run_status.ts`, the exports set aside in `aside_checks.ts`,
 * the journal and the task in `agent_checks.ts`, Batigest's imports in
 * `batigest_imports.ts`, Saxium's queue in `saxium_queue.ts`);
 * {@linkcode renderStatus} is the screen, a pure function of the report.
 *
 * @module
 */

import { type Settings } from "../base/settings.ts";
import nodePath from "node:path";
import type { CommandRunner } from "../base/command_runner.ts";
import { maskedSettings } from "../base/config.ts";
import { VERSION } from "../base/version.ts";
import { isErrorDocument, journalPath, workFolders } from "../base/work_folders.ts";
import { type ServerStatus } from "../saxium/client.ts";
import {
  describeServer,
  NOT_OFFERED_FIX,
  notOfferedLine,
  readSaxiumQueue,
  type ServerTrouble,
} from "./saxium_queue.ts";
import {
  type ExportState,
  Journal,
  type RunRecord,
  STATE_WORDS,
  UNFINISHED_STATES,
} from "../journal/journal.ts";
import { type TaskInfo } from "../windows/task_definition.ts";
import {
  describeTaskState,
  journalProblems,
  judgeTask,
  probeJournal,
  probeTask,
} from "./agent_checks.ts";
import { formatDateTime, plural } from "../base/french.ts";
import { type BatigestActivity, batigestActivity, probeImportFolder } from "./batigest_imports.ts";
import { type AsideExport, asideLines, asideProblem } from "./aside_checks.ts";
import { type EndedRun, judgeRuns, runLines, type RunningPass, runProblems } from "./run_status.ts";

/** Everything `status` reports, as printed by `--json` (times ISO 8601, UTC). */
export interface StatusReport {
  healthy: boolean;
  problems: string[];
  version: string;
  settings: Record<string, unknown>;
  /** The pass running now (it gives signs of life), if any. */
  running?: RunningPass;
  /** The last run that ended: finished (its exit code, its cause) or interrupted. */
  lastRun?: EndedRun;
  /** The run before the last one was interrupted and the last one resumed it: when it stopped. */
  resumedInterruption?: string;
  exports: Record<ExportState, number>;
  /** Exports set aside, oldest first: why, since when, next try. */
  aside: AsideExport[];
  errorsFolder: { files: number; oldest?: string };
  /** Whether Batigest imports, from what the last passes saw. */
  batigest: BatigestActivity;
  task: TaskInfo | { error: string } | null;
  server: ServerStatus | ServerTrouble;
  /**
   * Exports Saxium counts `ready` but does not offer the agent (its status
   * route's count: 50 means 50 or more); absent when it could not be told.
   */
  notOffered?: number;
}

/** What {@linkcode gatherStatus} needs besides the settings. */
export interface GatherStatusOptions {
  /** Runs `schtasks`. */
  runCommand: CommandRunner;
  /** The scheduled task's name. */
  taskName: string;
  /** The clock (a run in progress is told from its signs of life); the system's by default. */
  now?: () => Date;
}

/**
 * Collects the status from the journal, the folders, the task scheduler and
 * the server. The journal is only read, and the instance lock never taken
 * (a `sync` starting meanwhile would exit 4): a pass in progress is known by
 * its signs of life.
 */
export async function gatherStatus(
  settings: Settings,
  options: GatherStatusOptions,
): Promise<StatusReport> {
  const now = (options.now ?? (() => new Date()))();
  const folders = workFolders(settings);
  const problems: string[] = [];
  let runs: RunRecord[] = [];
  let exports = {} as Record<ExportState, number>;
  const journalFacts = probeJournal(folders);
  problems.push(...journalProblems(journalFacts));
  const readable = !journalFacts.absent && !journalFacts.damaged && !journalFacts.unreadable &&
    !journalFacts.notAJournal;
  if (readable) {
    const journal = new Journal(journalPath(folders), { readOnly: true });
    try {
      runs = journal.runs.recent(5);
      exports = journal.countByState();
    } finally {
      journal.close();
    }
  }
  const judged = judgeRuns(runs, now);
  problems.push(...runProblems(judged, now));
  const aside = journalFacts.aside;
  const asideLine = asideProblem(aside, now);
  if (asideLine) problems.push(asideLine);
  const inFlight = UNFINISHED_STATES.reduce((n, s) => n + (exports[s] ?? 0), 0);
  // While a pass runs, exports half-way are its work, not a problem.
  if (inFlight > 0 && !judged.running) {
    problems.push(
      `${plural(inFlight, "export attend", "exports attendent")} la prochaine passe pour être ${
        inFlight > 1 ? "terminés" : "terminé"
      }.`,
    );
  }
  const errorsFolder = await scanErrors(folders.errors);
  const batigest = batigestActivity(probeImportFolder(settings, { now }));
  if (batigest.problem) problems.push(batigest.problem);
  const taskFacts = await probeTask(options.runCommand, options.taskName);
  const taskVerdict = judgeTask(taskFacts);
  // The task's last result is the last run's exit code: said once, by the run's line.
  const sameRun = taskFacts.info?.status !== "disabled" &&
    taskFacts.info?.lastResult !== undefined &&
    taskFacts.info.lastResult === judged.lastRun?.exitCode;
  if (taskVerdict.problem && !sameRun) problems.push(`${taskVerdict.problem} ${taskVerdict.fix}`);
  const task = taskFacts.error !== undefined ? { error: taskFacts.error } : taskFacts.info ?? null;
  const { server, notOffered } = await readSaxiumQueue(settings);
  if ("error" in server) problems.push(`Saxium : ${server.error}`);
  if (notOffered) problems.push(`${notOfferedLine(notOffered)} ${NOT_OFFERED_FIX}`);
  return {
    healthy: problems.length === 0,
    problems,
    version: VERSION,
    settings: maskedSettings(settings),
    ...judged,
    exports,
    aside,
    errorsFolder,
    batigest,
    task,
    server,
    ...(notOffered === undefined ? {} : { notOffered }),
  };
}

async function scanErrors(dir: string): Promise<{ files: number; oldest?: string }> {
  let files = 0;
  let oldest: Date | undefined;
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !isErrorDocument(entry.name)) continue;
      files++;
      const mtime = (await Deno.stat(nodePath.join(dir, entry.name))).mtime ?? undefined;
      if (mtime && (!oldest || mtime < oldest)) oldest = mtime;
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return { files, oldest: oldest?.toISOString() };
}

/** The status as lines of text for a person. */
export function renderStatus(report: StatusReport, now: Date): string[] {
  const lines = [
    `Agent Saxium → Batigest ${report.version} : ${report.healthy ? "OK" : "À VÉRIFIER"}`,
    "",
  ];
  const row = (label: string, text: string) => lines.push(`${label.padEnd(18)}: ${text}`);
  const more = (text: string) => lines.push(`${"".padEnd(20)}${text}`);
  for (const { label, text } of runLines(report, now)) {
    if (label) row(label, text);
    else more(text);
  }
  const counts = Object.entries(report.exports).filter(([, n]) => n > 0)
    .map(([state, n]) => {
      const words = STATE_WORDS[state as ExportState];
      return plural(n, words.one, words.many);
    });
  row("Exports (local)", counts.length ? counts.join(", ") : "aucun");
  const [asideHead, ...asideRest] = asideLines(report.aside, now);
  row("Mis de côté", asideHead);
  asideRest.forEach(more);
  row(
    "Dossier Errors",
    `${plural(report.errorsFolder.files, "fichier")}${
      report.errorsFolder.oldest
        ? `, le plus ancien du ${formatDateTime(new Date(report.errorsFolder.oldest))}`
        : ""
    }`,
  );
  if (report.batigest) row("Batigest", report.batigest.line);
  const task = report.task;
  row(
    "Tâche planifiée",
    task === null
      ? "non installée"
      : "error" in task
      ? `illisible (${task.error})`
      : describeTaskState(task),
  );
  row("Saxium", describeServer(report));
  const s = report.settings;
  row("Configuration", `${s.apiUrl}, agent ${s.agentId}, jeton ${s.token ? "défini" : "absent"}`);
  more(`travail ${s.workDir}, import Batigest ${s.batigestImportDir}`);
  if (report.problems.length) {
    lines.push("", "À faire :", ...report.problems.map((p) => `  - ${p}`));
  }
  return lines;
}
