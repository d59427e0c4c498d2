/**
 * The status of the agent in five seconds: what `status` prints, and what
 * the support bundle keeps as `status.json`. {@linkcode gatherStatus} reads
 * the journal, the `Errors\` folder, the task scheduler and Saxium, and
 * judges them into a list of problems through the same areas as `doctor`
 * (the journal and the task in `agent_checks.ts`, Batigest's imports in
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
  UNFINISHED_STATES,
} from "../journal/journal.ts";
import { describeLastResult, type TaskInfo } from "../windows/task_definition.ts";
import {
  describeTaskState,
  journalProblems,
  judgeTask,
  probeJournal,
  probeTask,
} from "./agent_checks.ts";
import { formatDateTime, formatPassFigures, plural } from "../base/french.ts";
import { type BatigestActivity, batigestActivity, probeImportFolder } from "./batigest_imports.ts";

/** Everything `status` reports, as printed by `--json`. */
export interface StatusReport {
  healthy: boolean;
  problems: string[];
  version: string;
  settings: Record<string, unknown>;
  lastRun?: RunRecord;
  exports: Record<ExportState, number>;
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
}

/** Collects the status from the journal, the folders, the task scheduler and the server. */
export async function gatherStatus(
  settings: Settings,
  options: GatherStatusOptions,
): Promise<StatusReport> {
  const folders = workFolders(settings);
  const problems: string[] = [];
  let lastRun: RunRecord | undefined;
  let exports = {} as Record<ExportState, number>;
  const journalFacts = probeJournal(folders);
  problems.push(...journalProblems(journalFacts));
  const readable = !journalFacts.absent && !journalFacts.damaged && !journalFacts.unreadable &&
    !journalFacts.notAJournal;
  if (readable) {
    const journal = new Journal(journalPath(folders), { readOnly: true });
    try {
      lastRun = journal.lastRun();
      exports = journal.countByState();
    } finally {
      journal.close();
    }
  }
  if (!lastRun) problems.push("L'agent n'a encore jamais terminé de passe : lancez sync --once.");
  else if (lastRun.exitCode !== 0) {
    problems.push(
      `La dernière passe a fini avec le code ${describeLastResult(lastRun.exitCode)}.`,
    );
  }
  const inFlight = UNFINISHED_STATES.reduce((n, s) => n + (exports[s] ?? 0), 0);
  if (inFlight > 0) {
    problems.push(`${inFlight} export(s) attendent la prochaine passe pour être terminés.`);
  }
  const errorsFolder = await scanErrors(folders.errors);
  const batigest = batigestActivity(probeImportFolder(settings, { now: new Date() }));
  if (batigest.problem) problems.push(batigest.problem);
  const taskFacts = await probeTask(options.runCommand, options.taskName);
  const taskVerdict = judgeTask(taskFacts);
  if (taskVerdict.problem) problems.push(`${taskVerdict.problem} ${taskVerdict.fix}`);
  const task = taskFacts.error !== undefined ? { error: taskFacts.error } : taskFacts.info ?? null;
  const { server, notOffered } = await readSaxiumQueue(settings);
  if ("error" in server) problems.push(`Saxium : ${server.error}`);
  if (notOffered) problems.push(`${notOfferedLine(notOffered)} ${NOT_OFFERED_FIX}`);
  return {
    healthy: problems.length === 0,
    problems,
    version: VERSION,
    settings: maskedSettings(settings),
    lastRun,
    exports,
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

/** Each state as a person reads it, singular then plural. */
const STATE_LABELS: Record<ExportState, [string, string]> = {
  downloading: ["en téléchargement", "en téléchargement"],
  ready: ["prêt à déposer", "prêts à déposer"],
  staged: ["en cours de dépôt", "en cours de dépôt"],
  delivered: ["déposé, en attente d'import", "déposés, en attente d'import"],
  imported: ["importé, accusé à envoyer", "importés, accusé à envoyer"],
  acknowledged: ["accusé, à archiver", "accusés, à archiver"],
  archived: ["archivé", "archivés"],
  failed: ["en erreur, à signaler", "en erreur, à signaler"],
  reported: ["signalé en erreur", "signalés en erreur"],
};

/** The status as lines of text for a person. */
export function renderStatus(report: StatusReport, now: Date): string[] {
  const lines = [
    `Agent Saxium → Batigest ${report.version} : ${report.healthy ? "OK" : "À VÉRIFIER"}`,
    "",
  ];
  const run = report.lastRun;
  lines.push(
    `Dernière passe    : ${
      run
        ? `${formatDateTime(new Date(run.finishedAt))} (${
          ago(new Date(run.finishedAt), now)
        }), code ${describeLastResult(run.exitCode)} ; ${runFigures(run.summary)}`
        : "aucune"
    }`,
  );
  const counts = Object.entries(report.exports).filter(([, n]) => n > 0)
    .map(([state, n]) => plural(n, ...STATE_LABELS[state as ExportState]));
  lines.push(`Exports (local)   : ${counts.length ? counts.join(", ") : "aucun"}`);
  lines.push(
    `Dossier Errors    : ${plural(report.errorsFolder.files, "fichier")}${
      report.errorsFolder.oldest
        ? `, le plus ancien du ${formatDateTime(new Date(report.errorsFolder.oldest))}`
        : ""
    }`,
  );
  if (report.batigest) lines.push(`Batigest          : ${report.batigest.line}`);
  const task = report.task;
  lines.push(
    `Tâche planifiée   : ${
      task === null
        ? "non installée"
        : "error" in task
        ? `illisible (${task.error})`
        : describeTaskState(task)
    }`,
  );
  lines.push(`Saxium            : ${describeServer(report)}`);
  const s = report.settings;
  lines.push(
    `Configuration     : ${s.apiUrl}, agent ${s.agentId}, jeton ${s.token ? "défini" : "absent"}`,
    `                    travail ${s.workDir}, import Batigest ${s.batigestImportDir}`,
  );
  if (report.problems.length) {
    lines.push("", "À faire :", ...report.problems.map((p) => `  - ${p}`));
  }
  return lines;
}

/** A recorded run's figures (a run recorded by an older agent may lack some). */
function runFigures(summary: Record<string, number>): string {
  return formatPassFigures({
    ...summary,
    synced: summary.synced ?? 0,
    errors: summary.errors ?? 0,
  });
}

function ago(then: Date, now: Date): string {
  const minutes = Math.round((now.getTime() - then.getTime()) / 60_000);
  if (minutes < 1) return "à l'instant";
  if (minutes < 120) return `il y a ${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `il y a ${hours} h` : `il y a ${Math.round(hours / 24)} j`;
}
