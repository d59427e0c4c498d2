/**
 * `doctor`'s and `status`'s look at the agent's journal: can it be trusted
 * (SQLite's quick check), and which exports wait aside because Saxium refused
 * to hear about them. A damaged journal stops `sync` (exit 2); these checks
 * say so before the next run does, with the same fix.
 *
 * @module
 */

import { exists, journalPath, type WorkFolders } from "../base/work_folders.ts";
import { describeSystemError } from "../base/system_errors.ts";
import {
  type ExportRecord,
  Journal,
  JournalDamaged,
  journalDamagedLine,
  NotAJournal,
  UNFINISHED_STATES,
} from "../journal/journal.ts";
import { describe } from "../sync/failures.ts";
import type { CheckResult } from "./check.ts";
import { verdicts } from "./check.ts";

/** What was found opening the journal. */
export interface JournalFacts {
  path: string;
  /** No journal yet (the agent never ran). */
  absent?: boolean;
  /** The journal cannot be trusted: the French line that says what to do. */
  damaged?: string;
  /** It could not be opened for another reason (French cause). */
  unreadable?: string;
  /** The file holds no journal: empty, or another program's database (left as it is). */
  notAJournal?: { kind: "empty" | "foreign"; line: string };
  /** Exports waiting aside: Saxium refused to hear about them. */
  aside: Pick<ExportRecord, "id" | "reference" | "aside">[];
}

/**
 * Opens the journal read-only and verified (never creating nor changing it),
 * and lists the exports waiting aside.
 */
export function probeJournal(folders: WorkFolders): JournalFacts {
  const path = journalPath(folders);
  if (!exists(path)) return { path, absent: true, aside: [] };
  let journal: Journal | undefined;
  try {
    journal = new Journal(path, { verify: true, readOnly: true });
    const aside = journal.inStates(UNFINISHED_STATES).filter((r) => r.aside !== undefined);
    return { path, aside };
  } catch (error) {
    if (error instanceof NotAJournal) {
      return { path, notAJournal: { kind: error.kind, line: error.message }, aside: [] };
    }
    if (error instanceof JournalDamaged) {
      return { path, damaged: journalDamagedLine(path), aside: [] };
    }
    const { kind, cause } = describeSystemError(error);
    if (kind === "journal-damaged") return { path, damaged: journalDamagedLine(path), aside: [] };
    return { path, unreadable: cause, aside: [] };
  } finally {
    journal?.close();
  }
}

/** The lines `status` adds for the journal: damaged, unreadable, exports aside. */
export function journalProblems(facts: JournalFacts): string[] {
  if (facts.damaged) return [facts.damaged];
  if (facts.notAJournal) return [facts.notAJournal.line];
  if (facts.unreadable) {
    return [
      `Journal de l'agent illisible (${facts.unreadable}) : vérifiez les droits sur ${facts.path}.`,
    ];
  }
  return facts.aside.map((r) =>
    `Export ${
      describe(r)
    } mis de côté (Saxium a refusé de l'enregistrer) : ${r.aside} Corrigez-le dans Saxium ; l'agent le repropose à chaque passe.`
  );
}

/** `doctor`'s verdict on the journal. */
export function checkJournal(facts: JournalFacts): CheckResult {
  const verdict = verdicts("journal", "Journal de l'agent");
  if (facts.absent) return verdict.ok("pas encore créé (aucune passe lancée)");
  if (facts.damaged) {
    return verdict.error(
      `${facts.path} est endommagé`,
      "renommez-le (par exemple en journal-endommage.db) puis relancez sync --once : les reçus de State\\receipts empêchent tout second dépôt.",
    );
  }
  if (facts.notAJournal?.kind === "empty") {
    return verdict.warning(
      `${facts.path} est un fichier vide`,
      "lancez sync --once, qui le remplira (doctor, status et history n'y écrivent jamais).",
    );
  }
  if (facts.notAJournal) {
    return verdict.error(
      `${facts.path} n'est pas le journal de l'agent (base d'un autre programme), laissé tel quel`,
      "déplacez-le hors du dossier State, puis lancez sync --once, qui créera le journal.",
    );
  }
  if (facts.unreadable) {
    return verdict.error(
      `${facts.path} illisible (${facts.unreadable})`,
      "vérifiez les droits du compte qui exécute l'agent sur le dossier State.",
    );
  }
  if (facts.aside.length > 0) {
    return verdict.warning(
      `${facts.aside.length} export(s) mis de côté : Saxium a refusé leur accusé ou leur signalement (${
        facts.aside.slice(0, 3).map((r) => describe(r)).join(", ")
      })`,
      "voyez « status » pour la raison de chacun et corrigez-les dans Saxium ; l'agent les repropose à chaque passe.",
    );
  }
  return verdict.ok(`${facts.path} vérifié, aucun export mis de côté`);
}
