/**
 * What a sync pass shares between its files: what it is given
 * (`PassContext`, the `SaxiumApi` it calls, the calls about one export),
 * what it says as it goes ({@linkcode PassReport}), and what it gives back
 * (`PassResult`). The pass's two stories, one export's steps
 * (`export_story.ts`) and the pipeline that runs many of them
 * (`pipeline.ts`), need them, while `pass.ts` imports those stories: keeping
 * them here, at the bottom, keeps the arrows pointing one way. Callers keep
 * importing the types from `pass.ts`, which re-exports them.
 *
 * The report gathers, while the pass runs, what it will say when it ends:
 * the lines it logs, the exports it synced, failed or acknowledged again,
 * and whether a local problem held one back. Every line goes to the agent's
 * log as before, and each ERROR line is also kept, as written, for the
 * result (`PassResult.errors`): whoever reports on the pass (the alert
 * e-mail, the webhook) gets the pass's own errors from its result instead
 * of reading the day's log file back and guessing which lines were this
 * pass's. On a backlog it also says where it stands: an INFO line every
 * {@linkcode PROGRESS_EVERY} exports or {@linkcode PROGRESS_MS} of work,
 * with what is left and an estimate of the time it needs; and it tells the
 * pass's `progress` callback (if any) at every change, which the `sync`
 * command writes into the run's record for `status`, a few seconds apart.
 *
 * @module
 */

import { type DocumentFormat, type Settings } from "../base/settings.ts";
import type { FileOps, RetryOptions } from "../base/fs_retry.ts";
import type { WorkFolders } from "../base/work_folders.ts";
import type { PendingPage } from "../saxium/client.ts";
import type { ExportRecord, Journal } from "../journal/journal.ts";
import type { BatigestWait } from "../batigest/working_hours.ts";
import { formatDuration, plural } from "../base/french.ts";
import { type Logger, sanitize } from "../base/log.ts";

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

/**
 * What Saxium answered about one export: the call's value; `already` (409:
 * done before); `gone` (404, 410: the export no longer exists there);
 * `refused` (any other 4xx, or `success: false`: a person must look at it);
 * `retry` (a failure that may pass). None of them concerns the other exports.
 */
export type ExportAnswer<T> =
  | { outcome: "done"; value: T }
  | { outcome: "already" }
  | { outcome: "gone" }
  | { outcome: "refused"; reason: string }
  | { outcome: "retry"; reason: string };

/**
 * The calls about one export, as the pass reads them (`failures.ts`'s
 * `SaxiumCalls`): a call made, and Saxium's answer about that export alone.
 */
export interface ExportCalls {
  forExport<T>(
    call: () => Promise<T>,
    options: {
      record: Pick<ExportRecord, "reference" | "id" | "aside">;
      what: string;
      repeatable?: boolean;
    },
  ): Promise<ExportAnswer<T>>;
  markSynced(record: ExportRecord): Promise<ExportAnswer<void>>;
}

// ---------------------------------------------------------------------------
// The report

/** What the steps count: every figure of a {@linkcode PassSummary} but the unfinished. */
export type PassCount = Exclude<keyof PassSummary, "unfinished">;

/** A progress line after this many exports done… */
export const PROGRESS_EVERY = 25;
/** …or after this long since the last one (ms), whichever comes first. */
export const PROGRESS_MS = 10_000;

