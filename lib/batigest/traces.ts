/**
 * Batigest's traces: what a file left in its import folder says Batigest did
 * with a document the agent published there. Batigest's usual signal is the
 * file disappearing (`watch.ts`), but depending on its version and settings it
 * may set a refused file aside, or empty a file it read, instead of deleting
 * it (`batigest-formats.md`, "Batigest's side"). Read as a plain
 * disappearance, a refused file would be acknowledged to Saxium as synced (a
 * silent loss), and an emptied one would wait for ever. This is the one table
 * of those traces; the watch decides with it, the delivery keeps their names
 * free of new documents, and `doctor` reports them.
 *
 * The table ({@linkcode TRACES}), for a document published as `DV-1.xml`:
 *
 * | trace       | looks like                                                    | means    |
 * |-------------|---------------------------------------------------------------|----------|
 * | renamed     | `DV-1.xml.err`, `DV-1.xml.<anything>`; `DV-1.err`, `DV-1.bak`, `DV-1.rej`… (a refusal extension, {@linkcode REFUSAL_EXTENSIONS}); any case | refused |
 * | moved aside | `DV-1.xml` (or a renamed form) in a direct subfolder of the import folder, whatever its name (`Erreurs\`, `Errors\`, `Rejet\`, `Rejets\`, `Refus\`…) | refused |
 * | emptied     | `DV-1.xml` itself, 0 bytes                                    | imported |
 *
 * Why each reads so:
 * - renamed: Batigest reads `.xml` and `.csv` only; a file renamed to another
 *   extension is one it set aside, not one it took. The full name kept with a
 *   suffix (`DV-1.xml.<anything>`) can only be the document set aside;
 *   with the extension replaced, only the refusal extensions count, so that
 *   an unrelated `DV-1.pdf` is not read as one.
 * - moved aside: the agent never writes into a subfolder of the import
 *   folder, and Batigest removes what it imports; a file of the document's
 *   name found in a subfolder was put aside. Any subfolder counts, whatever
 *   its name: reading an unknown one as a refusal is loud and checked by a
 *   person (the export is marked in error, the reason names the folder),
 *   reading it as an import would be a silent loss.
 * - emptied: the agent publishes only checked documents (never empty) by
 *   renaming them whole into place, so a document's file at 0 bytes is one
 *   Batigest read and emptied.
 *
 * The rules built on it:
 * - a document counts as imported only when each of its files is gone or
 *   emptied and no refusal trace of it stands (`judgeTraces`); a refusal
 *   trace makes it refused at once;
 * - a trace keeps its document's name: a later document of the same name is
 *   published under another one (`DV-1 (2).xml`) while the trace stands, so
 *   that a trace beside a document is always that document's (`traceOf`);
 * - the agent never deletes or moves a refusal trace (it is Batigest's, and
 *   the administrator's evidence); it removes an emptied leftover of a
 *   document it decided imported (`import_wait.ts` says why that is safe);
 * - the agent's own files (`~saxium-…`) are never traces.
 *
 * Everything here is pure but {@linkcode readImportFolder}, which lists the
 * folder once for the rules to read, and {@linkcode standingTraces} and
 * {@linkcode sizeOf}, built on it.
 *
 * @module
 */

import nodePath from "node:path";

/** The kinds of traces; see the module doc. */
export type TraceKind = "renamed" | "moved-aside" | "emptied";

/** One row of the table: what a trace looks like, what it means, and why. */
export interface TraceRule {
  kind: TraceKind;
  /** What it looks like, for a document published as `DV-1.xml`. */
  looksLike: string;
  /** What Batigest did with the document. */
  means: "refused" | "imported";
  why: string;
}

/** The table of Batigest's traces (the module doc draws it). */
export const TRACES: readonly TraceRule[] = [
  {
    kind: "renamed",
    looksLike: "DV-1.xml.err, DV-1.xml.<anything>; DV-1.err, DV-1.bak, DV-1.rej… (any case)",
    means: "refused",
    why: "Batigest reads .xml and .csv only: a file renamed to another extension was set aside",
  },
  {
    kind: "moved-aside",
    looksLike: "<subfolder>\\DV-1.xml (or a renamed form), in a direct subfolder of any name",
    means: "refused",
    why: "the agent never writes into a subfolder; Batigest moves there what it sets aside",
  },
  {
    kind: "emptied",
    looksLike: "DV-1.xml itself, 0 bytes",
    means: "imported",
    why: "the agent never publishes an empty document: Batigest read it and emptied it",
  },
];

