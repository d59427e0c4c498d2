/**
 * The executable knows its build: the start-up check of the configured work
 * folder, import folder and Saxium host against the build's, as data, with
 * Windows paths (case-insensitive) checked on Linux.
 */

import { type SettingSources } from "../../lib/base/settings.ts";
import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  buildSummary,
  configuredScope,
  describeBuild,
  scopeProblem,
  settingFlagValues,
} from "../../lib/executable/build_info.ts";

const BUILD = describeBuild({
  apiUrl: "https://saxium.client.fr",
  workDir: "C:\\SaxiumBatigest",
  batigestImportDir: "C:\\Program Files\\Sage\\Batigest\\Import",
  smtpHost: "smtp.client.fr:587",
});

Deno.test("build info: the network targets are the permissions'", () => {
  assert.deepEqual(BUILD.netHosts, ["saxium.client.fr:443", "smtp.client.fr:587"]);
  assert.deepEqual(buildSummary(BUILD), [
    "Construit pour le serveur Saxium : https://saxium.client.fr (saxium.client.fr:443)",
    "Dossier de travail : C:\\SaxiumBatigest",
    "Dossier d'import de Batigest : C:\\Program Files\\Sage\\Batigest\\Import",
    "Notifications vers : smtp.client.fr:587 (SMTP)",
  ]);
});

Deno.test("build info: values inside the build pass, whatever their case", () => {
  assert.equal(
    scopeProblem({
      workDir: "c:\\saxiumbatigest",
      batigestImportDir: "C:\\PROGRAM FILES\\Sage\\Batigest\\Import\\",
      apiUrl: "https://SAXIUM.client.fr:443/",
    }, BUILD),
    undefined,
  );
  assert.equal(scopeProblem({ workDir: "C:\\SaxiumBatigest\\Site2" }, BUILD), undefined);
});

Deno.test("build info: each value outside the build is one French line naming both values", () => {
  assert.equal(
    scopeProblem(
      { workDir: "C:\\SaxiumBatigest", batigestImportDir: "D:\\Batigest\\Import" },
      BUILD,
    ),
    "Le dossier d'import configuré (D:\\Batigest\\Import) n'est pas celui pour lequel cet exécutable a été construit (C:\\Program Files\\Sage\\Batigest\\Import) : corrigez batigestImportDir ou construisez l'exécutable pour ce dossier (voir README, « Construire l'exécutable d'un site »).",
  );
  assert.equal(
    scopeProblem({ workDir: "D:\\Agent" }, BUILD),
    "Le dossier de travail configuré (D:\\Agent) n'est pas celui pour lequel cet exécutable a été construit (C:\\SaxiumBatigest) : corrigez SAXIUM_WORK_DIR ou --work-dir, ou construisez l'exécutable pour ce dossier (voir README, « Construire l'exécutable d'un site »).",
  );
  assert.equal(
    scopeProblem({ workDir: "C:\\SaxiumBatigest", apiUrl: "https://saxium.client.fr:8443" }, BUILD),
    "Le serveur Saxium configuré (https://saxium.client.fr:8443, soit saxium.client.fr:8443) n'est pas celui pour lequel cet exécutable a été construit (https://saxium.client.fr, soit saxium.client.fr:443) : corrigez apiUrl ou construisez l'exécutable pour ce serveur (voir README, « Construire l'exécutable d'un site »).",
  );
  // A sibling whose name starts like the build's folder is outside.
  assert.match(scopeProblem({ workDir: "C:\\SaxiumBatigest2" }, BUILD)!, /dossier de travail/);
});

function sources(
  options: { env?: Record<string, string>; file?: string; reads?: string[] },
): SettingSources {
  return {
    env: (name) => options.env?.[name],
    hostname: () => "PC",
    pathApi: nodePath.win32,
    buildDefaults: {
      apiUrl: BUILD.apiUrl,
      workDir: BUILD.workDir,
      batigestImportDir: BUILD.batigestImportDir,
    },
    readTextFile: (path) => {
      options.reads?.push(path);
      return options.file;
    },
  };
}

