/**
 * Ids Saxium should never send (not a UUID): remembered in
 * `State\skipped-ids.txt`, one a line, so that each is reported once (an
 * ERROR line, hence an alert) and then passed over quietly, instead of
 * failing every run for ever. Losing the file only means reporting them
 * once more.
 *
 * @module
 */

import nodePath from "node:path";
import type { WorkFolders } from "../base/work_folders.ts";

function skippedPath(folders: Pick<WorkFolders, "state">): string {
  return nodePath.join(folders.state, "skipped-ids.txt");
}

/** The ids already reported and skipped since. */
export function loadSkippedIds(folders: Pick<WorkFolders, "state">): Set<string> {
  try {
    const text = Deno.readTextFileSync(skippedPath(folders));
    return new Set(text.split(/\r?\n/).filter((line) => line !== ""));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return new Set();
    throw error;
  }
}

/** Remembers an id as reported (one line, appended). */
export function rememberSkippedId(folders: Pick<WorkFolders, "state">, id: string): void {
  // One line however the id is made: line breaks inside it are escaped.
  const line = JSON.stringify(id).slice(1, -1);
  Deno.writeTextFileSync(skippedPath(folders), `${line}\n`, { append: true });
}

/** The form an id is remembered under (see `rememberSkippedId`). */
export function skippedKey(id: string): string {
  return JSON.stringify(id).slice(1, -1);
}
