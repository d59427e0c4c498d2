/**
 * What a pass will say when it ends, gathered while it runs: the lines it
 * logs, the exports it synced, failed or acknowledged again, and whether a
 * local problem held one back. Both stories of the pass (`export_story.ts`,
 * `pipeline.ts`) write into it; `pass.ts` turns it into the `PassResult`.
 *
 * Every line goes to the agent's log as before, and each ERROR line is also
 * kept, as written, for the result (`PassResult.errors`): whoever reports on
 * the pass (the alert e-mail, the webhook) gets the pass's own errors from
 * its result instead of reading the day's log file back and guessing which
 * lines were this pass's.
 *
 * On a backlog it also says where it stands: an INFO line every
 * {@linkcode PROGRESS_EVERY} exports or {@linkcode PROGRESS_MS} of work,
 * with what is left and an estimate of the time it needs; and it tells the
 * pass's `progress` callback (if any) at every change, which the `sync`
 * command writes into the run's record for `status`, a few seconds apart.
 *
 * @module
 */

import { formatDuration, plural } from "../base/french.ts";
import { type Logger, sanitize } from "../base/log.ts";
import type { PassProgress, PassResult, PassStatus, PassSummary } from "./pass_types.ts";

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
