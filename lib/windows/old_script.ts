/**
 * The PowerShell script this agent replaces (`batigest-sync-agent.ps1` 1.0.0),
 * recognised from what it leaves on the machine, so that the agent never runs
 * beside it: two programs taking the same pending list import every document
 * twice. Pure: the facts come from `old_script_probe.ts`.
 *
 * What gives the script away:
 * - its scheduled task: an Exec action that runs `batigest-sync-agent.ps1`
 *   (through `powershell.exe -ExecutionPolicy Bypass -File "…\batigest-sync-agent.ps1"`,
 *   any path or case). Its default name is the agent's own, « Saxium Batigest
 *   Sync », so a task is judged by what it runs, never by its name;
 * - its log lines, in the same `Logs\sync-yyyy-MM-dd.log` files and the same
 *   `[yyyy-MM-dd HH:mm:ss] [LEVEL] message` format as the agent's: every run
 *   opens with `DÉMARRAGE AGENT BATIGEST v1.0.0` and ends with `SYNCHRONISATION
 *   TERMINÉE` (or `Aucun export en attente`, or `ERREUR FATALE`). Written by
 *   Windows PowerShell 5.1's `Add-Content`, they are in the ANSI code page, or in
 *   UTF-8 when the script file itself was: the accents are matched loosely;
 * - its files in `Downloads\`, `ToImport\` and `Errors\`, named after document
 *   references (`DV-1730000000000.xml`), where the agent's are named after
 *   export ids (`<uuid>.xml.part`, `<uuid>.xml`) or carry a note
 *   (`Errors\<stamp>-<name>` beside `<name>.erreur.txt`).
 *
 * "Running" (the agent refuses to work) means: its task is there and enabled;
 * or one of its runs started within the last {@linkcode FRESH_MS} and after
 * `install-task` replaced it (something we did not replace still starts it);
 * or a run that started before the replacement has not finished and wrote a
 * line within {@linkcode IN_PROGRESS_MS} (it is finishing a pass). Anything
 * else it left is a leftover: reported, never touched, never taken for the
 * agent's own.
 *
 * @module
 */

import { plural } from "../base/french.ts";

/** The old script's file name, as its task runs it. */
export const OLD_SCRIPT_NAME = "batigest-sync-agent.ps1";

/** How long after its last start the old script counts as running, without a replacement. */
export const FRESH_MS = 24 * 60 * 60 * 1000;

/**
 * How long a run started before the replacement, not finished, still counts
 * as in progress after its last line: the script waits 30 s per document, 50
 * documents at most, so an hour of silence is a run that died.
 */
export const IN_PROGRESS_MS = 60 * 60 * 1000;

/** The file the old task's definition is saved in, in the work folder. */
export function oldTaskBackupName(at: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `ancienne-tache-${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())}-${
    p(at.getHours())
  }${p(at.getMinutes())}${p(at.getSeconds())}.xml`;
}

// ---------------------------------------------------------------------------
// The scheduled task.

/** One program a task runs. */
export interface TaskExec {
  command: string;
  arguments: string;
  workingDirectory?: string;
}

/** What a task definition says that matters here. */
export interface TaskFacts {
  execs: TaskExec[];
  /** The task's own switch (`Settings/Enabled`); true when absent, as Task Scheduler reads it. */
  enabled: boolean;
}

/** Reads the actions and the switch of a Task Scheduler XML definition. */
export function readTaskFacts(xml: string): TaskFacts {
  const execs = [...xml.matchAll(/<Exec\b[^>]*>([\s\S]*?)<\/Exec>/g)].map((m) => ({
    command: element(m[1], "Command") ?? "",
    arguments: element(m[1], "Arguments") ?? "",
    workingDirectory: element(m[1], "WorkingDirectory"),
  }));
  const settings = /<Settings\b[^>]*>([\s\S]*?)<\/Settings>/.exec(xml)?.[1] ?? "";
  // Settings' own <Enabled>, not one of a nested block's.
  const own = settings.replace(
    /<(IdleSettings|NetworkSettings|RestartOnFailure|MaintenanceSettings)\b[\s\S]*?<\/\1>/g,
    "",
  );
  const enabled = element(own, "Enabled");
  return { execs, enabled: enabled === undefined || enabled.trim().toLowerCase() !== "false" };
}

