/**
 * Waiting for Batigest to import a published document, and taking it back
 * only when the refusal rule (`import_rule.ts`) allows. Its own story beside
 * `lib/sync/export_story.ts`: the step `delivered` calls it and records what it says.
 *
 * A document is never taken back while Batigest may be reading it: before a
 * document is declared left (Batigest inactive) or withdrawn, the agent tries
 * to rename it, and the other documents waiting, in place; on Windows a
 * program that holds a file makes that rename fail (sharing violation):
 * Batigest is at work, and the wait goes on with its timeout started again,
 * the next look no sooner than a second later. Held for two minutes within
 * one wait, the document is left in the folder for the next pass.
 *
 * A withdrawal is a rename to `~saxium-<id>.<fmt>.withdrawn`, a name Batigest
 * ignores; a crash after it leaves that name, which a later run reads as
 * "withdrawn, not imported".
 *
 * What Batigest did with a document that left is the watch's to decide
 * (`watch.ts`, with the traces of `traces.ts`): imported, or refused with a
 * trace (renamed to `.err`, moved into a subfolder), which the wait returns at
 * once, with the reason the administrator reads. The agent never touches a
 * refusal trace (it is Batigest's, and the administrator's evidence); it
 * removes the empty leftover of a document Batigest imported and emptied
 * ({@linkcode removeLeftovers} says why that is safe), so that the name is
 * free again for the next document of that reference.
 *
 * @module
 */

import { type Settings } from "../base/settings.ts";
import nodePath from "node:path";
import {
  type FileOps,
  isTransient,
  type RetryOptions,
  withTransientRetry,
} from "../base/fs_retry.ts";
import { describeSystemError } from "../base/system_errors.ts";
import { exists, withdrawnPath, type WorkFolders } from "../base/work_folders.ts";
import type { BatigestWatch, Decision } from "./watch.ts";
import { type FolderWatcher, withdraw } from "./delivery.ts";
import { FolderUnusable } from "./folder_guard.ts";
import { earlierWait, judgeWait, passedByEvidence, quietSince } from "./import_rule.ts";
import { sizeOf, type Trace, whatBatigestDid } from "./traces.ts";
import type { ExportRecord } from "../journal/journal.ts";

/** How long a wait lets Batigest hold its documents before it leaves them for the next pass. */
const HELD_BUDGET_MS = 120_000;

/** The least time between two looks at a held document. */
const HELD_LOOK_MS = 1_000;

/** Time given to a rename that probes or withdraws before the file is taken to be held. */
const HELD_RETRY_MS = 2_000;

/** How a wait ended. */
export type ImportOutcome =
  /** Batigest imported it (`BatigestWatch.decide`). */
  | { kind: "imported" }
  /**
   * Batigest refused it with a trace, or passed it by (its files still there
   * were withdrawn); `reason` for the administrator.
   */
  | { kind: "refused"; reason: string }
  /** Left waiting in the folder (Batigest inactive, or still holding it): the next pass waits again. */
  | { kind: "waiting" }
  /** Taken back before Batigest took it: a newer version of the document replaces it. */
  | { kind: "replaced"; by: ExportRecord };

/** What {@linkcode awaitImport} works with. */
export interface ImportWaitOptions {
  settings: Pick<Settings, "importTimeoutSeconds" | "batigestRefusalHours">;
  folders: WorkFolders;
  fileOps: FileOps;
  retry?: RetryOptions;
  /** The pass's view of Batigest. */
  watch: BatigestWatch;
  /** Wakes the wait when the folder changes. */
  watcher: FolderWatcher;
  /** The wall clock (recorded times, messages). */
  now: () => Date;
  /** Whether this run published the document (else an earlier run did). */
  publishedHere: boolean;
  /** Told what the wait noticed that is worth a line (held files). */
  warn: (message: string) => void;
  /** Test-only crash points. */
  failpoint?: (name: string) => void;
  /** Ctrl-C: stop waiting at once; the document stays delivered for the next pass. */
  signal?: AbortSignal;
}

/**
 * Waits for Batigest to take `record`'s files; see the module doc and
 * `import_rule.ts` for when it stops.
 */
