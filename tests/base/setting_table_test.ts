/**
 * The settings table is what the agent reads: how to set a setting is what
 * its row allows, and a new row brings its help line and its checks with it
 * (`config_test.ts` walks every row through each of its sources).
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { ConfigError } from "../../lib/base/config_error.ts";
import { howToSet, rangeText, type SettingRow } from "../../lib/base/setting_table.ts";
import { integer, type SettingRead, text } from "../../lib/base/setting_values.ts";
import { settingDoc } from "../../lib/cli/help.ts";

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
  assert.throws(
    () => patience.parse("0", read),
    new ConfigError(
      "batigestPatienceHours",
      "Paramètre batigestPatienceHours invalide (« 0 ») : un nombre entier entre 1 et 48 est attendu.",
    ),
  );

  const hours: SettingRow<string> = { inFile: true, default: "lun-ven 08:00-18:00", parse: text };
  assert.equal(settingDoc("batigestHours", hours), undefined, "no option, no help line");
  assert.throws(
    () => hours.parse("", { ...read, key: "batigestHours", howToSet: "x" }),
    new ConfigError(
      "batigestHours",
      "Paramètre batigestHours invalide : une chaîne non vide est attendue ; indiquez-le avec x.",
    ),
  );
});
