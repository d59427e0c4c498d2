/**
 * The shapes a sync pass shares between its files: what it is given
 * (`PassContext`, the `SaxiumApi` it calls) and what it gives back
 * (`PassResult`).
 *
 * They live apart from `pass.ts` because the pass's two stories, one
 * export's steps (`export_story.ts`) and the pipeline that runs many of them
 * (`pipeline.ts`), need them too, while `pass.ts` imports those stories:
 * keeping the types here keeps the arrows pointing one way. Callers keep
 * importing them from `pass.ts`, which re-exports them.
 *
 * @module
 */

import { type DocumentFormat, type Settings } from "../base/settings.ts";
import type { FileOps, RetryOptions } from "../base/fs_retry.ts";
import type { Logger } from "../base/log.ts";
import type { WorkFolders } from "../base/work_folders.ts";
import type { PendingPage } from "../saxium/client.ts";
import type { Journal } from "../journal/journal.ts";
import type { BatigestWait } from "../batigest/working_hours.ts";

/** The part of the Saxium client a pass uses. */
export interface SaxiumApi {
  listPending(limit: number): Promise<PendingPage>;
  downloadTo(
    id: string,
    options: { format: DocumentFormat; path: string },
  ): Promise<{ bytes: number }>;
  markSynced(id: string, body: { batigestReference: string; importedAt: string }): Promise<void>;
  markError(
    id: string,
    body: { errorMessage: string; stage?: string; code?: string },
  ): Promise<void>;
}

/** Everything a pass works with; tests pass their own. */
export interface PassContext {
  settings: Settings;
  client: SaxiumApi;
  journal: Journal;
  log: Logger;
  folders: WorkFolders;
  fileOps: FileOps;
  /** Backoff for transient file-system errors. */
  retry?: RetryOptions;
  /**
   * Ctrl-C: stop taking work; requests and waits are cut short (the client
   * is given the same signal), and everything started stays resumable.
   */
  signal?: AbortSignal;
  /** Test-only crash points. */
  failpoint?: (name: string) => void;
  /** How many exports are downloaded ahead while Batigest imports (default 16). */
  prefetch?: number;
  /** How many downloads run at once (default 8). */
  downloads?: number;
  /** How many published documents may wait in the import folder at once (default 2). */
  window?: number;
  /** The pass's one clock (time stamps, import deadlines); the system's by default. */
  now?: () => Date;
  /**
   * Told how far the pass is each time an export is done or more become
   * known (the command writes it into the run's record, for `status`).
   */
  progress?: (progress: PassProgress) => void;
}

/** How far a pass is: exports done (synced, in error, replaced, acknowledged again) and known. */
export interface PassProgress {
  done: number;
  known: number;
}

/** Counts of what a pass did. */
export interface PassSummary {
  /** Exports imported by Batigest and acknowledged on Saxium. */
  synced: number;
  /** Exports that ended in error (refused, not imported in time). */
  errors: number;
  /** Exports replaced by a newer version of the same document before reaching Batigest. */
  replaced: number;
  /** Exports set aside in this pass (something about them alone failed), tried again later. */
  aside: number;
  /** Exports already in Batigest whose acknowledgement was sent again. */
  reacknowledged: number;
  /** Exports left half-way, to finish on the next pass. */
  unfinished: number;
}

/**
 * How a pass went, as a whole: `completed`, all fine (exports set aside for a
 * failure that may pass included); `export_errors`, at least one export in
 * error, or one a person must look at (refused by Saxium, aside for a day,
 * an item Saxium should never send);
 * `server_unavailable`, Saxium could not be used (unreachable, refused);
 * `local_trouble`, this machine stopped it (a full disk);
 * `batigest_inactive`, Batigest took nothing (closed?), nothing in error,
 * documents left waiting; `folder_unusable`, the import or work folder
 * refuses the agent, or the import folder was renamed or replaced.
 */
export type PassStatus =
  | "completed"
  | "export_errors"
  | "server_unavailable"
  | "local_trouble"
  | "batigest_inactive"
  | "folder_unusable";

/** How a pass ended. */
export interface PassResult {
  status: PassStatus;
  summary: PassSummary;
  /** Why the pass stopped early, for the administrator. */
  message?: string;
  /** The ERROR lines this pass logged, in order, as written (message only, no date nor level). */
  errors: string[];
  /** How long the pass worked, by a monotonic clock (ms). */
  elapsedMs: number;
  /** Batigest took nothing: how long its documents have waited, in its working hours. */
  batigestWait?: BatigestWait;
}
