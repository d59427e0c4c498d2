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
import type { PendingExport } from "../saxium/client.ts";
import type { PassContext } from "./pass_types.ts";
import type { PassReport } from "./pass_report.ts";

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

/**
 * Ids Saxium should never send: reported once (ERROR line, hence an alert),
 * remembered, and passed over quietly at the next passes.
 */
export class SkippedIds {
  #ctx: PassContext;
  #report: PassReport;
  #known?: Set<string>;

  constructor(ctx: PassContext, report: PassReport) {
    this.#ctx = ctx;
    this.#report = report;
  }

  /** Notes an invalid id: reported the first time it is ever seen. */
  note(item: PendingExport): void {
    this.#known ??= loadSkippedIds(this.#ctx.folders);
    const key = skippedKey(item.id);
    const what = `identifiant « ${item.id.slice(0, 60)} » (référence « ${
      item.documentReference.slice(0, 60)
    } »)`;
    if (this.#known.has(key)) {
      this.#report.debug(`Export ignoré de nouveau : ${what} invalide.`);
      return;
    }
    this.#known.add(key);
    rememberSkippedId(this.#ctx.folders, item.id);
    this.#report.heldBack();
    this.#report.error(
      `Export ignoré : ${what} invalide (un UUID est attendu) ; signalez-le au support Saxium. ` +
        "Il ne sera plus signalé, et les exports suivants sont traités.",
    );
  }
}
