/**
 * What a pass will say when it ends, gathered while it runs: the lines it
 * logs, the exports it synced, failed or acknowledged again, and whether a
 * local problem held one back. Both stories of the pass (`export_steps.ts`,
 * `pipeline.ts`) write into it; `pass.ts` turns it into the `PassResult`.
 *
 * @module
 */

import type { Logger } from "../base/log.ts";
import type { PassResult, PassSummary } from "./pass_types.ts";

/** What the steps count: every figure of a {@linkcode PassSummary} but the unfinished. */
export type PassCount = Exclude<keyof PassSummary, "unfinished">;

/** The log and the tally of one pass; see the module doc. */
export class PassReport {
  #log: Logger;
  #counts: Record<PassCount, number> = { synced: 0, errors: 0, reacknowledged: 0 };
  #heldBack = false;

  /** Writes through `log`. */
  constructor(log: Logger) {
    this.#log = log;
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

  /** Something needs a person. */
  error(message: string): void {
    this.#log.error(message);
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
   * could not), `unfinished` how many exports the journal has half-way.
   */
  result(options: { stoppedBy?: string; unfinished: number }): PassResult {
    const exitCode = options.stoppedBy !== undefined
      ? 3
      : this.#counts.errors > 0 || this.#heldBack
      ? 1
      : 0;
    return {
      exitCode,
      summary: { ...this.#counts, unfinished: options.unfinished },
      message: options.stoppedBy,
    };
  }
}
