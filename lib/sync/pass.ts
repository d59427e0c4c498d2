/**
 * One sync pass: the story of moving Saxium's pending exports into Batigest,
 * on one page. Finish what a previous run left in flight, take the pending
 * exports until the server offers nothing new, say how it went.
 *
 * The pass is told in two stories, each in its own file, which this one
 * only puts in order:
 * - `export_story.ts`: what one export goes through (download and check,
 *   stage, publish, await import, acknowledge, archive, or refuse), each
 *   step journalled, so a pass interrupted anywhere resumes where it stopped
 *   and a document already in Batigest is acknowledged again, never
 *   delivered again;
 * - `pipeline.ts`: which exports Saxium offers, and how many run side by
 *   side, and when.
 *
 * Beside them: `pass_context.ts` gathers what the pass will say (its log,
 * counts, ERROR lines), `failures.ts` says what an error means for the pass,
 * and `pass_context.ts` holds the types all of them share (re-exported here,
 * where callers import them). The pass knows nothing of consoles or alerts:
 * it returns a `PassResult`; the end of this file says what it means in the
 * words the administrator and Task Scheduler read (the one line that
 * concludes a pass and its level, the contract's exit code, and the same for
 * a run stopped before its pass could end), which the `sync` command writes
 * and hands to the notifier.
 *
 * @module
 */

import { BatigestWatch } from "../batigest/watch.ts";
import {
  describe,
  type ExportRecord,
  type ExportState,
  JournalDamaged,
  journalDamagedLine,
  STATE_WORDS,
  UNFINISHED_STATES,
} from "../journal/journal.ts";
import { loadBatigestMemory, saveBatigestMemory } from "../batigest/memory.ts";
import { FolderWatcher } from "../batigest/delivery.ts";
import { ExportStory } from "./export_story.ts";
import { AsideExports } from "./aside.ts";
import { drainPending, Offers } from "./pipeline.ts";
import {
  LocalTrouble,
  localTrouble,
  PassStopped,
  SaxiumCalls,
  ServerUnavailable,
} from "./failures.ts";
import { FolderUnusable, guardFileOps } from "../batigest/folder_guard.ts";
import { PassReport } from "./pass_context.ts";
import type { PassContext, PassResult, PassStatus } from "./pass_context.ts";

import { archiveOrphans } from "../journal/receipts.ts";
import { archiveStamp, freeName } from "../base/work_folders.ts";
import { localDateTime } from "../base/log.ts";
import {
  formatDay,
  formatDecimal,
  formatDuration,
  formatHoursMinutes,
  formatPassFigures,
  plural,
} from "../base/french.ts";
import { EXIT } from "../base/exit_codes.ts";
import type { LogLevel } from "../base/log.ts";
import { describeSystemError } from "../base/system_errors.ts";
import { journalPath, type WorkFolders } from "../base/work_folders.ts";
import { MemoryLost } from "../journal/receipts.ts";
import { RESUMES_BY_ITSELF } from "../saxium/errors.ts";
import { type BatigestWait, batigestWait } from "../batigest/working_hours.ts";

export type {
  PassContext,
  PassProgress,
  PassResult,
  PassStatus,
  PassSummary,
  SaxiumApi,
} from "./pass_context.ts";

/**
 * States a previous run can leave an export in, past its download, finished
 * before new exports: Batigest is done with them. Documents left `delivered`
 * wait in the pipeline's window first; those left `staged` are published in
 * their turn, after them.
 */
const LEFT_AFTER_BATIGEST: readonly ExportState[] = ["imported", "acknowledged", "failed"];

/**
 * Runs one pass: finish what a previous run left in flight, then take the
 * pending exports until the server offers nothing new.
 *
 * @example
 * ```ts
 * const result = await runSyncPass({ settings, client, journal, log, folders, fileOps });
 * if (result.status !== "completed") console.error(result.errors.join("\n"));
 * ```
 */
