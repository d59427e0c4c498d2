/**
 * What installing and removing the scheduled task share, below the commands
 * that do it (`install-task`, `uninstall-task`): the task name an
 * administrator gave, checked, and which failures are theirs to fix.
 *
 * A bad option or a Task Scheduler refusal (no elevated prompt, not Windows)
 * is one French line for the person at the prompt; anything else is a bug
 * and keeps its stack trace. The exit code for it is the command's choice.
 *
 * @module
 */

import { ConfigError } from "../base/config_error.ts";
import { TaskSchedulerError } from "./schtasks.ts";
import { DEFAULT_TASK_NAME, taskNameProblem } from "./task_definition.ts";
import { AclError } from "./acl.ts";

/**
 * The task's name from `--name` (trimmed), or the default one.
 *
 * @throws {ConfigError} when Task Scheduler would refuse the name.
 */
export function taskNameOption(value: string | boolean | undefined): string {
  const name = typeof value === "string" ? value.trim() : DEFAULT_TASK_NAME;
  const problem = taskNameProblem(name);
  if (problem) throw new ConfigError("name", problem);
  return name;
}

/**
 * The French line for a failure a person fixes (a configuration or Task
 * Scheduler problem); anything else is a bug, rethrown.
 *
 * @example
 * ```ts
 * try {
 *   await uninstallTask(ctx.runCommand, name);
 * } catch (error) {
 *   ctx.stderr(taskFailureLine(error));
 *   return EXIT.config;
 * }
 * ```
 */
export function taskFailureLine(error: unknown): string {
  if (
    error instanceof ConfigError || error instanceof TaskSchedulerError ||
    error instanceof AclError
  ) {
    return error.message;
  }
  throw error;
}
