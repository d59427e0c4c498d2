/**
 * How a pass ends: its exit code, the level of its conclusion, the line.
 */

import assert from "node:assert/strict";
import { passEnd } from "../../lib/sync/pass_end.ts";
import type { PassResult } from "../../lib/sync/pass_types.ts";
import type { BatigestWait } from "../../lib/batigest/working_hours.ts";

const SUMMARY = { synced: 2, errors: 0, replaced: 0, aside: 0, reacknowledged: 0, pending: 1 };

function result(extra: Partial<PassResult>): PassResult {
  return { status: "completed", summary: SUMMARY, elapsedMs: 1_000, ...extra } as PassResult;
}

const WAIT: BatigestWait = {
  since: "2026-12-05T17:30:00.000Z",
  workingMs: 30 * 60_000,
  patienceHours: 2,
  patienceSpent: false,
  patienceEndsAt: "2026-12-07T09:30:00.000Z",
  workingNow: false,
  hours: "lun-ven 08:00-18:00",
};

Deno.test("Batigest not importing: exit 5 always; INFO within the patience, WARNING past it", () => {
  const message =
    "Batigest n'importe plus depuis 18:30 : hors de ses heures de travail, c'est normal.";
  const night = passEnd(result({ status: "batigest_inactive", message, batigestWait: WAIT }));
  assert.deepEqual([night.exitCode, night.level], [5, "INFO"]);
  assert.match(night.line, /c'est normal\.$/);
  const spent = passEnd(
    result({
      status: "batigest_inactive",
      message,
      batigestWait: { ...WAIT, patienceSpent: true },
    }),
  );
  assert.deepEqual([spent.exitCode, spent.level], [5, "WARNING"]);
  const unjudged = passEnd(result({ status: "batigest_inactive", message }));
  assert.equal(unjudged.level, "WARNING", "no judgement of the wait: said plainly");
});

Deno.test("the other ends: 0 INFO, 1 and 3 ERROR, each with its line", () => {
  assert.deepEqual(
    [passEnd(result({})).exitCode, passEnd(result({})).level],
    [0, "INFO"],
  );
  const errors = passEnd(result({ status: "export_errors" }));
  assert.deepEqual([errors.exitCode, errors.level], [1, "ERROR"]);
  assert.match(errors.line, /Voir les lignes ERROR ci-dessus et le dossier Errors\.$/);
  const down = passEnd(result({ status: "server_unavailable", message: "connexion refusée." }));
  assert.deepEqual([down.exitCode, down.level], [3, "ERROR"]);
  assert.match(
    down.line,
    /Saxium injoignable ou accès refusé : connexion refusée ; rien n'est perdu/,
  );
});
