/**
 * The agent itself, for `doctor` and `status`: its configuration (loaded,
 * which file, which Saxium, a token or not), its journal (can it be trusted,
 * which exports wait aside, judged by `aside_checks.ts`), its
 * scheduled task, its alerts, and who may read the token in `agent.json`.
 *
 * The scheduled task is judged once for both commands ({@linkcode judgeTask}):
 * `doctor` shows the verdict as its "Tâche planifiée" check, `status` lists
 * the problem and its fix under "À faire", in the same words. A damaged
 * journal stops `sync` (exit 2); the journal's check says so before the next
 * run does, with the same fix. The alerts are checked without sending
 * anything (a test alert would reach people). The `probe*` functions gather
 * the facts (never throwing); the `check*` functions judge them, without I/O.
 *
 * @module
 */

import nodePath from "node:path";
import { CONFIG_FILE_NAME, type Settings } from "../base/settings.ts";
import { type ConfigError } from "../base/config_error.ts";
import type { CommandRunner } from "../base/command_runner.ts";
import { formatDateTime } from "../base/french.ts";
import { decodeText, parseJsonText } from "../base/json_text.ts";
import { netTarget } from "../base/net.ts";
import { type SmtpConfig, smtpTarget } from "../base/notify_settings.ts";
import { maskWebhookUrl } from "../base/text.ts";
import { describeSystemError } from "../base/system_errors.ts";
import { exists, journalPath, type WorkFolders, workFolders } from "../base/work_folders.ts";
import {
  type ExportRecord,
  Journal,
  JournalDamaged,
  journalDamagedLine,
  NotAJournal,
} from "../journal/journal.ts";
import { loadNotifyState } from "../notify/memory.ts";
import { readSmallState } from "../journal/read_only.ts";
import { verifySmtp } from "../notify/smtp.ts";
import { checkTokenFileAcl, probeTokenFileAcl, type TokenFileFacts } from "../windows/acl.ts";
import { queryTask } from "../windows/schtasks.ts";
import {
  describeLastResult,
  RESULT_NEVER_RUN,
  RESULT_RUNNING,
  type TaskInfo,
} from "../windows/task_definition.ts";
import { type CheckResult, type CheckStatus, oneLineMessage, verdicts } from "./check.ts";

/** What is known of the configuration. */
export interface ConfigFacts {
  /** The settings, when they could be loaded. */
  settings?: Settings;
  /** Why they could not. */
  error?: ConfigError;
  /** Whether `agent.json` exists in the work folder. */
  configFileExists?: boolean;
}

/** The configuration: loaded, which file, which Saxium, a token or not. */
export function checkConfig(facts: ConfigFacts): CheckResult {
  const verdict = verdicts("config", "Configuration");
  if (!facts.settings) {
    return verdict.error(
      facts.error?.message ?? "configuration illisible",
      `Corrigez le paramètre ${
        facts.error?.setting ?? "signalé"
      } comme indiqué, puis relancez doctor.`,
    );
  }
  const s = facts.settings;
  const file = nodePath.join(s.workDir, CONFIG_FILE_NAME);
  const source = facts.configFileExists ? `${file} lu` : `pas de fichier ${CONFIG_FILE_NAME}`;
  const detail = `${source} ; Saxium ${s.apiUrl}, agent ${s.agentId}, jeton ${
    s.token ? "défini" : "absent"
  }`;
  if (!s.token) {
    return verdict.warning(
      detail,
      `Indiquez le jeton fourni par Saxium dans la variable SAXIUM_TOKEN ou « token » dans ${file}.`,
    );
  }
  return verdict.ok(detail);
}

/** What `doctor` knows of the configuration once it is loaded: whether `agent.json` exists. */
export async function probeConfig(settings: Settings): Promise<ConfigFacts> {
  const configFileExists = await Deno.stat(nodePath.join(settings.workDir, CONFIG_FILE_NAME))
    .then(() => true, () => false);
  return { settings, configFileExists };
}

/** What was found opening the journal. */
export interface JournalFacts {
  path: string;
  /** No journal yet (the agent never ran). */
  absent?: boolean;
  /** The journal cannot be trusted: the French line that says what to do. */
  damaged?: string;
  /** It could not be opened for another reason (French cause). */
  unreadable?: string;
  /** The file holds no journal: empty, or another program's database (left as it is). */
  notAJournal?: { kind: "empty" | "foreign"; line: string };
  /** Exports set aside, oldest first (`aside_checks.ts` judges them). */
  aside: Pick<ExportRecord, "id" | "reference" | "aside">[];
}

