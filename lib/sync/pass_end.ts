/**
 * How a run of `sync` ends, in the words the administrator and Task
 * Scheduler read: the one line that concludes a pass and its level, the
 * contract's exit code for each way a pass ends, and the same for a run
 * stopped before its pass could end (a journal that cannot be trusted, a
 * full disk, an import folder gone, a journal lost beside documents in flight,
 * an error nobody expected), and the cause a run's record keeps for `status`.
 * The command (`lib/cli/sync.ts`) only writes what this module says.
 *
 * @module
 */

import { EXIT } from "../base/exit_codes.ts";
import { formatDecimal, formatDuration, formatPassFigures, plural } from "../base/french.ts";
import type { LogLevel } from "../base/log.ts";
import { describeSystemError } from "../base/system_errors.ts";
import { journalPath, type WorkFolders } from "../base/work_folders.ts";
import { FolderUnusable } from "../batigest/folder_guard.ts";
import { JournalDamaged, journalDamagedLine } from "../journal/journal.ts";
import { MemoryLost } from "../journal/receipts.ts";
import { localTrouble } from "./failures.ts";
import { RESUMES_BY_ITSELF } from "../saxium/errors.ts";
import type { PassResult, PassStatus } from "./pass_types.ts";

/** The contract's exit code for each way a pass can end. */
const EXIT_OF: Record<PassStatus, number> = {
  completed: EXIT.ok,
  export_errors: EXIT.exportErrors,
  server_unavailable: EXIT.unreachable,
  local_trouble: EXIT.localTrouble,
  batigest_inactive: EXIT.batigestInactive,
  folder_unusable: EXIT.config,
};

/** How a pass ended, as the run reports it. */
export interface PassEnd {
  exitCode: number;
  /**
   * The conclusion's level: Batigest not importing is INFO within its
   * patience (a night, a weekend, a short break: normal life), a WARNING
   * past it; a failure an ERROR.
   */
  level: LogLevel;
  /** The one line that says how the pass went. */
  line: string;
}

/** The exit code, level and conclusion line of a pass that ended with `result`. */
export function passEnd(result: PassResult): PassEnd {
  return {
    exitCode: EXIT_OF[result.status],
    level: result.status === "completed"
      ? "INFO"
      : result.status === "batigest_inactive"
      ? (result.batigestWait?.patienceSpent === false ? "INFO" : "WARNING")
      : "ERROR",
    line: conclusion(result),
  };
}

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
    // Down for a while (maintenance): the reason already says there is nothing to do.
    if (why.includes(RESUMES_BY_ITSELF)) return `${head} ${why}.`;
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

/**
 * The cause a run's record keeps, for `status`: why the pass stopped, or
 * for exports in error the first ERROR line and how many followed; none for
 * a pass that completed.
 */
export function runMessage(result: PassResult): string | undefined {
  if (result.status === "completed") return undefined;
  if (result.message !== undefined) return result.message;
  const [first, ...others] = result.errors;
  if (first === undefined) return undefined;
  return others.length === 0
    ? first
    : `${first} (et ${
      plural(others.length, "autre erreur", "autres erreurs")
    } : voir history --errors et le fichier de log du jour)`;
}

/** How a run stopped before its pass could end: the line, its exit code, and a status for the alerts. */
export interface StoppedRun {
  line: string;
  exitCode: number;
  status: "folder_unusable" | "journal_damaged" | "memory_lost" | "local_trouble";
}

/**
 * The line, exit code and status of a run stopped by `error`: 2 for a
 * folder unusable or a journal that cannot be trusted, 6 for a full disk or
 * an error nobody expected.
 */
export async function stoppedRun(error: unknown, folders: WorkFolders): Promise<StoppedRun> {
  if (error instanceof FolderUnusable) {
    return { line: error.message, exitCode: EXIT.config, status: "folder_unusable" };
  }
  if (error instanceof MemoryLost) {
    return { line: error.message, exitCode: EXIT.config, status: "memory_lost" };
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