/** The log and the tally of one pass; see the module doc. */
export class PassReport {
  #log: Logger;
  #secrets: readonly string[];
  #errors: string[] = [];
  #counts: Record<PassCount, number> = {
    synced: 0,
    errors: 0,
    replaced: 0,
    aside: 0,
    reacknowledged: 0,
  };
  #needsAttention = false;
  #clock: () => number;
  #startedAt: number;
  #known = 0;
  #lastProgress: { at: number; done: number };
  #onProgress?: (progress: PassProgress) => void;

  /**
   * Writes through `log`. `secrets` are those `log` masks (the token), so that
   * the kept ERROR lines read exactly as the log file does. `clock` is a
   * monotonic time in ms (`performance.now` by default), for the progress lines;
   * `progress` is told how far the pass is at every change.
   */
  constructor(
    log: Logger,
    options: {
      secrets: readonly string[];
      clock?: () => number;
      progress?: (progress: PassProgress) => void;
    },
  ) {
    this.#log = log;
    this.#secrets = options.secrets;
    this.#onProgress = options.progress;
    this.#clock = options.clock ?? (() => performance.now());
    this.#startedAt = this.#clock();
    this.#lastProgress = { at: this.#startedAt, done: 0 };
  }

  /** How many exports the pass knows of so far (Saxium's list grows as it is asked again). */
  known(total: number): void {
    if (total <= this.#known) return;
    this.#known = total;
    this.#tell(this.#done());
  }

  #done(): number {
    return this.#counts.synced + this.#counts.errors + this.#counts.replaced +
      this.#counts.reacknowledged;
  }

  #tell(done: number): void {
    this.#onProgress?.({ done, known: Math.max(this.#known, done) });
  }

  /** Detailed progress. */
  debug(message: string): void {
    this.#log.debug(message);
  }

  /** Normal progress. */
  info(message: string): void {
    this.#log.info(message);
  }

  /** Something went wrong but was handled or will be retried. */
  warning(message: string): void {
    this.#log.warning(message);
  }

  /** Something needs a person: logged, and kept for the result. */
  error(message: string): void {
    this.#log.error(message);
    this.#errors.push(sanitize(message, this.#secrets));
  }

  /** One more export synced, in error, replaced, set aside, or acknowledged again. */
  count(what: PassCount): void {
    this.#counts[what]++;
    this.#progress();
  }

  /** The progress line, when a backlog has moved on enough since the last one. */
  #progress(): void {
    const done = this.#done();
    this.#tell(done);
    const now = this.#clock();
    const due = done - this.#lastProgress.done >= PROGRESS_EVERY ||
      now - this.#lastProgress.at >= PROGRESS_MS;
    const total = Math.max(this.#known, done);
    if (!due || done >= total) return;
    this.#lastProgress = { at: now, done };
    const perExport = (now - this.#startedAt) / done;
    const left = formatDuration(perExport * (total - done));
    this.#log.info(
      `Progression : ${done} exports traités sur ${total} connus (${
        plural(this.#counts.synced, "synchronisé")
      }, ${this.#counts.errors} en erreur) ; reste environ ${left}.`,
    );
  }

  /** How long the pass has worked (ms), by the monotonic clock. */
  elapsedMs(): number {
    return this.#clock() - this.#startedAt;
  }

  /**
   * Something a person must look at, though no export ended in error (an
   * export Saxium refuses to hear about, an item it should never send): the
   * pass ends with exports in error (exit 1).
   */
  needsAttention(): void {
    this.#needsAttention = true;
  }

  /**
   * The pass's outcome: `stoppedBy` is why Saxium could not be used (if it
   * could not), `trouble` what on this machine stopped it, `folderProblem`
   * why a folder could not be used, `batigestInactive` the line saying
   * Batigest stopped importing, `unfinished` how many exports the journal
   * has half-way.
   */
  result(
    options: {
      stoppedBy?: string;
      trouble?: string;
      folderProblem?: string;
      batigestInactive?: string;
      unfinished: number;
    },
  ): PassResult {
    const status: PassStatus = options.trouble !== undefined
      ? "local_trouble"
      : options.stoppedBy !== undefined
      ? "server_unavailable"
      : options.folderProblem !== undefined
      ? "folder_unusable"
      : this.#counts.errors > 0 || this.#needsAttention
      ? "export_errors"
      : options.batigestInactive !== undefined
      ? "batigest_inactive"
      : "completed";
    return {
      status,
      summary: { ...this.#counts, unfinished: options.unfinished },
      message: options.trouble ?? options.stoppedBy ?? options.folderProblem ??
        options.batigestInactive,
      errors: [...this.#errors],
      elapsedMs: Math.round(this.elapsedMs()),
    };
  }
}
