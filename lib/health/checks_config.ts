/**
 * `doctor`'s check of the configuration: it could be loaded (or why not, the
 * one check reported then, since every other needs it), which file, which
 * Saxium, and whether a token is set.
 *
 * @module
 */

import { CONFIG_FILE_NAME, type Settings } from "../base/settings.ts";
import { type ConfigError } from "../base/config_error.ts";
import nodePath from "node:path";
import { type CheckResult, verdicts } from "./check.ts";

/** What is known of the configuration. */
export interface ConfigFacts {
  /** The settings, when they could be loaded. */
  settings?: Settings;
  /** Why they could not. */
  error?: ConfigError;
  /** Whether `agent.json` exists in the work folder. */
  configFileExists?: boolean;
}

/** The configuration: loaded, which file, which Saxium, a token or not. */
export function checkConfig(facts: ConfigFacts): CheckResult {
  const verdict = verdicts("config", "Configuration");
  if (!facts.settings) {
    return verdict.error(
      facts.error?.message ?? "configuration illisible",
      `Corrigez le paramètre ${
        facts.error?.setting ?? "signalé"
      } comme indiqué, puis relancez doctor.`,
    );
  }
  const s = facts.settings;
  const file = nodePath.join(s.workDir, CONFIG_FILE_NAME);
  const source = facts.configFileExists ? `${file} lu` : `pas de fichier ${CONFIG_FILE_NAME}`;
  const detail = `${source} ; Saxium ${s.apiUrl}, agent ${s.agentId}, jeton ${
    s.token ? "défini" : "absent"
  }`;
  if (!s.token) {
    return verdict.warning(
      detail,
      `Indiquez le jeton fourni par Saxium dans la variable SAXIUM_TOKEN ou « token » dans ${file}.`,
    );
  }
  return verdict.ok(detail);
}
