/**
 * What one pass sees of Batigest: the documents it published (or found
 * waiting), in order, which of them left the import folder and when, and
 * whether Batigest is taken to be inactive. Every wait of the pass reads the
 * same watch, so that one document's wait sees another one taken (the
 * evidence the refusal rule of `import_rule.ts` needs), and the pipeline
 * stops publishing as soon as a wait finds Batigest inactive.
 *
 * It is the one place where a document is decided imported, or refused by
 * a trace Batigest left ({@linkcode BatigestWatch.decide}): every file of it
 * left the import folder or was emptied there, and the traces standing beside
 * them (`traces.ts`: a file renamed to `.err`, moved into a subfolder…) say
 * which; and the folder is still the one the documents were put in: it
 * exists, is the same folder (file id, where the system gives one) and still
 * holds the agent's mark (`memory.ts`). Otherwise the pass stops with
 * {@linkcode FolderUnusable}: nothing is counted as imported.
 *
 * A sighting of Batigest passing a document by that an earlier run recorded
 * is taken up only while it is fresh (`import_rule.ts`,
 * {@linkcode rememberedSighting}).
 *
 * Times are monotonic (`performance.now()`).
 *
 * @module
 */

import nodePath from "node:path";
import { exists } from "../base/work_folders.ts";
import {
  afterPass,
  type BatigestMemory,
  FOLDER_MARK_NAME,
  folderMarkPath,
  readFolderMark,
  writeFolderMark,
} from "./memory.ts";
import { FolderUnusable } from "./folder_guard.ts";
import { FRESH_EVIDENCE_MS, rememberedSighting } from "./import_rule.ts";
import {
  type FolderEntry,
  judgeTraces,
  readImportFolder,
  sizeOf,
  type TraceVerdict,
} from "./traces.ts";
import type { ExportRecord } from "../journal/journal.ts";

/** What Batigest did with a document that left the import folder (`traces.ts`). */
export type Decision = Exclude<TraceVerdict, { kind: "waiting" }>;

/** One document waiting in the import folder, as the watch follows it. */
export interface WatchedDocument {
  id: string;
  /** Publication order in this pass (documents found waiting come first). */
  seq: number;
  /** When this pass began to follow it (monotonic ms). */
  trackedMs: number;
  /** Its files' paths in the import folder. */
  paths: readonly string[];
  /** When it was first seen leaving the folder, imported or refused (monotonic ms). */
  leftAt?: number;
  /** What Batigest did with it, once it left. */
  decision?: Decision;
  /** When an earlier run saw Batigest pass it by, on this run's clock (fresh sightings only). */
  passedBefore?: number;
}

/** What {@linkcode BatigestWatch} works with. */
export interface BatigestWatchOptions {
  importDir: string;
  /** What the agent remembered of Batigest (the folder mark's id among it). */
  memory: BatigestMemory;
  /** Keeps the memory at once when a new mark is written (before any document is published beside it). */
  save?: (memory: BatigestMemory) => void;
  /** The monotonic clock; `performance.now()` by default. */
  clock?: () => number;
  /** The wall clock (the age of what earlier runs recorded); `new Date()` by default. */
  now?: () => Date;
  /** How long an earlier run's sighting stays evidence; {@linkcode FRESH_EVIDENCE_MS} by default. */
  freshMs?: number;
}

/** The pass's view of Batigest; see the module doc. */
export class BatigestWatch {
  #importDir: string;
  #memory: BatigestMemory;
  #save?: (memory: BatigestMemory) => void;
  #docs = new Map<string, WatchedDocument>();
  /** Told when their document is first seen gone. */
  #onGone = new Map<string, () => void>();
  #seq = 0;
  #folderId?: string;
  #markReady = false;
  #inactiveSince?: Date;
  #lastImportAt?: Date;
  #lastWorkAt?: Date;
  #now: () => Date;
  #freshMs: number;
  /** Documents a newer version replaces: each wait takes its own back when it may. */
  #recalled = new Map<string, ExportRecord>();
  /** When Batigest was last seen taking a document, or setting one aside (monotonic ms). */
  lastWorkMs?: number;
  /** The monotonic clock. */
  readonly clock: () => number;

  /** Watches `importDir`, remembering its identity now. */
  constructor(options: BatigestWatchOptions) {
    this.#importDir = options.importDir;
    this.#memory = { ...options.memory };
    this.#save = options.save;
    this.clock = options.clock ?? (() => performance.now());
    this.#now = options.now ?? (() => new Date());
    this.#freshMs = options.freshMs ?? FRESH_EVIDENCE_MS;
    this.#folderId = folderIdentity(this.#importDir);
  }

  /** Since when Batigest is taken to be inactive in this pass (unset: it imports). */
  get inactiveSince(): Date | undefined {
    return this.#inactiveSince;
  }

