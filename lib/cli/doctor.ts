/**
 * `doctor [--json] [--bundle [FICHIER.zip]]`: every set-up check with OK /
 * ATTENTION / ERREUR and the fix, in one screen or as JSON; with `--bundle`,
 * also the support archive. Exit code 0 only when every check is OK, 1
 * otherwise, 2 when the configuration cannot be read or the archive's path
 * is refused. `doctor --test-alert` only sends a test message on every
 * alert channel and says what each answered: 0 only when every one accepted it.
 *
 * @module
 */

import nodePath from "node:path";
import { pathKind } from "../base/paths.ts";
import { type Settings } from "../base/settings.ts";
import { ConfigError } from "../base/config_error.ts";
import type { CommandContext } from "../base/context.ts";
import { formatBytes } from "../base/french.ts";
import { type DoctorReport, renderDoctor, runDoctor } from "../health/doctor.ts";
import {
  defaultBundlePath,
  resolveBundlePath,
  writeSupportBundle,
} from "../health/support_bundle.ts";
import { describeSystemError } from "../base/system_errors.ts";
import { DEFAULT_TASK_NAME } from "../windows/task_definition.ts";
import { taskNameOption } from "../windows/task_admin.ts";
import { EXIT } from "../base/exit_codes.ts";
import { renderTestAlert, sendTestAlert } from "../notify/test_alert.ts";
import { loadSettings, type ParsedFlags, parseFlags, SETTING_OPTIONS } from "./flags.ts";
import { printedHelp, renderHelp } from "./help.ts";

const HELP = renderHelp({
  usage: "doctor [--json] [--bundle [FICHIER.zip]] [--name <tâche>] | doctor --test-alert [--json]",
  about: [
    "Vérifie l'installation comme le ferait un administrateur : configuration,",
    "dossier de travail et dossier d'import de Batigest (écriture, renommage),",
    "espace disque, accès à Saxium (réseau, certificat TLS, jeton, horloge),",
    "proxy, tâche planifiée, fichiers en attente depuis plus d'un jour, alertes.",
    "Chaque point : OK, ATTENTION ou ERREUR, et ce qu'il faut faire.",
  ],
  options: [
    { flag: "--json", text: "le diagnostic en JSON (supervision)" },
    {
      flag: "--bundle [FICHIER]",
      text: "écrit aussi une archive .zip pour le support (fichiers de log des dernières 24 h, " +
        "configuration sans secrets, status et doctor en JSON) [<dossier de travail>\\" +
        "support-aaaa-MM-jj-HHmmss.zip ; un nom relatif est pris dans le dossier de travail]",
    },
    { flag: "--name <tâche>", text: `nom de la tâche planifiée [${DEFAULT_TASK_NAME}]` },
    {
      flag: "--test-alert",
      text: "envoie seulement un message de test sur chaque canal d'alerte configuré " +
        "(e-mail, webhook, journal d'événements Windows) et dit ce que chacun a répondu",
    },
  ],
  settings: "all",
  exitCodes: {
    codes: [EXIT.ok, EXIT.exportErrors, EXIT.config, EXIT.localTrouble],
    meanings: {
      [EXIT.ok]: "tout est en ordre (avec --test-alert : chaque canal a accepté le message)",
      [EXIT.exportErrors]:
        "au moins un point à corriger (avec --test-alert : un canal a échoué, ou aucun n'est configuré)",
      [EXIT.config]: "configuration illisible ou chemin d'archive refusé",
    },
  },
});

/** The options `doctor` takes. */
export const OPTIONS = {
  ...SETTING_OPTIONS,
  json: { type: "boolean" as const },
  bundle: { type: "string" as const },
  name: { type: "string" as const },
  "test-alert": { type: "boolean" as const },
};

