/**
 * `status [--json]`: one screen a person reads in five seconds, or JSON for
 * monitoring. Exit code 0 only when healthy.
 *
 * @module
 */

import nodePath from "node:path";
import { maskedSettings, type Settings } from "../base/config.ts";
import type { CommandContext } from "../base/context.ts";
import { type ExportState, Journal, type RunRecord, UNFINISHED_STATES } from "../sync/journal.ts";
import { localDateTime } from "../base/log.ts";
import type { ServerStatus } from "../saxium/client.ts";
import { queryTask } from "../windows/schtasks.ts";
import {
  DEFAULT_TASK_NAME,
  describeLastResult,
  RESULT_NEVER_RUN,
  RESULT_RUNNING,
  type TaskInfo,
} from "../windows/task_definition.ts";
import { VERSION } from "../base/version.ts";
import { exists, isErrorDocument, journalPath, workFolders } from "../base/work_folders.ts";
import { EXIT } from "./exit_codes.ts";
import { loadSettings, parseFlags, SETTING_OPTIONS } from "./flags.ts";
import { openSaxiumClient } from "../saxium/open.ts";

const HELP = `Utilisation : saxium-batigest-agent status [--json] [--name NOM_DE_TACHE]

Affiche l'état de l'agent : dernière passe, exports par état, fichiers en erreur,
tâche planifiée et état du serveur Saxium. Code de sortie 0 si tout va bien, 1 sinon.`;

/** Everything `status` reports, as printed by `--json`. */
export interface StatusReport {
  healthy: boolean;
  problems: string[];
  version: string;
  settings: Record<string, unknown>;
  lastRun?: RunRecord;
  exports: Record<ExportState, number>;
  errorsFolder: { files: number; oldest?: string };
  task: TaskInfo | { error: string } | null;
  server: ServerStatus | { error: string };
}

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
    ctx,
    taskName: String(flags.values.name ?? DEFAULT_TASK_NAME),
  });
  if (flags.values.json) ctx.stdout(JSON.stringify(report, null, 2));
  else for (const line of renderStatus(report, ctx.now())) ctx.stdout(line);
  return report.healthy ? EXIT.ok : EXIT.exportErrors;
}

/** Collects the status from the journal, the folders, the task scheduler and the server. */
export async function gatherStatus(
  settings: Settings,
  options: { ctx: CommandContext; taskName: string },
): Promise<StatusReport> {
  const folders = workFolders(settings);
  const problems: string[] = [];
  let lastRun: RunRecord | undefined;
  let exports = {} as Record<ExportState, number>;
  if (exists(journalPath(folders))) {
    const journal = new Journal(journalPath(folders));
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
  const task = await readTask(options.ctx, options.taskName);
  if (task === null) {
    problems.push(
      `La tâche planifiée « ${options.taskName} » n'existe pas : lancez install-task dans une invite de commandes administrateur.`,
    );
  } else if ("error" in task) {
    problems.push(`Tâche planifiée illisible : ${task.error}`);
  } else if (task.status === "disabled") {
    problems.push(
      `La tâche planifiée « ${options.taskName} » est désactivée : réactivez-la dans le Planificateur de tâches.`,
    );
  } else if (
    task.lastResult !== undefined &&
    ![0, RESULT_NEVER_RUN, RESULT_RUNNING].includes(task.lastResult)
  ) {
    problems.push(
      `La dernière exécution planifiée a fini avec le code ${describeLastResult(task.lastResult)}.`,
    );
  }
  const server = await readServer(settings);
  if ("error" in server) problems.push(`Saxium : ${server.error}`);
  return {
    healthy: problems.length === 0,
    problems,
    version: VERSION,
    settings: maskedSettings(settings),
    lastRun,
    exports,
    errorsFolder,
    task,
    server,
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

async function readTask(
  ctx: CommandContext,
  name: string,
): Promise<TaskInfo | { error: string } | null> {
  try {
    return (await queryTask(ctx.runCommand, name)) ?? null;
  } catch (error) {
    return { error: (error as Error).message };
  }
}

async function readServer(settings: Settings): Promise<ServerStatus | { error: string }> {
  let client;
  try {
    client = openSaxiumClient(settings, { timeoutMs: 10_000, maxAttempts: 1 });
  } catch (error) {
    return { error: (error as Error).message };
  }
  try {
    return await client.status();
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    client.close();
  }
}

const STATE_LABELS: Record<ExportState, string> = {
  downloading: "en téléchargement",
  ready: "prêts à déposer",
  staged: "en cours de dépôt",
  delivered: "déposés, en attente d'import",
  consumed: "importés, accusé à envoyer",
  acknowledged: "accusés, à archiver",
  archived: "archivés",
  failed: "en erreur, à signaler",
  reported: "signalés en erreur",
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
        ? `${localDateTime(new Date(run.finishedAt))} (${
          ago(new Date(run.finishedAt), now)
        }), code ${describeLastResult(run.exitCode)} ; ${run.summary.synced ?? 0} synchronisé(s), ${
          run.summary.errors ?? 0
        } en erreur`
        : "aucune"
    }`,
  );
  const counts = Object.entries(report.exports).filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${STATE_LABELS[state as ExportState]}`);
  lines.push(`Exports (local)   : ${counts.length ? counts.join(", ") : "aucun"}`);
  lines.push(
    `Dossier Errors    : ${report.errorsFolder.files} fichier(s)${
      report.errorsFolder.oldest
        ? `, le plus ancien du ${localDateTime(new Date(report.errorsFolder.oldest))}`
        : ""
    }`,
  );
  const task = report.task;
  lines.push(
    `Tâche planifiée   : ${
      task === null
        ? "non installée"
        : "error" in task
        ? `illisible (${task.error})`
        : `${task.statusText}, dernière exécution ${task.lastRunTime ?? "jamais"}${
          task.lastResult === undefined ? "" : ` (${describeLastResult(task.lastResult)})`
        }, prochaine ${task.nextRunTime ?? "non prévue"}`
    }`,
  );
  const server = report.server;
  lines.push(
    `Saxium            : ${
      "error" in server
        ? `injoignable (${server.error})`
        : `joignable ; ${server.pending} en attente, ${server.imported} importés, ${server.errors} en erreur, file ${
          server.queueHealth === "healthy" ? "saine" : "à surveiller"
        }`
    }`,
  );
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

function ago(then: Date, now: Date): string {
  const minutes = Math.round((now.getTime() - then.getTime()) / 60_000);
  if (minutes < 1) return "à l'instant";
  if (minutes < 120) return `il y a ${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `il y a ${hours} h` : `il y a ${Math.round(hours / 24)} j`;
}
