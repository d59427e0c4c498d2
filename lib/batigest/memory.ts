/**
 * What the agent remembers of Batigest between runs, kept in the journal's
 * small state under `batigest` (`lib/journal/small_state.ts`): since when
 * Batigest has not imported while a document waited, when it last imported,
 * and the mark the agent left in the import folder.
 *
 * The mark is a file `~saxium-dossier.txt` in the import folder (Batigest
 * ignores anything but `.xml` and `.csv`), written while documents wait
 * there. A document counts as imported only if it left the folder while the
 * mark stayed: a folder renamed, deleted or replaced loses it. Its id is kept
 * here, so that an empty folder recreated in place is told from the original.
 *
 * `status` and `doctor` read it; the sync pass writes it.
 *
 * @module
 */

import nodePath from "node:path";
import { journalPath, type WorkFolders } from "../base/work_folders.ts";
import type { SmallStateStore } from "../journal/journal.ts";
import { readSmallState } from "../journal/read_only.ts";

/** The mark's name in the import folder. */
export const FOLDER_MARK_NAME = "~saxium-dossier.txt";

/** What the passes saw of Batigest (the small state's `batigest`). */
export interface BatigestMemory {
  /** ISO 8601: since when Batigest has not imported a waiting document (unset: it imports). */
  inactiveSince?: string;
  /** ISO 8601: the last import the agent saw. */
  lastImportAt?: string;
  /** The id written in the import folder's mark. */
  folderMark?: string;
  /**
   * Documents still waiting that Batigest was seen passing by (a document
   * published after them taken while they stayed): export id → ISO 8601 of
   * the first such sight. The evidence outlives the pass that saw it, and
   * counts while fresh (`import_rule.ts`).
   */
  passedBy?: Record<string, string>;
}

/** The memory kept in `store`; empty when absent or unreadable (a hint, never a source of truth). */
export function loadBatigestMemory(store: SmallStateStore): BatigestMemory {
  return parseBatigestMemory(store.get("batigest"));
}

/** Keeps the memory in `store`. */
export function saveBatigestMemory(store: SmallStateStore, memory: BatigestMemory): void {
  store.set("batigest", JSON.stringify(memory));
}

/** The memory as a reader (`status`, `doctor`) finds it, the journal only read. */
export function readBatigestMemory(folders: Pick<WorkFolders, "state">): BatigestMemory {
  return parseBatigestMemory(
    readSmallState(folders, "batigest", { journalPath: journalPath(folders) }),
  );
}

function parseBatigestMemory(text: string | undefined): BatigestMemory {
  if (text === undefined) return {};
  try {
    const parsed = JSON.parse(text);
    if (parsed === null || typeof parsed !== "object") return {};
    const string = (v: unknown) => typeof v === "string" ? v : undefined;
    return {
      inactiveSince: string(parsed.inactiveSince),
      lastImportAt: string(parsed.lastImportAt),
      folderMark: string(parsed.folderMark),
      passedBy: parsed.passedBy && typeof parsed.passedBy === "object"
        ? Object.fromEntries(
          Object.entries(parsed.passedBy).filter(([, v]) => typeof v === "string"),
        ) as Record<string, string>
        : undefined,
    };
  } catch {
    return {};
  }
}

/**
 * The memory after a pass: `inactiveSince` set when the pass found Batigest
 * inactive (the earlier date kept when it already was and the pass saw it do
 * nothing: an import, or a refusal it left a trace of, in between starts a
 * new silence), cleared when it saw Batigest at work and ended with Batigest
 * active; `lastImportAt` moved to the last import seen.
 */
export function afterPass(
  memory: BatigestMemory,
  pass: {
    inactiveSince?: Date;
    lastImportAt?: Date;
    /** The last time Batigest was seen at work: an import, or a refusal it left a trace of. */
    lastWorkAt?: Date;
    passedBy?: Record<string, string>;
  },
): BatigestMemory {
  const next: BatigestMemory = { ...memory };
  if (pass.passedBy && Object.keys(pass.passedBy).length > 0) next.passedBy = pass.passedBy;
  else delete next.passedBy;
  if (pass.lastImportAt) next.lastImportAt = pass.lastImportAt.toISOString();
  const worked = pass.lastWorkAt ?? pass.lastImportAt;
  if (pass.inactiveSince) {
    const earlier = worked ? undefined : memory.inactiveSince;
    next.inactiveSince = earlier ?? pass.inactiveSince.toISOString();
  } else if (worked) delete next.inactiveSince;
  return next;
}

/** The mark's path in `importDir`. */
export function folderMarkPath(importDir: string): string {
  return nodePath.join(importDir, FOLDER_MARK_NAME);
}

/** The id the mark in `importDir` holds, or undefined when there is none. */
export function readFolderMark(importDir: string): string | undefined {
  try {
    return /id=([0-9a-f-]{36})/.exec(Deno.readTextFileSync(folderMarkPath(importDir)))?.[1];
  } catch {
    return undefined;
  }
}

/** Writes a mark holding `id` into `importDir`. */
export function writeFolderMark(importDir: string, id: string): void {
  Deno.writeTextFileSync(
    folderMarkPath(importDir),
    "Fichier de l'agent Saxium → Batigest : il prouve que ce dossier est celui où les documents\r\n" +
      "en attente ont été déposés. Ne pas le supprimer ; l'agent le retire quand plus rien n'attend.\r\n" +
      `id=${id}\r\n`,
  );
}
