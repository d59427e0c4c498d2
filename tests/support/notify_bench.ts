/**
 * What the alert tests share: pass reports of each kind, `notify` settings for
 * an SMTP server on loopback, a work folder with a logger that keeps its lines
 * and a clock the test moves, and an SMTP receiver for the test's duration.
 *
 * @module
 */

import nodePath from "node:path";
import { Logger } from "../../lib/base/log.ts";
import { type NotifyConfig, parseNotifySettings } from "../../lib/base/notify_settings.ts";
import { workFolders } from "../../lib/base/work_folders.ts";
import type { RunReport } from "../../lib/notify/messages.ts";
import { type SmtpReceiver, startSmtpReceiver } from "./smtp_receiver.ts";

/** A password that must never appear in a log or an alert. */
export const SMTP_PASSWORD = "Sm7p-P4ssw0rd-NeverShown";

/** A pass Saxium refused (exit code 3). */
export const UNREACHABLE: RunReport = {
  exitCode: 3,
  status: "server_unavailable",
  summary: { synced: 0, errors: 0, reacknowledged: 0, unfinished: 0 },
  message:
    "Saxium a refusé l'agent (HTTP 401, jeton absent, invalide ou expiré) : vérifiez ou renouvelez le jeton (SAXIUM_TOKEN ou « token » dans agent.json).",
  errors: [],
};

/** A pass with two exports in error (exit code 1). */
export const EXPORT_ERRORS: RunReport = {
  exitCode: 1,
  status: "export_errors",
  summary: { synced: 1, errors: 2, reacknowledged: 0, unfinished: 0 },
  errors: [],
};

/** A pass that went well. */
export const SUCCESS: RunReport = {
  exitCode: 0,
  status: "completed",
  summary: { synced: 3, errors: 0, reacknowledged: 0, unfinished: 0 },
  errors: [],
};

/** `notify` as written in `agent.json`, for an SMTP server on loopback. */
export function smtpSettings(smtp: { port: number; user?: string; password?: string }) {
  return {
    smtp: {
      host: "127.0.0.1",
      port: smtp.port,
      security: "none",
      ...(smtp.user ? { user: smtp.user, password: smtp.password } : {}),
      from: "agent-saxium@entreprise.fr",
      to: ["informatique@entreprise.fr", "compta@entreprise.fr"],
    },
  };
}

/** `notify` as the configuration hands it over: validated. */
export function notifyConfig(raw: Record<string, unknown>): NotifyConfig {
  return parseNotifySettings(raw)!;
}

/** What {@linkcode withBench} gives a test. */
export interface Bench {
  dir: string;
  folders: ReturnType<typeof workFolders>;
  log: Logger;
  lines: string[];
  clock: { now: Date; advanceHours(h: number): void };
}

/** A work folder, a logger that also keeps its lines, and a clock the test moves. */
export async function withBench(body: (bench: Bench) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "saxium-notify-" });
  try {
    const folders = workFolders({
      workDir: nodePath.join(dir, "work"),
      batigestImportDir: nodePath.join(dir, "import"),
    });
    const clock = {
      now: new Date(2025, 0, 31, 10, 0, 0),
      advanceHours(h: number) {
        this.now = new Date(this.now.getTime() + h * 3_600_000);
      },
    };
    const lines: string[] = [];
    const log = new Logger({
      dir: folders.logs,
      level: "DEBUG",
      retentionDays: 30,
      now: () => clock.now,
      console: (line) => lines.push(line),
    });
    await body({ dir, folders, log, lines, clock });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** An SMTP receiver on loopback for the duration of `body`. */
export async function withSmtp(
  options: { user?: string; password?: string },
  body: (smtp: SmtpReceiver) => Promise<void>,
): Promise<void> {
  const smtp = await startSmtpReceiver(options);
  try {
    await body(smtp);
  } finally {
    await smtp.close();
  }
}