export async function runSyncPass(context: PassContext): Promise<PassResult> {
  const now = context.now ?? (() => new Date());
  const report = new PassReport(context.log, {
    secrets: [context.settings.token ?? ""],
    progress: context.progress,
  });
  // A folder that refuses the agent stops the pass at its first refusal (folder_guard.ts).
  const ctx: PassContext = {
    ...context,
    fileOps: guardFileOps(context.fileOps, {
      folders: context.folders,
      debug: (m) => report.debug(m),
    }),
  };
  const watcher = new FolderWatcher(ctx.folders.importDir);
  const smallState = ctx.journal.smallState();
  const watch = new BatigestWatch({
    importDir: ctx.folders.importDir,
    memory: loadBatigestMemory(smallState),
    save: (memory) => saveBatigestMemory(smallState, memory),
  });
  const calls = new SaxiumCalls(ctx.client, report);
  const aside = new AsideExports(ctx, { report, now });
  const story = new ExportStory(ctx, { report, calls, aside, watcher, watch, now });
  const offers = new Offers(ctx, { story, report, calls, aside });
  let stoppedBy: string | undefined;
  let folderProblem: string | undefined;
  let trouble: string | undefined;
  try {
    const waiting = resumeWaiting(ctx, { story, report, watch });
    await resumeInFlight(ctx, {
      story,
      aside,
      report,
      records: ctx.journal.inStates(LEFT_AFTER_BATIGEST),
    });
    const leftStaged = ctx.journal.inStates(["staged"]);
    await drainPending(ctx, { story, offers, aside, report, now, waiting });
    if (!story.batigestInactive && !ctx.signal?.aborted) {
      // Staged by an earlier run and not offered again by Saxium in this pass.
      const records = leftStaged.filter((r) => !story.walked(r.id));
      await resumeInFlight(ctx, { story, aside, report, records });
    }
  } catch (error) {
    if (error instanceof ServerUnavailable) stoppedBy = error.message;
    else if (error instanceof LocalTrouble) trouble = error.message;
    else if (error instanceof FolderUnusable) {
      folderProblem = error.message;
      report.error(error.message);
    } else if (!(error instanceof PassStopped)) throw error;
  } finally {
    await watcher.close();
  }
  if (!stoppedBy && !trouble && !folderProblem && !ctx.signal?.aborted) {
    await tidyOrphans(ctx, report);
  }
  aside.finish();
  if (ctx.signal?.aborted) {
    report.info("Arrêt demandé : la passe s'arrête ici, tout reprendra à la suivante.");
  }
  const waiting = ctx.journal.inStates(["delivered"]);
  try {
    saveBatigestMemory(smallState, watch.finish({ documentsWaiting: waiting.length > 0 }));
  } catch (error) {
    report.warning(`Mémoire de l'état de Batigest non enregistrée (${(error as Error).message}).`);
  }
  // Batigest took nothing: how long its documents have waited, in its working hours.
  const wait = watch.inactiveSince && waiting.length > 0
    ? batigestWait({
      since: oldestDelivery(waiting) ?? watch.inactiveSince,
      now: now(),
      hours: ctx.settings.batigestHours,
      patienceHours: ctx.settings.batigestPatienceHours,
    })
    : undefined;
  const result = report.result({
    stoppedBy,
    trouble,
    folderProblem,
    // Said once, by the conclusion the command writes (INFO within the patience, then a WARNING; never an error).
    batigestInactive: wait && inactiveLine(wait, now()),
    unfinished: ctx.journal.inStates(UNFINISHED_STATES).length,
  });
  return wait ? { ...result, batigestWait: wait } : result;
}

/**
 * Since when documents wait for Batigest: the journal's time of delivery of
 * the oldest one still in its folder. The journal writes it with the move to
 * `delivered`, keeps it across runs, and no sight of Batigest taking another
 * document resets it (Batigest's memory, `inactiveSince`, is a hint: it
 * starts again when Batigest takes anything, and empties when unreadable).
 */
function oldestDelivery(records: readonly ExportRecord[]): Date | undefined {
  const times = records.map((r) => Date.parse(r.deliveredAt ?? "")).filter((t) => !isNaN(t));
  return times.length > 0 ? new Date(Math.min(...times)) : undefined;
}

/**
 * The one WARNING line of a pass that found Batigest inactive: outside its
 * working hours, that it is normal and when an alert would come; within
 * them, what to check, and whether the wait is past the patience.
 */
