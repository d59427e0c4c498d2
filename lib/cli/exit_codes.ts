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
  /** This machine stopped the pass: a full disk, an unexpected error of the agent. */
  localTrouble: 6,
} as const;