function element(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}\\b[^>]*>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? unescapeXml(m[1].trim()) : undefined;
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    const named: Record<string, string> = { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" };
    if (e[0] !== "#") return named[e.toLowerCase()];
    return String.fromCodePoint(
      e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : +e.slice(1),
    );
  });
}

/** The action that runs the old script, if the task has one. */
export function oldScriptExec(facts: TaskFacts): TaskExec | undefined {
  const script = OLD_SCRIPT_NAME.toLowerCase();
  return facts.execs.find((exec) =>
    `${exec.command} ${exec.arguments}`.toLowerCase().includes(script)
  );
}

/** A task definition and its name, as `schtasks /Query /XML ONE` lists them. */
export interface NamedTaskXml {
  /** Without the root folder's backslash: `Saxium Batigest Sync`, `Dossier\Tâche`. */
  name: string;
  xml: string;
}

/**
 * Splits the definitions of every task (`schtasks /Query /XML ONE`: a
 * `<Tasks>` root where each `<Task>` follows a comment naming it,
 * `<!-- \Saxium Batigest Sync -->`).
 */
export function splitTaskList(text: string): NamedTaskXml[] {
  const found: NamedTaskXml[] = [];
  const pattern = /<!--\s*(\\[^\r\n]*?)\s*-->\s*(<Task\b[\s\S]*?<\/Task>)/g;
  for (const m of text.matchAll(pattern)) {
    found.push({ name: m[1].replace(/^\\/, ""), xml: m[2] });
  }
  return found;
}

// ---------------------------------------------------------------------------
// The log lines.

/** What an old-script log line is: a run's start, its end, or another of its lines. */
export type OldLineKind = "start" | "end" | "other";

// An accented letter written by the script may reach the file as one byte
// (ANSI), two (UTF-8) or a replacement character once decoded: `.{1,2}`.
const OLD_LINES: [RegExp, OldLineKind][] = [
  [/^D.{1,2}MARRAGE AGENT BATIGEST v\d/, "start"],
  [/^SYNCHRONISATION TERMIN.{1,2}E\s*$/, "end"],
  [/^Aucun export en attente\s*$/, "end"],
  [/^ERREUR FATALE: /, "end"],
  [/^R.{1,2}cup.{1,2}ration des exports en attente\.\.\.\s*$/, "other"],
  [/^Trouv.{1,2} \d+ export\(s\) en attente\s*$/, "other"],
  [/^Traitement export: .* \(Type: .*\)\s*$/, "other"],
  [/^Agent ID: /, "other"],
];

/** The kind of an old-script log message (the part after `[LEVEL] `), or undefined when not one. */
export function oldLineKind(message: string): OldLineKind | undefined {
  return OLD_LINES.find(([pattern]) => pattern.test(message))?.[1];
}

/** The old script's runs seen in the logs. */
export interface OldRuns {
  /** The log file its last line was seen in. */
  file: string;
  /** When its last run started (its banner), local time read from the line. */
  lastStart?: Date;
  /** Its last line of all. */
  lastLine: Date;
  /** Whether its last run wrote its end. */
  ended: boolean;
}

/**
 * Follows the log lines, oldest first, each with its file and time stamp
 * (`yyyy-MM-dd HH:mm:ss`, local), and says when the old script's last run
 * started, its last line, and whether that run ended; undefined when none
 * of them is the old script's.
 */
export function readOldRuns(
  lines: Iterable<{ file: string; stamp: string; message: string }>,
): OldRuns | undefined {
  let runs: OldRuns | undefined;
  for (const { file, stamp, message } of lines) {
    const kind = oldLineKind(message);
    const at = localStamp(stamp);
    if (kind === undefined || at === undefined) continue;
    runs ??= { file, lastLine: at, ended: false };
    runs.lastLine = at;
    runs.file = file;
    if (kind === "start") {
      runs.lastStart = at;
      runs.ended = false;
    } else if (kind === "end") runs.ended = true;
  }
  return runs;
}