/**
 * Extensions that, in place of a document's own, say Batigest refused it
 * (`DV-1.err`); compared without case.
 */
export const REFUSAL_EXTENSIONS: readonly string[] = [
  "err",
  "error",
  "erreur",
  "bak",
  "rej",
  "reject",
  "rejet",
  "refus",
  "bad",
  "ko",
  "fail",
  "failed",
];

/** A file in the import folder, or in one of its direct subfolders. */
export interface FolderEntry {
  name: string;
  /** The subfolder holding it, by name; unset in the import folder itself. */
  subfolder?: string;
  /** Its size in bytes. */
  size: number;
}

/** A trace standing in the import folder. */
export interface Trace {
  kind: TraceKind;
  /** Where it stands, relative to the import folder (`DV-1.xml.err`, `Erreurs\DV-1.xml`). */
  path: string;
  /** The published file it stands for, when known (`DV-1.xml`). */
  of?: string;
}

/** Whether a file name is the agent's own (`~saxium-…`): never a trace. */
export function isAgentName(name: string): boolean {
  return name.toLowerCase().startsWith("~saxium-");
}

/** Whether a file name is one Batigest imports (`.xml`, `.csv`, any case). */
export function isDocumentName(name: string): boolean {
  return /\.(xml|csv)$/i.test(name);
}

/**
 * The kind of trace `entry` is of the document published as `document`,
 * or undefined when it is none (the document itself, still full, is none).
 *
 * @example
 * ```ts
 * traceOf("DV-1.xml", { name: "DV-1.XML.ERR", size: 120 }); // "renamed"
 * traceOf("DV-1.xml", { name: "DV-1.xml", subfolder: "Erreurs", size: 120 }); // "moved-aside"
 * traceOf("DV-1.xml", { name: "DV-1.pdf", size: 120 }); // undefined
 * ```
 */
export function traceOf(document: string, entry: FolderEntry): TraceKind | undefined {
  if (isAgentName(entry.name)) return undefined;
  const same = entry.name.toLowerCase() === document.toLowerCase();
  if (entry.subfolder !== undefined) {
    return same || renamedFrom(document, entry.name) ? "moved-aside" : undefined;
  }
  if (same) return entry.size === 0 ? "emptied" : undefined;
  return renamedFrom(document, entry.name) ? "renamed" : undefined;
}

/**
 * The kind of trace `entry` looks like without knowing which document it
 * stands for (`doctor`): a document name (`.xml`, `.csv`) with a suffix or a
 * refusal extension, a document in a subfolder, an empty document. Every
 * trace {@linkcode traceOf} finds is one of these.
 */
export function looksLikeTrace(entry: FolderEntry): TraceKind | undefined {
  if (isAgentName(entry.name)) return undefined;
  const renamed = /\.(xml|csv)\.[^\\/]+$/i.test(entry.name) ||
    REFUSAL_EXTENSIONS.includes(extension(entry.name));
  if (entry.subfolder !== undefined) {
    return renamed || isDocumentName(entry.name) ? "moved-aside" : undefined;
  }
  if (renamed) return "renamed";
  return isDocumentName(entry.name) && entry.size === 0 ? "emptied" : undefined;
}

/** Whether `name` is `document` renamed: a suffix after its full name, or a refusal extension. */
function renamedFrom(document: string, name: string): boolean {
  const doc = document.toLowerCase();
  const lower = name.toLowerCase();
  if (lower.startsWith(`${doc}.`) && lower.length > doc.length + 1) return true;
  const stem = doc.replace(/\.[^.]*$/, "");
  return lower === `${stem}.${extension(lower)}` && REFUSAL_EXTENSIONS.includes(extension(lower));
}

/** The last extension of a name, lower case, without its dot ("" when none). */
function extension(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? "" : name.slice(dot + 1).toLowerCase();
}

/** Where an entry stands, relative to the import folder. */
export function entryPath(entry: FolderEntry): string {
  return entry.subfolder === undefined ? entry.name : nodePath.join(entry.subfolder, entry.name);
}

/** What the traces say of a published document, from its files' names. */
export type TraceVerdict =
  /** A file of it is still there, full: Batigest has not finished with it. */
  | { kind: "waiting" }
  /** Every file gone or emptied, no refusal trace: imported; `leftovers` are the emptied files' names. */
  | { kind: "imported"; leftovers: string[] }
  /** Every file gone or emptied, and Batigest left a refusal trace of it. */
  | { kind: "refused"; traces: Trace[] };

