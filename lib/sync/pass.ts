/**
 * One sync pass: the story of moving Saxium's pending exports into Batigest,
 * on one page. Finish what a previous run left in flight, take the pending
 * exports until the server offers nothing new, say how it went.
 *
 * The pass is told in two stories, each in its own file, which this one
 * only puts in order:
 * - `export_steps.ts`: what one export goes through (download, stage,
 *   publish, await import, acknowledge, archive, or report its error), each
 *   step journalled, so a pass interrupted anywhere resumes where it stopped
 *   and a document already in Batigest is acknowledged again, never
 *   delivered again;
 * - `pipeline.ts`: which exports Saxium offers, and how many run side by
 *   side, and when.
 *
 * Beside them: `pass_report.ts` gathers what the pass will say (its log,
 * counts, ERROR lines), `failures.ts` says what an error means for the pass,
 * and `pass_types.ts` holds the types all of them share (re-exported here,
 * where callers import them). The pass knows nothing of exit codes, consoles
 * or alerts: it returns a `PassResult`, which the `sync` command maps to an
 * exit code and hands to the notifier.
 *
 * @module
 */

import { FolderWatcher } from "./delivery.ts";
import { ExportSteps } from "./export_steps.ts";
import { describe, LocalTrouble, PassStopped, ServerUnavailable } from "./failures.ts";
import { type ExportState, UNFINISHED_STATES } from "./journal.ts";
import { PassReport } from "./pass_report.ts";
import type { PassContext, PassResult } from "./pass_types.ts";
import { drainPending } from "./pipeline.ts";
import { archiveOrphans } from "./receipts.ts";
import { archiveStamp, freeName } from "../base/work_folders.ts";

export type { PassContext, PassResult, PassStatus, PassSummary, SaxiumApi } from "./pass_types.ts";

/** States a previous run can leave an export in, past its download: finished first. */
const LEFT_IN_FLIGHT: readonly ExportState[] = [
  "staged",
  "delivered",
  "consumed",
  "acknowledged",
  "failed",
];

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
export async function runSyncPass(ctx: PassContext): Promise<PassResult> {
  const now = ctx.now ?? (() => new Date());
  const report = new PassReport(ctx.log, { secrets: [ctx.settings.token ?? ""] });
  const watcher = new FolderWatcher(ctx.folders.importDir);
  const steps = new ExportSteps(ctx, { report, watcher, now });
  let stoppedBy: string | undefined;
  let trouble: string | undefined;
  try {
    await resumeInFlight(ctx, { steps, report });
    await drainPending(ctx, { steps, report, now });
  } catch (error) {
    if (error instanceof ServerUnavailable) stoppedBy = error.message;
    else if (error instanceof LocalTrouble) trouble = error.message;
    else if (!(error instanceof PassStopped)) throw error;
  } finally {
    await watcher.close();
  }
  if (!stoppedBy && !trouble && !ctx.signal?.aborted) await tidyOrphans(ctx, report);
  if (ctx.signal?.aborted) {
    report.info("Arrêt demandé : la passe s'arrête ici, tout reprendra à la suivante.");
  }
  const unfinished = ctx.journal.inStates(UNFINISHED_STATES).length;
  return report.result({ stoppedBy, trouble, unfinished });
}

/** Exports a previous run left between delivery and the end: finish them first. */
async function resumeInFlight(
  ctx: PassContext,
  options: { steps: ExportSteps; report: PassReport },
): Promise<void> {
  for (const record of ctx.journal.inStates(LEFT_IN_FLIGHT)) {
    if (ctx.signal?.aborted) return;
    options.report.info(
      `Reprise de ${
        describe(record)
      } (état « ${record.state} » laissé par l'exécution précédente).`,
    );
    await options.steps.advance(record);
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
    report.info(`${name} : déjà synchronisé d'après son reçu (journal perdu), archivé.`);
  }
}
