/**
 * The contract's exit codes (Task Scheduler shows them as "Last Run Result"):
 * the one table every command returns from, and the README documents.
 *
 * @module
 */

/** Exit codes from the contract. */
export const EXIT = {
  ok: 0,
  exportErrors: 1,
  config: 2,
  unreachable: 3,
  locked: 4,
  /** Batigest is not importing (closed?): nothing in error, nothing lost, the next pass resumes. */
  batigestInactive: 5,
} as const;
