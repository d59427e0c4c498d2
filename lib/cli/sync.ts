/**
 * `sync [--once]`: one pass, or a pass every `pollIntervalSeconds` until
 * Ctrl-C. Sets up what a pass needs (folders, lock, log, journal, client),
 * runs it, and turns its outcome into the contract's exit code.
 *
 * @module
 */

import { ConfigError } from "../base/config_error.ts";
import { requireToken, type Settings } from "../base/config.ts";
import type { CommandContext } from "../base/context.ts";
import { realFileOps } from "../base/fs_retry.ts";
import { Journal } from "../sync/journal.ts";
import { acquireInstanceLock } from "../base/lock.ts";
import { Logger } from "../base/log.ts";
import { notifyAfterPass } from "../notify/after_pass.ts";
import type { PassReport } from "../notify/messages.ts";
import type { SaxiumClient } from "../saxium/client.ts";
import { type PassResult, type PassStatus, runSyncPass } from "../sync/pass.ts";
import { VERSION } from "../base/version.ts";
import { createWorkFolders, journalPath, lockPath, workFolders } from "../base/work_folders.ts";
import { EXIT } from "./exit_codes.ts";
import { loadSettings, parseFlags, SETTING_OPTIONS } from "./flags.ts";
import { openSaxiumClient, readCaCerts } from "../saxium/open.ts";
import { abortableSleep } from "../base/sleep.ts";
import { formatDecimal } from "../base/french.ts";

const HELP = `Utilisation : saxium-batigest-agent sync [--once] [options]

Récupère les exports en attente sur Saxium, les dépose dans le dossier d'import
de Batigest, attend leur import, puis les confirme à Saxium et les archive.

  --once                      une seule passe, puis fin (ce que lance la tâche planifiée)
  --verbose                   journal détaillé (niveau DEBUG)
  --api-url URL               adresse de Saxium (sinon SAXIUM_API_URL ou agent.json)
  --work-dir DOSSIER          dossier de travail (sinon SAXIUM_WORK_DIR)
  --batigest-import-dir DOSSIER  dossier d'import de Batigest (sinon BATIGEST_IMPORT_PATH)
  --formats xml,csv           formats à déposer
  --poll-interval SECONDES    intervalle entre deux passes sans --once

Codes de sortie : 0 terminé, 1 au moins un export en erreur, 2 configuration ou
dossier inutilisable, 3 Saxium injoignable ou accès refusé, 4 une autre instance
est en cours, 5 Batigest n'importe pas (fermé ?) : rien en erreur, rien de perdu.`;

/** Runs `sync`; returns the exit code. */
export async function syncCommand(args: string[], ctx: CommandContext): Promise<number> {
  const flags = parseFlags(args, { ...SETTING_OPTIONS, once: { type: "boolean" } });
  if (flags.values.help) {
    ctx.stdout(HELP);
    return EXIT.ok;
  }
  const settings = loadSettings(ctx, flags);
  requireToken(settings);
  checkImportFolder(settings);
  const caCerts = readCaCerts(settings);
  const folders = workFolders(settings);
  try {
    createWorkFolders(folders);
  } catch (error) {
    throw new ConfigError(
      "workDir",
      `Impossible de créer les dossiers de travail dans ${settings.workDir} (${
        (error as Error).message
      }) : vérifiez les droits du compte qui exécute l'agent.`,
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
  const journal = new Journal(journalPath(folders), { now: ctx.now });
  const client = openSaxiumClient(settings, {
    caCerts,
    onRetry: ({ attempt, delayMs, reason }) =>
      log.info(
        `Saxium : ${reason} ; nouvel essai n°${attempt} dans ${formatDecimal(delayMs / 1000)} s.`,
      ),
  });
  try {
    log.prune();
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
  const { ctx, log, journal, client } = tools;
  const startedAt = ctx.now();
  log.info(`Début de la synchronisation (agent ${VERSION}, ${settings.apiUrl}).`);
  const result = await runSyncPass({
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
  await notifyAfterPass(report, { settings, folders: workFolders(settings), log, now: ctx.now });
  return exitCode;
}

/** The contract's exit code for each way a pass can end. */
const EXIT_OF: Record<PassStatus, number> = {
  completed: EXIT.ok,
  export_errors: EXIT.exportErrors,
  server_unavailable: EXIT.unreachable,
  batigest_inactive: EXIT.batigestInactive,
  folder_unusable: EXIT.config,
};

/** The one line that says how the pass went. */
export function conclusion(result: PassResult): string {
  const { synced, errors, reacknowledged, unfinished } = result.summary;
  const parts = [`${synced} synchronisé(s)`, `${errors} en erreur`];
  if (reacknowledged) parts.push(`${reacknowledged} accusé(s) renvoyé(s)`);
  if (unfinished) parts.push(`${unfinished} à reprendre`);
  const head = `Fin de la synchronisation : ${parts.join(", ")}.`;
  if (result.status === "server_unavailable") {
    return `${head} Saxium injoignable ou accès refusé (${result.message}) ; rien n'est perdu, la prochaine passe reprendra.`;
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

function checkImportFolder(settings: Settings): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(settings.batigestImportDir);
  } catch {
    throw new ConfigError(
      "batigestImportDir",
      `Le dossier d'import de Batigest ${settings.batigestImportDir} est introuvable : vérifiez le paramètre batigestImportDir (BATIGEST_IMPORT_PATH) et que Batigest est installé.`,
    );
  }
  if (!info.isDirectory) {
    throw new ConfigError(
      "batigestImportDir",
      `${settings.batigestImportDir} n'est pas un dossier : indiquez le dossier d'import de Batigest.`,
    );
  }
}
