/**
 * Receipts: the agent's memory outside its database. Before a document is
 * published into Batigest's folder, a small file `Receipts\<id>.json` in the
 * work folder says which export it is and under which names it goes in,
 * written and flushed to disk first. The journal (`State\`) may then be
 * deleted, emptied, damaged or restored from an old backup: an export Saxium
 * offers again with a receipt is rebuilt from it (and from what the folders
 * show), never delivered a second time. Receipts lived in `State\receipts`
 * before: the first run takes them out ({@linkcode adoptStateReceipts}), so
 * that emptying `State\` never reaches them.
 *
 * Each run that opens its journal makes sure every document past `ready`
 * has its receipt (an agent from before receipts did not write them), then
 * leaves a note in the receipts folder ({@linkcode completeReceipts}). From
 * then on, a copy in `ToImport\` or a temporary file that no receipt covers
 * was never published: a new journal simply takes it up again. Without the
 * note (the receipts lost with the journal, or never written), the agent
 * cannot know whether Batigest has such a document: it refuses to go on,
 * run after run, until the administrator has looked ({@linkcode MemoryLost},
 * exit 2), and names them.
 *
 * A receipt is removed only when the document was taken back out of the
 * import folder (not imported, kept in `Errors\`), once the journal says so
 * durably; a receipt of an imported document stays.
 *
 * @module
 */

import { createHash } from "node:crypto";
import nodePath from "node:path";
import type { WorkFolders } from "../base/work_folders.ts";
import { exists, stagingPath, withdrawnPath } from "../base/work_folders.ts";
import type { ExportFile, ExportRecord, ExportState } from "./states.ts";

/** What a receipt keeps of an export. */
export type Receipt =
  & Pick<ExportRecord, "id" | "reference" | "documentType" | "baseName">
  & Partial<Pick<ExportRecord, "generatedAt">>
  & {
    files: ExportFile[];
    /** When it was written (ISO 8601). */
    at: string;
  };

/**
 * The newest version of a document the agent published, kept by document
 * (`Receipts\documents\<type>-<name>.json`) beside the receipts: the
 * journal may forget which version went to Batigest, and Saxium stops
 * listing it once acknowledged; an older version offered again must still
 * be known as replaced (`versions.ts`).
 */
export interface PublishedVersion {
  id: string;
  /** When Saxium generated it (ISO 8601). */
  generatedAt: string;
}

/** The folder of receipts. */
export function receiptsDir(folders: Pick<WorkFolders, "receipts">): string {
  return folders.receipts;
}

function receiptPath(folders: Pick<WorkFolders, "receipts">, id: string): string {
  return nodePath.join(receiptsDir(folders), `${id}.json`);
}

/**
 * Where a document's newest version published is noted: named by a hash of
 * its type and exact reference (two references differing by case, or that
 * make the same safe file name, are two documents).
 */
function documentPath(
  folders: Pick<WorkFolders, "receipts">,
  doc: Pick<ExportRecord, "documentType" | "reference">,
): string {
  const key = createHash("sha256").update(`${doc.documentType}\n${doc.reference}`).digest("hex");
  return nodePath.join(receiptsDir(folders), "documents", `${key.slice(0, 32)}.json`);
}

/**
 * Writes the receipt of a staged export and flushes it to disk, before its
 * publication, and notes it as its document's newest version published if
 * it is.
 */
export async function writeReceipt(
  folders: Pick<WorkFolders, "receipts">,
  export_: Omit<Receipt, "at"> & { at?: string },
  now?: Date,
): Promise<void> {
  const { id, reference, documentType, baseName, generatedAt, files } = export_;
  const receipt: Receipt = {
    id,
    reference,
    documentType,
    baseName,
    generatedAt,
    files,
    at: export_.at ?? (now ?? new Date()).toISOString(),
  };
  await writeDurably(receiptPath(folders, id), JSON.stringify(receipt));
  const published = publishedVersion(folders, receipt);
  if (generatedAt && (!published || published.generatedAt <= generatedAt)) {
    const version: PublishedVersion = { id, generatedAt };
    // An index of what the receipts say, not flushed on its own (a flush per
    // document costs more than the rest of its publication): only a power cut
    // in the seconds after it, and then the journal lost as well, would lose it.
    await writeAtomically(documentPath(folders, receipt), JSON.stringify(version));
  }
}

