/**
 * `sync [--once]`: one pass, or a pass every `pollIntervalSeconds` until
 * Ctrl-C. Sets up what a pass needs (folders, lock, log, journal, client),
 * runs it, writes how it ended (`lib/sync/pass_end.ts`), records the run and
 * hands its outcome to the notifier.
 *
 * @module
 */

import { type Settings } from "../base/settings.ts";
import { ConfigError } from "../base/config_error.ts";
import { requireToken } from "../base/config.ts";
import type { CommandContext } from "../base/context.ts";
import { realFileOps } from "../base/fs_retry.ts";
import { Journal } from "../journal/journal.ts";
import { importFolderProblem } from "../batigest/folder_guard.ts";
import { passEnd, stoppedRun } from "../sync/pass_end.ts";
import { describeSystemError } from "../base/system_errors.ts";
import { acquireInstanceLock } from "../base/lock.ts";
import { Logger } from "../base/log.ts";
import { notifyAfterPass } from "../notify/after_pass.ts";
import type { SaxiumClient } from "../saxium/client.ts";
import { type PassResult, runSyncPass } from "../sync/pass.ts";
import { VERSION } from "../base/version.ts";
import { createWorkFolders, journalPath, lockPath, workFolders } from "../base/work_folders.ts";
import { EXIT } from "../base/exit_codes.ts";
import { loadSettings, parseFlags, SETTING_OPTIONS } from "./flags.ts";
import { openSaxiumClient, readCaCerts } from "../saxium/open.ts";
import { abortableSleep } from "../base/sleep.ts";
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
  // Checked once the log exists: a folder that was there yesterday and is gone
  // (Batigest moved, reinstalled, a drive missing) is logged and alerted, not
  // only printed where the scheduled task's output goes nowhere.
  const folderProblem = importFolderProblem(settings.batigestImportDir);
  if (folderProblem) return await stopBeforePass(folderProblem, { settings, ctx, log });
  let opened: Journal;
  try {
    opened = new Journal(journalPath(folders), { now: ctx.now, verify: true });
    opened.adoptLegacyState(folders);
  } catch (error) {
    return await stopBeforePass(error, { settings, ctx, log });
  }
  using journal = opened;
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

async function onePass(settings: Settings, tools: PassTools): Promise<number> {
  const { ctx, log, journal, client } = tools;
  const startedAt = ctx.now();
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
    });
  } catch (error) {
    return await stopBeforePass(error, { settings, ctx, log, journal });
  }
  const end = passEnd(result);
  log.write(end.level, end.line);
  journal.recordRun({
    startedAt: startedAt.toISOString(),
    finishedAt: ctx.now().toISOString(),
    exitCode: end.exitCode,
    summary: { ...result.summary },
    message: result.message,
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
 * an error nobody expected): its line in the day's log and on the console,
 * the original text at DEBUG, the alert sent (remembered in the journal when
 * it is open, else beside it); the exit code says which.
 */
async function stopBeforePass(
  error: unknown,
  tools: { settings: Settings; ctx: CommandContext; log: Logger; journal?: Journal },
): Promise<number> {
  const { settings, ctx, log } = tools;
  // A setting or a permission the build does not grant: main.ts says it in one line, exit 2.
  if (error instanceof ConfigError || error instanceof Deno.errors.NotCapable) throw error;
  const folders = workFolders(settings);
  const { line, exitCode, status } = await stoppedRun(error, folders);
  log.error(line);
  log.debug(`Détail : ${describeSystemError(error).original}`);
  if (error instanceof Error && error.stack) log.debug(error.stack);
  await notifyAfterPass({
    exitCode,
    status,
    summary: { synced: 0, errors: 0, reacknowledged: 0, unfinished: 0 },
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
