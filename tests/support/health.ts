/**
 * What the health tests share (doctor's checks by area, the task's
 * judgement, the doctor command): a test root with the two folders, settings
 * in it, the Saxium simulator, a `schtasks /Query` answer, and the assertion
 * that a check which is not OK gives its fix in one sentence.
 *
 * @module
 */

import { type Settings } from "../../lib/base/settings.ts";
import assert from "node:assert/strict";
import nodePath from "node:path";
import type { CheckResult } from "../../lib/health/check.ts";
import { startSaxiumSimulator } from "./saxium_simulator.ts";
import { testSettings } from "./settings.ts";

/** The token the health tests configure and look for in outputs. */
export const DOCTOR_TOKEN = "doctor-token-SECRET-77";

/** The English `schtasks /Query` output with a given status and last result. */
export function taskQuery(options: { status?: string; lastResult?: number } = {}): string {
  const fixture = Deno.readTextFileSync(
    new URL("../fixtures/schtasks-query-en.csv", import.meta.url),
  );
  const [header, row] = fixture.trim().split(/\r?\n/);
  const cells = row.split('","');
  if (options.status) cells[3] = options.status;
  if (options.lastResult !== undefined) cells[6] = String(options.lastResult);
  return `${header}\r\n${cells.join('","')}\r\n`;
}

/** Settings under `root`, pointing at a closed port, with {@linkcode DOCTOR_TOKEN}. */
export function settingsFor(root: string, extra: Partial<Settings> = {}): Settings {
  return testSettings(root, { apiUrl: "http://127.0.0.1:1", token: DOCTOR_TOKEN, ...extra });
}

/** Runs `body` with a temporary root holding empty `work` and `import` folders. */
export async function withRoot(body: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "saxium-doctor-" });
  try {
    await Deno.mkdir(nodePath.join(root, "work"));
    await Deno.mkdir(nodePath.join(root, "import"));
    await body(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Runs `body` with a Saxium simulator expecting {@linkcode DOCTOR_TOKEN}. */
export async function withSaxium(
  body: (url: string, sim: Awaited<ReturnType<typeof startSaxiumSimulator>>) => Promise<void>,
): Promise<void> {
  const sim = await startSaxiumSimulator({ token: DOCTOR_TOKEN });
  try {
    await body(sim.url, sim);
  } finally {
    await sim.close();
  }
}

/** Asserts `result` has `status` and a one-sentence fix matching `fix`. */
export function assertFix(result: CheckResult, status: "WARNING" | "ERROR", fix: RegExp): void {
  assert.equal(result.status, status, JSON.stringify(result));
  assert.ok(result.fix, "a fix is given");
  assert.match(result.fix!, fix);
  assert.ok(!/\n/.test(result.fix!) && /[.]$/.test(result.fix!), "one sentence");
}
