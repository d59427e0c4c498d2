/**
 * The Windows Task Scheduler, as data: the task's XML definition, the exact
 * `schtasks.exe` argument lists, and the parsing of `schtasks /Query /V /FO CSV`
 * whose column names and values are localised (English and French Windows).
 *
 * Pure: no I/O here; `schtasks.ts` runs the commands.
 *
 * @module
 */

import { EXIT_MEANINGS } from "../base/exit_codes.ts";
import { twoDigits } from "../base/text.ts";

/** The scheduled task's name unless `--name` says otherwise. */
export const DEFAULT_TASK_NAME = "Saxium Batigest Sync";

/** Minutes between two runs unless `--every` says otherwise. */
export const DEFAULT_EVERY_MINUTES = 5;
/** The longest interval between two runs, in minutes (a day). */
export const MAX_EVERY_MINUTES = 1440;

/** How long one run may last before Task Scheduler stops it. */
export const DEFAULT_EXECUTION_TIME_LIMIT = "PT1H";

/** The well-known SID of the LocalSystem account (SYSTEM). */
export const SYSTEM_SID = "S-1-5-18";

/** What the task runs and how often. */
export interface TaskXmlOptions {
  /** The program, an absolute path (not quoted). */
  command: string;
  /** Its command line after the program, already quoted for Windows. */
  arguments: string;
  /** The folder the program starts in. */
  workingDirectory: string;
  /** Minutes between two runs (1 to 1440). */
  everyMinutes: number;
  /** Shown in the Task Scheduler console. */
  description?: string;
  /** First run; a `Date` is written in local time, a string as given (`yyyy-MM-ddTHH:mm:ss`). */
  startBoundary: Date | string;
  /** ISO 8601 duration, `PT1H` by default. */
  executionTimeLimit?: string;
}

/**
 * The Task Scheduler XML for the agent's task: repeated every N minutes
 * indefinitely, as SYSTEM with the highest privileges, never two at once,
 * started late if a run was missed, not stopped or prevented on battery.
 *
 * Every value is XML-escaped (a path may contain `&`). Encode the result with
 * {@linkcode encodeUtf16LeWithBom} before giving it to `schtasks /XML`.
 *
 * The trigger's children follow the schema's sequence (`triggerBaseType`:
 * Enabled, StartBoundary, EndBoundary, Repetition), although Task Scheduler's
 * own exports write Repetition first: the Windows CI job registers this XML
 * and reads back what Task Scheduler kept (`task_readback.ts`).
 */
export function taskXml(options: TaskXmlOptions): string {
  const every = options.everyMinutes;
  if (!Number.isInteger(every) || every < 1 || every > MAX_EVERY_MINUTES) {
    throw new RangeError(
      `Intervalle invalide (${every}) : un nombre de minutes entre 1 et 1440 est attendu.`,
    );
  }
  const limit = options.executionTimeLimit ?? DEFAULT_EXECUTION_TIME_LIMIT;
  if (!/^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/.test(limit)) {
    throw new RangeError(
      `Durée maximale invalide (${limit}) : une durée ISO 8601 comme PT1H est attendue.`,
    );
  }
  const start = typeof options.startBoundary === "string"
    ? options.startBoundary
    : localDateTimeIso(options.startBoundary);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(start)) {
    throw new RangeError(`Date de début invalide (${start}) : attendu yyyy-MM-ddTHH:mm:ss.`);
  }
  const e = escapeXml;
  const description = options.description === undefined
    ? ""
    : `\n    <Description>${e(options.description)}</Description>`;
  return `<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>${description}
  </RegistrationInfo>
  <Triggers>
    <TimeTrigger>
      <Enabled>true</Enabled>
      <StartBoundary>${start}</StartBoundary>
      <Repetition>
        <Interval>PT${every}M</Interval>
        <StopAtDurationEnd>false</StopAtDurationEnd>
      </Repetition>
    </TimeTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>${SYSTEM_SID}</UserId>
      <RunLevel>HighestAvailable</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>true</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <IdleSettings>
      <StopOnIdleEnd>false</StopOnIdleEnd>
      <RestartOnIdle>false</RestartOnIdle>
    </IdleSettings>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
    <RunOnlyIfIdle>false</RunOnlyIfIdle>
    <WakeToRun>false</WakeToRun>
    <ExecutionTimeLimit>${limit}</ExecutionTimeLimit>
    <Priority>7</Priority>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>${e(options.command)}</Command>
      <Arguments>${e(options.arguments)}</Arguments>
      <WorkingDirectory>${e(options.workingDirectory)}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
`;
}

function localDateTimeIso(date: Date): string {
  return `${date.getFullYear()}-${twoDigits(date.getMonth() + 1)}-${twoDigits(date.getDate())}T${
    twoDigits(date.getHours())
  }:${twoDigits(date.getMinutes())}:${twoDigits(date.getSeconds())}`;
}

