/**
 * Looking for the old PowerShell script on this machine (its scheduled
 * tasks, through `schtasks`) and in the work folder (its log lines, its
 * files), and remembering when `install-task` replaced it: the I/O half of
 * `old_script.ts`, which judges. Nothing here writes, moves or deletes
 * anything the old script left, except {@linkcode recordReplacement}'s own
 * note in `State\`.
 *
 * @module
 */

import nodePath from "node:path";
import type { CommandRunner } from "../base/command_runner.ts";
import { localDate, logFilePath, parseLogLine } from "../base/log.ts";
import { errorNotePath, exists, type WorkFolders } from "../base/work_folders.ts";
import { formatDateTime } from "../base/french.ts";
import { DEFAULT_TASK_NAME } from "./task_definition.ts";
import {
  isOldScriptDocument,
  isOldScriptErrorFile,
  judgeOldScript,
  type OldFile,
  type OldRuns,
  oldScriptExec,
  type OldScriptFacts,
  type OldTask,
  readOldRuns,
  readTaskFacts,
  refusalLine,
  splitTaskList,
} from "./old_script.ts";
import { queryAllTasksXml, queryTaskXml, TaskSchedulerError } from "./schtasks.ts";

/** How much of the end of a day's log is read for the old script's lines. */
const LOG_TAIL_BYTES = 1024 * 1024;

/** The note `install-task` leaves in `State\` when it replaced the old script. */
export const REPLACEMENT_FILE = "ancien-script.json";

/** What `install-task` remembers of the replacement. */
export interface Replacement {
  /** ISO 8601. */
  replacedAt: string;
  /** The old tasks replaced, and where each definition was saved. */
  tasks: { name: string; savedAs: string }[];
}

/** The tasks among `named` that run the old script. */
function oldTasksAmong(named: { name: string; xml: string }[]): OldTask[] {
  return named.flatMap(({ name, xml }) => {
    const facts = readTaskFacts(xml);
    return oldScriptExec(facts) ? [{ name, enabled: facts.enabled, xml }] : [];
  });
}

/**
 * Every task that runs the old script, whatever its name: from the list of
 * all tasks (`schtasks /Query /XML ONE`), or, when that list cannot be read
 * as expected, by each of `names`.
 *
 * @throws {TaskSchedulerError} when schtasks refuses or is missing.
 */
export async function findOldTasks(
  runner: CommandRunner,
  names: readonly string[],
): Promise<OldTask[]> {
  const listed = splitTaskList(await queryAllTasksXml(runner));
  if (listed.length > 0) return oldTasksAmong(listed);
  const named: { name: string; xml: string }[] = [];
  for (const name of new Set(names)) {
    const xml = await queryTaskXml(runner, name);
    if (xml !== undefined) named.push({ name, xml });
  }
  return oldTasksAmong(named);
}

/**
 * The task of one name, if it runs the old script (one cheap query, for
 * `sync`); undefined when Task Scheduler cannot be asked here (not Windows,
 * an account that may not read it): the traces still speak.
 */
export async function oldTaskNamed(
  runner: CommandRunner,
  name: string,
): Promise<OldTask[] | undefined> {
  try {
    const xml = await queryTaskXml(runner, name);
    return xml === undefined ? [] : oldTasksAmong([{ name, xml }]);
  } catch (error) {
    if (error instanceof TaskSchedulerError) return undefined;
    throw error;
  }
}

/**
 * The old script's runs in yesterday's and today's logs (the end of each
 * file: its lines come after the agent's once it runs beside it).
 */
export async function oldRunsInLogs(logsDir: string, now: Date): Promise<OldRuns | undefined> {
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1, 12);
  const lines: { file: string; stamp: string; message: string }[] = [];
  for (const day of [localDate(yesterday), localDate(now)]) {
    const file = logFilePath(logsDir, day);
    for (const text of await lastLinesOf(file)) {
      const line = parseLogLine(text);
      if (line) lines.push({ file, stamp: line.stamp, message: line.message });
    }
  }
  return readOldRuns(lines);
}

