/**
 * What the alerts say: the French text of the failure alert and of the "back
 * to normal" message, the webhook's JSON body, and the fingerprint that tells
 * one failure from another. Pure functions of a {@linkcode RunReport}, so the
 * wording is tested without any server and does not depend on how the pass or
 * its log are written.
 *
 * @module
 */

import nodePath from "node:path";
import { logFileName } from "../base/log.ts";
import { VERSION } from "../base/version.ts";
import type { WorkFolders } from "../base/work_folders.ts";
import {
  formatDateTime,
  formatHoursMinutes,
  formatMoment,
  formatPassFigures,
  plural,
} from "../base/french.ts";
import type { BatigestWait } from "../batigest/working_hours.ts";

/**
 * What a finished run reports to the notifier (not `lib/sync`'s `PassReport`, which gathers a
 * pass's log lines while it runs); the sync command builds it from the pass's outcome.
 */
export interface RunReport {
  /** As shown to the administrator and in the webhook payload. */
  exitCode: number;
  /**
   * `completed`, `export_errors`, `server_unavailable`, `batigest_inactive`,
   * `folder_unusable`, `local_trouble`, `journal_damaged`, more to come:
   * anything but `completed` is a failure, announced by what it is (an
   * unknown one as exports in error).
   */
  status: string;
  summary: { synced: number; errors: number; reacknowledged: number; unfinished: number };
  /** Why the pass stopped early, for the administrator. */
  message?: string;
  /** The ERROR lines the pass logged. */
  errors: readonly string[];
  /**
   * Batigest inactive: how long its documents have waited, in its working
   * hours; an alert only once the patience is spent (without it, at once).
   */
  batigestWait?: BatigestWait;
}

const MAX_ERROR_LINES = 10;

/** The last advice of every alert. */
const DOCTOR_ADVICE =
  "Sur le poste, la commande « saxium-batigest-agent doctor » vérifie toute l'installation en un écran.";

/** One alert, ready for every channel. */
export interface AlertMessage {
  /** `alert` for a failure, `recovery` for "back to normal", `test` for `doctor --test-alert`. */
  kind: "alert" | "recovery" | "test";
  /** The e-mail subject, and the webhook's `title`. */
  subject: string;
  /** The e-mail body, and the webhook's `text`. */
  text: string;
  /** The webhook's JSON body. */
  payload: Record<string, unknown>;
}

/** What a message is made of. */
export interface AlertFacts {
  agentId: string;
  /** The pass, its error lines as they are to be shown. */
  report: RunReport;
  /** When the pass ended. */
  at: Date;
  /** When the run of failing passes began. */
  failingSince?: Date;
  folders: Pick<WorkFolders, "root" | "errors" | "logs"> & { importDir?: string };
  repeatHours: number;
}

/**
 * The message after a failed pass: what happened, what to do, the errors of
 * the log, in French.
 */
export function alertMessage(facts: AlertFacts): AlertMessage {
  const { report, agentId } = facts;
  const { headline, what, todo } = alertContent(facts);
  const subject = `[Agent Saxium → Batigest] ${agentId} : ${headline}`;
  const errors = report.errors.slice(0, MAX_ERROR_LINES);
  const more = report.errors.length - errors.length;
  const logFile = nodePath.join(facts.folders.logs, logFileName(facts.at));
  const lines = [
    "Bonjour,",
    "",
    what,
    "",
    ...(report.message ? ["Ce qui s'est passé :", `  ${report.message}`, ""] : []),
    "Que faire :",
    ...todo.map((t) => `  - ${t}`),
    "",
  ];
  if (errors.length) {
    lines.push(
      "Erreurs relevées dans le fichier de log pendant la passe :",
      ...errors.map((e) => `  - ${e}`),
      ...(more > 0
        ? [`  … et ${plural(more, "autre")}, voir le fichier de log du jour (tail-logs).`]
        : []),
      "",
    );
  }
  lines.push(
    `Bilan de la passe : ${passFigures(report)}.`,
    `Fichier de log : ${logFile}`,
  );
  if (report.batigestWait) {
    lines.push(
      `Documents en attente depuis : ${formatDateTime(new Date(report.batigestWait.since))}`,
    );
  } else if (facts.failingSince) {
    lines.push(`En échec depuis : ${formatDateTime(facts.failingSince)}`);
  }
  lines.push(
    "",
    `Cette alerte ne sera pas répétée pour la même panne avant ${hoursText(facts.repeatHours)}${
      report.batigestWait ? ", ni en dehors des heures de travail de Batigest" : ""
    }. ` +
      "Un message « retour à la normale » sera envoyé dès qu'une passe réussira.",
    ...signature(agentId),
  );
  const text = lines.join("\n");
  return {
    kind: "alert",
    subject,
    text,
    payload: payload("sync.failure", facts, { title: subject, text, advice: todo, errors }),
  };
}

