/**
 * The switch from the old PowerShell script to the agent, as `install-task`
 * does it in one command: each task that runs the old script is saved in the
 * work folder (`ancienne-tache-<date>.xml`, in UTF-16 as Task Scheduler
 * imports it back), the agent's task replaces the one of the same name, the
 * others are removed, and the moment is noted so that the old script's
 * traces from before it are leftovers, not a script running beside the agent.
 *
 * @module
 */

import nodePath from "node:path";
import type { CommandRunner } from "../base/command_runner.ts";
import { freeName, type WorkFolders } from "../base/work_folders.ts";
import { type OldTask, oldTaskBackupName } from "./old_script.ts";
import { recordReplacement } from "./old_script_probe.ts";
import { uninstallTask } from "./schtasks.ts";
import { encodeUtf16LeWithBom } from "./task_definition.ts";

/** An old task and where its definition was saved. */
export interface SavedTask {
  task: OldTask;
  /** The saved definition's full path. */
  path: string;
}

/**
 * Saves each old task's definition in the work folder, before anything
 * changes; the names never overwrite an earlier save.
 */
export async function saveOldTasks(
  workDir: string,
  options: { tasks: readonly OldTask[]; now: Date },
): Promise<SavedTask[]> {
  await Deno.mkdir(workDir, { recursive: true });
  const saved: SavedTask[] = [];
  for (const task of options.tasks) {
    const name = freeName(workDir, oldTaskBackupName(options.now));
    const path = nodePath.join(workDir, name);
    const xml = /^\s*<\?xml/.test(task.xml)
      ? task.xml
      : `<?xml version="1.0" encoding="UTF-16"?>\r\n${task.xml}`;
    await Deno.writeFile(path, encodeUtf16LeWithBom(xml), { createNew: true });
    saved.push({ task, path });
  }
  return saved;
}

/** Removes saved definitions again (the install failed: the machine is left as it was). */
export async function forgetSaved(saved: readonly SavedTask[]): Promise<void> {
  for (const { path } of saved) await Deno.remove(path).catch(() => {});
}

/**
 * Removes the old tasks the agent's task did not replace by name, then
 * notes the replacement in `State\`.
 *
 * @throws {TaskSchedulerError} when one cannot be removed (the agent's task is installed).
 */
export async function finishSwitch(
  runner: CommandRunner,
  options: { saved: readonly SavedTask[]; agentTask: string; folders: WorkFolders; now: Date },
): Promise<void> {
  for (const { task } of options.saved) {
    if (task.name.toLowerCase() !== options.agentTask.toLowerCase()) {
      await uninstallTask(runner, task.name);
    }
  }
  await recordReplacement(options.folders, {
    replacedAt: options.now.toISOString(),
    tasks: options.saved.map(({ task, path }) => ({ name: task.name, savedAs: path })),
  });
}