/**
 * Opens the journal read-only and verified (never creating nor changing it),
 * and lists the exports waiting aside.
 */
export function probeJournal(folders: WorkFolders): JournalFacts {
  const path = journalPath(folders);
  if (!exists(path)) return { path, absent: true, aside: [] };
  let journal: Journal | undefined;
  try {
    journal = new Journal(path, { verify: true, readOnly: true });
    return { path, aside: journal.asideExports() };
  } catch (error) {
    if (error instanceof NotAJournal) {
      return { path, notAJournal: { kind: error.kind, line: error.message }, aside: [] };
    }
    if (error instanceof JournalDamaged) {
      return { path, damaged: journalDamagedLine(path), aside: [] };
    }
    const { kind, cause } = describeSystemError(error);
    if (kind === "journal-damaged") return { path, damaged: journalDamagedLine(path), aside: [] };
    return { path, unreadable: cause, aside: [] };
  } finally {
    journal?.close();
  }
}

/** The lines `status` adds for the journal: damaged, unreadable (exports aside: `aside_checks.ts`). */
export function journalProblems(facts: JournalFacts): string[] {
  if (facts.damaged) return [facts.damaged];
  if (facts.notAJournal) return [facts.notAJournal.line];
  if (facts.unreadable) {
    return [
      `Journal de l'agent illisible (${facts.unreadable}) : vérifiez les droits sur ${facts.path}.`,
    ];
  }
  return [];
}

/** `doctor`'s verdict on the journal. */
export function checkJournal(facts: JournalFacts): CheckResult {
  const verdict = verdicts("journal", "Journal de l'agent");
  if (facts.absent) return verdict.ok("pas encore créé (aucune passe lancée)");
  if (facts.damaged) {
    return verdict.error(
      `${facts.path} est endommagé`,
      "renommez-le (par exemple en journal-endommage.db) puis relancez sync --once : les reçus du dossier Receipts empêchent tout second dépôt.",
    );
  }
  if (facts.notAJournal?.kind === "empty") {
    return verdict.warning(
      `${facts.path} est un fichier vide`,
      "lancez sync --once, qui le remplira (doctor, status et history n'y écrivent jamais).",
    );
  }
  if (facts.notAJournal) {
    return verdict.error(
      `${facts.path} n'est pas le journal de l'agent (base d'un autre programme), laissé tel quel`,
      "déplacez-le hors du dossier State, puis lancez sync --once, qui créera le journal de l'agent.",
    );
  }
  if (facts.unreadable) {
    return verdict.error(
      `${facts.path} illisible (${facts.unreadable})`,
      "vérifiez les droits du compte qui exécute l'agent sur le dossier State.",
    );
  }
  return verdict.ok(`${facts.path} vérifié`);
}

/** What the task scheduler says of the agent's task. */
export interface TaskFacts {
  name: string;
  /** Null when the task does not exist. */
  info?: TaskInfo | null;
  /** Why the scheduler could not be asked. */
  error?: string;
}

/** Asks `schtasks` about the task; never throws. */
export async function probeTask(runner: CommandRunner, name: string): Promise<TaskFacts> {
  try {
    return { name, info: (await queryTask(runner, name)) ?? null };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return {
        name,
        error: "schtasks.exe introuvable (vérification possible sous Windows seulement)",
      };
    }
    if (e instanceof Deno.errors.NotCapable) {
      return { name, error: "l'agent n'a pas la permission de lancer schtasks.exe" };
    }
    return { name, error: oneLineMessage(e) };
  }
}

/** The judgement of the task, in French. */
export interface TaskVerdict {
  level: CheckStatus;
  /** What was found, one line (doctor's detail). */
  detail: string;
  /** What is wrong, one sentence, when not OK (status's "À faire"). */
  problem?: string;
  /** The fix, one sentence, when not OK. */
  fix?: string;
}