/** The headline, the "what happened" sentence and the advice of an alert, by status. */
function alertContent(facts: AlertFacts): { headline: string; what: string; todo: string[] } {
  const { report, agentId } = facts;
  const when = formatDateTime(facts.at);
  const doctor = DOCTOR_ADVICE;
  const agent = `L'agent de synchronisation Saxium → Batigest du poste ${agentId}`;
  switch (report.status) {
    case "server_unavailable":
      return {
        headline: "Saxium injoignable ou accès refusé",
        what:
          `${agent} n'a pas pu travailler avec Saxium lors de la passe du ${when} (code de sortie ${report.exitCode}).`,
        todo: [
          "Corrigez la cause indiquée ci-dessus (réseau, proxy, certificat, jeton) ; rien n'est perdu : la prochaine passe reprendra automatiquement.",
          doctor,
        ],
      };
    case "batigest_inactive":
      if (report.batigestWait) return batigestContent(facts, report.batigestWait);
      return {
        headline: "Batigest n'importe plus (fermé ?)",
        what:
          `${agent} a déposé des documents que Batigest n'a pas pris (passe du ${when}, code de sortie ${report.exitCode}). Rien n'est perdu et rien n'est en erreur : les documents attendent dans le dossier d'import de Batigest, les suivants chez l'agent ou dans Saxium.`,
        todo: [
          "Vérifiez que Batigest est ouvert sur le serveur et que son import automatique est actif (après une mise à jour ou un redémarrage, il faut parfois le relancer).",
          "Ne relancez aucun export dans Saxium : dès que Batigest importera de nouveau, la synchronisation reprendra d'elle-même, sans doublon.",
          doctor,
        ],
      };
    case "local_trouble":
    case "journal_damaged":
      return {
        headline: "synchronisation arrêtée par un problème du poste",
        what:
          `${agent} s'est arrêté sur un problème du poste lors de la passe du ${when} (code de sortie ${report.exitCode}).`,
        todo: [
          "Faites ce qu'indique la ligne ci-dessus (place disque à libérer, journal de l'agent à renommer) ; rien n'est perdu : la prochaine passe reprendra.",
          doctor,
        ],
      };
    case "folder_unusable":
      return {
        headline: "dossier inutilisable",
        what:
          `${agent} s'est arrêté lors de la passe du ${when} : un de ses dossiers ne peut pas être utilisé (code de sortie ${report.exitCode}). Rien n'est perdu.`,
        todo: [
          "Corrigez la cause indiquée ci-dessus (droits du compte SYSTEM sur le dossier, dossier d'import de Batigest déplacé ou remplacé) ; la prochaine passe reprendra automatiquement.",
          doctor,
        ],
      };
    default:
      return {
        headline: `${plural(report.summary.errors, "export")} en erreur`,
        what: `${agent} a terminé la passe du ${when} avec ${
          plural(report.summary.errors, "export")
        } en erreur (code de sortie ${report.exitCode}).`,
        todo: [
          `Les fichiers refusés sont dans ${facts.folders.errors}, chacun avec sa raison dans un fichier .erreur.txt ; ils sont aussi marqués en erreur dans Saxium.`,
          "Corrigez la cause (document dans Saxium, document refusé par Batigest…) ; pour un document refusé par Batigest, vérifiez d'abord dans Batigest s'il a été importé, puis relancez l'export depuis Saxium s'il ne l'a pas été.",
          doctor,
        ],
      };
  }
}

/**
 * The alert for documents that have waited more than their patience: since
 * when, how much of Batigest's working time, and what to check.
 */
function batigestContent(
  facts: AlertFacts,
  wait: BatigestWait,
): { headline: string; what: string; todo: string[] } {
  const since = formatMoment(new Date(wait.since));
  const folder = facts.folders.importDir
    ? `le dossier ${facts.folders.importDir}`
    : "le dossier d'import de l'agent";
  return {
    headline: `Batigest n'importe plus, des documents attendent depuis le ${since}`,
    what: `L'agent de synchronisation Saxium → Batigest du poste ${facts.agentId} a déposé ` +
      `des documents que Batigest ne prend pas : le plus ancien attend dans son dossier d'import ` +
      `depuis le ${since}, soit ${
        formatHoursMinutes(wait.workingMs)
      } pendant les heures de travail ` +
      `de Batigest (${wait.hours}, jours fériés exclus), plus que la patience de ` +
      `${
        hoursText(wait.patienceHours)
      } (batigestPatienceHours). Rien n'est perdu et rien n'est en ` +
      `erreur : les documents attendent dans le dossier d'import de Batigest, les suivants chez ` +
      `l'agent ou dans Saxium (code de sortie ${facts.report.exitCode}).`,
    todo: [
      "Vérifiez que Batigest est ouvert sur le serveur et que son import automatique est actif (après une mise à jour ou un redémarrage, il faut parfois le relancer).",
      `Vérifiez que cet import automatique surveille bien ${folder} (batigestImportDir), celui où l'agent dépose les documents.`,
      "Si Batigest est fermé exprès (congés, fermeture exceptionnelle), il n'y a rien à faire ; si ses heures d'ouverture ont changé, corrigez batigestHours dans agent.json.",
      "Ne relancez aucun export dans Saxium : dès que Batigest importera de nouveau, la synchronisation reprendra d'elle-même, sans doublon.",
      DOCTOR_ADVICE,
    ],
  };
}

