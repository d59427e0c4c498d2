/**
 * Every command's `--help`, built one way: "Utilisation :", what the command
 * does, each option with its default, the settings it reads with theirs, the
 * exit codes. The settings' lines come from one table, checked by a test
 * against the settings the agent knows, so a new setting cannot be missing
 * from the help.
 *
 * @module
 */

import { DEFAULTS, RANGES, SETTING_FLAGS } from "../base/settings.ts";
import { formatCount } from "../base/french.ts";
import { AGENT_NAME } from "../base/version.ts";

/** One option as the help shows it: `--every <minutes>` and what it does (with its default). */
export interface OptionDoc {
  flag: string;
  text: string;
}

/** What a command's help says. */
export interface CommandDoc {
  /** The command and its arguments after the program's name: `sync [--once] [options]`. */
  usage: string;
  /** What the command does, a few lines. */
  about: string[];
  /** The command's own options. */
  options: OptionDoc[];
  /** Which settings it reads: all of them, the work folder only, or none. */
  settings: "all" | "work-dir" | "none";
  /** Lines after the options (exit codes…). */
  footer?: string[];
}

/** `, de 10 à 86 400` for a whole-number setting: its range, from the one table. */
function range(setting: keyof typeof RANGES): string {
  const [min, max] = RANGES[setting];
  return `, de ${formatCount(min)} à ${formatCount(max)}`;
}

/** The line of each setting flag, its variable, its range and its default. */
export const SETTING_DOCS: Readonly<Record<string, OptionDoc>> = {
  "api-url": {
    flag: "--api-url <adresse>",
    text: "adresse de Saxium (SAXIUM_API_URL, « apiUrl ») ; obligatoire",
  },
  "agent-id": {
    flag: "--agent-id <nom>",
    text: "nom du poste pour Saxium (SAXIUM_AGENT_ID) [nom de la machine]",
  },
  "work-dir": {
    flag: "--work-dir <dossier>",
    text: `dossier de travail (SAXIUM_WORK_DIR) [${DEFAULTS.workDir}]`,
  },
  "batigest-import-dir": {
    flag: "--batigest-import-dir <dossier>",
    text: `dossier d'import de Batigest (BATIGEST_IMPORT_PATH) [${DEFAULTS.batigestImportDir}]`,
  },
  "formats": {
    flag: "--formats <xml,csv>",
    text: `formats déposés dans Batigest [${DEFAULTS.formats.join(",")}]`,
  },
  "poll-interval": {
    flag: "--poll-interval <secondes>",
    text: `pause entre deux passes de sync sans --once${
      range("pollIntervalSeconds")
    } [${DEFAULTS.pollIntervalSeconds}]`,
  },
  "batch-size": {
    flag: "--batch-size <n>",
    text: `exports demandés à Saxium à la fois${range("batchSize")} [${DEFAULTS.batchSize}]`,
  },
  "import-timeout": {
    flag: "--import-timeout <secondes>",
    text: `temps laissé à Batigest pour prendre un document${
      range("importTimeoutSeconds")
    } [${DEFAULTS.importTimeoutSeconds}]`,
  },
  "download-idle": {
    flag: "--download-idle <secondes>",
    text: `abandon d'un téléchargement sans aucun octet reçu pendant ce délai${
      range("downloadIdleSeconds")
    } [${DEFAULTS.downloadIdleSeconds}]`,
  },
  "log-retention-days": {
    flag: "--log-retention-days <jours>",
    text: `jours de journaux gardés dans Logs${
      range("logRetentionDays")
    } [${DEFAULTS.logRetentionDays}]`,
  },
  "log-level": {
    flag: "--log-level <niveau>",
    text: `ERROR (erreur), WARNING (attention), INFO ou DEBUG [${DEFAULTS.logLevel}]`,
  },
  "proxy": {
    flag: "--proxy <adresse>",
    text: "proxy HTTPS vers Saxium (HTTPS_PROXY) [aucun]",
  },
  "ca-file": {
    flag: "--ca-file <fichier>",
    text: "certificats racines en plus, PEM, dans le dossier de travail [aucun]",
  },
};

const VERBOSE: OptionDoc = { flag: "--verbose", text: "journal détaillé (niveau DEBUG)" };
const HELP: OptionDoc = { flag: "-h, --help", text: "cette aide" };

/** The help's lines. */
export function renderHelp(doc: CommandDoc): string[] {
  const settings = doc.settings === "all"
    ? [...Object.keys(SETTING_FLAGS).map((flag) => SETTING_DOCS[flag]), VERBOSE]
    : doc.settings === "work-dir"
    ? [SETTING_DOCS["work-dir"]]
    : [];
  const width = Math.max(...[...doc.options, ...settings, HELP].map((o) => o.flag.length)) + 2;
  const line = (o: OptionDoc) => `  ${o.flag.padEnd(width)}${o.text}`;
  const lines = [`Utilisation : ${AGENT_NAME} ${doc.usage}`, "", ...doc.about, ""];
  if (doc.options.length > 0) lines.push("Options :", ...doc.options.map(line), "");
  if (doc.settings === "all") {
    lines.push(
      "Paramètres (sinon variable d'environnement, agent.json, valeur de construction ;",
      "défaut entre crochets) :",
      ...settings.map(line),
      "  Le jeton se donne par SAXIUM_TOKEN ou « token » dans agent.json, jamais en option.",
      "",
    );
  } else if (doc.settings === "work-dir") {
    lines.push(...settings.map(line));
  }
  lines.push(line(HELP));
  if (doc.footer) lines.push("", ...doc.footer);
  return lines;
}

/** Prints `help` when the flags ask for it (`-h`, `--help`); true when it did. */
export function printedHelp(
  flags: { values: Record<string, unknown> },
  options: { help: readonly string[]; out: (line: string) => void },
): boolean {
  if (!flags.values.help) return false;
  options.help.forEach((line) => options.out(line));
  return true;
}
