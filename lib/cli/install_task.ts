/**
 * `install-task`: registers the Windows scheduled task that runs
 * `sync --once` every N minutes as SYSTEM, and reserves the work folder (and
 * the token in `agent.json`) to SYSTEM and Administrators: both, or neither.
 *
 * @module
 */

import { CONFIG_FILE_NAME, type Settings } from "../base/settings.ts";
import { SETTING_FLAGS, SETTING_KEYS, settingRow } from "../base/setting_table.ts";
import { ConfigError } from "../base/config_error.ts";
import nodePath from "node:path";
import { fileURLToPath } from "node:url";
import { resolveSettings } from "../base/config.ts";
import type { CommandContext } from "../base/context.ts";
import { notifyNetHosts } from "../base/notify_settings.ts";
import { permissionFlags } from "../executable/permissions.ts";
import { installTask, type InstallTaskOptions, SCHTASKS } from "../windows/schtasks.ts";
import { taskFailureLine, taskNameOption } from "../windows/task_admin.ts";
import {
  DEFAULT_EVERY_MINUTES,
  DEFAULT_TASK_NAME,
  MAX_EVERY_MINUTES,
  taskXml,
  type TaskXmlOptions,
  windowsCommandLine,
} from "../windows/task_definition.ts";
import { EXIT } from "../base/exit_codes.ts";
import { formatCount, formatDateTime, frenchList } from "../base/french.ts";
import { workFolders } from "../base/work_folders.ts";
import {
  judgeOldScript,
  leftoversLine,
  replacedTaskLine,
  stillFinishingLine,
} from "../windows/old_script.ts";
import { findOldTasks, oldScriptFacts } from "../windows/old_script_probe.ts";
import { finishSwitch, forgetSaved, saveOldTasks } from "../windows/old_script_switch.ts";
import { loadSettings, parseFlags, SETTING_OPTIONS, settingSources } from "./flags.ts";
import { printedHelp, renderHelp } from "./help.ts";
import { AclError, lockDownWorkFolder } from "../windows/acl.ts";

const HELP = renderHelp({
  usage: "install-task [--every <minutes>] [--name <tâche>] [--dry-run] [paramètres]",
  about: [
    "Installe (ou remplace) la tâche planifiée Windows qui lance « sync --once »",
    "toutes les N minutes, en tant que SYSTEM, sans exécutions simultanées.",
    "Remplace la tâche de l'ancien script PowerShell (batigest-sync-agent.ps1),",
    "sauvegardée d'abord dans le dossier de travail (ancienne-tache-<date>.xml).",
    "À lancer depuis une « Invite de commandes (administrateur) ». Les paramètres",
    "donnés en option sont transmis à la tâche (SYSTEM ne voit pas vos variables",
    "d'environnement : préférez agent.json).",
  ],
  options: [
    {
      flag: "--every <minutes>",
      text: `intervalle entre deux passes, de 1 à ${
        formatCount(MAX_EVERY_MINUTES)
      } [${DEFAULT_EVERY_MINUTES}]`,
    },
    { flag: "--name <tâche>", text: `nom de la tâche [${DEFAULT_TASK_NAME}]` },
    { flag: "--dry-run", text: "affiche la définition XML de la tâche sans rien installer" },
  ],
  settings: "all",
  exitCodes: {
    codes: [EXIT.ok, EXIT.config, EXIT.localTrouble],
    meanings: {
      [EXIT.ok]: "tâche installée (ou affichée avec --dry-run)",
      [EXIT.config]: "configuration, droits ou Planificateur de tâches : rien n'a été changé",
    },
  },
});

/** The options `install-task` takes. */
export const OPTIONS = {
  ...SETTING_OPTIONS,
  every: { type: "string" as const },
  name: { type: "string" as const },
  "dry-run": { type: "boolean" as const },
};