/** Escapes text for an XML element or attribute; refuses characters XML 1.0 cannot carry. */
export function escapeXml(text: string): string {
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/.test(text)) {
    throw new RangeError("Valeur refusée : elle contient des caractères de contrôle.");
  }
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/**
 * Encodes text as UTF-16LE preceded by the byte order mark FF FE, the only
 * encoding `schtasks /Create /XML` accepts for a file declaring `UTF-16`.
 */
export function encodeUtf16LeWithBom(text: string): Uint8Array {
  const bytes = new Uint8Array(2 + text.length * 2);
  bytes[0] = 0xff;
  bytes[1] = 0xfe;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    bytes[2 + i * 2] = unit & 0xff;
    bytes[3 + i * 2] = unit >> 8;
  }
  return bytes;
}

/**
 * Joins arguments into one Windows command line, quoting as the Microsoft C
 * runtime (and Deno) parse it: spaces and quotes inside quotes, backslashes
 * doubled only before a quote.
 *
 * @example
 * ```ts
 * windowsCommandLine(["sync", "--work-dir", "C:\\Saxium Batigest"]);
 * // 'sync --work-dir "C:\\Saxium Batigest"'
 * ```
 */
export function windowsCommandLine(args: readonly string[]): string {
  return args.map(quoteWindowsArg).join(" ");
}

function quoteWindowsArg(arg: string): string {
  if (arg !== "" && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === "\\") {
      backslashes++;
      continue;
    }
    out += ch === '"' ? `${"\\".repeat(backslashes * 2 + 1)}"` : `${"\\".repeat(backslashes)}${ch}`;
    backslashes = 0;
  }
  return `${out}${"\\".repeat(backslashes * 2)}"`;
}

/**
 * Why a task name is unusable, in French, or undefined when it is fine.
 * A backslash places the task in a folder (`Saxium\Sync`).
 */