/** The fix for a last run that ended with one of the contract's exit codes. */
const FIXES_BY_RESULT: Record<number, string> = {
  1: "Lisez les raisons dans le dossier Errors et le fichier de log du jour (tail-logs --level erreur), corrigez, puis relancez l'export depuis Saxium.",
  2: "Corrigez ce que dit la cause (status la montre ; sync --once lancé à la main dans une invite de commandes la redit), puis relancez sync --once.",
  3: "Corrigez l'accès à Saxium (réseau, proxy, certificat, jeton) : voir les vérifications Saxium de doctor.",
  4: "Une autre instance tournait encore : vérifiez qu'aucune synchronisation lancée à la main n'est restée bloquée.",
  5: "Vérifiez que Batigest est ouvert et que son import automatique est actif : rien n'est perdu, la synchronisation reprendra d'elle-même.",
  6: "Faites ce que dit le message (place disque à libérer…), puis relancez sync --once ; rien n'est perdu.",
};

const OTHER_RESULT_FIX =
  "Consultez l'historique de la tâche dans le Planificateur de tâches et le fichier de log du jour (tail-logs).";

/** What to do after a run that ended with `code`, in the same words for `doctor` and `status`. */
export function fixForExitCode(code: number): string {
  return FIXES_BY_RESULT[code] ?? OTHER_RESULT_FIX;
}

/**
 * The task's state in one line: `Prêt, dernière exécution 26/11/2026 14:05:00
 * (0 : OK), prochaine 26/11/2026 14:10:00`.
 */
export function describeTaskState(info: TaskInfo): string {
  const last = info.lastResult;
  return `${info.statusText}, dernière exécution ${info.lastRunTime ?? "jamais"}${
    last === undefined ? "" : ` (${describeLastResult(last)})`
  }, prochaine ${info.nextRunTime ?? "non prévue"}`;
}

/**
 * Judges the task: it can be read, exists, is enabled, and its last run went
 * well (a run that is going on or has not happened yet is fine). A last run
 * that exported with errors (1) or a scheduler that cannot be asked is a
 * WARNING; a missing or disabled task, or any other failed run, an ERROR.
 */
export function judgeTask(facts: TaskFacts): TaskVerdict {
  const name = facts.name;
  if (facts.error !== undefined) {
    return {
      level: "WARNING",
      detail: `non vérifiable : ${facts.error}`,
      problem: `Tâche planifiée « ${name} » illisible : ${asSentence(facts.error)}`,
      fix: `Vérifiez la tâche « ${name} » dans le Planificateur de tâches de Windows.`,
    };
  }
  const info = facts.info;
  if (!info) {
    return {
      level: "ERROR",
      detail: `la tâche « ${name} » n'existe pas`,
      problem: `La tâche planifiée « ${name} » n'existe pas.`,
      fix: "Lancez install-task dans une invite de commandes ouverte en administrateur.",
    };
  }
  const detail = `« ${info.name} » ${describeTaskState(info)}`;
  if (info.status === "disabled") {
    return {
      level: "ERROR",
      detail,
      problem: `La tâche planifiée « ${info.name} » est désactivée.`,
      fix: "Activez la tâche dans le Planificateur de tâches, ou relancez install-task.",
    };
  }
  const last = info.lastResult;
  if (last === undefined || last === 0 || last === RESULT_NEVER_RUN || last === RESULT_RUNNING) {
    return { level: "OK", detail };
  }
  return {
    level: last === 1 ? "WARNING" : "ERROR",
    detail,
    problem: `La dernière exécution planifiée a fini avec le code ${describeLastResult(last)}.`,
    fix: fixForExitCode(last),
  };
}

/** The scheduled task exists, is enabled, and its last run went well. */
export function checkTask(facts: TaskFacts): CheckResult {
  const verdict = judgeTask(facts);
  return {
    id: "scheduled-task",
    title: "Tâche planifiée",
    status: verdict.level,
    detail: verdict.detail,
    ...(verdict.fix === undefined ? {} : { fix: verdict.fix }),
  };
}

function asSentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

/** What is known of the alerts' set-up. */
export interface NotifyFacts {
  /** `notify` is not set. */
  configured: boolean;
  /** Why `notify` is invalid. */
  error?: string;
  smtp?: { target: string; to: string[]; permitted: boolean; failure?: string };
  webhook?: { url: string; target: string; permitted: boolean };
  /** When the last alert went out, ISO 8601. */
  lastAlertAt?: string;
}

