/** `doctor`'s report: without settings, the one configuration check, and its screen. */

import { ConfigError } from "../../lib/base/config_error.ts";
import assert from "node:assert/strict";
import { renderDoctor, runDoctor } from "../../lib/health/doctor.ts";

Deno.test("renderDoctor keeps one line per check plus its fix", async () => {
  const report = await runDoctor({
    configError: new ConfigError("apiUrl", "Paramètre apiUrl manquant."),
    env: () => undefined,
    runCommand: () => Promise.reject(new Error("pas appelé")),
    now: () => new Date(),
    taskName: "T",
  });
  assert.equal(report.ok, false);
  const lines = renderDoctor(report);
  assert.equal(lines.length, 4, lines.join("\n"));
  assert.match(lines[0], /: 1 erreur\(s\), 0 avertissement\(s\)$/);
  assert.match(lines[2], /^ {2}ERREUR {5}Configuration {2}Paramètre apiUrl manquant\.$/);
  assert.match(
    lines[3],
    /^ {28}→ Corrigez le paramètre apiUrl comme indiqué, puis relancez doctor\.$/,
  );
});
