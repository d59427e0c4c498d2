/**
 * `history`: what was synced or refused, from the agent's own journal —
 * today by default, `--date`, `--days N`, `--errors`; `history <reference or
 * export id>` follows one document through the whole journal. `--csv` for
 * Excel, `--json` for monitoring (times in UTC).
 *
 * @module
 */

import { ConfigError } from "../base/config_error.ts";
import type { CommandContext } from "../base/context.ts";
import { parseDay } from "../base/french.ts";
import { localDate } from "../base/log.ts";
import { journalPath, type WorkFolders, workFolders } from "../base/work_folders.ts";
import {
  gatherHistory,
  historyCsv,
  type HistoryRequest,
  renderHistory,
} from "../health/history.ts";
import { documentCsv, gatherDocument, renderDocument } from "../health/document_history.ts";
import { JournalDamaged, journalDamagedLine, NotAJournal } from "../journal/journal.ts";
import { describeSystemError } from "../base/system_errors.ts";
import { EXIT } from "../base/exit_codes.ts";
import { parseFlags, workDirOnly } from "./flags.ts";
import { printedHelp, renderHelp } from "./help.ts";

const MAX_DAYS = 366;

const HELP = renderHelp({
  usage: "history [<référence ou identifiant d'export>] [--date <jour>] [--days <n>] [--errors] " +
    "[--csv | --json]",
  about: [
    "Liste les exports synchronisés, refusés ou en cours, d'après le journal de l'agent",
    "(sans interroger Saxium) : l'heure d'import par Batigest, et celle de la confirmation",
    "à Saxium quand elle a suivi plus tard.",
    "Avec une référence (DV-123) ou un identifiant d'export (ses 8 premiers caractères",
    "suffisent) : tout le parcours de ce document, quel que soit le jour : téléchargé,",
    "déposé, importé par Batigest, confirmé à Saxium, ou pourquoi pas, pour chaque export",
    "et chaque tentative.",
  ],
  options: [
    {
      flag: "--date <jour>",
      text: "le dernier jour affiché : 25/11/2026, 25/11/26, 2026-11-25, hier [aujourd'hui]",
    },
    { flag: "--days <n>", text: `les n jours jusqu'à --date inclus, de 1 à ${MAX_DAYS} [1]` },
    { flag: "--errors", text: "seulement les exports en erreur, avec leur motif entier" },
    {
      flag: "--csv",
      text: "pour Excel : séparateur « ; », UTF-8 avec BOM, heures locales, en-têtes en français " +
        "(history --csv > historique.csv)",
    },
    { flag: "--json", text: "pour la supervision : heures ISO 8601 en UTC (champ timeZone)" },
  ],
  settings: "work-dir",
  exitCodes: {
    codes: [EXIT.ok, EXIT.config, EXIT.localTrouble],
    meanings: {
      [EXIT.ok]: "historique affiché (même vide, ou document introuvable, ce qui est dit)",
      [EXIT.config]:
        "option invalide, journal de l'agent endommagé ou fichier d'un autre programme à sa place",
    },
  },
});

/** The options `history` takes. */
export const OPTIONS = {
  "work-dir": { type: "string" as const },
  help: { type: "boolean" as const, short: "h" },
  date: { type: "string" as const },
  days: { type: "string" as const },
  errors: { type: "boolean" as const },
  csv: { type: "boolean" as const },
  json: { type: "boolean" as const },
};

/** Runs `history`; returns the exit code. */
export function historyCommand(args: string[], ctx: CommandContext): Promise<number> {
  const flags = parseFlags(args, OPTIONS, { positionals: 1 });
  if (printedHelp(flags, { help: HELP, out: ctx.stdout })) return Promise.resolve(EXIT.ok);
  if (flags.values.csv && flags.values.json) {
    throw new ConfigError("--csv", "Options --csv et --json incompatibles : choisissez-en une.");
  }
  const [query] = flags.positionals;
  if (query !== undefined && query.trim() === "") {
    throw new ConfigError(
      "history",
      "Référence vide : indiquez la référence d'un document (DV-123) ou l'identifiant d'un export.",
    );
  }
  if (query !== undefined) {
    const narrowing = ["date", "days", "errors"].find((name) => flags.values[name] !== undefined);
    if (narrowing) {
      throw new ConfigError(
        `--${narrowing}`,
        `Option --${narrowing} inutile avec une référence : history ${
          query.slice(0, 40)
        } montre tout le journal de l'agent ; retirez --${narrowing}.`,
      );
    }
  }
  const request: HistoryRequest = {
    lastDay: day(flags.values.date, ctx.now()),
    days: days(flags.values.days),
    errorsOnly: flags.values.errors === true,
  };
  // The work folder alone: the history must stay readable when another setting is wrong.
  const workDir = workDirOnly(ctx, flags);
  const folders = workFolders({ workDir, batigestImportDir: workDir });
  const format = flags.values.csv ? "csv" : flags.values.json ? "json" : "screen";
  return Promise.resolve(readOrSay(ctx, folders, () => {
    if (query !== undefined) {
      const report = gatherDocument(folders, { query, now: ctx.now() });
      return format === "json"
        ? [JSON.stringify(report, null, 2)]
        : format === "csv"
        ? documentCsv(report)
        : renderDocument(report);
    }
    const report = gatherHistory(folders, request, ctx.now());
    return format === "json"
      ? [JSON.stringify(report, null, 2)]
      : format === "csv"
      ? historyCsv(report)
      : renderHistory(report, request);
  }));
}

/** Prints what `read` gives; a journal that cannot be read is said in its one line, exit 2. */
function readOrSay(ctx: CommandContext, folders: WorkFolders, read: () => string[]): number {
  let lines: string[];
  try {
    lines = read();
  } catch (error) {
    // Another program's database at the journal's place: said, and left as it is.
    if (error instanceof NotAJournal) {
      ctx.stderr(error.message);
      return EXIT.config;
    }
    // The same line and exit code as sync, status and doctor give.
    const damaged = error instanceof JournalDamaged ||
      describeSystemError(error).kind === "journal-damaged";
    if (!damaged) throw error;
    ctx.stderr(journalDamagedLine(journalPath(folders)));
    return EXIT.config;
  }
  lines.forEach((line) => ctx.stdout(line));
  return EXIT.ok;
}

function day(value: string | boolean | undefined, now: Date): string {
  if (value === undefined) return localDate(now);
  const parsed = parseDay(String(value), now);
  if (!parsed) {
    throw new ConfigError(
      "--date",
      `Option --date invalide (« ${
        String(value).slice(0, 40)
      } ») : indiquez un jour comme 25/11/2026, 25/11/26, 2026-11-25 ou hier.`,
    );
  }
  return parsed;
}

function days(value: string | boolean | undefined): number {
  if (value === undefined) return 1;
  const n = /^\s*\d+\s*$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_DAYS) {
    throw new ConfigError(
      "--days",
      `Option --days invalide (« ${
        String(value).slice(0, 40)
      } ») : un nombre de jours entre 1 et ${MAX_DAYS} est attendu.`,
    );
  }
  return n;
}