/** `yyyy-MM-dd HH:mm:ss` in local time, as a date. */
export function localStamp(stamp: string): Date | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(stamp);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  return new Date(y, mo - 1, d, h, mi, s);
}

// ---------------------------------------------------------------------------
// The files.

const EXPORT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether a file of `Downloads\` or `ToImport\` is the old script's: a
 * document named after its reference, where the agent's are named after
 * export ids.
 */
export function isOldScriptDocument(name: string): boolean {
  const m = /^(.+)\.(xml|csv)$/i.exec(name);
  return m !== null && !EXPORT_ID.test(m[1]);
}

/**
 * Whether a file of `Errors\` is the old script's: a document named after its
 * reference, without the agent's time stamp prefix nor a note beside it.
 */
export function isOldScriptErrorFile(name: string, hasNote: boolean): boolean {
  return !hasNote && isOldScriptDocument(name) && !/^\d{4}-\d\d-\d\d-\d{6}-/.test(name);
}

/** A file the old script left in the work folder. */
export interface OldFile {
  /** `Downloads`, `ToImport` or `Errors`. */
  folder: string;
  name: string;
  /** Its full path. */
  path: string;
  modified: Date;
}

// ---------------------------------------------------------------------------
// The judgement.

/** A task that runs the old script. */
export interface OldTask {
  name: string;
  enabled: boolean;
  /** The task's definition as Task Scheduler keeps it. */
  xml: string;
}

/** Everything seen of the old script. */
export interface OldScriptFacts {
  /** The tasks that run it; undefined when Task Scheduler could not be asked. */
  tasks?: OldTask[];
  /** Its runs in the last days' logs, newest day's first found. */
  runs?: OldRuns;
  /** Its files in the work folder. */
  files: OldFile[];
  /** When `install-task` replaced it, if it did. */
  replacedAt?: Date;
}

/** Why the old script counts as running. */
export type RunningSign =
  | { kind: "task"; task: OldTask }
  | { kind: "started"; at: Date; file: string }
  | { kind: "in-progress"; since: Date; last: Date; file: string }
  | { kind: "file"; file: OldFile };

/** The judgement: running (with the first sign), or only leftovers, or nothing. */
export type OldScriptState =
  | { state: "running"; sign: RunningSign }
  | { state: "leftovers"; tasks: OldTask[]; files: OldFile[]; lastLine?: Date }
  | { state: "none" };

/** Judges what was seen of the old script at `now` (see the module's doc for "running"). */
export function judgeOldScript(facts: OldScriptFacts, now: Date): OldScriptState {
  const active = facts.tasks?.find((t) => t.enabled);
  if (active) return { state: "running", sign: { kind: "task", task: active } };
  const since = Math.max(now.getTime() - FRESH_MS, facts.replacedAt?.getTime() ?? -Infinity);
  const runs = facts.runs;
  if (runs?.lastStart && runs.lastStart.getTime() > since) {
    return { state: "running", sign: { kind: "started", at: runs.lastStart, file: runs.file } };
  }
  if (
    runs?.lastStart && !runs.ended && now.getTime() - runs.lastLine.getTime() < IN_PROGRESS_MS
  ) {
    return {
      state: "running",
      sign: { kind: "in-progress", since: runs.lastStart, last: runs.lastLine, file: runs.file },
    };
  }
  const fresh = facts.files.find((f) => f.modified.getTime() > since);
  if (fresh) return { state: "running", sign: { kind: "file", file: fresh } };
  const tasks = facts.tasks ?? [];
  if (tasks.length > 0 || facts.files.length > 0 || runs) {
    return { state: "leftovers", tasks, files: facts.files, lastLine: runs?.lastLine };
  }
  return { state: "none" };
}

// ---------------------------------------------------------------------------
// What a person reads.

/** How the commands are named in what a person reads. */
const AGENT = "saxium-batigest-agent.exe";
const SCRIPT = `L'ancien script PowerShell (${OLD_SCRIPT_NAME})`;
const NOTHING_DONE = "rien n'a été fait, pour ne pas importer deux fois les mêmes documents";
/** The one fix for a script still scheduled here: the switch is one command. */
export const REPLACE_FIX =
  `dans une invite de commandes administrateur, lancez « ${AGENT} install-task » : il remplace l'ancienne tâche par celle de l'agent`;