export async function awaitImport(
  record: ExportRecord,
  options: ImportWaitOptions,
): Promise<ImportOutcome> {
  const { settings, folders, watch } = options;
  const files = record.files.map((f) => ({
    name: f.importName,
    path: nodePath.join(folders.importDir, f.importName),
    withdrawnPath: withdrawnPath(folders, record.id, f.format),
  }));
  // A withdrawal interrupted by a crash left its marker: not imported.
  if (!options.publishedHere && files.some((f) => exists(f.withdrawnPath))) {
    return await withdrawAll(record, { files, options, why: "interrupted" });
  }
  const doc = watch.track(record);
  const timeoutMs = settings.importTimeoutSeconds * 1000;
  const refusalMs = settings.batigestRefusalHours * 3_600_000;
  const waitedBeforeMs = options.publishedHere
    ? 0
    : earlierWait({ deliveredAt: record.deliveredAt, now: options.now(), capMs: refusalMs });
  let waitStartMs = watch.clock();
  /** When this wait first found a document held, and when it may look again. */
  let heldSinceMs: number | undefined;
  let nextLookMs = -Infinity;
  while (true) {
    if (options.signal?.aborted) return { kind: "waiting" };
    watch.poll(options.now());
    if (doc.decision) return await decided(record, { decision: doc.decision, options });
    const nowMs = watch.clock();
    // Another wait found Batigest inactive, and it has taken nothing since this one began.
    if (watch.inactiveSince && (watch.lastWorkMs ?? -Infinity) < waitStartMs) {
      return { kind: "waiting" };
    }
    const facts = {
      nowMs,
      waitStartMs,
      lastWorkMs: watch.lastWorkMs,
      passedByMs: watch.passedBy(doc),
      waitedBeforeMs,
      timeoutMs,
      refusalMs,
    };
    const by = watch.recalledBy(record.id);
    const whole = files.every((f) => exists(f.path)); // Batigest took none of its files yet
    if (by && whole && !(await heldFile(files.map((f) => f.path), options))) {
      // A newer version replaces it, and Batigest is not reading it: taken back.
      watch.untrack(record.id);
      const outcome = await withdrawAll(record, { files, options, why: "replaced" });
      return outcome.kind === "refused" ? { kind: "replaced", by } : outcome;
    }
    const verdict = nowMs < nextLookMs ? "wait" : judgeWait(facts);
    if (verdict === "wait") {
      await options.watcher.next(Math.min(100, timeoutMs));
      continue;
    }
    // Batigest holding this document, or another one it is importing, is at work.
    const paths = files.map((f) => f.path);
    const held = await heldFile([
      ...paths,
      ...watch.waitingPaths().filter((p) => !paths.includes(p)),
    ], options);
    if (held) {
      heldSinceMs ??= nowMs;
      if (watch.clock() - heldSinceMs >= HELD_BUDGET_MS) {
        options.warn(
          `${held} est toujours ouvert par un programme (Batigest ?) : il reste dans le dossier d'import, la prochaine passe attendra encore.`,
        );
        return { kind: "waiting" };
      }
      // Being read: the timeout starts again, and the next look is no sooner
      // than a second away, whatever wakes the wait meanwhile.
      waitStartMs = watch.clock();
      nextLookMs = waitStartMs + HELD_LOOK_MS;
      continue;
    }
    if (verdict === "inactive") {
      watch.declareInactive(quietSince({ ...facts, now: options.now() }));
      return { kind: "waiting" };
    }
    watch.untrack(record.id);
    const evidence = passedByEvidence(facts);
    return await withdrawAll(record, { files, options, why: evidence ? "passed-by" : "too-long" });
  }
}

/** The name of a file of `paths` a program holds open, if any (see the module doc). */
async function heldFile(
  paths: readonly string[],
  options: ImportWaitOptions,
): Promise<string | undefined> {
  for (const path of paths) {
    if (!exists(path)) continue;
    try {
      await withTransientRetry(() => options.fileOps.rename(path, path), {
        ...options.retry,
        maxMs: HELD_RETRY_MS,
      });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue; // taken meanwhile
      if (error instanceof FolderUnusable) throw error;
      if (isTransient(error) || describeSystemError(error).kind === "busy") {
        return nodePath.basename(path);
      }
      throw error;
    }
  }
  return undefined;
}

type WaitedFile = { name: string; path: string; withdrawnPath: string };

/** Withdraws the files still in the folder and says why, for the error path. */
async function withdrawAll(
  record: ExportRecord,
  what: {
    files: readonly WaitedFile[];
    options: ImportWaitOptions;
    why: "passed-by" | "too-long" | "interrupted" | "replaced";
  },
): Promise<ImportOutcome> {
  const { files, options } = what;
  const failpoint = options.failpoint ?? (() => {});
  const withdrawn: string[] = [];
  for (const file of files) {
    if (
      exists(file.withdrawnPath) ||
      (await withdraw(file.path, {
          withdrawnPath: file.withdrawnPath,
          fileOps: options.fileOps,
          retry: options.retry,
        })) === "withdrawn"
    ) {
      if (sizeOf(file.withdrawnPath) === 0) {
        // Emptied by Batigest at the last moment (it read it): not withdrawn,
        // and the empty copy is nothing to keep.
        await options.fileOps.remove(file.withdrawnPath).catch(() => {});
        continue;
      }
      withdrawn.push(file.name);
      failpoint("after-withdraw");
    }
  }
  // Taken at the last moment: as the watch decides, if the folder is still the one it was put in.
  if (withdrawn.length === 0) {
    const decision = options.watch.decide(files.map((f) => f.path));
    if (decision.kind !== "waiting") return await decided(record, { decision, options });
  }
  return {
    kind: "refused",
    reason: refusalReason({ withdrawn, files, record, why: what.why, options }),
  };
}

