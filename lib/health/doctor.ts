/**
 * `doctor`: everything an administrator would otherwise verify by hand, each
 * check giving OK, WARNING or ERROR and, when not OK, the fix in one
 * sentence.
 *
 * Each check is a pure function of facts gathered beforehand (`probe*`
 * functions do the I/O: folders, disk, Saxium, the task scheduler), so tests
 * drive every check in its OK and failing forms without servers, and the
 * probes are tested once against real folders and the simulators. The checks
 * live by area: the road to Saxium (`saxium_checks.ts`), Batigest and the
 * folders (`batigest_checks.ts`), the agent itself (`agent_checks.ts`); this
 * module gathers the facts, runs every check in the order a person reads
 * them, and renders the report.
 *
 * @module
 */

import { type Settings } from "../base/settings.ts";
import { type ConfigError } from "../base/config_error.ts";
import type { CommandRunner } from "../base/command_runner.ts";
import { VERSION } from "../base/version.ts";
import { plural } from "../base/french.ts";
import { isErrorDocument, workFolders } from "../base/work_folders.ts";
import type { SmtpConfig } from "../base/notify_settings.ts";
import type { CheckResult, CheckStatus } from "./check.ts";
import { checkAside } from "./aside_checks.ts";
import {
  checkConfig,
  checkJournal,
  checkNotify,
  checkTask,
  checkTokenFile,
  probeConfig,
  probeJournal,
  probeNotify,
  probeTask,
  probeTokenFile,
} from "./agent_checks.ts";
import { checkBatigestImports, checkImportWaiting, probeImportFolder } from "./batigest_imports.ts";
import {
  checkBatigestTraces,
  checkDiskSpace,
  checkImportFolder,
  checkWaitingFiles,
  checkWorkFolder,
  findTraces,
  isImportCandidate,
  listFiles,
  probeDiskSpace,
  probeFolder,
} from "./batigest_checks.ts";
import { checkOldScript, probeOldScript } from "./old_script_check.ts";
import {
  checkClock,
  checkProxy,
  checkSaxiumReachable,
  checkSaxiumTls,
  checkSaxiumToken,
  probeSaxium,
  type SaxiumFacts,
} from "./saxium_checks.ts";
import { checkSaxiumQueue, readSaxiumQueue, type SaxiumQueue } from "./saxium_queue.ts";

/** Everything `doctor` reports, as printed by `--json`. */
export interface DoctorReport {
  /** True only when every check is OK. */
  ok: boolean;
  version: string;
  /** ISO 8601. */
  generatedAt: string;
  agentId?: string;
  counts: { ok: number; warnings: number; errors: number };
  checks: CheckResult[];
}

/** What {@linkcode runDoctor} needs. */
export interface DoctorOptions {
  /** The settings, or `configError` when they could not be loaded. */
  settings?: Settings;
  configError?: ConfigError;
  /** Reads an environment variable (proxy variables). */
  env: (name: string) => string | undefined;
  /** Runs `schtasks`. */
  runCommand: CommandRunner;
  now: () => Date;
  /** The scheduled task's name. */
  taskName: string;
  /** Logs in to the SMTP server (tests may replace it). */
  verifySmtp?: (smtp: SmtpConfig) => Promise<void>;
  /** Time allowed to each network probe. */
  timeoutMs?: number;
  /** The system (`Deno.build.os` by default): file rights are checked on Windows only. */
  os?: string;
}