export function inactiveLine(wait: BatigestWait, now: Date): string {
  const head = `Batigest n'importe plus depuis ${when(new Date(wait.since), now)} : `;
  const where = "documents attendent dans son dossier d'import et les suivants chez l'agent " +
    "ou dans Saxium";
  const safe = "rien n'est perdu ni en erreur, la synchronisation reprendra d'elle-même " +
    "quand Batigest importera de nouveau.";
  const patience = formatHoursMinutes(wait.patienceHours * 3_600_000);
  const alertAt = wait.patienceEndsAt
    ? `pas d'alerte avant ${when(new Date(wait.patienceEndsAt), now)}`
    : "pas d'alerte";
  if (!wait.patienceSpent && !wait.workingNow) {
    return `${head}hors de ses heures de travail (${wait.hours}), c'est normal, ${alertAt} ; les ${where}, ${safe}`;
  }
  const waited = wait.patienceSpent
    ? `leur attente, ${formatHoursMinutes(wait.workingMs)} en heures de travail (${wait.hours}), ` +
      `dépasse la patience de ${patience} (batigestPatienceHours)`
    : `${alertAt} (${patience} d'attente en heures de travail, batigestPatienceHours)`;
  return `${head}est-il ouvert, et son import automatique actif ? Les ${where} ; ${waited} ; ${safe}`;
}

/** `18:02` today, `le 26/11 à 18:02` another day. */
function when(date: Date, now: Date): string {
  const time = localDateTime(date).slice(11, 16); // HH:mm
  return date.toDateString() === now.toDateString()
    ? time
    : `le ${formatDay(date).slice(0, 5)} à ${time}`;
}

/**
 * Documents an earlier run left in Batigest's folder: their waits start now,
 * side by side, oldest first; each resolves when it ends.
 */
function resumeWaiting(
  ctx: PassContext,
  options: { story: ExportStory; report: PassReport; watch: BatigestWatch },
): Promise<number>[] {
  const records = [...ctx.journal.inStates(["delivered"])]
    .sort((a, b) => (a.deliveredAt ?? "").localeCompare(b.deliveredAt ?? ""));
  if (records.length === 0) return [];
  // Followed before the folder is checked, so that a changed folder names them.
  for (const record of records) options.watch.track(record);
  options.watch.ensureMark({ documentsWaiting: true });
  return records.map((record: ExportRecord) => {
    options.report.info(
      `Reprise de ${
        describe(record)
      } : il attend dans le dossier d'import de Batigest depuis l'exécution précédente.`,
    );
    const waited = options.story.resume(record).then(() => performance.now());
    waited.catch(() => {}); // a folder that stops the pass: seen where the pipeline awaits it
    return waited;
  });
}

/** Exports a previous run left in flight: finish them. */
async function resumeInFlight(
  ctx: PassContext,
  options: {
    story: ExportStory;
    aside: AsideExports;
    report: PassReport;
    records: readonly ExportRecord[];
  },
): Promise<void> {
  for (const record of options.records) {
    if (ctx.signal?.aborted) return;
    if (options.aside.waiting(record)) continue;
    options.report.info(
      `Reprise de ${describe(record)}, laissé par l'exécution précédente : ${
        STATE_WORDS[record.state].one
      }.`,
    );
    await options.story.resume(record);
  }
}

/** Copies of exports the journal forgot and Saxium no longer offers: archived (see `receipts.ts`). */
async function tidyOrphans(ctx: PassContext, report: PassReport): Promise<void> {
  const now = ctx.now ?? (() => new Date());
  const archived = await archiveOrphans(ctx.folders, {
    known: (id) => ctx.journal.get(id) !== undefined,
    archiveName: (name) => freeName(ctx.folders.archive, `${archiveStamp(now())}-${name}`),
  });
  for (const name of archived) {
    report.info(`${name} : déjà synchronisé d'après son reçu (journal de l'agent perdu), archivé.`);
  }
}

// ---------------------------------------------------------------------------
// How a run ends: the words the administrator and Task Scheduler read.

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
