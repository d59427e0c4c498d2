/**
 * Complete, valid settings for in-process tests, with the contract's defaults
 * and the two folders under a test's temporary root.
 *
 * @module
 */

import { type Settings } from "../../lib/base/settings.ts";
import { SETTINGS } from "../../lib/base/setting_table.ts";
import nodePath from "node:path";

/** Settings rooted at `root` (`<root>/work`, `<root>/import`), with `extra` on top. */
export function testSettings(root: string, extra: Partial<Settings> = {}): Settings {
  return {
    apiUrl: "https://saxium.example.com",
    agentId: "SRV-TEST",
    workDir: nodePath.join(root, "work"),
    batigestImportDir: nodePath.join(root, "import"),
    formats: ["xml"],
    pollIntervalSeconds: SETTINGS.pollIntervalSeconds.default,
    batchSize: SETTINGS.batchSize.default,
    importTimeoutSeconds: SETTINGS.importTimeoutSeconds.default,
    batigestRefusalHours: SETTINGS.batigestRefusalHours.default,
    logRetentionDays: SETTINGS.logRetentionDays.default,
    logLevel: "INFO",
    ...extra,
  };
}