/** Runs `install-task`; returns the exit code. */
export async function installTaskCommand(args: string[], ctx: CommandContext): Promise<number> {
  try {
    const flags = parseFlags(args, OPTIONS);
    if (printedHelp(flags, { help: HELP, out: ctx.stdout })) return EXIT.ok;
    const settings = loadSettings(ctx, flags);
    const everyMinutes = parseEvery(flags.values.every);
    const name = taskNameOption(flags.values.name);

    const forwarded = forwardedFlags(flags.values, settings);
    const xml = taskXml({
      ...taskAction({ executable: ctx.executable, settings, settingFlags: forwarded }),
      everyMinutes,
      description:
        `Synchronisation Saxium vers Sage Batigest toutes les ${everyMinutes} minutes (saxium-batigest-agent sync --once).`,
      startBoundary: ctx.now(),
    });
    const unseen = sessionSettings(ctx, { forwarded, settings });
    if (unseen.length > 0) ctx.stderr(sessionWarning(unseen, settings));
    if (flags.values["dry-run"]) {
      xml.trimEnd().split("\n").forEach((line) => ctx.stdout(line));
      return EXIT.ok;
    }
    const report = await replaceOldScript(ctx, { name, settings, xml });
    report.replaced.forEach((line) => ctx.stdout(line));
    ctx.stdout(
      `Tâche planifiée « ${name} » installée : « sync --once » toutes les ${everyMinutes} minutes, en tant que SYSTEM, dans ${settings.workDir}.`,
    );
    report.after.forEach((line) => ctx.stdout(line));
    return EXIT.ok;
  } catch (error) {
    ctx.stderr(taskFailureLine(error));
    return EXIT.config;
  }
}

/**
 * Installs the agent's task in place of the old PowerShell script's, if it
 * is there: each task that runs it saved in the work folder, the one of the
 * same name replaced, the others removed, the moment noted (its traces from
 * before are leftovers). Returns what to say before and after the line that
 * says the task is installed.
 */
async function replaceOldScript(
  ctx: CommandContext,
  task: { name: string; settings: Settings; xml: string },
): Promise<{ replaced: string[]; after: string[] }> {
  const { name, settings } = task;
  const now = ctx.now();
  const folders = workFolders(settings);
  const oldTasks = await findOldTasks(ctx.runCommand, [DEFAULT_TASK_NAME, name]);
  const saved = await saveOldTasks(settings.workDir, { tasks: oldTasks, now });
  try {
    await lockThenRegister(ctx, { name, workDir: settings.workDir, xml: task.xml });
  } catch (error) {
    await forgetSaved(saved);
    throw error;
  }
  const facts = await oldScriptFacts(folders, { now, tasks: [] });
  if (saved.length === 0 && judgeOldScript(facts, now).state === "none") {
    return { replaced: [], after: [] };
  }
  await finishSwitch(ctx.runCommand, { saved, agentTask: name, folders, now });
  const replaced = saved.map(({ task, path }) =>
    replacedTaskLine(task, {
      savedAs: path,
      replacedByName: task.name.toLowerCase() === name.toLowerCase(),
    })
  );
  const after: string[] = [];
  const judged = judgeOldScript({ ...facts, replacedAt: now }, now);
  if (judged.state === "running" && judged.sign.kind === "in-progress") {
    after.push(stillFinishingLine(judged.sign, formatDateTime));
  }
  if (facts.files.length > 0) after.push(leftoversLine(facts.files));
  return { replaced, after };
}

/**
 * All or nothing: the work folder is locked down first (its ACL saved), then
 * the task registered; if registering fails, the folder's ACL is put back.
 * A failed lock-down registers nothing.
 *
 * @throws {AclError} or {@linkcode TaskSchedulerError}, with what was undone.
 */
async function lockThenRegister(ctx: CommandContext, task: InstallTaskOptions): Promise<void> {
  await Deno.mkdir(task.workDir, { recursive: true });
  const locked = await lockDownWorkFolder(ctx.runCommand, { workDir: task.workDir });
  try {
    await installTask(ctx.runCommand, task);
  } catch (error) {
    try {
      await locked.restore();
    } catch (restoreError) {
      if (!(error instanceof Error) || !(restoreError instanceof AclError)) throw restoreError;
      error.message = `${error.message} ${restoreError.message}`;
    }
    throw error;
  }
  await locked.keep();
}

/** What the task needs to know to run the agent. */
export interface TaskActionOptions {
  /** The running executable (`ctx.executable`). */
  executable: { path: string; standalone: boolean };
  settings: Settings;
  /** Setting flags passed on to `sync` (`{ "work-dir": "C:\\…" }`); `--work-dir` always is. */
  settingFlags?: Record<string, string>;
  /** `main.ts` when running under `deno run`; this project's by default. */
  mainModule?: string;
}

/**
 * The program, arguments and folder of the task: the compiled executable
 * with `sync --once --work-dir <workDir>` and the setting flags given to
 * `install-task`, or, under `deno run`, Deno with the agent's permissions and
 * `main.ts`, so developers can try it.
 */
