/**
 * `sync [--once]`: one pass, or a pass every `pollIntervalSeconds` until
 * Ctrl-C. Sets up what a pass needs (folders, lock, log, journal, client),
 * records the run in the journal as it begins, keeps it alive with the
 * pass's progress while it works (`lib/journal/runs.ts`: what `status`
 * reads), runs the pass, writes how it ended (`lib/sync/pass.ts`),
 * finishes the run's record (a run stopped before its pass too, with its
 * line) and hands its outcome to the notifier.
 *
 * @module
 */

import { type Settings } from "../base/settings.ts";
import { ConfigError } from "../base/config_error.ts";
import { requireToken } from "../base/config.ts";
import type { CommandContext } from "../base/context.ts";
import { realFileOps } from "../base/fs_retry.ts";
import { Journal, UNFINISHED_STATES } from "../journal/journal.ts";
import { LiveRun, type RunEnd } from "../journal/runs.ts";
import {
  adoptStateReceipts,
  completeReceipts,
  MemoryLost,
  uncoveredInFlight,
} from "../journal/receipts.ts";
import { importFolderProblem } from "../batigest/folder_guard.ts";
import { passEnd, runMessage, stoppedRun } from "../sync/pass.ts";
import { permissionRefusalLine } from "../base/permission_text.ts";
import { describeSystemError } from "../base/system_errors.ts";
import { acquireInstanceLock } from "../base/lock.ts";
import { Logger } from "../base/log.ts";
import { notifyAfterPass } from "../notify/after_pass.ts";
import type { SaxiumClient } from "../saxium/client.ts";
import { type PassResult, runSyncPass } from "../sync/pass.ts";
import { VERSION } from "../base/version.ts";
import {
  createWorkFolders,
  exists,
  journalPath,
  lockPath,
  type WorkFolders,
  workFolders,
} from "../base/work_folders.ts";
import { EXIT } from "../base/exit_codes.ts";
import { loadSettings, parseFlags, SETTING_OPTIONS } from "./flags.ts";
import { openSaxiumClient, readCaCerts } from "../saxium/open.ts";
import { abortableSleep } from "../base/sleep.ts";
import { oldScriptRefusal } from "../windows/old_script_probe.ts";
import { formatDecimal } from "../base/french.ts";
import { printedHelp, renderHelp } from "./help.ts";

const HELP = renderHelp({
  usage: "sync [--once] [options]",
  about: [
    "Récupère les exports en attente sur Saxium, les dépose dans le dossier d'import",
    "de Batigest, attend leur import, puis les confirme à Saxium et les archive.",
  ],
  options: [
    {
      flag: "--once",
      text: "une seule passe, puis fin (ce que lance la tâche planifiée) [en continu]",
    },
  ],
  settings: "all",
  exitCodes: {},
});

/** The options `sync` takes. */
export const OPTIONS = { ...SETTING_OPTIONS, once: { type: "boolean" as const } };

/** Runs `sync`; returns the exit code. */
export async function syncCommand(args: string[], ctx: CommandContext): Promise<number> {
  const flags = parseFlags(args, OPTIONS);
  if (printedHelp(flags, { help: HELP, out: ctx.stdout })) return EXIT.ok;
  const settings = loadSettings(ctx, flags);
  requireToken(settings);
  const caCerts = readCaCerts(settings);
  const folders = workFolders(settings);
  try {
    createWorkFolders(folders);
  } catch (error) {
    throw new ConfigError(
      "workDir",
      `Impossible de créer les dossiers de travail dans ${settings.workDir} : ${
        describeSystemError(error).cause
      } ; vérifiez les droits du compte qui exécute l'agent et l'espace disque.`,
    );
  }
  using lock = acquireInstanceLock(lockPath(folders));
  if (!lock) {
    ctx.stderr(
      `Une autre instance de l'agent est déjà en cours dans ${settings.workDir} : rien n'a été fait ; attendez qu'elle se termine.`,
    );
    return EXIT.locked;
  }
  const log = new Logger({
    dir: folders.logs,
    level: settings.logLevel,
    retentionDays: settings.logRetentionDays,
    now: ctx.now,
    secrets: [settings.token ?? ""],
    console: (line, level) =>
      (level === "WARNING" || level === "ERROR") ? ctx.stderr(line) : ctx.stdout(line),
  });
  // Never beside the PowerShell script it replaces: both would import every document.
  const oldScript = await oldScriptRefusal(folders, { runCommand: ctx.runCommand, now: ctx.now() });
  if (oldScript) {
    log.error(oldScript);
    recordRefusedRun(folders, { line: oldScript, ctx, log });
    return EXIT.config;
  }
  let opened: Journal;
  try {
    adoptStateReceipts(folders);
    // No journal beside documents in flight that no receipt covers: their
    // fate is unknown. No journal is created either, so the next run stops too.
    const uncovered = exists(journalPath(folders)) ? [] : uncoveredInFlight(folders);
    if (uncovered.length > 0) throw new MemoryLost(uncovered, folders);
    opened = new Journal(journalPath(folders), { now: ctx.now, verify: true });
    opened.adoptLegacyState(folders);
    await completeReceipts(folders, opened.inStates(UNFINISHED_STATES), ctx.now());
  } catch (error) {
    return await stopBeforePass(error, { settings, ctx, log });
  }
  using journal = opened;
  // Checked once the log and the journal are open: a folder that was there
  // yesterday and is gone (Batigest moved, reinstalled, a drive missing) is
  // logged, alerted and recorded as the run's end (status shows it), not only
  // printed where the scheduled task's output goes nowhere.
  const folderProblem = importFolderProblem(settings.batigestImportDir);
  if (folderProblem) {
    using run = liveRun(journal, log);
    return await stopBeforePass(folderProblem, { settings, ctx, log, journal, run });
  }
  using client = openSaxiumClient(settings, {
    caCerts,
    signal: ctx.signal,
    downloadIdleMs: (settings.downloadIdleSeconds ?? 30) * 1000,
    onRetry: ({ attempt, delayMs, reason }) =>
      log.debug(
        `Saxium : ${reason} ; nouvel essai n°${attempt} dans ${formatDecimal(delayMs / 1000)} s.`,
      ),
  });
  const tools: PassTools = { ctx, log, journal, client };
  if (flags.values.once) return await onePass(settings, tools);
  let code: number = EXIT.ok;
  log.info(
    `Agent démarré : une passe toutes les ${settings.pollIntervalSeconds} s (Ctrl+C pour arrêter).`,
  );
  while (!ctx.signal.aborted) {
    code = await onePass(settings, tools);
    await abortableSleep(settings.pollIntervalSeconds * 1000, ctx.signal);
  }
  log.info("Agent arrêté.");
  return code;
}

