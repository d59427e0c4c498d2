/**
 * Windows tools on a French server answer in code page 850: `schtasks`,
 * `eventcreate` and `icacls` output, as the real runner decodes it (the
 * bytes in `tests/fixtures/oem/`), is understood: access denied is access
 * denied, a missing task is missing, and `icacls` names read with their
 * accents. Decoded as UTF-8, the same bytes gave "Acc�s" and the
 * access-denied test of eventcreate missed it.
 */

import assert from "node:assert/strict";
import type { CommandRunner } from "../../lib/base/command_runner.ts";
import { decodeConsoleOutput } from "../../lib/base/console_text.ts";
import { readAccess } from "../../lib/windows/acl.ts";
import { writeEvent } from "../../lib/windows/event_log.ts";
import { installTask, TaskSchedulerError, uninstallTask } from "../../lib/windows/schtasks.ts";
import { classifySchtasksFailure } from "../../lib/windows/task_definition.ts";

/** A fixture's bytes, decoded as the real runner decodes a program's output. */
function printed(name: string): string {
  return decodeConsoleOutput(
    Deno.readFileSync(new URL(`../fixtures/oem/${name}`, import.meta.url)),
  );
}

function failing(stderr: string): CommandRunner {
  return () => Promise.resolve({ code: 1, stdout: "", stderr });
}

Deno.test("schtasks in French: access denied and a missing task are recognised", async () => {
  const denied = printed("schtasks-create-denied-fr.txt");
  assert.equal(denied, "ERREUR : Accès refusé.\r\n");
  assert.equal(classifySchtasksFailure(denied), "access-denied");
  const dir = await Deno.makeTempDir({ prefix: "french_output_test_" });
  try {
    await assert.rejects(
      installTask(failing(denied), { name: "Saxium", workDir: dir, xml: "<Task/>" }),
      (e: unknown) => e instanceof TaskSchedulerError && e.kind === "access-denied",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const missing = printed("schtasks-delete-missing-fr.txt");
  assert.equal(missing, "ERREUR : Le fichier spécifié est introuvable.\r\n");
  assert.equal(await uninstallTask(failing(missing), "Saxium"), false);
});

Deno.test("eventcreate in French: access denied is said so, not « eventcreate a échoué »", async () => {
  const outcome = await writeEvent(
    { name: "exportErrors", message: "2 exports en erreur" },
    { runner: failing(printed("eventcreate-denied-fr.txt")), os: "windows" },
  );
  assert.deepEqual(outcome, {
    written: false,
    reason:
      "accès refusé au journal d'événements Windows (la tâche planifiée, lancée par SYSTEM, y a droit)",
  });
});

Deno.test("icacls in French: the names read with their accents, and the verdict", () => {
  const path = "C:\\SaxiumBatigest\\agent.json";
  assert.deepEqual(readAccess({ stdout: printed("icacls-open-fr.txt"), path }), {
    kind: "open",
    readers: ["BUILTIN\\Utilisateurs", "AUTORITE NT\\Utilisateurs authentifiés"],
  });
  const locked = printed("icacls-locked-fr.txt");
  assert.match(locked, /AUTORITE NT\\Système:\(I\)\(F\)/);
  assert.deepEqual(readAccess({ stdout: locked, path }), { kind: "restricted" });
});
