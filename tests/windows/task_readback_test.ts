/**
 * Comparing the agent's task XML with what Task Scheduler kept
 * (`schtasks /Query /XML`), as the Windows CI job does after registering it.
 * The "registered" text below is shaped as Task Scheduler exports a task
 * (its own child order, `URI` added, idle durations added, a default left
 * out); the real one is read on Windows by `scripts/ci_windows_e2e.ts`.
 */

import assert from "node:assert/strict";
import { taskXml, type TaskXmlOptions } from "../../lib/windows/task_definition.ts";
import { readTaskDefinition, taskDefinitionDifferences } from "../../lib/windows/task_readback.ts";

const OPTIONS: TaskXmlOptions = {
  command: "C:\\Saxium & Co\\saxium-batigest-agent.exe",
  arguments: 'sync --once --work-dir "C:\\Saxium & Co\\Données"',
  workingDirectory: "C:\\Saxium & Co\\Données",
  everyMinutes: 5,
  description: "Synchronisation Saxium vers Sage Batigest toutes les 5 minutes.",
  startBoundary: "2026-11-26T14:05:00",
};

/** As Task Scheduler exports the task it registered from {@linkcode OPTIONS}. */
function registered(changes: Record<string, string> = {}): string {
  const v = (name: string, value: string) => changes[name] ?? value;
  return `\uFEFF<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>Synchronisation Saxium vers Sage Batigest toutes les 5 minutes.</Description>
    <URI>\\Saxium Batigest Sync</URI>
  </RegistrationInfo>
  <Triggers>
    <TimeTrigger>
      <Repetition>
        <Interval>${v("Interval", "PT5M")}</Interval>
        <StopAtDurationEnd>false</StopAtDurationEnd>
      </Repetition>
      <StartBoundary>${v("StartBoundary", "2026-11-26T14:05:00")}</StartBoundary>
      <Enabled>true</Enabled>
    </TimeTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>S-1-5-18</UserId>
      <RunLevel>HighestAvailable</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>True</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <IdleSettings>
      <Duration>PT10M</Duration>
      <WaitTimeout>PT1H</WaitTimeout>
      <StopOnIdleEnd>false</StopOnIdleEnd>
      <RestartOnIdle>false</RestartOnIdle>
    </IdleSettings>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
    <RunOnlyIfIdle>false</RunOnlyIfIdle>
    <WakeToRun>false</WakeToRun>${
    "ExecutionTimeLimit" in changes
      ? changes.ExecutionTimeLimit
      : "\n    <ExecutionTimeLimit>PT1H</ExecutionTimeLimit>"
  }
    <Priority>7</Priority>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>C:\\Saxium &amp; Co\\saxium-batigest-agent.exe</Command>
      <Arguments>sync --once --work-dir "C:\\Saxium &amp; Co\\Données"</Arguments>
      <WorkingDirectory>C:\\Saxium &amp; Co\\Données</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
`;
}

Deno.test("task read-back: the agent's trigger follows the schema's order", () => {
  const ours = readTaskDefinition(taskXml(OPTIONS));
  assert.deepEqual(ours.triggerChildren, ["Enabled", "StartBoundary", "Repetition"]);
  assert.equal(ours.values.get("Triggers/TimeTrigger/Repetition/Interval"), "PT5M");
  assert.equal(ours.values.get("Actions/Exec/Command"), OPTIONS.command);
  assert.deepEqual(readTaskDefinition(registered()).triggerChildren, [
    "Repetition",
    "StartBoundary",
    "Enabled",
  ]);
});

Deno.test("task read-back: what Task Scheduler kept is the same task", () => {
  // Another order, URI and idle durations added, MultipleInstancesPolicy left
  // out (its default, IgnoreNew), True for true, &amp; for &: no difference.
  assert.deepEqual(taskDefinitionDifferences(taskXml(OPTIONS), registered()), []);
});

Deno.test("task read-back: each value kept otherwise is one French line", () => {
  assert.deepEqual(
    taskDefinitionDifferences(
      taskXml(OPTIONS),
      registered({ Interval: "PT1H", ExecutionTimeLimit: "" }),
    ),
    [
      "Triggers/TimeTrigger/Repetition/Interval : « PT5M » envoyé, « PT1H » enregistré",
      "Settings/ExecutionTimeLimit : « PT1H » envoyé, « PT72H » enregistré",
    ],
  );
  const later = registered({ StartBoundary: "2026-11-26T14:05:07" });
  assert.equal(taskDefinitionDifferences(taskXml(OPTIONS), later).length, 1);
  assert.deepEqual(
    taskDefinitionDifferences(taskXml(OPTIONS), later, {
      ignore: ["Triggers/TimeTrigger/StartBoundary"],
    }),
    [],
  );
});
