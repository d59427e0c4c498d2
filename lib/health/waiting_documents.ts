/**
 * The documents still waiting in Batigest's import folder, for
 * `uninstall-task`: once the task is gone nothing will confirm them to
 * Saxium, so the person removing it is told which they are and what to do.
 * The journal is only read (never created nor changed); a document in the
 * folder the journal does not know (put there by hand, or by the old
 * script) is named too.
 *
 * @module
 */

import nodePath from "node:path";
import { plural } from "../base/french.ts";
import { exists, journalPath, stagingPath, type WorkFolders } from "../base/work_folders.ts";
import { Journal } from "../journal/journal.ts";

/** A document waiting in the import folder. */
export interface WaitingDocument {
  /** Its name in the import folder. */
  name: string;
  /** `delivered`: Batigest may take it; `staged`: under the agent's temporary name; `unknown`: not the agent's. */
  state: "delivered" | "staged" | "unknown";
}

/** The documents waiting in the import folder, the agent's first (as its journal says), then the others. */
export function waitingDocuments(folders: WorkFolders): WaitingDocument[] {
  const found: WaitingDocument[] = [];
  const known = new Set<string>();
  if (exists(journalPath(folders))) {
    let journal: Journal | undefined;
    try {
      journal = new Journal(journalPath(folders), { readOnly: true });
      for (const record of journal.inStates(["staged", "delivered"])) {
        for (const file of record.files) {
          if (file.importName === "") continue;
          known.add(file.importName.toLowerCase());
          if (exists(nodePath.join(folders.importDir, file.importName))) {
            found.push({ name: file.importName, state: "delivered" });
          } else if (exists(stagingPath(folders, record.id, file.format))) {
            found.push({ name: file.importName, state: "staged" });
          }
        }
      }
    } catch {
      // A journal that cannot be read: the folder still speaks below.
    } finally {
      journal?.close();
    }
  }
  try {
    for (const entry of Deno.readDirSync(folders.importDir)) {
      if (!entry.isFile || !/\.(xml|csv)$/i.test(entry.name)) continue;
      if (!known.has(entry.name.toLowerCase())) found.push({ name: entry.name, state: "unknown" });
    }
  } catch {
    // No import folder: nothing waits in it.
  }
  return found.sort((a, b) => a.name.localeCompare(b.name, "fr"));
}

/**
 * What `uninstall-task` says of the documents still waiting, in one line, or
 * nothing when none waits.
 */
export function waitingLine(documents: readonly WaitingDocument[], importDir: string): string[] {
  if (documents.length === 0) return [];
  const shown = documents.slice(0, 5).map((d) =>
    d.state === "staged"
      ? `${d.name} (pas encore déposé)`
      : d.state === "unknown"
      ? `${d.name} (pas déposé par l'agent)`
      : d.name
  );
  const more = documents.length > 5 ? `, et ${plural(documents.length - 5, "autre")}` : "";
  const one = documents.length === 1;
  return [
    `Attention : ${plural(documents.length, "document")} ${
      one ? "attend" : "attendent"
    } encore dans le dossier d'import de Batigest (${importDir}) : ${
      shown.join(", ")
    }${more}. Plus rien ne confirmera leur import à Saxium : ouvrez Batigest pour qu'il ${
      one ? "l'importe" : "les importe"
    }, puis lancez une dernière fois « saxium-batigest-agent.exe sync --once » ; ne ${
      one ? "le" : "les"
    } supprimez pas à la main (Saxium ${one ? "le croirait" : "les croirait"} jamais importé${
      one ? "" : "s"
    }).`,
  ];
}
