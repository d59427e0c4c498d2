/**
 * The scheduled task's judgement, shared by `status` and `doctor`: the probe
 * against `schtasks` answers, doctor's check, and the words status lists.
 */

import assert from "node:assert/strict";
import type { CommandResult } from "../../lib/base/command_runner.ts";
import { checkTask, judgeTask, probeTask } from "../../lib/health/task_health.ts";
import { parseTaskQuery, RESULT_NEVER_RUN } from "../../lib/windows/task_definition.ts";
import { assertFix, taskQuery } from "../support/health.ts";

function schtasksAnswer(result: CommandResult) {
  return () => Promise.resolve(result);
}

Deno.test("scheduled task: present and fine; absent; disabled; last run failed; not Windows", async () => {
  const name = "Saxium Batigest Sync";
  const good = await probeTask(
    schtasksAnswer({ code: 0, stdout: taskQuery({ lastResult: 0 }), stderr: "" }),
    name,
  );
  assert.equal(checkTask(good).status, "OK");
  assert.match(checkTask(good).detail, /« Saxium Batigest Sync » .*0 : OK/);

  const never = await probeTask(
    schtasksAnswer({ code: 0, stdout: taskQuery({ lastResult: RESULT_NEVER_RUN }), stderr: "" }),
    name,
  );
  assert.equal(checkTask(never).status, "OK");

  const absent = await probeTask(
    schtasksAnswer({
      code: 1,
      stdout: "",
      stderr: "ERROR: The system cannot find the file specified.\r\n",
    }),
    name,
  );
  assert.equal(absent.info, null);
  assertFix(checkTask(absent), "ERROR", /install-task/);

  const disabled = await probeTask(
    schtasksAnswer({ code: 0, stdout: taskQuery({ status: "Disabled" }), stderr: "" }),
    name,
  );
  assertFix(checkTask(disabled), "ERROR", /Activez la tâche/);

  const refused = await probeTask(
    schtasksAnswer({ code: 0, stdout: taskQuery({ lastResult: 3 }), stderr: "" }),
    name,
  );
  assertFix(checkTask(refused), "ERROR", /accès à Saxium/);
  assert.match(checkTask(refused).detail, /3 : serveur Saxium injoignable/);
  assertFix(
    checkTask({ name, info: parseTaskQuery(taskQuery({ lastResult: 1 }))! }),
    "WARNING",
    /Errors/,
  );

  const notWindows = await probeTask(
    () => Promise.reject(new Deno.errors.NotFound("schtasks")),
    name,
  );
  const c = checkTask(notWindows);
  assertFix(c, "WARNING", /Planificateur de tâches/);
  assert.match(c.detail, /^non vérifiable : .*schtasks\.exe introuvable/);
});

Deno.test("judgeTask: status lists what is wrong and doctor's fix, in one line each", () => {
  const name = "Saxium Batigest Sync";
  const fine = judgeTask({ name, info: parseTaskQuery(taskQuery({ lastResult: 0 }))! });
  assert.equal(fine.level, "OK");
  assert.equal(fine.problem, undefined);
  assert.equal(fine.fix, undefined);

  const absent = judgeTask({ name, info: null });
  assert.equal(absent.level, "ERROR");
  assert.equal(absent.problem, "La tâche planifiée « Saxium Batigest Sync » n'existe pas.");
  assert.match(absent.fix!, /^Lancez install-task/);

  const disabled = judgeTask({ name, info: parseTaskQuery(taskQuery({ status: "Disabled" }))! });
  assert.equal(disabled.level, "ERROR");
  assert.match(disabled.problem!, /est désactivée\.$/);

  const locked = judgeTask({ name, info: parseTaskQuery(taskQuery({ lastResult: 4 }))! });
  assert.equal(locked.level, "ERROR");
  assert.match(locked.problem!, /a fini avec le code 4 : une autre instance/);
  assert.match(locked.fix!, /restée bloquée\.$/);

  const unreadable = judgeTask({ name, error: "schtasks.exe introuvable" });
  assert.equal(unreadable.level, "WARNING");
  assert.equal(unreadable.detail, "non vérifiable : schtasks.exe introuvable");
  assert.equal(
    unreadable.problem,
    "Tâche planifiée « Saxium Batigest Sync » illisible : schtasks.exe introuvable.",
  );
});