/** The newest version of `doc`'s document the agent published, if it knows one. */
export function publishedVersion(
  folders: Pick<WorkFolders, "receipts">,
  doc: Pick<ExportRecord, "documentType" | "reference">,
): PublishedVersion | undefined {
  try {
    const value = JSON.parse(Deno.readTextFileSync(documentPath(folders, doc)));
    return typeof value?.id === "string" && typeof value?.generatedAt === "string"
      ? { id: value.id, generatedAt: value.generatedAt }
      : undefined;
  } catch {
    return undefined; // none yet, or cut short by a crash before its rename
  }
}

/** Writes `text` to `path` through a flushed temporary file, its folder created if need be. */
function writeDurably(path: string, text: string): Promise<void> {
  return writeAtomically(path, text, { flush: true });
}

/** Writes `text` to `path` through a temporary file (flushed first with `flush`): all or nothing. */
async function writeAtomically(
  path: string,
  text: string,
  options: { flush?: boolean } = {},
): Promise<void> {
  const temp = `${path}.tmp`;
  {
    using file = await Deno.open(temp, { write: true, create: true, truncate: true }).catch(
      async (error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        await Deno.mkdir(nodePath.dirname(path), { recursive: true }); // the first one
        return await Deno.open(temp, { write: true, create: true, truncate: true });
      },
    );
    await file.write(new TextEncoder().encode(text));
    if (options.flush) await file.sync();
  }
  await Deno.rename(temp, path);
}

/** The receipt of export `id`, if there is a readable one. */
export async function readReceipt(
  folders: Pick<WorkFolders, "receipts">,
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

/**
 * Removes the receipt of an export whose document was taken back, not
 * imported (and forgets it as its document's newest version published).
 */
export async function removeReceipt(
  folders: Pick<WorkFolders, "receipts">,
  record: Pick<ExportRecord, "id" | "documentType" | "reference">,
): Promise<void> {
  const gone = (error: unknown) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  };
  if (publishedVersion(folders, record)?.id === record.id) {
    await Deno.remove(documentPath(folders, record)).catch(gone);
  }
  await Deno.remove(receiptPath(folders, record.id)).catch(gone);
}

/**
 * Where a published export stands, judged from the folders: still under
 * its temporary name, `staged`; otherwise `delivered`, whether it waits in
 * the import folder, was being withdrawn, or left it: the wait for Batigest
 * decides, as for any document it published (gone with no trace of a
 * refusal: imported; renamed `.err` or the like: refused).
 */
export function stateFromFolders(folders: WorkFolders, receipt: Receipt): ExportState {
  const { id, files } = receipt;
  const waiting = files.some((f) =>
    exists(withdrawnPath(folders, id, f.format)) ||
    exists(nodePath.join(folders.importDir, f.importName))
  );
  const staged = files.some((f) => exists(stagingPath(folders, id, f.format)));
  return staged && !waiting ? "staged" : "delivered";
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

/**
 * Moves the receipts an earlier version kept in `State\receipts` to the
 * receipts folder (one already there wins), then removes the old folder.
 * Returns how many moved.
 */
export function adoptStateReceipts(folders: Pick<WorkFolders, "state" | "receipts">): number {
  const old = nodePath.join(folders.state, "receipts");
  let moved = 0;
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(old)];
  } catch {
    return 0; // none
  }
  Deno.mkdirSync(folders.receipts, { recursive: true });
  for (const entry of entries) {
    if (!entry.isFile || !entry.name.endsWith(".json")) continue;
    const target = nodePath.join(folders.receipts, entry.name);
    if (exists(target)) Deno.removeSync(nodePath.join(old, entry.name));
    else {
      Deno.renameSync(nodePath.join(old, entry.name), target);
      moved++;
    }
  }
  try {
    Deno.removeSync(old, { recursive: true });
  } catch {
    // a file of another kind left there: harmless
  }
  return moved;
}

/** The note that says every published document in flight has its receipt (see the module doc). */
const COMPLETE_NOTE = "LISEZMOI.txt";

const NOTE_TEXT =
  "Ce dossier garde un reçu par document déposé dans Batigest par l'agent Saxium.\r\n" +
  "Grâce à eux, l'agent ne dépose jamais deux fois le même document, même si son journal (dossier State) est perdu.\r\n" +
  "Ne supprimez ni ce dossier ni ce fichier.\r\n";

