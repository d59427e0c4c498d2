/**
 * Is Batigest taking the agent's documents? One story, told by `status`'s
 * "Batigest" line and by two of `doctor`'s checks, so that they never
 * contradict one another (an old file reported as an error beside « importe
 * normalement », a fresh install said to « import normally »):
 *
 * - « Imports de Batigest » ({@linkcode checkBatigestImports}) judges the
 *   agent's documents waiting in the import folder — the journal's delivered
 *   exports whose files are still there — by the working time the oldest has
 *   waited, against `batigestPatienceHours`, as the pass and the alerts
 *   judge it (`lib/batigest/working_hours.ts`): a night or a weekend is
 *   normal, past the patience it is the problem to fix;
 * - « Fichiers en attente d'import » ({@linkcode checkImportWaiting}) leaves
 *   the agent's documents to that check, and reports what no one follows:
 *   files the agent did not put there (or no longer knows), left more than a
 *   day, which Batigest is not taking.
 *
 * {@linkcode probeImportFolder} reads the journal (read-only) and the folder;
 * the rest judges what it found, without I/O.
 *
 * @module
 */

import nodePath from "node:path";
import { formatHoursMinutes, formatMoment, plural } from "../base/french.ts";
import type { Settings } from "../base/settings.ts";
import { journalPath, workFolders } from "../base/work_folders.ts";
import { type BatigestMemory, readBatigestMemory } from "../batigest/memory.ts";
import { looksLikeTrace, sizeOf } from "../batigest/traces.ts";
import { type BatigestWait, batigestWait } from "../batigest/working_hours.ts";
import { Journal } from "../journal/journal.ts";
import { type CheckResult, verdicts } from "./check.ts";
import { type AgedFile, type FolderListing, STALE_AFTER_MS } from "./batigest_checks.ts";

/** What is known of the agent's documents in Batigest's import folder. */
export interface ImportFolderFacts {
  /** What the passes remembered of Batigest (its last import). */
  memory: BatigestMemory;
  importDir: string;
  /** The delivery time (ISO 8601) of each document of the agent still in the folder, oldest first. */
  waitingSince: string[];
  /** Documents delivered whose files have left the folder: taken, to be confirmed by the next pass. */
  taken: number;
  /** The names of the agent's documents in the folder, as the journal knows them. */
  agentFiles: string[];
  /** The journal could not be read (damaged, another program's): its own check says why. */
  journalUnreadable?: boolean;
  /** `batigestHours`, `batigestPatienceHours` (their defaults when unset). */
  hours?: string;
  patienceHours?: number;
  now: Date;
}

/** Reads the journal (never creating nor changing it) and looks at the import folder. */
export function probeImportFolder(
  settings: Pick<
    Settings,
    "workDir" | "batigestImportDir" | "batigestHours" | "batigestPatienceHours"
  >,
  options: { now: Date },
): ImportFolderFacts {
  const folders = workFolders(settings);
  const facts: ImportFolderFacts = {
    memory: readBatigestMemory(folders),
    importDir: settings.batigestImportDir,
    waitingSince: [],
    taken: 0,
    agentFiles: [],
    hours: settings.batigestHours,
    patienceHours: settings.batigestPatienceHours,
    now: options.now,
  };
  let journal: Journal;
  try {
    journal = new Journal(journalPath(folders), { readOnly: true });
  } catch {
    // No journal yet (a fresh install), or one its own check reports.
    facts.journalUnreadable = sizeOf(journalPath(folders)) !== undefined;
    return facts;
  }
  try {
    for (const record of journal.inStates(["delivered"])) {
      const names = record.files.map((f) => f.importName);
      facts.agentFiles.push(...names);
      const there = names.some((n) => (sizeOf(nodePath.join(facts.importDir, n)) ?? 0) > 0);
      if (there && record.deliveredAt) facts.waitingSince.push(record.deliveredAt);
      else if (!there) facts.taken++;
    }
  } finally {
    journal.close();
  }
  facts.waitingSince.sort();
  return facts;
}

/** One line on Batigest's imports, and the problem to show if any. */
export interface BatigestActivity {
  /** What `status` prints after "Batigest", and `doctor`'s detail. */
  line: string;
  /** Set when the documents have waited past the patience: what happened and what to do. */
  problem?: string;
  /** The documents' wait, as the working hours count it; absent when none waits. */
  wait?: BatigestWait;
}

/**
 * Judges Batigest's imports from the agent's documents waiting in its folder
 * (or, with an unreadable journal, from what the passes remembered).
 */