/** Checks the permissions and logs in to the SMTP server (sends nothing). */
export async function probeNotify(
  settings: Pick<Settings, "notify" | "agentId" | "workDir" | "batigestImportDir">,
  options: {
    verify?: (smtp: SmtpConfig) => Promise<void>;
    permitted?: (target: string) => boolean;
  } = {},
): Promise<NotifyFacts> {
  const config = settings.notify;
  if (config === undefined) return { configured: false };
  const permitted = options.permitted ?? netPermitted;
  const facts: NotifyFacts = { configured: true };
  if (config?.smtp) {
    const target = smtpTarget(config.smtp);
    facts.smtp = { target, to: config.smtp.to, permitted: permitted(target) };
    if (facts.smtp.permitted) {
      try {
        await (options.verify ?? ((smtp) => verifySmtp(smtp, { clientName: settings.agentId })))(
          config.smtp,
        );
      } catch (e) {
        facts.smtp.failure = oneLineMessage(e);
      }
    }
  }
  if (config?.webhookUrl) {
    const target = netTarget(config.webhookUrl);
    facts.webhook = {
      url: maskWebhookUrl(config.webhookUrl),
      target,
      permitted: permitted(target),
    };
  }
  const folders = workFolders(settings);
  const state = loadNotifyState({
    get: (key) => readSmallState(folders, key, { journalPath: journalPath(folders) }),
    set: () => {},
  });
  const sent = Object.values(state.channels).flatMap((c) => Object.values(c.sent)).sort();
  if (sent.length) facts.lastAlertAt = sent.at(-1);
  return facts;
}

/** Alerts: valid, allowed by the permissions, SMTP server accepting the login. */
export function checkNotify(facts: NotifyFacts): CheckResult {
  const id = "notify";
  const title = "Alertes";
  const verdict = verdicts(id, title);
  if (!facts.configured) {
    return verdict.ok("aucune alerte configurée (facultatif : « notify » dans agent.json)");
  }
  if (facts.error) {
    return verdict.error(facts.error, "Corrigez « notify » dans agent.json comme indiqué.");
  }
  const parts: string[] = [];
  if (facts.smtp) {
    parts.push(
      `e-mail par ${facts.smtp.target} à ${facts.smtp.to.join(", ")}${
        facts.smtp.permitted && !facts.smtp.failure ? " (connexion acceptée)" : ""
      }`,
    );
  }
  if (facts.webhook) parts.push(`webhook ${facts.webhook.url} (non testé : rien n'est envoyé)`);
  if (facts.lastAlertAt) {
    parts.push(`dernière alerte le ${formatDateTime(new Date(facts.lastAlertAt))}`);
  }
  const detail = parts.join(" ; ");
  const blocked = [facts.smtp, facts.webhook].filter((c) => c && !c.permitted).map((c) =>
    c!.target
  );
  if (blocked.length) {
    return verdict.error(
      `${detail} ; l'agent n'a pas la permission de joindre ${blocked.join(", ")}`,
      "Reconstruisez l'exécutable avec ce « notify » dans la configuration de build (scripts/compile.ts), qui ouvre ces adresses.",
    );
  }
  if (facts.smtp?.failure) {
    return verdict.error(
      `${detail} ; serveur SMTP : ${facts.smtp.failure}`,
      "Vérifiez notify.smtp dans agent.json (serveur, port, sécurité, identifiant et mot de passe).",
    );
  }
  return verdict.ok(detail);
}

function netPermitted(target: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "net", host: target }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Runs `icacls` on `agent.json` when it holds a token of its own (not the
 * environment's), for {@linkcode checkTokenFile}; never throws. A Windows
 * question: `doctor` asks it on Windows only.
 */
export async function probeTokenFile(
  runner: CommandRunner,
  settings: Pick<Settings, "workDir">,
): Promise<TokenFileFacts> {
  const path = nodePath.join(settings.workDir, CONFIG_FILE_NAME);
  return await probeTokenFileAcl(runner, { path, holdsToken: await fileHoldsToken(path) });
}

/** A token in `agent.json` is readable by SYSTEM and the Administrators only. */
export function checkTokenFile(facts: TokenFileFacts): CheckResult {
  return checkTokenFileAcl(facts);
}

/** Whether `agent.json` holds a token (its own, not the environment's). */
async function fileHoldsToken(path: string): Promise<boolean> {
  try {
    const json = parseJsonText(decodeText(await Deno.readFile(path)).text);
    return json.ok && typeof json.value === "object" && json.value !== null &&
      typeof (json.value as Record<string, unknown>).token === "string";
  } catch {
    return false;
  }
}