/** States in which a document may be in Batigest's folder, or already in Batigest. */
const PUBLISHED_STATES: readonly ExportState[] = [
  "staged",
  "delivered",
  "imported",
  "acknowledged",
];

/** Whether every published document in flight has had its receipt since the note was written. */
export function receiptsComplete(folders: Pick<WorkFolders, "receipts">): boolean {
  return exists(nodePath.join(receiptsDir(folders), COMPLETE_NOTE));
}

/**
 * Writes the receipt each record past `ready` lacks (from `records`, the
 * journal's unfinished ones), then the note that makes it so. Returns how
 * many receipts were written.
 */
export async function completeReceipts(
  folders: Pick<WorkFolders, "receipts">,
  records: readonly ExportRecord[],
  now: Date,
): Promise<number> {
  let written = 0;
  for (const record of records) {
    if (!PUBLISHED_STATES.includes(record.state) || record.files.length === 0) continue;
    if (exists(receiptPath(folders, record.id))) continue;
    await writeReceipt(folders, { ...record, at: now.toISOString() });
    written++;
  }
  if (!receiptsComplete(folders)) {
    await Deno.mkdir(receiptsDir(folders), { recursive: true });
    await Deno.writeTextFile(nodePath.join(receiptsDir(folders), COMPLETE_NOTE), NOTE_TEXT);
  }
  return written;
}

/** The journal is new, and documents are in flight that no receipt covers: see the module doc. */
export class MemoryLost extends Error {
  constructor(readonly documents: readonly string[], readonly folders: Pick<WorkFolders, "state">) {
    super(
      `Le journal de l'agent (${folders.state}) a disparu ou a été vidé alors que des documents étaient en cours, ` +
        `et aucun reçu ne dit s'ils sont déjà dans Batigest : ${documents.slice(0, 5).join(", ")}${
          documents.length > 5 ? ", …" : ""
        }. Rien n'a été fait. Remettez en place le dossier State d'origine (copie ou sauvegarde) ; ` +
        `sinon, vérifiez dans Batigest si ces documents y sont, puis supprimez leurs fichiers de ToImport ` +
        `(et, dans le dossier d'import de Batigest, les fichiers ~saxium-… qui les portent) : l'agent reprendra.`,
    );
    this.name = "MemoryLost";
  }
}

/**
 * The documents in flight that no receipt covers, named by their reference
 * (read from their copy) or their export id: withdrawal markers in the
 * import folder, and, unless the receipts are complete, copies in
 * `ToImport\` and temporary files. Meaningful only when the journal is new:
 * otherwise the journal knows them.
 */
export function uncoveredInFlight(folders: WorkFolders): string[] {
  const found = new Map<string, string>();
  const covered = (id: string) => exists(receiptPath(folders, id));
  const look = (dir: string, pattern: RegExp) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      return;
    }
    for (const entry of entries) {
      const match = pattern.exec(entry.name);
      if (!entry.isFile || !match || covered(match[1]) || found.has(match[1])) continue;
      found.set(match[1], referenceIn(nodePath.join(dir, entry.name)) ?? match[1]);
    }
  };
  const ID = "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})";
  if (receiptsComplete(folders)) {
    // Copies and temporary files without a receipt were never published.
    look(folders.importDir, new RegExp(`^~saxium-${ID}\\.(xml|csv)\\.withdrawn$`));
  } else {
    look(folders.toImport, new RegExp(`^${ID}\\.(xml|csv)$`));
    look(folders.importDir, new RegExp(`^~saxium-${ID}\\.(xml|csv)\\.(tmp|withdrawn)$`));
  }
  return [...found.values()].sort();
}

/** The document reference a copy holds (XML `<Reference>`, or the CSV's second field), if readable. */
function referenceIn(path: string): string | undefined {
  let head: string;
  try {
    using file = Deno.openSync(path);
    const bytes = new Uint8Array(8192);
    const n = file.readSync(bytes) ?? 0;
    head = new TextDecoder().decode(bytes.subarray(0, n));
  } catch {
    return undefined;
  }
  const xml = /<Reference>\s*([^<]{1,80}?)\s*<\/Reference>/.exec(head)?.[1];
  if (xml) return xml;
  const row = head.split(/\r?\n/)[1]?.split(";")[1]?.trim();
  return row ? row.slice(0, 80) : undefined;
}