Deno.test("build info: the configured values, by the settings' precedence", () => {
  const reads: string[] = [];
  const file = JSON.stringify({ batigestImportDir: "E:\\Import", apiUrl: "https://autre.fr" });
  assert.deepEqual(
    configuredScope({ args: [], sources: sources({ file, reads }), info: BUILD }),
    { workDir: "C:\\SaxiumBatigest", batigestImportDir: "E:\\Import", apiUrl: "https://autre.fr" },
  );
  assert.deepEqual(reads, ["C:\\SaxiumBatigest\\agent.json"]);
  const env = { BATIGEST_IMPORT_PATH: "F:\\Import", SAXIUM_API_URL: "https://env.fr" };
  assert.deepEqual(
    configuredScope({
      args: ["--once", "--batigest-import-dir", "G:\\Import", "--api-url=https://flag.fr"],
      sources: sources({ env, file }),
      info: BUILD,
    }),
    { workDir: "C:\\SaxiumBatigest", batigestImportDir: "G:\\Import", apiUrl: "https://flag.fr" },
  );
  // Nothing configured: the build's own values, inside by construction.
  const built = configuredScope({ args: [], sources: sources({}), info: BUILD });
  assert.equal(scopeProblem(built, BUILD), undefined);
});

Deno.test("build info: alert servers in agent.json outside the build are refused, the webhook by its host", () => {
  const webhook = "https://hooks.autre.fr/IncomingWebhook/cle-secrete";
  const file = JSON.stringify({
    notify: {
      smtp: { host: "SMTP.client.fr", port: 587, from: "a@client.fr", to: ["b@client.fr"] },
      webhookUrl: webhook,
    },
  });
  const scope = configuredScope({ args: [], sources: sources({ file }), info: BUILD });
  assert.equal(scope.smtpHost, "smtp.client.fr:587");
  assert.equal(scope.webhookHost, "hooks.autre.fr:443");
  const problem = scopeProblem(scope, BUILD)!;
  assert.equal(
    problem,
    "Le webhook des alertes (notify.webhookUrl dans agent.json, hôte hooks.autre.fr:443) n'est pas sur l'hôte pour lequel cet exécutable a été construit (aucun webhook prévu) : corrigez notify.webhookUrl ou construisez l'exécutable pour cet hôte (voir README, « Construire l'exécutable d'un site »).",
  );
  assert.ok(!problem.includes("cle-secrete"));
  assert.equal(
    scopeProblem({ workDir: BUILD.workDir, smtpHost: "smtp.client.fr:465" }, BUILD),
    "Le serveur SMTP des alertes (notify.smtp dans agent.json : smtp.client.fr:465) n'est pas celui pour lequel cet exécutable a été construit (smtp.client.fr:587) : corrigez notify.smtp ou construisez l'exécutable pour ce serveur (voir README, « Construire l'exécutable d'un site »).",
  );
  // Inside the build; and a notify that does not read is left to the command.
  assert.equal(
    scopeProblem({ workDir: BUILD.workDir, smtpHost: "smtp.client.fr:587" }, BUILD),
    undefined,
  );
  const broken = JSON.stringify({ notify: { webhookUrl: "pas une adresse" } });
  assert.equal(
    scopeProblem(
      configuredScope({ args: [], sources: sources({ file: broken }), info: BUILD }),
      BUILD,
    ),
    undefined,
  );
});

Deno.test("build info: agent.json is not read when the work folder is outside the build", () => {
  const reads: string[] = [];
  const scope = configuredScope({
    args: ["--work-dir", "D:\\Ailleurs"],
    sources: sources({ reads, file: "{}" }),
    info: BUILD,
  });
  assert.deepEqual(scope, { workDir: "D:\\Ailleurs" });
  assert.deepEqual(reads, []);
});

Deno.test("build info: an unreadable agent.json is left to the command to report", () => {
  const scope = configuredScope({
    args: [],
    sources: sources({ file: "{ pas du JSON" }),
    info: BUILD,
  });
  assert.equal(scope.batigestImportDir, BUILD.batigestImportDir);
  assert.equal(scopeProblem(scope, BUILD), undefined);
});

Deno.test("build info: setting flags read from any command's arguments", () => {
  assert.deepEqual(
    settingFlagValues([
      "-n",
      "5",
      "--work-dir=C:\\A",
      "--api-url",
      "https://x.fr",
      "--work-dir",
      "C:\\B",
    ]),
    { "work-dir": "C:\\B", "api-url": "https://x.fr" },
  );
  assert.deepEqual(settingFlagValues(["--", "--work-dir", "C:\\X"]), {});
  assert.deepEqual(settingFlagValues(["--work-dir"]), {});
});
