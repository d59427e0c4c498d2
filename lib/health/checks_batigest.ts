/**
 * Whether Batigest imports: what the sync remembered of it
 * (`State\batigest.json`, see `lib/batigest/memory.ts`), judged for
 * `status` and `doctor` by one pure function, so both say the same, in the
 * same words.
 *
 * @module
 */

import { formatDateTime } from "../base/french.ts";
import type { BatigestMemory } from "../batigest/memory.ts";
import { type CheckResult, verdicts } from "./check.ts";

/** One line on Batigest's imports, and the problem to show if any. */
export interface BatigestActivity {
  /** What `status` prints after "Batigest". */
  line: string;
  /** Set when Batigest has stopped importing: what happened and what to do. */
  problem?: string;
}

/** Judges what the sync remembered of Batigest's imports. */
export function batigestActivity(memory: BatigestMemory): BatigestActivity {
  const last = memory.lastImportAt
    ? `dernier import vu le ${formatDateTime(new Date(memory.lastImportAt))}`
    : "aucun import vu pour l'instant";
  if (!memory.inactiveSince) return { line: `importe normalement (${last})` };
  const since = formatDateTime(new Date(memory.inactiveSince));
  return {
    line: `n'importe plus depuis le ${since} (${last})`,
    problem:
      `Batigest n'a rien importé depuis le ${since} alors que des documents l'attendent : vérifiez qu'il est ouvert et que son import automatique est actif ; rien n'est perdu, la synchronisation reprendra d'elle-même.`,
  };
}

/** `doctor`'s check of Batigest's imports. */
export function checkBatigestImports(memory: BatigestMemory): CheckResult {
  const verdict = verdicts("batigest-imports", "Imports de Batigest");
  const activity = batigestActivity(memory);
  if (!activity.problem) return verdict.ok(activity.line);
  return verdict.warning(
    activity.line,
    "Ouvrez Batigest sur le serveur et vérifiez que son import automatique est actif ; ne relancez rien dans Saxium : les documents en attente seront importés une seule fois.",
  );
}
