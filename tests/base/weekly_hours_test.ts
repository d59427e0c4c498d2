/**
 * `batigestHours` and `batigestPatienceHours` as an administrator writes them
 * in `agent.json`: the forgiving French language read into one canonical
 * form, and each mistake refused at load with one line naming the setting
 * and an example (exit 2 is `main.ts`'s for every `ConfigError`).
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { resolveSettings } from "../../lib/base/config.ts";
import { ConfigError } from "../../lib/base/config_error.ts";
import type { SettingSources } from "../../lib/base/settings.ts";
import { formatWeeklyHours, parseWeeklyHours } from "../../lib/base/weekly_hours.ts";

function canonical(text: string): string {
  return formatWeeklyHours(parseWeeklyHours(text));
}

Deno.test("batigestHours: the forms a person writes, read into one canonical form", () => {
  const cases: [string, string][] = [
    ["lun-ven 08:00-18:00", "lun-ven 08:00-18:00"],
    [
      "lun-ven 08:00-12:30,13:30-18:00; sam 09:00-12:00",
      "lun-ven 08:00-12:30,13:30-18:00; sam 09:00-12:00",
    ],
    ["Lundi au vendredi de 8h à 12h et de 14h à 18h", "lun-ven 08:00-12:00,14:00-18:00"],
    ["du lundi au vendredi 8h-18h", "lun-ven 08:00-18:00"],
    ["LUN. - VEN. 8H-18H", "lun-ven 08:00-18:00"],
    ["Mercredi 8h30 - 12h", "mer 08:30-12:00"],
    ["sam et dim 9h-12h", "sam-dim 09:00-12:00"],
    [
      "lun, mer, ven 8-12\nmar 14h-18h; jeu 8.30-17h",
      "lun,mer,ven 08:00-12:00; mar 14:00-18:00; jeu 08:30-17:00",
    ],
    // A run may wrap past Sunday; a day named twice works both ranges, joined.
    ["sam-lun 10:00-11:00", "lun,sam-dim 10:00-11:00"],
    ["lun 8-12; lun 11-14; mar 8-12", "lun 08:00-14:00; mar 08:00-12:00"],
    ["lun-dim 00:00-24:00", "lun-dim 00:00-24:00"],
  ];
  for (const [written, expected] of cases) assert.equal(canonical(written), expected, written);
  const week = parseWeeklyHours("lun-ven 08:00-12:30,13:30-18:00; sam 09:00-12:00");
  assert.deepEqual(week[0], [[480, 750], [810, 1080]]);
  assert.deepEqual(week[5], [[540, 720]]);
  assert.deepEqual(week[6], []);
});

function sources(file: Record<string, unknown>): SettingSources {
  return {
    env: () => undefined,
    readTextFile: () => JSON.stringify(file),
    hostname: () => "SRV-BATI01",
    buildDefaults: { apiUrl: "https://saxium.example.com" },
    pathApi: nodePath.win32,
  };
}

function refusal(file: Record<string, unknown>): string {
  try {
    resolveSettings({}, sources(file));
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.ok(!error.message.includes("\n"), "one line");
    return error.message;
  }
  assert.fail("accepted");
}

Deno.test("the settings: defaults, the canonical form kept, a whole number of hours", () => {
  const defaults = resolveSettings({}, sources({}));
  assert.equal(defaults.batigestHours, "lun-ven 08:00-18:00");
  assert.equal(defaults.batigestPatienceHours, 2);
  const set = resolveSettings(
    {},
    sources({ batigestHours: "Lundi au vendredi de 8h à 18h", batigestPatienceHours: 4 }),
  );
  assert.equal(set.batigestHours, "lun-ven 08:00-18:00");
  assert.equal(set.batigestPatienceHours, 4);
});

Deno.test("batigestHours mistakes: one French line naming the setting, what is wrong and an example", () => {
  const example =
    'écrivez les jours puis les heures, par exemple "lun-ven 08:00-12:30,13:30-18:00; sam 09:00-12:00" dans agent.json.';
  const cases: [unknown, string][] = [
    ["lun--ven 8-18", "« lun--ven » n'est pas un jour ni une suite de jours"],
    ["lun-venredi 8-18", "jour « venredi » inconnu (lun, mar, mer, jeu, ven, sam, dim)"],
    ["8h-18h", "indiquez les jours avant les horaires dans « 8h-18h »"],
    ["lun-ven", "pas d'horaire dans « lun-ven »"],
    [
      "lun-ven 8h",
      "« 8h » n'est pas une plage horaire (une heure de début, un tiret, une heure de fin)",
    ],
    ["lun-ven 8h-25h", "« 25h » n'est pas une heure (08:00, 8h, 8h30, 13:30)"],
    [
      "lun 22:00-06:00",
      "la plage « 22:00-06:00 » finit avant de commencer ; une plage qui passe minuit s'écrit sur deux jours (« lun 22:00-24:00; mar 00:00-06:00 »)",
    ],
    ["", "aucun jour ni horaire indiqué"],
    [8, "une chaîne entre guillemets est attendue"],
  ];
  for (const [value, why] of cases) {
    const shown = typeof value === "string" ? value : JSON.stringify(value);
    assert.equal(
      refusal({ batigestHours: value }),
      `Paramètre batigestHours invalide (« ${shown} ») : ${why} ; ${example}`,
    );
  }
});

Deno.test("batigestPatienceHours mistakes: a whole number of hours between 1 and 48", () => {
  for (const value of [0, 49, 1.5, "deux", -1]) {
    assert.equal(
      refusal({ batigestPatienceHours: value }),
      `Paramètre batigestPatienceHours invalide (« ${value} ») : un nombre entier entre 1 et 48 est attendu.`,
    );
  }
});
