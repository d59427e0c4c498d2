/**
 * The README matches the program: the exit codes, the settings, the Event
 * Log's IDs, doctor's words, the support bundle's name, and the developer
 * layout (every file of lib/ listed, none that does not exist).
 */

import { SETTING_FLAGS, SETTING_KEYS, settingRow } from "../../lib/base/setting_table.ts";
import { formatCount } from "../../lib/base/french.ts";
import assert from "node:assert/strict";
import nodePath from "node:path";
import { EXIT_MEANINGS } from "../../lib/base/exit_codes.ts";
import { SETTING_DOCS } from "../../lib/cli/help.ts";
import { renderDoctor } from "../../lib/health/doctor.ts";
import { defaultBundlePath } from "../../lib/health/support_bundle.ts";
import { EVENTS } from "../../lib/windows/event_log.ts";
import { listFiles, PROJECT_ROOT } from "../support/agent_process.ts";

const README = await Deno.readTextFile(nodePath.join(PROJECT_ROOT, "README.md"));

/** The rows of the Markdown table between `<!-- name -->` and `<!-- /name -->`. */
function table(name: string): string[][] {
  const start = README.indexOf(`<!-- ${name} -->`);
  const end = README.indexOf(`<!-- /${name} -->`);
  assert.ok(start >= 0 && end > start, `README: table « ${name} » introuvable`);
  return README.slice(start, end).split("\n").filter((l) => l.startsWith("|")).slice(2)
    .map((l) => l.split("|").slice(1, -1).map((c) => c.trim()));
}

Deno.test("README: the exit codes table is the program's", () => {
  const rows = table("exit-codes");
  const agentRows = rows.filter(([code]) => /^\d$/.test(code));
  assert.deepEqual(agentRows.map(([code]) => Number(code)), Object.keys(EXIT_MEANINGS).map(Number));
  for (const [code, meaning] of agentRows) {
    assert.equal(meaning, EXIT_MEANINGS[Number(code)], `code ${code}`);
  }
});

Deno.test("README: every option of the settings table is in --help, and every --help setting in the table", () => {
  const rows = table("settings-table");
  const options = rows.flatMap(([, option]) =>
    [...option.matchAll(/`--([a-z-]+)/g)].map((m) => m[1])
  )
    .filter((o) => o !== "verbose");
  assert.deepEqual([...options].sort(), Object.keys(SETTING_DOCS).sort());
  assert.deepEqual([...options].sort(), Object.keys(SETTING_FLAGS).sort());
});

Deno.test("README: the settings table has one line per setting, with its option, variable and default", () => {
  const rows = table("settings-table");
  assert.deepEqual(rows.map(([name]) => name).sort(), SETTING_KEYS.map((k) => `\`${k}\``).sort());
  for (const key of SETTING_KEYS) {
    const setting = settingRow(key);
    const [, option, variable, byDefault] = rows.find(([name]) => name === `\`${key}\``)!;
    if (setting.flag) assert.ok(option.startsWith(`\`--${setting.flag.name}\``), key);
    else assert.equal(option, "—", key);
    assert.equal(variable, setting.env ? `\`${setting.env}\`` : "", key);
    if (setting.default !== undefined) {
      const shown = typeof setting.default === "string"
        ? setting.default
        : JSON.stringify(setting.default);
      assert.ok(byDefault.includes(shown), `${key} : « ${shown} » attendu dans « ${byDefault} »`);
    }
  }
});

Deno.test("README: every whole-number setting gives the range the agent enforces", () => {
  const rows = table("settings-table");
  for (const setting of SETTING_KEYS) {
    const limits = settingRow(setting).range;
    if (!limits) continue;
    const [min, max] = limits;
    const row = rows.find(([name]) => name === `\`${setting}\``);
    assert.ok(row, setting);
    const cell = row[3].replace(/[\u00a0\u202f]/g, " ");
    const range = `(${formatCount(min)} à ${formatCount(max)}`.replace(/\u202f/g, " ");
    assert.ok(cell.includes(range), `${setting} : « ${range} » attendu dans « ${row[3]} »`);
  }
});

Deno.test("README: the Event Log's IDs are those the agent writes", () => {
  const rows = table("event-ids");
  assert.deepEqual(
    rows.map(([id]) => Number(id)).sort(),
    Object.values(EVENTS).map((e) => e.id).sort(),
  );
});

Deno.test("README: doctor's words and the support bundle's name are those the program uses", () => {
  assert.match(README, /OK, ATTENTION ou ERREUR/);
  const screen = renderDoctor({
    ok: false,
    version: "x",
    generatedAt: new Date().toISOString(),
    counts: { ok: 0, warnings: 1, errors: 1 },
    checks: [
      { id: "a", title: "A", status: "WARNING", detail: "d", fix: "f" },
      { id: "b", title: "B", status: "ERROR", detail: "d", fix: "f" },
    ],
  }).join("\n");
  assert.match(screen, /ATTENTION/);
  assert.match(screen, /ERREUR/);
  const name = nodePath.basename(
    defaultBundlePath({ workDir: "/w" }, new Date(2026, 10, 25, 9, 5, 7)),
  );
  assert.equal(name, "support-2026-11-25-090507.zip");
  assert.match(README, /support-aaaa-MM-jj-HHmmss\.zip/);
  assert.doesNotMatch(README, /support-aaaa-MM-jj\.zip/);
});

Deno.test("README: the developer layout lists every file of lib/, and no other", async () => {
  const files = (await listFiles(nodePath.join(PROJECT_ROOT, "lib")))
    .filter((f) => f.endsWith(".ts")).map((f) => `lib/${f}`).sort();
  const start = README.indexOf("<!-- layout -->");
  const end = README.indexOf("<!-- /layout -->");
  assert.ok(start >= 0 && end > start, "README: layout introuvable");
  const layout = README.slice(start, end);
  let folder = "";
  const listed: string[] = [];
  for (const line of layout.split("\n")) {
    const dir = /^(lib\/[a-z_]+\/)/.exec(line);
    if (dir) folder = dir[1];
    for (const m of line.matchAll(/\b([a-z_]+\.ts)\b/g)) {
      if (m[1] === "main.ts") continue;
      listed.push(`${folder}${m[1]}`);
    }
  }
  assert.deepEqual([...new Set(listed)].sort(), files);
});
