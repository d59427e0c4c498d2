/** `doctor`'s configuration check: loaded with or without a token, or unreadable. */

import { ConfigError } from "../../lib/base/config_error.ts";
import assert from "node:assert/strict";
import { checkConfig } from "../../lib/health/checks_config.ts";
import { assertFix, DOCTOR_TOKEN as TOKEN, settingsFor } from "../support/health.ts";

Deno.test("config: OK with a token, WARNING without, ERROR when unreadable", () => {
  const settings = settingsFor("/x");
  const good = checkConfig({ settings, configFileExists: true });
  assert.equal(good.status, "OK");
  assert.match(
    good.detail,
    /agent\.json lu ; Saxium http:\/\/127\.0\.0\.1:1, agent SRV-TEST, jeton défini/,
  );
  assert.ok(!good.detail.includes(TOKEN));
  assertFix(
    checkConfig({ settings: { ...settings, token: undefined } }),
    "WARNING",
    /SAXIUM_TOKEN/,
  );
  const bad = checkConfig({
    error: new ConfigError("apiUrl", "Paramètre apiUrl manquant : indiquez l'adresse de Saxium."),
  });
  assertFix(bad, "ERROR", /apiUrl/);
  assert.match(bad.detail, /apiUrl manquant/);
});