/**
 * Runs every check and returns the report. Without settings, only the
 * configuration check is reported: the others need it.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const now = options.now();
  const settings = options.settings;
  if (!settings) {
    return report([checkConfig({ error: options.configError })], { now });
  }
  const folders = workFolders(settings);
  const config = await probeConfig(settings);
  const [work, importDir] = [
    await probeFolder(settings.workDir),
    await probeFolder(settings.batigestImportDir, { rename: true }),
  ];
  const existing = [work, importDir].filter((f) => f.isDirectory).map((f) => f.path);
  const onWindows = (options.os ?? Deno.build.os) === "windows";
  const [[saxium, queue], task, notify, disks, tokenFile, oldScript] = await Promise.all([
    probeSaxiumAndQueue(settings, options),
    probeTask(options.runCommand, options.taskName),
    probeNotify(settings, { verify: options.verifySmtp }),
    Promise.all(existing.map((path) => probeDiskSpace(path))),
    // Who may read agent.json is a Windows question (ACLs); elsewhere it is not asked.
    onWindows ? probeTokenFile(options.runCommand, settings) : undefined,
    probeOldScript(options.runCommand, { folders, now, taskName: options.taskName }),
  ]);
  const journal = probeJournal(folders);
  const [errorsListing, importListing] = [
    await listFiles(folders.errors, isErrorDocument),
    await listFiles(settings.batigestImportDir, isImportCandidate),
  ];
  const imports = probeImportFolder(settings, { now });
  const checks = [
    checkConfig(config),
    checkWorkFolder(work),
    checkImportFolder(importDir),
    checkDiskSpace(disks),
    checkSaxiumReachable(saxium),
    checkSaxiumTls(saxium),
    checkSaxiumToken(saxium),
    checkClock(saxium),
    checkSaxiumQueue(queue),
    checkProxy({
      apiUrl: settings.apiUrl,
      proxy: settings.proxy,
      env: {
        HTTPS_PROXY: options.env("HTTPS_PROXY"),
        HTTP_PROXY: options.env("HTTP_PROXY"),
        NO_PROXY: options.env("NO_PROXY"),
      },
    }),
    checkTask(task),
    checkOldScript(oldScript, now),
    checkJournal(journal),
    checkAside(journal.aside, now),
    checkWaitingFiles(errorsListing, { folder: "errors", dir: folders.errors, now }),
    checkImportWaiting(importListing, imports),
    checkBatigestTraces(findTraces(settings.batigestImportDir)),
    checkBatigestImports(imports),
    checkNotify(notify),
    ...(tokenFile ? [checkTokenFile(tokenFile)] : []),
  ];
  return report(checks, { now, agentId: settings.agentId });
}

/** The road to Saxium, then, once Saxium answers the agent, what its queue holds. */
async function probeSaxiumAndQueue(
  settings: Settings,
  options: Pick<DoctorOptions, "now" | "timeoutMs">,
): Promise<[SaxiumFacts, SaxiumQueue | undefined]> {
  const facts = await probeSaxium(settings, { now: options.now, timeoutMs: options.timeoutMs });
  const answered = facts.status !== undefined && facts.status >= 200 && facts.status < 300;
  return [facts, answered ? await readSaxiumQueue(settings, options) : undefined];
}

function report(checks: CheckResult[], options: { now: Date; agentId?: string }): DoctorReport {
  const counts = {
    ok: checks.filter((c) => c.status === "OK").length,
    warnings: checks.filter((c) => c.status === "WARNING").length,
    errors: checks.filter((c) => c.status === "ERROR").length,
  };
  return {
    ok: counts.warnings === 0 && counts.errors === 0,
    version: VERSION,
    generatedAt: options.now.toISOString(),
    ...(options.agentId ? { agentId: options.agentId } : {}),
    counts,
    checks,
  };
}

const LABELS: Record<CheckStatus, string> = { OK: "OK", WARNING: "ATTENTION", ERROR: "ERREUR" };

/** The report as lines for a person: one line a check, the fix below what is not OK. */
export function renderDoctor(report: DoctorReport): string[] {
  const width = Math.max(...report.checks.map((c) => c.title.length));
  const label = Math.max(...Object.values(LABELS).map((l) => l.length));
  const who = report.agentId ? ` (${report.agentId})` : "";
  const { warnings, errors } = report.counts;
  const lines = [
    `Diagnostic de l'agent Saxium → Batigest ${report.version}${who} : ${
      report.ok
        ? "tout est en ordre"
        : `${plural(errors, "erreur")}, ${plural(warnings, "avertissement")}`
    }`,
    "",
  ];
  for (const check of report.checks) {
    lines.push(
      `  ${LABELS[check.status].padEnd(label)}  ${check.title.padEnd(width)}  ${check.detail}`,
    );
    if (check.fix) lines.push(`  ${"".padEnd(label)}  ${"".padEnd(width)}  → ${check.fix}`);
  }
  if (!report.ok && report.agentId) {
    lines.push(
      "",
      "Pour le support de Saxium : doctor --bundle crée une archive (fichiers de log, configuration sans secrets, état).",
    );
  }
  return lines;
}
