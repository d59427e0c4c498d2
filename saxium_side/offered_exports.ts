/**
 * Which exports the agents are offered: the one rule that closes the gap in
 * Saxium's queue.
 *
 * Both generation routes create an export in status `ready`; the pending
 * route lists only `pending`; no route ever sets `pending`. So nothing made
 * in Saxium reaches an agent. The fix is on the reading side: the pending
 * route lists every export an agent still has to take, `ready` and `pending`
 * alike. Reading both (rather than making the generators write `pending`)
 * also delivers the exports already waiting in `ready` today, with no data
 * migration, and keeps working if one generator is forgotten.
 *
 * In Saxium's storage, the pending query's `status = 'pending'` becomes
 * `status IN ('ready', 'pending')` (with Drizzle, for instance
 * `inArray(<exports table>.status, [...OFFERED_EXPORT_STATUSES])`), still
 * newest first with the route's limit.
 *
 * @module
 */

/** The statuses of an export the agents still have to take, as the pending route lists them. */
export const OFFERED_EXPORT_STATUSES: readonly ["ready", "pending"] = ["ready", "pending"];

/** One of `OFFERED_EXPORT_STATUSES`. */
export type OfferedExportStatus = (typeof OFFERED_EXPORT_STATUSES)[number];

/**
 * Whether an export in this status belongs in the pending list.
 *
 * @example
 * ```ts
 * const offered = allExports.filter((e) => isOfferedToAgents(e.status));
 * ```
 */
export function isOfferedToAgents(status: string): status is OfferedExportStatus {
  return (OFFERED_EXPORT_STATUSES as readonly string[]).includes(status);
}