  /**
   * Makes sure the import folder holds the agent's mark before a document is
   * published (writes one, or checks the one documents already wait beside).
   */
  ensureMark(options: { documentsWaiting: boolean }): void {
    if (this.#markReady) return;
    const found = readFolderMark(this.#importDir);
    if (found !== undefined && found === this.#memory.folderMark) {
      this.#markReady = true;
      return;
    }
    const waiting = [...this.#docs.values()];
    // No mark, but every document said to wait is there: the mark alone was
    // lost (removed by hand, or by a pass whose journal had lost them), not
    // the folder. A replaced folder would not hold them.
    const markLost = found === undefined && waiting.length > 0 &&
      waiting.every((d) => d.paths.every((p) => exists(p)));
    if (options.documentsWaiting && this.#memory.folderMark !== undefined && !markLost) {
      throw this.#changed(waiting);
    }
    const id = crypto.randomUUID();
    writeFolderMark(this.#importDir, id);
    this.#memory.folderMark = id;
    this.#save?.(this.#memory);
    this.#markReady = true;
  }

  /**
   * Follows an export's published document from now on, its files under the
   * names the journal gave them (idempotent); returns how it is followed.
   */
  track(record: Pick<ExportRecord, "id" | "files">): WatchedDocument {
    const { id } = record;
    let doc = this.#docs.get(id);
    if (!doc) {
      const paths = record.files.map((f) => nodePath.join(this.#importDir, f.importName));
      doc = { id, seq: this.#seq++, trackedMs: this.clock(), paths };
      // A sighting recorded by an earlier run: evidence only while fresh, never in the future.
      const ago = rememberedSighting({
        seen: this.#memory.passedBy?.[id],
        now: this.#now(),
        freshMs: this.#freshMs,
      });
      if (ago !== undefined) doc.passedBefore = this.clock() - ago;
      this.#docs.set(id, doc);
    }
    return doc;
  }

  /** How many followed documents are still in the folder, as last seen. */
  waiting(): number {
    let n = 0;
    for (const doc of this.#docs.values()) if (doc.decision === undefined) n++;
    return n;
  }

  /** The paths of the followed documents still in the folder, as last seen. */
  waitingPaths(): string[] {
    return [...this.#docs.values()].filter((d) => d.decision === undefined).flatMap((d) => d.paths);
  }

  /** Stops following a document the agent takes back itself. */
  /**
   * A newer version of the document `id` is ready (`by`): the wait of `id`
   * takes it back at its next look, unless Batigest holds it (it is
   * importing it: the newer one then comes after, as a correction).
   */
  recall(id: string, by: ExportRecord): void {
    this.#recalled.set(id, by);
  }

  /** The newer version that recalls document `id`, if one does. */
  recalledBy(id: string): ExportRecord | undefined {
    return this.#recalled.get(id);
  }

  untrack(id: string): void {
    this.#docs.delete(id);
  }

  /**
   * Resolves when a followed document is first seen leaving the folder,
   * imported or refused (by any wait's look at the folder), at once if it
   * already has; never for a document not followed, or taken back.
   */
  gone(id: string): Promise<void> {
    const doc = this.#docs.get(id);
    if (doc?.decision !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const before = this.#onGone.get(id);
      this.#onGone.set(id, () => {
        before?.();
        resolve();
      });
    });
  }

  /**
   * Looks at the folder: notes which followed documents Batigest imported,
   * or refused with a trace ({@linkcode BatigestWatch.decide}).
   */
  poll(now: Date): void {
    const decided = this.#decide([...this.#docs.values()].filter((d) => !d.decision));
    if (decided.length === 0) return;
    const at = this.clock();
    for (const [doc, decision] of decided) {
      doc.leftAt = at;
      doc.decision = decision;
      if (decision.kind === "imported") this.#lastImportAt = now;
      this.#onGone.get(doc.id)?.();
      this.#onGone.delete(doc.id);
    }
    this.lastWorkMs = at;
    this.#lastWorkAt = now;
    this.#inactiveSince = undefined;
  }

  /**
   * What Batigest did with the document whose files are `paths`: `waiting`
   * while a file of it is still there, full; once every one left the import
   * folder or was emptied there, `refused` when a trace of it says Batigest
   * set it aside, `imported` otherwise (`traces.ts`), provided the folder is
   * still the one they were put in. The one place where the agent decides
   * it. A folder that is no longer the same stops the pass
   * ({@linkcode FolderUnusable}, naming the documents): nothing is counted as
   * imported.
   */
  decide(paths: readonly string[]): TraceVerdict {
    return this.#decide([{ paths }])[0]?.[1] ?? { kind: "waiting" };
  }

  /** The documents of `docs` that left, and what Batigest did; see {@linkcode BatigestWatch.decide}. */
  #decide<T extends Pick<WatchedDocument, "paths">>(docs: readonly T[]): [T, Decision][] {
    // A file still there, and not empty, is still Batigest's to take.
    const left = docs.filter((doc) => doc.paths.every((p) => (sizeOf(p) ?? 0) === 0));
    if (left.length === 0) return [];
    if (!this.#intact()) throw this.#changed(left);
    let entries: FolderEntry[];
    try {
      entries = readImportFolder(this.#importDir);
    } catch {
      return []; // unreadable for a moment: the next look decides
    }
    const decided: [T, Decision][] = [];
    for (const doc of left) {
      const verdict = judgeTraces(doc.paths.map((p) => nodePath.basename(p)), entries);
      if (verdict.kind !== "waiting") decided.push([doc, verdict]);
    }
    return decided;
  }

  /**
   * When a document published after `doc`, and whose name sorts after it,
   * was first seen leaving (imported or refused) while `doc` stayed, in this
   * run or, fresh, in an earlier one. Both orders count because Batigest's
   * is not known: a Batigest that takes files by name (as a Windows folder
   * lists them) or by arrival would have taken `doc` first either way. (The
   * agent publishes newest first, so a Batigest working by name takes the
   * older documents, published after, before the newer: no evidence.)
   */
  passedBy(doc: WatchedDocument): number | undefined {
    let first = doc.passedBefore;
    for (const other of this.#docs.values()) {
      if (other.seq > doc.seq && other.leftAt !== undefined && sortsAfter(other, doc)) {
        first = Math.min(first ?? Infinity, other.leftAt);
      }
    }
    return first;
  }

  /** A wait found Batigest inactive since `since`: the pass stops publishing. */
  declareInactive(since: Date): void {
    if (!this.#inactiveSince || since < this.#inactiveSince) this.#inactiveSince = since;
  }

  /**
   * The memory to keep after the pass; the mark is removed when no document
   * waits any more (`documentsWaiting` false) and no document of any kind is
   * left in the folder (one the journal lost may still wait there).
   */
  finish(options: { documentsWaiting: boolean }): BatigestMemory {
    if (!options.documentsWaiting && !holdsDocuments(this.#importDir) && this.#intact()) {
      try {
        Deno.removeSync(folderMarkPath(this.#importDir));
      } catch {
        // gone already, or the folder is unusable: nothing to clean
      }
    }
    const passedBy: Record<string, string> = {};
    const nowMs = this.clock();
    const now = this.#now().getTime();
    for (const doc of this.#docs.values()) {
      const at = doc.decision === undefined ? this.passedBy(doc) : undefined;
      if (at !== undefined) passedBy[doc.id] = new Date(now - (nowMs - at)).toISOString();
    }
    return afterPass(this.#memory, {
      inactiveSince: this.#inactiveSince,
      lastImportAt: this.#lastImportAt,
      lastWorkAt: this.#lastWorkAt,
      passedBy,
    });
  }

  /** Whether the folder is still the one documents were put in. */
  #intact(): boolean {
    const id = folderIdentity(this.#importDir);
    if (id === undefined) return false;
    if (this.#folderId !== undefined && id !== "" && id !== this.#folderId) return false;
    if (!this.#markReady) return true; // nothing published this pass: nothing to compare
    return readFolderMark(this.#importDir) === this.#memory.folderMark;
  }

  #changed(docs: readonly Pick<WatchedDocument, "paths">[]): FolderUnusable {
    const names = docs.flatMap((d) => d.paths.map((p) => nodePath.basename(p)));
    const gone = !exists(this.#importDir);
    return new FolderUnusable(
      `Le dossier d'import de Batigest ${this.#importDir} a été ${
        gone ? "renommé ou supprimé" : "remplacé par un autre dossier"
      } alors que des documents y attendaient${
        names.length > 0 ? ` (${names.slice(0, 5).join(", ")}${names.length > 5 ? ", …" : ""})` : ""
      } : ` +
        `remettez en place le dossier d'origine (il contient le fichier ${FOLDER_MARK_NAME}) ` +
        `ou corrigez batigestImportDir ; rien n'a été marqué synchronisé, rien n'est perdu. ` +
        `Si Batigest a été déplacé volontairement, recopiez ces documents et ${FOLDER_MARK_NAME} dans le nouveau dossier.`,
    );
  }
}

/** Whether `dir` holds a document (.xml, .csv) or a staged one (`~saxium-….tmp`). */
function holdsDocuments(dir: string): boolean {
  try {
    for (const entry of Deno.readDirSync(dir)) {
      if (/\.(xml|csv)$|^~saxium-.*\.tmp$/i.test(entry.name)) return true;
    }
    return false;
  } catch {
    return true; // unreadable: keep the mark
  }
}

/** `dev:ino` of a folder; "" when the system gives none; undefined when it is no folder. */
function folderIdentity(dir: string): string | undefined {
  try {
    const info = Deno.statSync(dir);
    if (!info.isDirectory) return undefined;
    return info.ino === null || info.ino === undefined ? "" : `${info.dev}:${info.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Whether `a`'s name sorts after `b`'s as a Windows folder lists them
 * (letters compared without case).
 */
function sortsAfter(a: Pick<WatchedDocument, "paths">, b: Pick<WatchedDocument, "paths">): boolean {
  const name = (doc: Pick<WatchedDocument, "paths">) =>
    nodePath.basename(doc.paths[0] ?? "").toUpperCase();
  return name(a) > name(b);
}