export function taskNameProblem(name: string): string | undefined {
  // deno-lint-ignore no-control-regex
  if (name.trim() === "" || name.length > 200 || /[\x00-\x1f<>:"/|?*]/.test(name)) {
    return `Nom de tâche invalide (« ${
      name.slice(0, 80)
    } ») : 1 à 200 caractères, sans < > : " / | ? * ni caractère de contrôle.`;
  }
  return undefined;
}

/** Where the XML file is and what to call the task. */
export interface CreateArgsOptions {
  xmlPath: string;
  name: string;
}

/** `schtasks` arguments registering the task from its XML file, replacing an existing one. */
export function createArgs(options: CreateArgsOptions): string[] {
  return ["/Create", "/XML", options.xmlPath, "/TN", options.name, "/F"];
}

/** `schtasks` arguments removing the task without asking. */
export function deleteArgs(name: string): string[] {
  return ["/Delete", "/TN", name, "/F"];
}

/** `schtasks` arguments printing the task's definition as Task Scheduler keeps it (XML). */
export function queryXmlArgs(name: string): string[] {
  return ["/Query", "/XML", "/TN", name];
}

/**
 * `schtasks` arguments printing every task's definition as one XML document
 * (`<Tasks>`, each `<Task>` after a comment naming it).
 */
export function queryAllXmlArgs(): string[] {
  return ["/Query", "/XML", "ONE"];
}

/** `schtasks` arguments starting the task now, once (its schedule is unchanged). */
export function runArgs(name: string): string[] {
  return ["/Run", "/TN", name];
}

/** `schtasks` arguments describing the task in verbose CSV. */
export function queryArgs(name: string): string[] {
  return ["/Query", "/TN", name, "/V", "/FO", "CSV"];
}

/** The scheduled task's state, independent of the language of Windows. */
export type TaskStatus = "ready" | "running" | "disabled" | "queued" | "unknown";

/** What `schtasks /Query` says about the task. */
export interface TaskInfo {
  /** The task's name, without the root folder's leading backslash. */
  name: string;
  status: TaskStatus;
  /** The state in French for known states, as Windows wrote it otherwise. */
  statusText: string;
  /** As Windows formats it (locale-dependent); absent when never run. */
  lastRunTime?: string;
  /** The last run's exit code (see {@linkcode describeLastResult}). */
  lastResult?: number;
  /** As Windows formats it; absent when none is planned (disabled task). */
  nextRunTime?: string;
}

/** Task Scheduler's "has not run yet" (SCHED_S_TASK_HAS_NOT_RUN, 0x41303). */
export const RESULT_NEVER_RUN = 267011;
/** Task Scheduler's "currently running" (SCHED_S_TASK_RUNNING, 0x41301). */
export const RESULT_RUNNING = 267009;

type Column = "taskName" | "nextRunTime" | "status" | "lastRunTime" | "lastResult";

/**
 * Header names per column, normalised by {@linkcode normalizeLabel}: English,
 * French, and the variants French Windows versions have used.
 */
const HEADERS: Record<Column, readonly string[]> = {
  taskName: ["taskname", "nomdelatche"],
  nextRunTime: ["nextruntime", "prochaineexcution", "heuredelaprochaineexcution"],
  status: ["status", "statut"],
  lastRunTime: [
    "lastruntime",
    "heuredeladernireexcution",
    "dernireexcution",
    "dernierdmarrage",
  ],
  lastResult: ["lastresult", "dernierrsultat"],
};

/** Where each column sits in `schtasks /V` output, the same in every language. */
const POSITIONS: Record<Column, number> = {
  taskName: 1,
  nextRunTime: 2,
  status: 3,
  lastRunTime: 5,
  lastResult: 6,
};

/**
 * Reduces a label or value to lowercase ASCII letters and digits, dropping
 * every other character, accented letters included. A French header decoded
 * from the OEM code page as UTF-8 (`Prochaine ex�cution`) and the clean one
 * (`Prochaine exécution`) then both give `prochaineexcution`.
 */
export function normalizeLabel(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/**
 * Parses `schtasks /Query /TN <name> /V /FO CSV` output, English or French,
 * clean or with mojibake; the first data row is used (there is one row per
 * trigger). Returns undefined when there is no data row.
 */
export function parseTaskQuery(csv: string): TaskInfo | undefined {
  const rows = parseCsv(csv.replace(/^\uFEFF/, "")).filter((row) =>
    row.some((field) => field.trim() !== "")
  );
  if (rows.length < 2) return undefined;
  const header = rows[0].map(normalizeLabel);
  const data = rows.slice(1).find((row) => row.map(normalizeLabel).join() !== header.join());
  if (!data) return undefined;
  const value = (column: Column): string | undefined => {
    let index = header.findIndex((h) => HEADERS[column].includes(h));
    if (index < 0 && header.length >= 7) index = POSITIONS[column];
    const raw = index >= 0 ? data[index]?.trim() : undefined;
    return raw === undefined || raw === "" || normalizeLabel(raw) === "na" ? undefined : raw;
  };
  const name = value("taskName");
  if (name === undefined) return undefined;
  const statusRaw = value("status") ?? "";
  const status = taskStatus(statusRaw);
  const lastResult = parseResult(value("lastResult"));
  return {
    name: name.replace(/^\\/, ""),
    status,
    statusText: status === "unknown" ? statusRaw : STATUS_TEXT[status],
    lastRunTime: lastResult === RESULT_NEVER_RUN ? undefined : value("lastRunTime"),
    lastResult,
    nextRunTime: value("nextRunTime"),
  };
}

const STATUS_TEXT: Record<Exclude<TaskStatus, "unknown">, string> = {
  ready: "Prête",
  running: "En cours d'exécution",
  disabled: "Désactivée",
  queued: "En file d'attente",
};

function taskStatus(raw: string): TaskStatus {
  const v = normalizeLabel(raw);
  if (v === "ready" || v === "prt" || v === "pret") return "ready";
  if (v === "running" || v.startsWith("encoursdex")) return "running";
  if (v === "disabled" || v.startsWith("dsactiv") || v.startsWith("desactiv")) return "disabled";
  if (v === "queued" || v.includes("filedattente")) return "queued";
  return "unknown";
}

function parseResult(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (/^-?\d+$/.test(raw)) return Number(raw);
  if (/^0x[0-9a-f]+$/i.test(raw)) return parseInt(raw.slice(2), 16);
  return undefined;
}

/**
 * The last run's result in French: the agent's exit codes from the contract,
 * Task Scheduler's own codes, anything else in hexadecimal.
 */
export function describeLastResult(code: number): string {
  if (code === 0) return "0 : OK";
  if (EXIT_MEANINGS[code]) return `${code} : ${EXIT_MEANINGS[code]}`;
  switch (code) {
    case RESULT_NEVER_RUN:
      return "jamais exécutée";
    case RESULT_RUNNING:
      return "en cours d'exécution";
    default:
      return `code inattendu 0x${(code >>> 0).toString(16).toUpperCase()}`;
  }
}

/** RFC 4180 CSV: quoted fields, doubled quotes, commas and line breaks inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else {
      field += ch;
    }
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** What kind of failure `schtasks` output describes, in any language. */
export type SchtasksFailure = "access-denied" | "not-found" | "other";

/**
 * Classifies a failed `schtasks` run from its output ("ERROR: Access is
 * denied." / "ERREUR : Accès refusé.", "ERROR: The system cannot find the file
 * specified." / "ERREUR : Le fichier spécifié est introuvable."), accents
 * mangled or not.
 */
export function classifySchtasksFailure(output: string): SchtasksFailure {
  // deno-lint-ignore no-control-regex
  const text = output.toLowerCase().replace(/[^\x00-\x7f]/g, "");
  if (/access is denied|acc.?s refus/.test(text)) return "access-denied";
  if (/cannot find|does not exist|introuvable|n.existe pas/.test(text)) return "not-found";
  return "other";
}

/** The French advice when Windows refuses: run from an elevated prompt. */
export const ELEVATION_ADVICE =
  "Droits administrateur nécessaires : ouvrez une « Invite de commandes (administrateur) » (clic droit sur Invite de commandes, puis « Exécuter en tant qu'administrateur ») et relancez la commande.";