/**
 * The outcome of a document the watch decided: imported (its empty leftovers
 * removed), or refused with the trace Batigest left, and why.
 */
async function decided(
  record: ExportRecord,
  what: { decision: Decision; options: ImportWaitOptions },
): Promise<ImportOutcome> {
  const { decision, options } = what;
  if (decision.kind === "refused") {
    return { kind: "refused", reason: traceReason(record, decision.traces) };
  }
  await removeLeftovers(decision.leftovers, options);
  return { kind: "imported" };
}

/**
 * Removes the empty files Batigest left of a document it imported, so that
 * their names are free for the next document of that reference. Safe: such
 * a file holds nothing (0 bytes: no data of the document can be lost, and
 * Batigest has nothing left to import from it), it is checked empty again
 * just before, and it goes only once the document is decided imported. A
 * program that still holds it makes Windows refuse the removal (a sharing
 * violation, retried a moment), or, if it allowed deletion, the file goes
 * when it lets go. Not removed, it is said once; `doctor` shows it.
 */
export async function removeLeftovers(
  names: readonly string[],
  options: Pick<ImportWaitOptions, "folders" | "fileOps" | "retry" | "warn">,
): Promise<void> {
  for (const name of names) {
    const path = nodePath.join(options.folders.importDir, name);
    if (sizeOf(path) !== 0) continue; // gone, or not empty any more: not ours to remove
    try {
      await withTransientRetry(() => options.fileOps.remove(path), {
        ...options.retry,
        maxMs: HELD_RETRY_MS,
      });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      if (error instanceof FolderUnusable) throw error;
      options.warn(
        `${name}, vidé par Batigest qui l'a importé, n'a pas pu être supprimé du dossier d'import (${
          describeSystemError(error).cause
        }) : supprimez-le quand Batigest l'aura lâché ; le document est bien importé.`,
      );
    }
  }
}

/** What the administrator reads of a document Batigest refused with a trace. */
function traceReason(record: ExportRecord, traces: readonly Trace[]): string {
  const [first] = traces;
  const others = traces.length > 1 ? ` (et ${traces.slice(1).map((t) => t.path).join(", ")})` : "";
  return `Batigest a refusé ${first.of ?? record.reference} : ${
    whatBatigestDid(first)
  }${others}. ` +
    `Une copie du document est gardée dans Errors ; le fichier laissé par Batigest reste où il est. ` +
    `Lisez le message d'import de Batigest pour le document ${record.reference}, corrigez-le dans Saxium ` +
    `et relancez l'export, puis supprimez ${first.path} du dossier d'import.`;
}

/** What the administrator reads of a document taken back (mark-error, `.erreur.txt`). */
function refusalReason(facts: {
  withdrawn: readonly string[];
  files: readonly WaitedFile[];
  record: ExportRecord;
  why: "passed-by" | "too-long" | "interrupted" | "replaced";
  options: ImportWaitOptions;
}): string {
  const names = facts.withdrawn.join(", ");
  const partial = facts.withdrawn.length < facts.files.length
    ? " (les autres fichiers du document ont été importés)"
    : "";
  const hours = facts.options.settings.batigestRefusalHours;
  const what = facts.why === "passed-by"
    ? `Batigest a laissé ${names} dans son dossier d'import alors qu'il importait les documents déposés après lui : il l'a sans doute refusé${partial}.`
    : facts.why === "too-long"
    ? `Batigest n'a pas importé ${names} en ${hours} h, alors qu'il importait d'autres documents${partial}.`
    : `Batigest n'avait pas importé ${names}${partial} quand l'agent l'a retiré (retrait interrompu puis terminé).`;
  return `${what} Le fichier a été retiré du dossier d'import et gardé dans Errors. ` +
    `Vérifiez dans Batigest si le document ${facts.record.reference} a été importé ; ` +
    `seulement s'il ne l'a pas été, corrigez la cause (message d'import de Batigest) puis relancez l'export dans Saxium.`;
}
