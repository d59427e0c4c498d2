/**
 * `sync [--once]`: one pass, or a pass every `pollIntervalSeconds` until
 * Ctrl-C. Sets up what a pass needs (folders, lock, log, journal, client),
 * runs it, and turns its outcome into the contract's exit code.
 *
 * @module
 */

import { type Settings } from "../base/settings.ts";
import { ConfigError } from "../base/config_error.ts";
import { requireToken } from "../base/config.ts";
import type { CommandContext } from "../base/context.ts";
import { realFileOps } from "../base/fs_retry.ts";
import { Journal, JournalDamaged, journalDamagedLine } from "../sync/journal.ts";
import { localTrouble } from "../sync/failures.ts";
import { FolderUnusable } from "../sync/folder_guard.ts";
import { describeSystemError } from "../base/system_errors.ts";
import { acquireInstanceLock } from "../base/lock.ts";
import { Logger } from "../base/log.ts";
import { notifyAfterPass } from "../notify/after_pass.ts";
import type { PassReport } from "../notify/messages.ts";
import type { SaxiumClient } from "../saxium/client.ts";
import { type PassResult, type PassStatus, runSyncPass } from "../sync/pass.ts";
import { VERSION } from "../base/version.ts";
import {
  createWorkFolders,
  journalPath,
  lockPath,
  type WorkFolders,
  workFolders,
} from "../base/work_folders.ts";
import { EXIT, exitCodeLines } from "../base/exit_codes.ts";
import { loadSettings, parseFlags, SETTING_OPTIONS } from "./flags.ts";
import { openSaxiumClient, readCaCerts } from "../saxium/open.ts";
import { abortableSleep } from "../base/sleep.ts";
import { formatDecimal, formatDuration, formatPassFigures } from "../base/french.ts";
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
  footer: exitCodeLines(),
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
  const lock = acquireInstanceLock(lockPath(folders));
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
  const folderProblem = importFolderProblem(settings);
  if (folderProblem) {
    lock.release();
    return await stopBeforePass(folderProblem, { settings, ctx, log });
  }
  let journal: Journal;
  try {
    journal = new Journal(journalPath(folders), { now: ctx.now, verify: true });
  } catch (error) {
    lock.release();
    return await stopBeforePass(error, { settings, ctx, log });
  }
  const client = openSaxiumClient(settings, {
    caCerts,
    signal: ctx.signal,
    downloadIdleMs: (settings.downloadIdleSeconds ?? 30) * 1000,
    onRetry: ({ attempt, delayMs, reason }) =>
      log.info(
        `Saxium : ${reason} ; nouvel essai n°${attempt} dans ${formatDecimal(delayMs / 1000)} s.`,
      ),
  });
  try {
    if (flags.values.once) return await onePass(settings, { ctx, log, journal, client });
    let code: number = EXIT.ok;
    log.info(
      `Agent démarré : une passe toutes les ${settings.pollIntervalSeconds} s (Ctrl+C pour arrêter).`,
    );
    while (!ctx.signal.aborted) {
      code = await onePass(settings, { ctx, log, journal, client });
      await abortableSleep(settings.pollIntervalSeconds * 1000, ctx.signal);
    }
    log.info("Agent arrêté.");
    return code;
  } finally {
    client.close();
    journal.close();
    lock.release();
  }
}

interface PassTools {
  ctx: CommandContext;
  log: Logger;
  journal: Journal;
  client: SaxiumClient;
}

async function onePass(settings: Settings, tools: PassTools): Promise<number> {
  const { ctx, log, journal } = tools;
  const startedAt = ctx.now();
  log.info(`Début de la synchronisation (agent ${VERSION}, ${settings.apiUrl}).`);
  // Every pass: a log held open last time (editor, antivirus) goes now.
  log.prune();
  let result: PassResult;
  try {
    result = await runPass(settings, tools);
  } catch (error) {
    return await stopBeforePass(error, { settings, ctx, log });
  }
  const exitCode = EXIT_OF[result.status];
  log.write(conclusionLevel(result), conclusion(result));
  journal.recordRun({
    startedAt: startedAt.toISOString(),
    finishedAt: ctx.now().toISOString(),
    exitCode,
    summary: { ...result.summary },
    message: result.message,
  });
  const report: PassReport = { ...result, exitCode };
  await notifyAfterPass(report, {
    settings,
    folders: workFolders(settings),
    log,
    now: ctx.now,
    runCommand: ctx.runCommand,
  });
  return exitCode;
}

