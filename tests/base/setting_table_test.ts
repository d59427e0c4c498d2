/**
 * The settings table is what the agent reads: every row is validated from
 * each source it names, its errors name the source, and a new row brings its
 * help line and its checks with it.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { ConfigError } from "../../lib/base/config_error.ts";
import { resolveSettings } from "../../lib/base/config.ts";
import type { SettingSources } from "../../lib/base/settings.ts";
import {
  FILE_KEYS,
  howToSet,
  rangeText,
  SETTING_KEYS,
  type SettingRow,
  settingRow,
} from "../../lib/base/setting_table.ts";
import { integer, type SettingRead, text } from "../../lib/base/setting_values.ts";
import { settingDoc } from "../../lib/cli/help.ts";

const API_URL = "https://saxium.example.com";

function sources(options: { env?: Record<string, string>; file?: unknown }): SettingSources {
  return {
    env: (name) => options.env?.[name],
    readTextFile: () => options.file === undefined ? undefined : JSON.stringify(options.file),
    hostname: () => "SRV-BATI01",
    // Lowest of all sources: any other gives the value under test.
    buildDefaults: { apiUrl: API_URL },
    pathApi: nodePath.win32,
  };
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `ConfigError attendu, reçu ${error}`);
    return error;
  }
  throw new Error("no ConfigError thrown");
}

Deno.test("every key agent.json may hold is checked there, and its error names the key", () => {
  assert.ok(!FILE_KEYS.includes("workDir"));
  for (const key of FILE_KEYS) {
    const error = configError(() => resolveSettings({}, sources({ file: { [key]: {} } })));
    assert.equal(error.setting, key);
    assert.match(error.message, new RegExp(`^Paramètre ${key}\\b`), error.message);
  }
});

Deno.test("every setting's variable is read, and its error names the variable", () => {
  for (const key of SETTING_KEYS) {
    const variable = settingRow(key).env;
    if (!variable) continue;
    const error = configError(() => resolveSettings({}, sources({ env: { [variable]: " " } })));
    assert.equal(error.setting, key);
    assert.ok(error.message.startsWith(`Variable d'environnement ${variable} `), error.message);
  }
});

Deno.test("every setting's option is read, and its error names the option", () => {
  for (const key of SETTING_KEYS) {
    const flag = settingRow(key).flag;
    if (!flag) continue;
    const error = configError(() => resolveSettings({ [flag.name]: " " }, sources({})));
    assert.equal(error.setting, key);
    assert.ok(error.message.startsWith(`Option --${flag.name} `), error.message);
  }
});

Deno.test("how to set a setting is what its row allows", () => {
  assert.equal(
    howToSet("agentId"),
    "--agent-id, la variable SAXIUM_AGENT_ID ou « agentId » dans agent.json",
  );
  assert.equal(howToSet("workDir"), "--work-dir ou la variable SAXIUM_WORK_DIR");
  assert.equal(howToSet("token"), "la variable SAXIUM_TOKEN ou « token » dans agent.json");
  assert.equal(howToSet("batigestRefusalHours"), "« batigestRefusalHours » dans agent.json");
});

Deno.test("a new setting is one row: its help line and its checks come from it", () => {
  const patience: SettingRow<number> = {
    flag: {
      name: "batigest-patience",
      value: "<heures>",
      help: (s) => `heures ouvrées d'attente avant une alerte${rangeText(s)} [${s.default}]`,
    },
    inFile: true,
    default: 2,
    range: [1, 48],
    parse: integer,
  };
  assert.deepEqual(settingDoc("batigestPatienceHours", patience), {
    flag: "--batigest-patience <heures>",
    text: "heures ouvrées d'attente avant une alerte, de 1 à 48 [2]",
  });
  const read: SettingRead = {
    key: "batigestPatienceHours",
    howToSet: "« batigestPatienceHours » dans agent.json",
    range: patience.range,
    pathApi: nodePath.win32,
    hostname: () => "SRV-BATI01",
    verbose: false,
  };
  assert.equal(patience.parse(" 12 ", read), 12);
  const error = configError(() => patience.parse("0", read));
  assert.equal(error.setting, "batigestPatienceHours");
  assert.equal(
    error.message,
    "Paramètre batigestPatienceHours invalide (« 0 ») : un nombre entier entre 1 et 48 est attendu.",
  );

  const hours: SettingRow<string> = { inFile: true, default: "lun-ven 08:00-18:00", parse: text };
  assert.equal(settingDoc("batigestHours", hours), undefined, "no option, no help line");
  assert.equal(
    configError(() => hours.parse("", { ...read, key: "batigestHours", howToSet: "x" })).message,
    "Paramètre batigestHours invalide : une chaîne non vide est attendue ; indiquez-le avec x.",
  );
});
