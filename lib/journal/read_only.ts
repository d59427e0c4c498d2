/**
 * The journal as the read-only commands (`status`, `doctor`, the support
 * bundle) and Batigest's memory read it from outside a pass: opened
 * read-only, read, closed again; never created nor upgraded.
 *
 * @module
 */

import type { WorkFolders } from "../base/work_folders.ts";
import { Journal } from "./journal.ts";
import { readLegacyValue, type SmallStateKey } from "./small_state.ts";

/**
 * The value of `key` in the small state: the journal opened read-only and
 * closed again, or, when there is no journal a reader can open, the file the
 * key lived in before its table.
 */
export function readSmallState(
  folders: Pick<WorkFolders, "state">,
  key: SmallStateKey,
  options: { journalPath: string },
): string | undefined {
  let journal: Journal;
  try {
    journal = new Journal(options.journalPath, { readOnly: true });
  } catch {
    return readLegacyValue(folders, key);
  }
  try {
    return journal.smallState(folders).get(key) ?? readLegacyValue(folders, key);
  } finally {
    journal.close();
  }
}