export function taskAction(
  options: TaskActionOptions,
): Pick<TaskXmlOptions, "command" | "arguments" | "workingDirectory"> {
  const { executable, settings } = options;
  const flags: Record<string, string> = { ...options.settingFlags, "work-dir": settings.workDir };
  const sync = [
    "sync",
    "--once",
    ...Object.keys(SETTING_FLAGS).filter((flag) => flags[flag] !== undefined)
      .flatMap((flag) => [`--${flag}`, flags[flag]]),
  ];
  const args = executable.standalone ? sync : [
    "run",
    ...permissionFlags({
      apiUrl: settings.apiUrl,
      workDir: settings.workDir,
      batigestImportDir: settings.batigestImportDir,
      extraNetHosts: notifyNetHosts(settings.notify),
      schtasks: SCHTASKS,
    }),
    options.mainModule ?? fileURLToPath(new URL("../../main.ts", import.meta.url)),
    ...sync,
  ];
  return {
    command: executable.path,
    arguments: windowsCommandLine(args),
    workingDirectory: settings.workDir,
  };
}

function parseEvery(value: string | boolean | undefined): number {
  if (value === undefined) return DEFAULT_EVERY_MINUTES;
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_EVERY_MINUTES) {
    throw new ConfigError(
      "every",
      `Option --every invalide (« ${
        String(value).slice(0, 40)
      } ») : un nombre de minutes entre 1 et ${formatCount(MAX_EVERY_MINUTES)} est attendu.`,
    );
  }
  return n;
}

/** The setting flags given on the command line, for the task's command line. */
function forwardedFlags(
  values: Record<string, string | boolean | undefined>,
  settings: Settings,
): Record<string, string> {
  const forwarded: Record<string, string> = { "work-dir": settings.workDir };
  for (const flag of Object.keys(SETTING_FLAGS)) {
    const value = values[flag];
    if (typeof value === "string" && flag !== "work-dir") forwarded[flag] = value;
  }
  return forwarded;
}

/** A setting an environment variable gives, that the task would miss or get otherwise without it. */
export interface SessionSetting {
  setting: keyof Settings;
  variable: string;
  /** Without the variable: no value at all (or none valid), or another one. */
  without: "missing" | "different";
}

/**
 * The settings the task might not get as here: each environment variable
 * that gives one is left out in turn and the settings resolved again, from
 * what the task gets (the forwarded flags, `agent.json`, the build). SYSTEM
 * sees the system-wide variables but not the session's, and the agent
 * cannot tell them apart: the warning says "if".
 */
export function sessionSettings(
  ctx: CommandContext,
  options: { forwarded: Record<string, string>; settings: Settings },
): SessionSetting[] {
  const sources = settingSources(ctx);
  const found: SessionSetting[] = [];
  for (const setting of SETTING_KEYS) {
    const variable = settingRow(setting).env;
    // The work folder is always passed to the task as --work-dir.
    if (variable === undefined || setting === "workDir" || !sources.env(variable)) continue;
    const env = (name: string) => name === variable ? undefined : sources.env(name);
    let value: unknown;
    try {
      value = resolveSettings(options.forwarded, { ...sources, env })[setting];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      value = undefined;
    }
    if (value === undefined) found.push({ setting, variable, without: "missing" });
    else if (JSON.stringify(value) !== JSON.stringify(options.settings[setting])) {
      found.push({ setting, variable, without: "different" });
    }
  }
  return found;
}

/** What the task would run with, per setting: without it, or with another value. */
const CONSEQUENCES: Partial<Record<keyof Settings, { missing: string; different: string }>> = {
  apiUrl: { missing: "sans adresse de Saxium", different: "avec une autre adresse de Saxium" },
  token: { missing: "sans jeton", different: "avec un autre jeton" },
  agentId: {
    missing: "sans identifiant de poste",
    different: "avec un autre identifiant de poste",
  },
  batigestImportDir: {
    missing: "sans dossier d'import",
    different: "avec un autre dossier d'import de Batigest",
  },
  proxy: { missing: "sans proxy", different: "avec un autre proxy" },
};

/** The one French line that names the variables and says what to do. */
export function sessionWarning(
  unseen: SessionSetting[],
  settings: Pick<Settings, "workDir">,
): string {
  const one = unseen.length === 1;
  const variables = frenchList(unseen.map((u) => u.variable));
  const consequences = frenchList(
    unseen.map((u) => CONSEQUENCES[u.setting]?.[u.without] ?? `sans ${u.setting}`),
  );
  const file = nodePath.join(settings.workDir, CONFIG_FILE_NAME);
  return `Attention : la tâche s'exécute en tant que SYSTEM, qui ne voit pas les variables d'environnement de votre session : si ${variables} ${
    one ? "n'est définie" : "ne sont définies"
  } que pour votre session, la tâche tournera ${consequences}. Enregistrez ${
    one ? "ce réglage" : "ces réglages"
  } dans ${file}, ou faites-en des variables d'environnement système.`;
}
