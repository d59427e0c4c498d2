/**
 * The agent's scheduled task on the machine: install, remove, query (its
 * state, or its definition as Task Scheduler keeps it), start once, through
 * `schtasks.exe` run by an injected {@linkcode CommandRunner}.
 *
 * @module
 */

import nodePath from "node:path";
import type { CommandResult, CommandRunner } from "../base/command_runner.ts";
import {
  classifySchtasksFailure,
  createArgs,
  deleteArgs,
  ELEVATION_ADVICE,
  encodeUtf16LeWithBom,
  parseTaskQuery,
  queryAllXmlArgs,
  queryArgs,
  queryXmlArgs,
  runArgs,
  type TaskInfo,
} from "./task_definition.ts";

/** The program the agent may run, as named in its permissions. */
export const SCHTASKS = "schtasks.exe";

/** The task definition's file name, written in the work folder for the time of `/Create`. */
export const TASK_XML_FILE = "task.xml";

/** `schtasks` failed; `message` is the French line for the user. */
export class TaskSchedulerError extends Error {
  /** `access-denied` when an elevated prompt is the fix. */
  readonly kind: "access-denied" | "failed";
  constructor(kind: "access-denied" | "failed", message: string) {
    super(message);
    this.name = "TaskSchedulerError";
    this.kind = kind;
  }
}

/** What {@linkcode installTask} registers. */
export interface InstallTaskOptions {
  /** The task's name. */
  name: string;
  /** The work folder, where the XML file is written then removed. */
  workDir: string;
  /** The task definition from `taskXml()`. */
  xml: string;
}

/**
 * Registers the task (replacing one of the same name): writes the XML as
 * UTF-16LE in the work folder, runs `schtasks /Create /XML`, removes the file.
 *
 * @throws {TaskSchedulerError} when schtasks refuses.
 */
export async function installTask(
  runner: CommandRunner,
  options: InstallTaskOptions,
): Promise<void> {
  await Deno.mkdir(options.workDir, { recursive: true });
  const xmlPath = nodePath.join(options.workDir, TASK_XML_FILE);
  await Deno.writeFile(xmlPath, encodeUtf16LeWithBom(options.xml));
  try {
    const result = await schtasks(runner, createArgs({ xmlPath, name: options.name }));
    if (result.code !== 0) throw failure(result, `créer la tâche planifiée « ${options.name} »`);
  } finally {
    await Deno.remove(xmlPath).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}

/**
 * Removes the task. Returns false when there was no such task.
 *
 * @throws {TaskSchedulerError} when schtasks refuses.
 */
export async function uninstallTask(runner: CommandRunner, name: string): Promise<boolean> {
  const result = await schtasks(runner, deleteArgs(name));
  if (result.code === 0) return true;
  if (classifySchtasksFailure(outputOf(result)) === "not-found") return false;
  throw failure(result, `supprimer la tâche planifiée « ${name} »`);
}

/**
 * The task's state, last and next run, or undefined when it is not installed.
 *
 * @throws {TaskSchedulerError} when schtasks refuses or answers something unreadable.
 */
export async function queryTask(
  runner: CommandRunner,
  name: string,
): Promise<TaskInfo | undefined> {
  const result = await schtasks(runner, queryArgs(name));
  if (result.code !== 0) {
    if (classifySchtasksFailure(outputOf(result)) === "not-found") return undefined;
    throw failure(result, `lire la tâche planifiée « ${name} »`);
  }
  const info = parseTaskQuery(result.stdout);
  if (!info) {
    throw new TaskSchedulerError(
      "failed",
      `Réponse de schtasks illisible pour la tâche « ${name} » : vérifiez-la dans le Planificateur de tâches.`,
    );
  }
  return info;
}

/**
 * The task's definition as Task Scheduler keeps it (`schtasks /Query /XML`),
 * or undefined when it is not installed.
 *
 * @throws {TaskSchedulerError} when schtasks refuses.
 */
export async function queryTaskXml(
  runner: CommandRunner,
  name: string,
): Promise<string | undefined> {
  const result = await schtasks(runner, queryXmlArgs(name));
  if (result.code === 0) return result.stdout;
  if (classifySchtasksFailure(outputOf(result)) === "not-found") return undefined;
  throw failure(result, `lire la définition de la tâche planifiée « ${name} »`);
}

/**
 * Every task's definition as Task Scheduler keeps it, in one document
 * (`schtasks /Query /XML ONE`): the tasks this account may see.
 *
 * @throws {TaskSchedulerError} when schtasks refuses.
 */
export async function queryAllTasksXml(runner: CommandRunner): Promise<string> {
  const result = await schtasks(runner, queryAllXmlArgs());
  if (result.code === 0) return result.stdout;
  throw failure(result, "lire la liste des tâches planifiées");
}

/**
 * Starts the task now, once, as Task Scheduler would (`schtasks /Run`).
 *
 * @throws {TaskSchedulerError} when schtasks refuses.
 */
export async function startTask(runner: CommandRunner, name: string): Promise<void> {
  const result = await schtasks(runner, runArgs(name));
  if (result.code !== 0) throw failure(result, `lancer la tâche planifiée « ${name} »`);
}

async function schtasks(runner: CommandRunner, args: string[]): Promise<CommandResult> {
  try {
    return await runner(SCHTASKS, args);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new TaskSchedulerError(
      "failed",
      `${SCHTASKS} introuvable : les tâches planifiées ne sont disponibles que sous Windows (C:\\Windows\\System32\\schtasks.exe).`,
    );
  }
}

function outputOf(result: CommandResult): string {
  return `${result.stderr}\n${result.stdout}`;
}

function failure(result: CommandResult, action: string): TaskSchedulerError {
  if (classifySchtasksFailure(outputOf(result)) === "access-denied") {
    return new TaskSchedulerError(
      "access-denied",
      `Impossible de ${action} : accès refusé. ${ELEVATION_ADVICE}`,
    );
  }
  const detail = outputOf(result).split(/\r?\n/).map((line) => line.trim()).find((line) =>
    line !== ""
  );
  return new TaskSchedulerError(
    "failed",
    `Impossible de ${action} : schtasks a échoué (code ${result.code}${
      detail ? ` : ${detail.slice(0, 200)}` : ""
    }).`,
  );
}
