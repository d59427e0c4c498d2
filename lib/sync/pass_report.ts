/**
 * What a pass will say when it ends, gathered while it runs: the lines it
 * logs, the exports it synced, failed or acknowledged again, and whether a
 * local problem held one back. Both stories of the pass (`export_steps.ts`,
 * `pipeline.ts`) write into it; `pass.ts` turns it into the `PassResult`.
 *
 * Every line goes to the agent's log as before, and each ERROR line is also
 * kept, as written, for the result (`PassResult.errors`): whoever reports on
 * the pass (the alert e-mail, the webhook) gets the pass's own errors from
 * its result instead of reading the day's log file back and guessing which
 * lines were this pass's.
 *
 * @module
 */

import { type Logger, sanitize } from "../base/log.ts";
import type { PassResult, PassStatus, PassSummary } from "./pass_types.ts";

/** What the steps count: every figure of a {@linkcode PassSummary} but the unfinished. */
export type PassCount = Exclude<keyof PassSummary, "unfinished">;

/** The log and the tally of one pass; see the module doc. */
export class PassReport {
  #log: Logger;
  #secrets: readonly string[];
  #errors: string[] = [];
  #counts: Record<PassCount, number> = { synced: 0, errors: 0, reacknowledged: 0 };
  #heldBack = false;

  /**
   * Writes through `log`. `secrets` are those `log` masks (the token), so that
   * the kept ERROR lines read exactly as the log file does.
   */
  constructor(log: Logger, options: { secrets: readonly string[] }) {
    this.#log = log;
    this.#secrets = options.secrets;
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

  /** One more export synced, in error, or acknowledged again. */
  count(what: PassCount): void {
    this.#counts[what]++;
  }

  /** A local problem (disk, a name taken, an invalid id) held an export back. */
  heldBack(): void {
    this.#heldBack = true;
  }

  /**
   * The pass's outcome: `stoppedBy` is why Saxium could not be used (if it
   * could not), `folderProblem` why a folder could not, `batigestInactive`
   * the line saying Batigest stopped importing, `unfinished` how many exports
   * the journal has half-way.
   */
  result(
    options: {
      stoppedBy?: string;
      folderProblem?: string;
      batigestInactive?: string;
      unfinished: number;
    },
  ): PassResult {
    const status: PassStatus = options.stoppedBy !== undefined
      ? "server_unavailable"
      : options.folderProblem !== undefined
      ? "folder_unusable"
      : this.#counts.errors > 0 || this.#heldBack
      ? "export_errors"
      : options.batigestInactive !== undefined
      ? "batigest_inactive"
      : "completed";
    return {
      status,
      summary: { ...this.#counts, unfinished: options.unfinished },
      message: options.stoppedBy ?? options.folderProblem ?? options.batigestInactive,
      errors: [...this.#errors],
    };
  }
}