/**
 * What is seen, in French, without the fix: « L'ancien script PowerShell
 * (batigest-sync-agent.ps1) est encore planifié (tâche « … ») ».
 */
export function runningFact(sign: RunningSign, formatDate: (d: Date) => string): string {
  switch (sign.kind) {
    case "task":
      return `${SCRIPT} est encore planifié (tâche « ${sign.task.name} »)`;
    case "started":
      return `${SCRIPT} a tourné dans ce dossier le ${formatDate(sign.at)} (${
        logShown(sign.file)
      })`;
    case "in-progress":
      return `${SCRIPT} termine une passe commencée le ${
        formatDate(sign.since)
      } (dernière ligne le ${formatDate(sign.last)}, ${logShown(sign.file)})`;
    case "file":
      return `${SCRIPT} a laissé ${shown(sign.file)} le ${formatDate(sign.file.modified)}`;
  }
}

/** What to do about a running old script, given whether `install-task` already replaced it. */
export function runningFix(sign: RunningSign, replacedAt: Date | undefined): string {
  if (sign.kind === "in-progress") {
    return "attendez qu'elle se termine (au plus quelques minutes) : la passe suivante de l'agent reprendra d'elle-même";
  }
  if (replacedAt !== undefined && sign.kind !== "task") {
    return `quelque chose le lance encore après son remplacement : cherchez dans le Planificateur de tâches (de ce poste ou d'un autre qui écrit dans ce dossier) l'action ${OLD_SCRIPT_NAME}, supprimez-la, puis relancez`;
  }
  return REPLACE_FIX;
}

/** The one line `sync` ends with when the old script runs beside it (exit 2). */
export function refusalLine(
  sign: RunningSign,
  options: { replacedAt?: Date; formatDate: (d: Date) => string },
): string {
  return `${runningFact(sign, options.formatDate)} : ${NOTHING_DONE} ; ${
    runningFix(sign, options.replacedAt)
  }.`;
}

/** `Downloads\DV-1.xml`: a file as the work folder's layout names it. */
function shown(file: OldFile): string {
  return `${file.folder}\\${file.name}`;
}

/** `Logs\sync-2026-12-05.log`. */
function logShown(path: string): string {
  return `Logs\\${path.split(/[\\/]/).pop()}`;
}

/** What `install-task` did with one old task: saved, then replaced by name or removed. */
export function replacedTaskLine(
  task: Pick<OldTask, "name">,
  options: { savedAs: string; replacedByName: boolean },
): string {
  return `Ancienne tâche « ${task.name} » (${OLD_SCRIPT_NAME}) sauvegardée dans ${options.savedAs}, puis ${
    options.replacedByName ? "remplacée par celle de l'agent" : "supprimée"
  }.`;
}

/** The old script's files, left where they are: what they are and what to do with them. */
export function leftoversLine(files: readonly OldFile[]): string {
  const names = files.slice(0, 3).map(shown).join(", ");
  const more = files.length > 3 ? `, et ${plural(files.length - 3, "autre")}` : "";
  const one = files.length === 1;
  return `${
    one ? "Un fichier laissé" : `${files.length} fichiers laissés`
  } par l'ancien script (${names}${more}) ${
    one ? "reste" : "restent"
  } en place : l'agent n'y touche jamais ; vérifiez dans Batigest que ${
    one ? "ce document y est" : "ces documents y sont"
  }, puis ${one ? "supprimez-le" : "supprimez-les"}.`;
}

/** Said by `install-task` when the old script was in the middle of a pass at the switch. */
export function stillFinishingLine(
  sign: Extract<RunningSign, { kind: "in-progress" }>,
  formatDate: (d: Date) => string,
): string {
  return `L'ancien script termine une passe commencée le ${
    formatDate(sign.since)
  } : l'agent attendra qu'elle se termine (au plus quelques minutes) avant sa première passe.`;
}
