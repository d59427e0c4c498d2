/**
 * What Task Scheduler kept of the agent's task. `schtasks /Create /XML` may
 * accept a definition and keep something else (a child out of the schema's
 * order ignored, a value normalised), and only a real Windows can say: the
 * Windows CI job registers the agent's XML, reads it back with
 * `schtasks /Query /XML`, and compares them here, value by value.
 *
 * Pure: two XML texts in, the differences out, in French. Task Scheduler adds
 * what the agent did not write (`URI`, `Author`, idle durations): only what
 * the agent wrote is compared, and a value left out because it is the
 * schema's default counts as kept.
 *
 * @module
 */

import { SaxesParser } from "saxes";

/**
 * The schema's defaults for the values the agent writes
 * (https://learn.microsoft.com/en-us/windows/win32/taskschd/task-scheduler-schema):
 * Task Scheduler may leave them out of its export.
 */
const SCHEMA_DEFAULTS: Record<string, string> = {
  "Triggers/TimeTrigger/Enabled": "true",
  "Triggers/TimeTrigger/Repetition/StopAtDurationEnd": "false",
  "Settings/MultipleInstancesPolicy": "IgnoreNew",
  "Settings/DisallowStartIfOnBatteries": "true",
  "Settings/StopIfGoingOnBatteries": "true",
  "Settings/AllowHardTerminate": "true",
  "Settings/StartWhenAvailable": "false",
  "Settings/RunOnlyIfNetworkAvailable": "false",
  "Settings/IdleSettings/StopOnIdleEnd": "true",
  "Settings/IdleSettings/RestartOnIdle": "false",
  "Settings/AllowStartOnDemand": "true",
  "Settings/Enabled": "true",
  "Settings/Hidden": "false",
  "Settings/RunOnlyIfIdle": "false",
  "Settings/WakeToRun": "false",
  "Settings/ExecutionTimeLimit": "PT72H",
  "Settings/Priority": "7",
};

/** A task definition read: each leaf's text by its path under `<Task>`, and the trigger's children. */
export interface TaskDefinitionValues {
  /** `"Triggers/TimeTrigger/Repetition/Interval"` → `"PT5M"`, the text trimmed. */
  values: Map<string, string>;
  /** The first trigger's children, in document order: `["Enabled", "StartBoundary", …]`. */
  triggerChildren: string[];
}

/**
 * Reads a task definition (the agent's, or `schtasks /Query /XML`'s).
 *
 * @throws {Error} when the text is not well-formed XML.
 */
export function readTaskDefinition(xml: string): TaskDefinitionValues {
  const parser = new SaxesParser({ xmlns: false });
  const values = new Map<string, string>();
  const triggerChildren: string[] = [];
  const path: string[] = [];
  const texts: string[] = [];
  const hasChild: boolean[] = [];
  let triggers = 0;
  parser.on("opentag", (tag) => {
    const name = tag.name.replace(/^.*:/, "");
    if (hasChild.length > 0) hasChild[hasChild.length - 1] = true;
    const inTriggers = path.length >= 2 && path[1] === "Triggers";
    if (inTriggers && path.length === 2) triggers++;
    if (inTriggers && path.length === 3 && triggers === 1) triggerChildren.push(name);
    path.push(name);
    texts.push("");
    hasChild.push(false);
  });
  parser.on("text", (text) => {
    if (texts.length > 0) texts[texts.length - 1] += text;
  });
  parser.on("closetag", () => {
    const text = texts.pop() ?? "";
    const leaf = !hasChild.pop();
    if (leaf && path.length > 1) {
      const key = path.slice(1).join("/");
      if (!values.has(key)) values.set(key, text.trim());
    }
    path.pop();
  });
  parser.write(xml.replace(/^\uFEFF/, "")).close();
  return { values, triggerChildren };
}

/**
 * What Task Scheduler's copy says otherwise than the agent's XML, one French
 * line per value (empty when it kept everything). `ignore` lists paths not
 * compared (the start boundary of a definition made a few seconds apart).
 *
 * @example
 * ```ts
 * taskDefinitionDifferences(agentXml, registeredXml);
 * // ["Settings/ExecutionTimeLimit : « PT1H » envoyé, « PT72H » enregistré"]
 * ```
 */
export function taskDefinitionDifferences(
  sent: string,
  registered: string,
  options: { ignore?: readonly string[] } = {},
): string[] {
  const ours = readTaskDefinition(sent).values;
  const theirs = readTaskDefinition(registered).values;
  const differences: string[] = [];
  for (const [path, value] of ours) {
    if (options.ignore?.includes(path)) continue;
    const kept = theirs.get(path) ?? SCHEMA_DEFAULTS[path];
    if (kept === undefined) {
      differences.push(`${path} : « ${value} » envoyé, absent de la tâche enregistrée`);
    } else if (!sameValue(value, kept)) {
      differences.push(`${path} : « ${value} » envoyé, « ${kept} » enregistré`);
    }
  }
  return differences;
}

/** Booleans compare without regard to case (`True` and `true`); anything else exactly. */
function sameValue(a: string, b: string): boolean {
  const bool = /^(true|false)$/i;
  return bool.test(a) && bool.test(b) ? a.toLowerCase() === b.toLowerCase() : a === b;
}
