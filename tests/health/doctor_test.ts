/** `doctor`'s report: without settings, the one configuration check, and its screen. */

import { ConfigError } from "../../lib/base/config_error.ts";
import assert from "node:assert/strict";
import nodePath from "node:path";
import { renderDoctor, runDoctor } from "../../lib/health/doctor.ts";
import { settingsFor, withRoot } from "../support/health.ts";

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
  assert.match(lines[0], /: 1 erreur, 0 avertissement$/);
  assert.match(lines[2], /^ {2}ERREUR {5}Configuration {2}Paramètre apiUrl manquant\.$/);
  assert.match(
    lines[3],
    /^ {28}→ Corrigez le paramètre apiUrl comme indiqué, puis relancez doctor\.$/,
  );
});

Deno.test("doctor on Windows: agent.json holding a token and readable by Users is a warning", async () => {
  await withRoot(async (root) => {
    const settings = settingsFor(root);
    await Deno.mkdir(settings.workDir, { recursive: true });
    const file = nodePath.join(settings.workDir, "agent.json");
    await Deno.writeTextFile(file, JSON.stringify({ token: "jeton-secret" }));
    const icacls = [
      `${file} NT AUTHORITY\\SYSTEM:(I)(F)`,
      "                             BUILTIN\\Administrators:(I)(F)",
      "                             BUILTIN\\Users:(I)(RX)",
      "",
    ].join("\r\n");
    const calls: string[] = [];
    const report = await runDoctor({
      settings,
      env: () => undefined,
      runCommand: (command, args) => {
        calls.push([command, ...args].join(" "));
        return Promise.resolve(
          command === "icacls.exe"
            ? { code: 0, stdout: icacls, stderr: "" }
            : { code: 1, stdout: "", stderr: "" },
        );
      },
      now: () => new Date(),
      taskName: "T",
      timeoutMs: 200,
      os: "windows",
    });
    const check = report.checks.find((c) => c.id === "token-file-acl")!;
    assert.equal(check.status, "WARNING");
    assert.match(check.detail, /lisible par d'autres comptes \(BUILTIN\\Users\)/);
    assert.match(check.fix!, /install-task/);
    assert.ok(calls.includes(`icacls.exe ${file}`));

    const elsewhere = await runDoctor({
      settings,
      env: () => undefined,
      runCommand: () => Promise.resolve({ code: 1, stdout: "", stderr: "" }),
      now: () => new Date(),
      taskName: "T",
      timeoutMs: 200,
      os: "linux",
    });
    assert.equal(elsewhere.checks.some((c) => c.id === "token-file-acl"), false);
  });
});