function runPass(settings: Settings, tools: PassTools): Promise<PassResult> {
  const { ctx, log, journal, client } = tools;
  return runSyncPass({
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
}

/**
 * A run that cannot go on (the journal cannot be trusted, the disk is full,
 * an error nobody expected): one French line in the day's log and on the
 * console, the original text at DEBUG, the alert sent; the exit code says
 * which (2 for the journal, 6 otherwise).
 */
async function stopBeforePass(
  error: unknown,
  tools: { settings: Settings; ctx: CommandContext; log: Logger },
): Promise<number> {
  const { settings, ctx, log } = tools;
  // A setting or a permission the build does not grant: main.ts says it in one line, exit 2.
  if (error instanceof ConfigError || error instanceof Deno.errors.NotCapable) throw error;
  const folders = workFolders(settings);
  const { line, exitCode, status } = await explainStop(error, folders);
  log.error(line);
  log.debug(`Détail : ${describeSystemError(error).original}`);
  if (error instanceof Error && error.stack) log.debug(error.stack);
  const report: PassReport = {
    exitCode,
    status,
    summary: { synced: 0, errors: 0, reacknowledged: 0, unfinished: 0 },
    message: line,
    errors: [line],
  };
  await notifyAfterPass(report, {
    settings,
    folders,
    log,
    now: ctx.now,
    runCommand: ctx.runCommand,
  }).catch(() => {});
  return exitCode;
}

/** The line, exit code and status of a run stopped by `error`. */
async function explainStop(
  error: unknown,
  folders: WorkFolders,
): Promise<{ line: string; exitCode: number; status: string }> {
  if (error instanceof FolderUnusable) {
    return { line: error.message, exitCode: EXIT.config, status: "folder_unusable" };
  }
  const trouble = await localTrouble(error, folders);
  if (trouble instanceof JournalDamaged) {
    return {
      line: journalDamagedLine(journalPath(folders)),
      exitCode: EXIT.config,
      status: "journal_damaged",
    };
  }
  if (trouble) {
    return {
      line: `Synchronisation arrêtée : ${trouble.message}`,
      exitCode: EXIT.localTrouble,
      status: "local_trouble",
    };
  }
  const { cause } = describeSystemError(error);
  return {
    line:
      `Erreur inattendue de l'agent (${cause}) : rien n'a été perdu ; relancez, et si elle revient, envoyez au support le paquet de « saxium-batigest-agent doctor --bundle ».`,
    exitCode: EXIT.localTrouble,
    status: "local_trouble",
  };
}

/** The contract's exit code for each way a pass can end. */
const EXIT_OF: Record<PassStatus, number> = {
  completed: EXIT.ok,
  export_errors: EXIT.exportErrors,
  server_unavailable: EXIT.unreachable,
  local_trouble: EXIT.localTrouble,
  batigest_inactive: EXIT.batigestInactive,
  folder_unusable: EXIT.config,
};

/** The one line that says how the pass went. */
export function conclusion(result: PassResult): string {
  const { synced, errors, reacknowledged } = result.summary;
  const done = synced + errors + reacknowledged;
  const seconds = result.elapsedMs / 1000;
  const pace = done > 0
    ? ` en ${formatDuration(result.elapsedMs)}${
      done >= 10 && seconds > 0 ? ` (${formatDecimal(done / seconds)} exports/s)` : ""
    }`
    : "";
  const head = `Fin de la synchronisation : ${formatPassFigures(result.summary)}${pace}.`;
  if (result.status === "server_unavailable") {
    const why = (result.message ?? "").replace(/\.$/, "");
    return `${head} Saxium injoignable ou accès refusé : ${why} ; rien n'est perdu, la prochaine passe reprendra.`;
  }
  if (result.status === "local_trouble") {
    return `${head} Arrêt sur un problème du poste : ${result.message}`;
  }
  if (result.status === "batigest_inactive") return `${head} ${result.message}`;
  if (result.status === "folder_unusable") {
    return `${head} Dossier inutilisable : voir la ligne ERROR ci-dessus ; rien n'est perdu.`;
  }
  if (result.status === "export_errors") {
    return `${head} Voir les lignes ERROR ci-dessus et le dossier Errors.`;
  }
  return head;
}

/** The level of the conclusion: Batigest closed is a WARNING (normal life), a failure an ERROR. */
function conclusionLevel(result: PassResult): "INFO" | "WARNING" | "ERROR" {
  if (result.status === "completed") return "INFO";
  return result.status === "batigest_inactive" ? "WARNING" : "ERROR";
}

function importFolderProblem(settings: Settings): FolderUnusable | undefined {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(settings.batigestImportDir);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error; // outside the build: main.ts says so
    return new FolderUnusable(
      `Le dossier d'import de Batigest ${settings.batigestImportDir} est introuvable : vérifiez le paramètre batigestImportDir (BATIGEST_IMPORT_PATH), que Batigest est installé et que son dossier d'import n'a pas été déplacé ; rien n'a été fait, rien n'est perdu.`,
    );
  }
  if (!info.isDirectory) {
    return new FolderUnusable(
      `${settings.batigestImportDir} n'est pas un dossier : indiquez le dossier d'import de Batigest (batigestImportDir) ; rien n'a été fait.`,
    );
  }
  return undefined;
}
