/**
 * Receipts: the agent's memory outside its database. Before a document is
 * published into Batigest's folder, a small file `State\receipts\<id>.json`
 * says which export it is and under which names it goes in, written and
 * flushed to disk first. The journal may then be deleted, damaged or
 * restored from an old backup: an export Saxium offers again with a receipt
 * is rebuilt from it (and from what the folders show), never delivered a
 * second time.
 *
 * A receipt is removed only when the document was taken back out of the
 * import folder (not imported, kept in `Errors\`), once the journal says so
 * durably; a receipt of an imported document stays.
 *
 * @module
 */

import nodePath from "node:path";
import type { WorkFolders } from "../base/work_folders.ts";
import { exists, stagingPath, withdrawnPath } from "../base/work_folders.ts";
import type { ExportFile, ExportRecord, ExportState } from "./journal.ts";

/** What a receipt keeps of an export. */
export type Receipt = Pick<ExportRecord, "id" | "reference" | "documentType" | "baseName"> & {
  files: ExportFile[];
  /** When it was written (ISO 8601). */
  at: string;
};

/** The folder of receipts. */
export function receiptsDir(folders: Pick<WorkFolders, "state">): string {
  return nodePath.join(folders.state, "receipts");
}

function receiptPath(folders: Pick<WorkFolders, "state">, id: string): string {
  return nodePath.join(receiptsDir(folders), `${id}.json`);
}

/** Writes the receipt of a staged export and flushes it to disk, before its publication. */
export async function writeReceipt(
  folders: Pick<WorkFolders, "state">,
  receipt: Receipt,
): Promise<void> {
  const path = receiptPath(folders, receipt.id);
  const temp = `${path}.tmp`;
  {
    using file = await Deno.open(temp, { write: true, create: true, truncate: true }).catch(
      async (error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        await Deno.mkdir(receiptsDir(folders), { recursive: true }); // the first receipt
        return await Deno.open(temp, { write: true, create: true, truncate: true });
      },
    );
    await file.write(new TextEncoder().encode(JSON.stringify(receipt)));
    await file.sync();
  }
  await Deno.rename(temp, path);
}

/** The receipt of export `id`, if there is a readable one. */
export async function readReceipt(
  folders: Pick<WorkFolders, "state">,
  id: string,
): Promise<Receipt | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(receiptPath(folders, id));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Receipt;
    return value.id === id && Array.isArray(value.files) ? value : undefined;
  } catch {
    return undefined; // cut short by a crash before its rename: never published
  }
}

/** Removes the receipt of export `id` (its document was taken back, not imported). */
export async function removeReceipt(
  folders: Pick<WorkFolders, "state">,
  id: string,
): Promise<void> {
  await Deno.remove(receiptPath(folders, id)).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

/**
 * Where a published export stands, judged from the folders: withdrawn
 * (a marker left by an interrupted withdrawal) or still in the import
 * folder, `delivered` (the wait for Batigest decides); still under its
 * temporary name, `staged`; gone, `imported` (Batigest took it).
 */
export function stateFromFolders(folders: WorkFolders, receipt: Receipt): ExportState {
  const { id, files } = receipt;
  const withdrawn = files.some((f) => exists(withdrawnPath(folders, id, f.format)));
  const waiting = files.some((f) => exists(nodePath.join(folders.importDir, f.importName)));
  if (withdrawn || waiting) return "delivered";
  if (files.some((f) => exists(stagingPath(folders, id, f.format)))) return "staged";
  return "imported";
}

/**
 * Files left in `ToImport\` by an export the journal forgot (deleted,
 * restored) and Saxium no longer offers, although its receipt says it was
 * delivered: it was acknowledged, so its copy goes to `Archive\`. Called
 * only after a pass saw the whole pending list. Returns the names archived.
 */
export async function archiveOrphans(
  folders: WorkFolders,
  options: { known: (id: string) => boolean; archiveName: (name: string) => string },
): Promise<string[]> {
  const archived: string[] = [];
  for (const entry of Deno.readDirSync(folders.toImport)) {
    const match = /^([0-9a-f-]{36})\.(xml|csv)$/.exec(entry.name);
    if (!entry.isFile || !match || options.known(match[1])) continue;
    const receipt = await readReceipt(folders, match[1]);
    const file = receipt?.files.find((f) => f.format === match[2]);
    if (!file) continue;
    const target = nodePath.join(folders.archive, options.archiveName(file.importName));
    await Deno.rename(nodePath.join(folders.toImport, entry.name), target);
    archived.push(file.importName);
  }
  return archived;
}
