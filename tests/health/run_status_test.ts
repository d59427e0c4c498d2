/**
 * What `status` says of the runs and of the exports set aside, as pure
 * judgements of the journal's records: a pass in progress, moving or stuck;
 * an interrupted run, with or without the next one resuming it; a failed run
 * with its cause in `doctor`'s words; the exports aside, why and when next.
 */

import assert from "node:assert/strict";
import type { RunRecord } from "../../lib/journal/runs.ts";
import { judgeRuns, runLines, runProblems, STUCK_MS } from "../../lib/health/run_status.ts";
import { asideLines, asideProblem, checkAside } from "../../lib/health/aside_checks.ts";

const NOW = new Date(2026, 11, 5, 14, 40, 0);
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

function run(id: number, fields: Partial<RunRecord>): RunRecord {
  return {
    id,
    startedAt: ago(10 * 60_000),
    summary: {},
    aliveAt: ago(2_000),
    done: 0,
    known: 0,
    ...fields,
  };
}

function screen(runs: RunRecord[]): { text: string; problems: string[] } {
  const report = judgeRuns(runs, NOW);
  const text = runLines(report, NOW).map((l) => `${l.label || " "}: ${l.text}`).join("\n");
  return { text, problems: runProblems(report, NOW) };
}

Deno.test("a pass moving: in progress since when and how far, nothing to do", () => {
  const { text, problems } = screen([
    run(2, { startedAt: ago(5 * 60_000), done: 12, known: 40, progressAt: ago(3_000) }),
    run(1, { finishedAt: ago(10 * 60_000), aliveAt: ago(10 * 60_000), exitCode: 0 }),
  ]);
  assert.match(text, /^Passe en cours: en cours depuis 14:35, 12 exports traités sur 40$/m);
  assert.match(text, /^Dernière passe: 05\/12\/2026 14:30:00 \(il y a 10 min\), code 0 : OK/m);
  assert.deepEqual(problems, []);
});

Deno.test("a pass alive but stuck for half an hour: said, with what to do", () => {
  const { text, problems } = screen([
    run(3, {
      startedAt: ago(STUCK_MS + 5 * 60_000),
      done: 3,
      known: 40,
      progressAt: ago(STUCK_MS + 60_000),
    }),
  ]);
  assert.match(text, /rien n'a avancé depuis 14:09$/m);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /n'avance plus depuis 31 min : regardez tail-logs/);
});

Deno.test("a run never finished and silent: interrupted; the next one running resumes it", () => {
  const killed = run(4, {
    startedAt: ago(20 * 60_000),
    aliveAt: ago(15 * 60_000),
    done: 7,
    known: 21,
  });
  const alone = screen([killed]);
  assert.match(
    alone.text,
    /^Dernière passe: interrompue \(arrêt brutal, redémarrage \?\) le 05\/12\/2026 14:25:00, commencée à 14:20, 7 exports traités sur 21 ; la suivante reprendra$/m,
  );
  assert.match(
    alone.problems[0],
    /^La dernière passe a été interrompue .* la prochaine passe reprendra/,
  );

  const resuming = screen([run(5, { startedAt: ago(60_000) }), killed]);
  assert.match(
    resuming.text,
    /^Passe en cours: en cours depuis 14:39, aucun export traité pour l'instant$/m,
  );
  assert.match(resuming.text, /; la suivante a repris$/m);
  assert.match(resuming.problems[0], /la passe en cours reprend où elle s'était arrêtée/);

  const resumed = screen([
    run(5, { finishedAt: ago(30_000), aliveAt: ago(30_000), exitCode: 0, summary: { synced: 14 } }),
    killed,
  ]);
  assert.match(
    resumed.text,
    /14 synchronisés, 0 en erreur ; elle a repris la passe interrompue le 05\/12\/2026 14:25:00$/m,
  );
  assert.deepEqual(resumed.problems, [], "the last run went well");
});

Deno.test("a failed run: its exit code in doctor's words, its cause, and the fix", () => {
  const { text, problems } = screen([
    run(6, {
      finishedAt: ago(60_000),
      aliveAt: ago(60_000),
      exitCode: 5,
      message: "Batigest n'importe plus depuis 14:02 : est-il ouvert ?",
    }),
  ]);
  assert.match(
    text,
    /code 5 : Batigest n'importe pas \(fermé \?\), rien en erreur ni perdu ; 0 synchronisé/,
  );
  assert.match(text, /^ : cause : Batigest n'importe plus depuis 14:02 : est-il ouvert \?$/m);
  assert.match(problems[0], /code 5 : .* \(cause ci-dessus\)\. Vérifiez que Batigest est ouvert/);
  assert.deepEqual(screen([]).problems, [
    "L'agent n'a encore jamais terminé de passe : lancez sync --once.",
  ]);
});

Deno.test("exports set aside: how many, the oldest, why each one and when next; a refusal needs a person", () => {
  const since = new Date(2026, 11, 4, 9, 0, 0).toISOString();
  const refused = {
    id: "3f2a1b4c-9d2a-4f6b-8c3d-2e1f0a9b8c7d",
    reference: "DV-REFUS",
    aside: {
      reason: "accusé de réception refusé : Saxium répond HTTP 422 (batigestReference invalide).",
      kind: "refused" as const,
      until: new Date(2026, 11, 5, 15, 0, 0).toISOString(),
      count: 3,
      since,
    },
  };
  const [head, line] = asideLines([refused], NOW);
  assert.equal(head, "1 export, le plus ancien depuis le 04/12/2026 09:00:00");
  assert.equal(
    line,
    "Export DV-REFUS [3f2a1b4c] mis de côté depuis le 04/12/2026 09:00:00, 3 fois de suite : accusé de réception refusé : Saxium répond HTTP 422 (batigestReference invalide) ; prochain essai le 05/12/2026 15:00:00.",
  );
  assert.doesNotMatch(line, /object Object/);
  assert.match(asideProblem([refused], NOW)!, /^1 export mis de côté .*l'administrateur de Saxium/);
  assert.equal(checkAside([refused], NOW).status, "ERROR");
  const passing = {
    ...refused,
    aside: { ...refused.aside, kind: "retry" as const, since: ago(60_000), until: undefined },
  };
  assert.match(asideLines([passing], NOW)[1], /prochain essai à la prochaine passe\.$/);
  assert.match(asideProblem([passing], NOW)!, /l'agent le réessaie de lui-même/);
  assert.equal(checkAside([passing], NOW).status, "WARNING");
  assert.equal(checkAside([], NOW).status, "OK");
  assert.equal(asideProblem([], NOW), undefined);
});