/**
 * What the traces in `entries` (the import folder as listed) say of the
 * document published as `files`: see the module doc.
 *
 * @example
 * ```ts
 * judgeTraces(["DV-1.xml"], [{ name: "DV-1.xml.err", size: 120 }]);
 * // { kind: "refused", traces: [{ kind: "renamed", path: "DV-1.xml.err", of: "DV-1.xml" }] }
 * judgeTraces(["DV-1.xml"], [{ name: "DV-1.xml", size: 0 }]);
 * // { kind: "imported", leftovers: ["DV-1.xml"] }
 * ```
 */
export function judgeTraces(
  files: readonly string[],
  entries: readonly FolderEntry[],
): TraceVerdict {
  const traces: Trace[] = [];
  const leftovers: string[] = [];
  for (const file of files) {
    const own = entries.find((e) =>
      e.subfolder === undefined && e.name.toLowerCase() === file.toLowerCase()
    );
    if (own && own.size > 0) return { kind: "waiting" };
    if (own) {
      leftovers.push(own.name);
      continue;
    }
    for (const entry of entries) {
      const kind = traceOf(file, entry);
      if (kind === "renamed" || kind === "moved-aside") {
        traces.push({ kind, path: entryPath(entry), of: file });
      }
    }
  }
  return traces.length > 0 ? { kind: "refused", traces } : { kind: "imported", leftovers };
}

/**
 * Whether a name is kept by a trace standing in `entries` (or by a file of
 * that name): a new document is never published under it.
 */
export function nameKept(name: string, entries: readonly FolderEntry[]): boolean {
  return entries.some((e) =>
    (e.subfolder === undefined && e.name.toLowerCase() === name.toLowerCase()) ||
    traceOf(name, e) !== undefined
  );
}

/** What Batigest did, in French, as the end of "Batigest a refusé DV-1.xml : …". */
export function whatBatigestDid(trace: Trace): string {
  if (trace.kind === "moved-aside") {
    return `il l'a rangé dans le sous-dossier ${
      nodePath.dirname(trace.path)
    } de son dossier d'import (${trace.path})`;
  }
  if (trace.kind === "renamed") return `il l'a renommé en ${trace.path} dans son dossier d'import`;
  return `il l'a vidé (0 octet) après l'avoir lu`;
}

/**
 * The files of `importDir` and of its direct subfolders, with their sizes
 * (nothing deeper; links are not followed). A file or subfolder that cannot be
 * read is left out; the folder itself unreadable throws.
 */
export function readImportFolder(importDir: string): FolderEntry[] {
  const entries: FolderEntry[] = [];
  for (const entry of Deno.readDirSync(importDir)) {
    if (entry.isFile) {
      const size = sizeOf(nodePath.join(importDir, entry.name));
      if (size !== undefined) entries.push({ name: entry.name, size });
    } else if (entry.isDirectory) {
      const sub = nodePath.join(importDir, entry.name);
      try {
        for (const inner of Deno.readDirSync(sub)) {
          if (!inner.isFile) continue;
          const size = sizeOf(nodePath.join(sub, inner.name));
          if (size !== undefined) entries.push({ name: inner.name, subfolder: entry.name, size });
        }
      } catch {
        // gone or unreadable meanwhile: nothing of it to read
      }
    }
  }
  return entries;
}

/**
 * The traces standing in `importDir` and its direct subfolders, by path,
 * without knowing which documents they stand for ({@linkcode looksLikeTrace};
 * for `doctor`); none when the folder does not exist. An unreadable folder throws.
 */
export function standingTraces(importDir: string): Trace[] {
  let entries: FolderEntry[];
  try {
    entries = readImportFolder(importDir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const traces: Trace[] = [];
  for (const entry of entries) {
    const kind = looksLikeTrace(entry);
    if (kind) traces.push({ kind, path: entryPath(entry) });
  }
  return traces.sort((a, b) => a.path.localeCompare(b.path));
}

/** The size of the file at `path`, or undefined when there is none. */
export function sizeOf(path: string): number | undefined {
  try {
    const info = Deno.statSync(path);
    return info.isFile ? info.size : undefined;
  } catch {
    return undefined;
  }
}
