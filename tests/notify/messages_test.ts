/**
 * What the alerts say: the French texts, the webhook's body, and the
 * fingerprint that tells one failure from another. No server involved.
 */

import assert from "node:assert/strict";
import { alertMessage, failureFingerprint, recoveryMessage } from "../../lib/notify/messages.ts";
import { EXPORT_ERRORS, SUCCESS, UNREACHABLE } from "../support/notify_bench.ts";
import { batigestWait } from "../../lib/batigest/working_hours.ts";
import { eventFor } from "../../lib/notify/event_log.ts";

Deno.test("fingerprint: numbers and ids do not make a new failure; the exit code does", () => {
  const a = failureFingerprint({
    ...UNREACHABLE,
    message: "Saxium n'a pas répondu dans le délai de 30 s (5 tentatives)",
    errors: [],
  });
  const b = failureFingerprint({
    ...UNREACHABLE,
    message: "Saxium n'a pas répondu dans le délai de 30 s (3 tentatives)",
    errors: ["x"],
  });
  assert.equal(a, b);
  const e1 = failureFingerprint({
    ...EXPORT_ERRORS,
    errors: ["L'export DV-17 [7b599c58] : Batigest n'a pas importé DV-17.xml en 30 s"],
  });
  const e2 = failureFingerprint({
    ...EXPORT_ERRORS,
    errors: ["L'export DV-18 [0e2f4a11] : Batigest n'a pas importé DV-18.xml en 30 s"],
  });
  assert.equal(e1, e2);
  assert.notEqual(
    e1,
    failureFingerprint({ ...EXPORT_ERRORS, errors: ["Document refusé : DOCTYPE interdit"] }),
  );
  assert.notEqual(failureFingerprint({ ...UNREACHABLE, message: "x", errors: [] }), "1:x");
  assert.equal(
    a,
    "3:saxium n'a pas répondu dans le délai de # s (# tentatives)",
    "memory keys kept",
  );
});

// ---------------------------------------------------------------------------
// Messages

Deno.test("messages: what failed and what to do, in French; recovery names the outage", () => {
  const folders = { root: "C:\\Saxium", errors: "C:\\Saxium\\Errors", logs: "C:\\Saxium\\Logs" };
  const at = new Date(2025, 0, 31, 10, 5, 0);
  const alert = alertMessage({
    agentId: "SRV-01",
    report: {
      ...UNREACHABLE,
      errors: ["Impossible d'obtenir la liste des exports en attente : HTTP 401"],
    },
    at,
    failingSince: new Date(2025, 0, 31, 9, 0, 0),
    folders,
    repeatHours: 24,
  });
  assert.equal(
    alert.subject,
    "[Agent Saxium → Batigest] SRV-01 : Saxium injoignable ou accès refusé",
  );
  assert.match(
    alert.text,
    /n'a pas pu travailler avec Saxium lors de la passe du 31\/01\/2025 10:05:00/,
  );
  assert.match(alert.text, /Ce qui s'est passé :\n {2}Saxium a refusé l'agent \(HTTP 401/);
  assert.match(alert.text, /Que faire :\n {2}- Corrigez la cause/);
  assert.match(alert.text, /doctor/);
  assert.match(alert.text, /En échec depuis : 31\/01\/2025 09:00:00/);
  assert.match(alert.text, /pas répétée pour la même panne avant 24 h/);
  assert.equal(alert.payload.event, "sync.failure");
  assert.equal((alert.payload.pass as { exitCode: number }).exitCode, 3);
  assert.equal(alert.payload.text, alert.text);

  const errors = Array.from({ length: 14 }, (_, i) => `erreur ${i}`);
  const exportAlert = alertMessage({
    agentId: "SRV-01",
    report: { ...EXPORT_ERRORS, errors },
    at,
    folders,
    repeatHours: 24,
  });
  assert.match(exportAlert.subject, /SRV-01 : 2 exports en erreur$/);
  assert.match(exportAlert.text, /C:\\Saxium\\Errors/);
  assert.match(exportAlert.text, /relancez l'export depuis Saxium/);
  assert.match(
    exportAlert.text,
    /erreur 9\n {2}… et 4 autres, voir le fichier de log du jour \(tail-logs\)\./,
  );

  const back = recoveryMessage({
    agentId: "SRV-01",
    report: SUCCESS,
    at,
    failingSince: new Date(2025, 0, 31, 9, 0, 0),
    folders,
    repeatHours: 24,
  });
  assert.equal(back.subject, "[Agent Saxium → Batigest] SRV-01 : retour à la normale");
  assert.match(back.text, /fonctionne de nouveau/);
  assert.match(back.text, /durait depuis le 31\/01\/2025 09:00:00/);
  assert.equal(back.payload.event, "sync.recovery");
});

Deno.test("the Batigest alert: since when the documents wait, the working time, the hours and the patience, what to check", () => {
  const since = new Date(2026, 11, 4, 18, 30);
  const at = new Date(2026, 11, 7, 10, 5);
  const alert = alertMessage({
    agentId: "SRV-01",
    report: {
      exitCode: 5,
      status: "batigest_inactive",
      summary: { synced: 0, errors: 0, reacknowledged: 0, unfinished: 3 },
      errors: [],
      batigestWait: batigestWait({ since, now: at }),
    },
    at,
    failingSince: since,
    folders: {
      root: "C:\\SaxiumBatigest",
      errors: "C:\\SaxiumBatigest\\Errors",
      logs: "C:\\SaxiumBatigest\\Logs",
      importDir: "C:\\Batigest\\Import",
    },
    repeatHours: 24,
  });
  assert.equal(
    alert.subject,
    "[Agent Saxium → Batigest] SRV-01 : Batigest n'importe plus, des documents attendent depuis le vendredi 04/12/2026 à 18:30",
  );
  assert.match(
    alert.text,
    /le plus ancien attend dans son dossier d'import depuis le vendredi 04\/12\/2026 à 18:30, soit 2 h 05 pendant les heures de travail de Batigest \(lun-ven 08:00-18:00, jours fériés exclus\), plus que la patience de 2 h \(batigestPatienceHours\)\./,
  );
  assert.match(
    alert.text,
    /surveille bien le dossier C:\\Batigest\\Import \(batigestImportDir\), celui où l'agent dépose/,
  );
  assert.match(
    alert.text,
    /pas répétée pour la même panne avant 24 h, ni en dehors des heures de travail/,
  );
  assert.match(alert.text, /corrigez batigestHours dans agent\.json/);
  assert.match(alert.text, /Documents en attente depuis : 04\/12\/2026 18:30:00/);
  assert.doesNotMatch(alert.text, /En échec depuis/);
  assert.equal(eventFor(alert), "batigestInactive");
  if (Deno.env.get("SHOW_ALERT")) console.log(`${alert.subject}\n\n${alert.text}`);
});
