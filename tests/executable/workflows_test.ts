/**
 * The workflow files read as carefully as code: actions pinned to exact
 * versions, every `run` step with its shell explicit and failing on a
 * non-zero exit, each step a thin call to a task or a script under scripts/
 * (so it can be run by hand), Windows in CI at every push, and a release
 * form that builds one site's executable. Line-based: no YAML library needed.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { PROJECT_ROOT } from "../support/agent_process.ts";

const DIR = nodePath.join(PROJECT_ROOT, ".github", "workflows");
const read = (name: string) => Deno.readTextFileSync(nodePath.join(DIR, name));

/** The steps of a workflow: each `- uses:`/`- name:` block with its lines. */
function steps(text: string): string[] {
  const blocks: string[] = [];
  let current: string[] | undefined;
  for (const line of text.split("\n")) {
    if (/^ {6}- /.test(line)) {
      current = [line];
      blocks.push("");
    } else if (current && (/^ {8}/.test(line) || line.trim() === "")) current.push(line);
    else current = undefined;
    if (current) blocks[blocks.length - 1] = current.join("\n");
  }
  return blocks;
}

for (const name of ["ci.yml", "release.yml"]) {
  Deno.test(`workflow ${name}: pinned actions, explicit shells, thin steps that fail on error`, () => {
    const text = read(name);
    for (const [, action] of text.matchAll(/uses: (\S+)/g)) {
      if (action.startsWith("./")) continue;
      assert.match(action, /@v\d+\.\d+\.\d+$/, `${action} pinned to an exact version`);
    }
    const jobDefaultsBash = /defaults:\n\s+run:\n\s+shell: bash/.test(text);
    const runSteps = steps(text).filter((s) => /\brun: /.test(s));
    assert.ok(runSteps.length >= 3, `${runSteps.length} run steps found`);
    for (const step of runSteps) {
      const shell = /shell: (\w+)/.exec(step)?.[1];
      assert.ok(shell || jobDefaultsBash, `shell explicit:\n${step}`);
      if (shell === "pwsh") {
        assert.match(step, /\$ErrorActionPreference = 'Stop'/, step);
        assert.match(step, /if \(\$LASTEXITCODE -ne 0\) \{ exit \$LASTEXITCODE \}/, step);
      }
      const commands = step.split("\n").map((l) => l.trim())
        .filter((l) => /^(run: )?deno /.test(l));
      assert.ok(commands.length > 0, `a deno task or script:\n${step}`);
      for (const command of commands) {
        assert.match(
          command,
          /^(run: )?deno (task \w+|install --frozen|run --allow-all scripts\/\w+\.ts)/,
        );
        const script = /scripts\/\w+\.ts/.exec(command)?.[0];
        if (script) assert.ok(Deno.statSync(nodePath.join(PROJECT_ROOT, script)).isFile, script);
      }
      assert.doesNotMatch(step, /run:[^\n]*\$\{\{ *inputs\./, "inputs reach scripts as variables");
    }
  });
}

Deno.test("workflow ci.yml: Linux and Windows at every push, the executable end to end on Windows", () => {
  const text = read("ci.yml");
  assert.match(text, /on:\n {2}push:/);
  assert.match(text, /\n {2}pull_request:/);
  assert.match(text, /\n {2}workflow_call:/);
  assert.match(text, /os: \[ubuntu-latest, windows-latest\]/);
  assert.match(text, /deno task check/);
  assert.match(text, /deno task test/);
  assert.match(text, /windows-end-to-end:\n {4}runs-on: windows-latest/);
  assert.match(text, /scripts\/ci_cold_compile\.ts --download-runtime/);
  assert.match(text, /scripts\/ci_windows_e2e\.ts/);
});

Deno.test("workflow release.yml: reuses CI, a form per site, named executable and checksum", () => {
  const text = read("release.yml");
  assert.match(text, /uses: \.\/\.github\/workflows\/ci\.yml/);
  assert.match(text, /needs: ci/);
  for (const input of ["api_url", "work_dir", "batigest_import_dir", "smtp_host", "webhook_host"]) {
    assert.match(text, new RegExp(`\\n {6}${input}:\\n {8}description:`), input);
  }
  // A form's values show on the run's page: hosts, never a secret or a JSON that could hold one.
  assert.doesNotMatch(text, /\n {6}[a-z_]*(json|password|secret|token|webhook_url)[a-z_]*:\n/);
  assert.match(
    text,
    /scripts\/release_version\.ts --tag "\$env:GITHUB_REF_NAME" --exe "\$env:EXE"/,
  );
  assert.match(text, /api_url:\n(?: {8}.*\n)*? {8}required: true/);
  assert.match(text, /scripts\/release_site\.ts/);
  assert.match(text, /scripts\/smoke_exe\.ts/);
  assert.match(text, /steps\.build\.outputs\.sha256/);
  // The artifact is named after the site; the executable inside keeps the commands' name.
  assert.match(text, /name: \$\{\{ steps\.build\.outputs\.site \}\}/);
  assert.doesNotMatch(text, /token:|SAXIUM_TOKEN:/, "no token in a release");
});

Deno.test("the Windows job proves what it claims, through the agent's own code", () => {
  const script = Deno.readTextFileSync(nodePath.join(PROJECT_ROOT, "scripts", "ci_windows_e2e.ts"));
  // install-task must lock the folder itself: the job never does it for it.
  assert.doesNotMatch(script, /lockDownWorkFolder|icacls\.exe", \[[^\]]*\/grant/);
  for (
    const step of [
      "readAccess(", // the ACL read back, failing closed
      "queryTaskXml(runCommand", // the task Task Scheduler kept
      "taskDefinitionDifferences(",
      "startTask(runCommand", // schtasks /Run
      "queryTask(runCommand", // its last result
      "Get-WinEvent", // the alerts written by the executable, read back
      'agent(["sync", "--once"])',
    ]
  ) {
    assert.ok(script.includes(step), step);
  }
});