export function batigestActivity(facts: ImportFolderFacts): BatigestActivity {
  const since = facts.waitingSince[0] ??
    (facts.journalUnreadable ? facts.memory.inactiveSince : undefined);
  if (since === undefined) return { line: idleLine(facts) };
  const wait = batigestWait({
    since: new Date(since),
    now: facts.now,
    hours: facts.hours,
    patienceHours: facts.patienceHours,
  });
  const count = facts.waitingSince.length;
  const documents = count === 0
    ? "des documents attendent"
    : count === 1
    ? "1 document attend"
    : `${plural(count, "document")} attendent`;
  const from = `depuis le ${formatMoment(new Date(since))}`;
  const worked = `${formatHoursMinutes(wait.workingMs)} en heures de travail`;
  const patience = formatHoursMinutes(wait.patienceHours * 3_600_000);
  if (wait.patienceSpent) {
    return {
      line: `n'importe plus : ${documents} dans son dossier d'import ${from} (${worked}, ` +
        `plus que la patience de ${patience})`,
      problem:
        `Batigest n'a rien importé alors que des documents l'attendent ${from} (${worked}) : ` +
        `vérifiez qu'il est ouvert, que son import automatique est actif et qu'il surveille ` +
        `${facts.importDir} ; rien n'est perdu, la synchronisation reprendra d'elle-même.`,
      wait,
    };
  }
  const alertAt = wait.patienceEndsAt
    ? `pas d'alerte avant le ${formatMoment(new Date(wait.patienceEndsAt))}`
    : "pas d'alerte";
  if (!wait.workingNow) {
    return {
      line: `fermé, hors de ses heures de travail (${wait.hours}) : ${documents} ${from}, ` +
        `c'est normal (${alertAt})`,
      wait,
    };
  }
  return { line: `${documents} ${from} (${worked} ; ${alertAt})`, wait };
}

/** Nothing of the agent's waits: what the passes last saw. */
function idleLine(facts: ImportFolderFacts): string {
  if (facts.taken > 0) {
    return facts.taken === 1
      ? "a pris le document en attente ; la prochaine passe le confirmera à Saxium"
      : "a pris les documents en attente ; la prochaine passe les confirmera à Saxium";
  }
  if (facts.memory.lastImportAt) {
    return `importe normalement (dernier import vu le ${
      formatMoment(new Date(facts.memory.lastImportAt))
    })`;
  }
  return "pas encore d'import vu (aucun document déposé pour l'instant)";
}

/** `doctor`'s check of Batigest's imports: a WARNING only once the documents have waited past the patience. */
export function checkBatigestImports(facts: ImportFolderFacts): CheckResult {
  const verdict = verdicts("batigest-imports", "Imports de Batigest");
  const activity = batigestActivity(facts);
  if (!activity.problem) return verdict.ok(activity.line);
  return verdict.warning(
    activity.line,
    `Ouvrez Batigest sur le serveur et vérifiez que son import automatique est actif et surveille ${facts.importDir} ; ` +
      "ne relancez rien dans Saxium : les documents en attente seront importés une seule fois.",
  );
}

/**
 * `doctor`'s check of the files waiting in the import folder: the agent's
 * documents are « Imports de Batigest »'s to judge; a file nobody follows,
 * left more than a day, is a WARNING naming it.
 */
export function checkImportWaiting(
  listing: FolderListing,
  facts: ImportFolderFacts,
): CheckResult {
  const verdict = verdicts("import-waiting", "Fichiers en attente d'import");
  if (listing.error) {
    return verdict.warning(
      `${facts.importDir} illisible (${listing.error})`,
      "Donnez au compte qui exécute l'agent (SYSTEM pour la tâche planifiée) le droit de modifier ce dossier.",
    );
  }
  // An empty document Batigest left after importing it is a trace, not a file waiting.
  const files = listing.files.filter((f) =>
    looksLikeTrace({ name: f.name, size: f.size ?? 1 }) !== "emptied"
  );
  const agents = files.filter((f) => isAgentFile(f, facts));
  const strays = files.filter((f) => !isAgentFile(f, facts));
  const old = strays.filter((f) => facts.now.getTime() - Date.parse(f.modified) > STALE_AFTER_MS);
  const ours = agents.length > 0
    ? `${plural(agents.length, "fichier")} de l'agent, ${
      agents.length > 1 ? "suivis" : "suivi"
    } par « Imports de Batigest »`
    : undefined;
  if (old.length > 0) {
    const one = old.length === 1;
    const oldest = `${old[0].name} du ${formatMoment(new Date(old[0].modified))}`;
    const why = batigestActivity(facts).problem !== undefined
      ? "Batigest n'importe plus : voir « Imports de Batigest »"
      : `Batigest importe les documents de l'agent, pas ${one ? "celui-ci" : "ceux-ci"}`;
    return verdict.warning(
      `${
        one
          ? `1 fichier que l'agent n'a pas déposé (ou ne suit plus) attend depuis plus d'un jour : ${oldest}`
          : `${old.length} fichiers que l'agent n'a pas déposés (ou ne suit plus) attendent depuis plus d'un jour, le plus ancien ${oldest}`
      } (${why})${ours ? ` ; ${ours}` : ""}`,
      `Vérifiez dans Batigest (son journal d'import) si ${
        one ? "ce fichier a été refusé" : "ces fichiers ont été refusés"
      } ; s'il vient de l'ancien script ou d'un dépôt à la main, importez-le ou retirez-le du dossier. ` +
        "L'agent n'y touche pas ; ne supprimez aucun fichier ~saxium-… : ce sont les documents suivants de l'agent.",
    );
  }
  if (ours) return verdict.ok(ours);
  return verdict.ok(
    files.length
      ? plural(files.length, "fichier récent", "fichiers récents")
      : "aucun fichier en attente",
  );
}

/** Whether a file of the import folder is one of the agent's: a document it follows, or one of its temporary names. */
function isAgentFile(file: AgedFile, facts: ImportFolderFacts): boolean {
  return file.name.startsWith("~saxium-") || facts.agentFiles.includes(file.name);
}