interface PassTools {
  ctx: CommandContext;
  log: Logger;
  journal: Journal;
  client: SaxiumClient;
}

/**
 * A run refused before anything is done (the old script runs beside the
 * agent), recorded as a finished run with its line when a journal already
 * exists, so that `status` shows it; none is created for it.
 */
function recordRefusedRun(
  folders: WorkFolders,
  options: { line: string; ctx: CommandContext; log: Logger },
): void {
  if (!exists(journalPath(folders))) return;
  try {
    using journal = new Journal(journalPath(folders), { now: options.ctx.now, verify: true });
    const at = options.ctx.now().toISOString();
    journal.runs.record({
      startedAt: at,
      finishedAt: at,
      exitCode: EXIT.config,
      summary: { synced: 0, errors: 0 },
      message: options.line,
    });
  } catch (error) {
    options.log.debug(`Passe refusée non notée (${describeSystemError(error).cause}).`);
  }
}

/** The run's record in the journal, begun now; a sign of life it cannot write is said at DEBUG. */
function liveRun(journal: Journal, log: Logger): LiveRun {
  return new LiveRun(journal.runs, {
    failed: (error) =>
      log.debug(`Signe de vie de la passe non noté (${describeSystemError(error).cause}).`),
  });
}

async function onePass(settings: Settings, tools: PassTools): Promise<number> {
  const { ctx, log, journal, client } = tools;
  using run = liveRun(journal, log);
  log.info(`Début de la synchronisation (agent ${VERSION}, ${settings.apiUrl}).`);
  // Every pass: a log held open last time (editor, antivirus) goes now.
  log.prune();
  let result: PassResult;
  try {
    result = await runSyncPass({
      settings,
      client,
      journal,
      log,
      folders: workFolders(settings),
      fileOps: ctx.fileOps ?? realFileOps,
      signal: ctx.signal,
      failpoint: ctx.failpoint,
      now: ctx.now,
      progress: (progress) => run.progress(progress),
    });
  } catch (error) {
    return await stopBeforePass(error, { settings, ctx, log, journal, run });
  }
  const end = passEnd(result);
  log.write(end.level, end.line);
  run.finish({
    exitCode: end.exitCode,
    summary: { ...result.summary },
    message: runMessage(result),
  });
  await notifyAfterPass({ ...result, exitCode: end.exitCode }, {
    settings,
    folders: workFolders(settings),
    memory: journal.smallState(),
    log,
    now: ctx.now,
    runCommand: ctx.runCommand,
  });
  return end.exitCode;
}

/**
 * A run that cannot go on (the journal cannot be trusted, the disk is full,
 * the import folder gone, an error nobody expected): its line in the day's
 * log and on the console, the original text at DEBUG, the run's record
 * finished with it when the journal is open, the alert sent (remembered in
 * the journal when it is open, else beside it); the exit code says which.
 */
async function stopBeforePass(
  error: unknown,
  tools: {
    settings: Settings;
    ctx: CommandContext;
    log: Logger;
    journal?: Journal;
    run?: LiveRun;
  },
): Promise<number> {
  const { settings, ctx, log, run } = tools;
  const nothingDone = { synced: 0, errors: 0, reacknowledged: 0, unfinished: 0 };
  // A setting or a permission the build does not grant: main.ts says it in one line, exit 2.
  if (error instanceof ConfigError || error instanceof Deno.errors.NotCapable) {
    const message = error instanceof ConfigError
      ? `Configuration : ${error.message}`
      : permissionRefusalLine(error);
    finishRun(run, { exitCode: EXIT.config, summary: nothingDone, message }, log);
    throw error;
  }
  const folders = workFolders(settings);
  const { line, exitCode, status } = await stoppedRun(error, folders);
  finishRun(run, { exitCode, summary: nothingDone, message: line }, log);
  log.error(line);
  log.debug(`Détail : ${describeSystemError(error).original}`);
  if (error instanceof Error && error.stack) log.debug(error.stack);
  await notifyAfterPass({
    exitCode,
    status,
    summary: nothingDone,
    message: line,
    errors: [line],
  }, {
    settings,
    folders,
    memory: tools.journal?.smallState(),
    log,
    now: ctx.now,
    runCommand: ctx.runCommand,
  }).catch(() => {});
  return exitCode;
}

/** Finishes the run's record, if there is one; the journal itself may be what stopped the run. */
function finishRun(run: LiveRun | undefined, end: RunEnd, log: Logger): void {
  try {
    run?.finish(end);
  } catch (error) {
    log.debug(`Fin de la passe non notée (${describeSystemError(error).cause}).`);
  }
}