/**
 * The message `doctor --test-alert` sends on every channel: it says it is a
 * test, from which machine and when, and that nothing is to be done.
 */
export function testMessage(
  facts: Pick<AlertFacts, "agentId" | "at"> & { folders: Pick<WorkFolders, "root"> },
): AlertMessage {
  const { agentId } = facts;
  const subject = `[Agent Saxium → Batigest] ${agentId} : message de test`;
  const text = [
    "Bonjour,",
    "",
    `Ceci est un message de test, envoyé le ${
      formatDateTime(facts.at)
    } par la commande « saxium-batigest-agent doctor --test-alert » sur le poste ${agentId}.`,
    "S'il vous parvient, les alertes de l'agent arrivent bien ici : il n'y a rien d'autre à faire.",
    "",
    "Une vraie alerte dit ce qui s'est passé et ce qu'il faut faire ; un message « retour à la normale » suit quand tout refonctionne.",
    ...signature(agentId),
  ].join("\n");
  return {
    kind: "test",
    subject,
    text,
    payload: {
      title: subject,
      text,
      event: "agent.test",
      agent: { id: agentId, version: VERSION },
      sentAt: facts.at.toISOString(),
      workDir: facts.folders.root,
    },
  };
}

/** The "back to normal" message after a successful pass. */
export function recoveryMessage(facts: AlertFacts): AlertMessage {
  const { agentId } = facts;
  const subject = `[Agent Saxium → Batigest] ${agentId} : retour à la normale`;
  const since = facts.failingSince
    ? ` La panne signalée durait depuis le ${formatDateTime(facts.failingSince)}.`
    : "";
  const text = [
    "Bonjour,",
    "",
    `La synchronisation Saxium → Batigest du poste ${agentId} fonctionne de nouveau : la passe du ${
      formatDateTime(facts.at)
    } s'est terminée sans erreur (${passFigures(facts.report)}).${since}`,
    "",
    `Les exports signalés en erreur auparavant restent dans ${facts.folders.errors} ; relancez-les depuis Saxium s'il y a lieu.`,
    ...signature(agentId),
  ].join("\n");
  return {
    kind: "recovery",
    subject,
    text,
    payload: payload("sync.recovery", facts, { title: subject, text, advice: [], errors: [] }),
  };
}

function payload(
  event: string,
  facts: AlertFacts,
  parts: { title: string; text: string; advice: string[]; errors: string[] },
): Record<string, unknown> {
  return {
    title: parts.title,
    text: parts.text,
    event,
    agent: { id: facts.agentId, version: VERSION },
    pass: {
      exitCode: facts.report.exitCode,
      finishedAt: facts.at.toISOString(),
      summary: { ...facts.report.summary },
      message: facts.report.message ?? null,
    },
    failingSince: facts.failingSince?.toISOString() ?? null,
    errors: parts.errors,
    advice: parts.advice,
    workDir: facts.folders.root,
  };
}

function passFigures(report: RunReport): string {
  return formatPassFigures(report.summary);
}

function signature(agentId: string): string[] {
  return ["", "-- ", `Agent Saxium → Batigest ${VERSION} (${agentId})`];
}

/** A number of hours in French: `0,5 h`. */
export function hoursText(n: number): string {
  return `${String(n).replace(".", ",")} h`;
}

/**
 * Identifies a failure so that the same one is not announced again: the exit
 * code and the pass's message (server unavailable) or error lines, with
 * numbers left out (retry counts, durations, ports). The notifier's memory is
 * keyed by it, so its form must not change.
 *
 * @example
 * ```ts
 * failureFingerprint({ exitCode: 1, status: "export_errors", errors: ["DV-17 refusé en 30 s"] });
 * // "1:dv-# refusé en # s"
 * ```
 */
export function failureFingerprint(
  report: Pick<RunReport, "exitCode" | "status" | "message" | "errors">,
): string {
  const normalize = (s: string) =>
    s.toLowerCase()
      .replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g, "#")
      .replace(/\b(?=[0-9a-f]*\d)[0-9a-f]{6,}\b/g, "#")
      .replace(/\d+/g, "#")
      .replace(/\s+/g, " ")
      .trim();
  const basis = report.status === "server_unavailable" && report.message
    ? [normalize(report.message)]
    : [...new Set(report.errors.map(normalize))].sort();
  return `${report.exitCode}:${basis.join(" | ")}`;
}