async function lastLinesOf(path: string): Promise<string[]> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  try {
    const { size } = await file.stat();
    const start = Math.max(0, size - LOG_TAIL_BYTES);
    await file.seek(start, Deno.SeekMode.Start);
    const bytes = new Uint8Array(size - start);
    let read = 0;
    while (read < bytes.length) {
      const n = await file.read(bytes.subarray(read));
      if (n === null) break;
      read += n;
    }
    const lines = new TextDecoder().decode(bytes.subarray(0, read)).split("\n");
    return start > 0 ? lines.slice(1) : lines; // the first one may be cut
  } finally {
    file.close();
  }
}

/** The old script's files in `Downloads\`, `ToImport\` and `Errors\`, oldest first. */
export async function oldFiles(folders: WorkFolders): Promise<OldFile[]> {
  const found: OldFile[] = [];
  const places: [string, string, (name: string) => boolean][] = [
    ["Downloads", folders.downloads, isOldScriptDocument],
    ["ToImport", folders.toImport, isOldScriptDocument],
    [
      "Errors",
      folders.errors,
      (name) => isOldScriptErrorFile(name, exists(errorNotePath(folders.errors, name))),
    ],
  ];
  for (const [folder, dir, isOld] of places) {
    try {
      for await (const entry of Deno.readDir(dir)) {
        if (!entry.isFile || !isOld(entry.name)) continue;
        const path = nodePath.join(dir, entry.name);
        const modified = (await Deno.stat(path).catch(() => undefined))?.mtime;
        if (modified) found.push({ folder, name: entry.name, path, modified });
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return found.sort((a, b) => a.modified.getTime() - b.modified.getTime());
}

function replacementPath(folders: Pick<WorkFolders, "state">): string {
  return nodePath.join(folders.state, REPLACEMENT_FILE);
}

/** What `install-task` noted when it replaced the old script, if it did. */
export async function readReplacement(
  folders: Pick<WorkFolders, "state">,
): Promise<Replacement | undefined> {
  try {
    const value = JSON.parse(await Deno.readTextFile(replacementPath(folders)));
    return typeof value?.replacedAt === "string" && !Number.isNaN(Date.parse(value.replacedAt))
      ? { replacedAt: value.replacedAt, tasks: Array.isArray(value.tasks) ? value.tasks : [] }
      : undefined;
  } catch {
    return undefined; // none, or unreadable: as if never replaced (the safe side)
  }
}

/** Notes the replacement in `State\`: the old script's traces before it are leftovers. */
export async function recordReplacement(
  folders: Pick<WorkFolders, "state">,
  replacement: Replacement,
): Promise<void> {
  await Deno.mkdir(folders.state, { recursive: true });
  await Deno.writeTextFile(replacementPath(folders), JSON.stringify(replacement, null, 2) + "\n");
}

/**
 * Everything seen of the old script: its tasks as `tasks` found them
 * (undefined: not asked, or not answerable), its runs in the logs, its
 * files, and the replacement noted by `install-task`.
 */
export async function oldScriptFacts(
  folders: WorkFolders,
  options: { now: Date; tasks?: OldTask[] },
): Promise<OldScriptFacts> {
  const replacement = await readReplacement(folders);
  return {
    tasks: options.tasks,
    runs: await oldRunsInLogs(folders.logs, options.now),
    files: await oldFiles(folders),
    replacedAt: replacement ? new Date(replacement.replacedAt) : undefined,
  };
}

/**
 * The one line `sync` stops on when the old script runs beside it (its task
 * under the default name, enabled; or its fresh traces), before any request
 * to Saxium; undefined when it does not.
 */
export async function oldScriptRefusal(
  folders: WorkFolders,
  options: { runCommand: CommandRunner; now: Date },
): Promise<string | undefined> {
  const tasks = await oldTaskNamed(options.runCommand, DEFAULT_TASK_NAME);
  const facts = await oldScriptFacts(folders, { now: options.now, tasks });
  const judged = judgeOldScript(facts, options.now);
  if (judged.state !== "running") return undefined;
  return refusalLine(judged.sign, { replacedAt: facts.replacedAt, formatDate: formatDateTime });
}