/** Runs `doctor`; returns the exit code. */
export async function doctorCommand(args: string[], ctx: CommandContext): Promise<number> {
  const flags = parseFlags(bareBundleFlag(args), OPTIONS);
  if (printedHelp(flags, { help: HELP, out: ctx.stdout })) return EXIT.ok;
  const taskName = taskNameOption(flags.values.name);
  let settings: Settings;
  try {
    settings = loadSettings(ctx, flags);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const report = await runDoctor({
      configError: error,
      env: ctx.env,
      runCommand: ctx.runCommand,
      now: ctx.now,
      taskName,
    });
    print(report, { ctx, json: flags.values.json === true });
    if (flags.values.bundle !== undefined) {
      ctx.stderr("Archive de support non créée : corrigez d'abord la configuration.");
    }
    return EXIT.config;
  }
  if (flags.values["test-alert"]) return await testAlert(settings, { ctx, flags });
  const bundle = flags.values.bundle;
  const bundlePath = bundle === undefined
    ? undefined
    : resolveBundlePath(String(bundle), { settings, now: ctx.now() });
  const refusal = bundlePath &&
    bundlePathRefusal(bundlePath, defaultBundlePath(settings, ctx.now()));
  if (refusal) throw refusal;

  const report = await runDoctor({
    settings,
    env: ctx.env,
    runCommand: ctx.runCommand,
    now: ctx.now,
    taskName,
  });
  print(report, { ctx, json: flags.values.json === true });

  if (bundlePath !== undefined) {
    const { gatherStatus } = await import("../health/status.ts");
    let status: unknown;
    try {
      status = await gatherStatus(settings, { runCommand: ctx.runCommand, taskName });
    } catch (error) {
      status = { error: `état illisible : ${describeSystemError(error).cause}` };
    }
    let written;
    try {
      written = await writeSupportBundle(bundlePath, {
        settings,
        status,
        doctor: report,
        now: ctx.now(),
      });
    } catch (error) {
      const { kind, cause } = describeSystemError(error);
      const fix = kind === "disk-full"
        ? "libérez de la place sur ce disque"
        : kind === "access-denied"
        ? "vérifiez les droits sur ce dossier"
        : "vérifiez l'espace disque et les droits sur ce dossier";
      ctx.stderr(`Archive pour le support non écrite (${bundlePath} : ${cause}) : ${fix}.`);
      return EXIT.exportErrors;
    }
    const line =
      `Archive pour le support écrite : ${written.path} (${written.files.length} fichiers, ${
        formatBytes(written.bytes)
      }). Elle ne contient ni le jeton ni aucun mot de passe ; envoyez-la au support de Saxium.`;
    // With --json, stdout stays pure JSON.
    if (flags.values.json) ctx.stderr(line);
    else ctx.stdout(line);
  }
  return report.ok ? EXIT.ok : EXIT.exportErrors;
}

/** `--test-alert`: a test message on every channel; 0 only when every one accepted it. */
async function testAlert(
  settings: Settings,
  options: { ctx: CommandContext; flags: ParsedFlags },
): Promise<number> {
  const { ctx, flags } = options;
  if (flags.values.bundle !== undefined) {
    throw new ConfigError(
      "test-alert",
      "--test-alert s'utilise seul : lancez doctor --bundle à part pour l'archive du support.",
    );
  }
  const answers = await sendTestAlert({ settings, now: ctx.now, runCommand: ctx.runCommand });
  const ok = answers.length > 0 && answers.every((a) => a.sent);
  if (flags.values.json) ctx.stdout(JSON.stringify({ ok, channels: answers }, null, 2));
  else for (const line of renderTestAlert(answers, settings.agentId)) ctx.stdout(line);
  return ok ? EXIT.ok : EXIT.exportErrors;
}

function print(report: DoctorReport, options: { ctx: CommandContext; json: boolean }): void {
  if (options.json) options.ctx.stdout(JSON.stringify(report, null, 2));
  else for (const line of renderDoctor(report)) options.ctx.stdout(line);
}

/**
 * Why the archive cannot be written at `path` (exit 2, as the help says): a
 * folder is there under that name, or a file stands where a folder should.
 */
function bundlePathRefusal(path: string, example: string): ConfigError | undefined {
  const fix = `choisissez un autre nom pour l'archive, par exemple --bundle ${example}.`;
  if (pathKind(path) === "directory") {
    return new ConfigError("bundle", `${path} est un dossier, pas un fichier : ${fix}`);
  }
  for (
    let dir = nodePath.dirname(path);
    dir !== nodePath.dirname(dir);
    dir = nodePath.dirname(dir)
  ) {
    const kind = pathKind(dir);
    if (kind === "directory") return undefined;
    if (kind !== undefined) {
      return new ConfigError("bundle", `${dir} est un fichier, pas un dossier : ${fix}`);
    }
  }
  return undefined;
}

/** `--bundle` without a value (last, or before another option) means the default path. */
function bareBundleFlag(args: string[]): string[] {
  return args.map((arg, i) =>
    arg === "--bundle" && (i === args.length - 1 || args[i + 1].startsWith("-")) ? "--bundle=" : arg
  );
}
