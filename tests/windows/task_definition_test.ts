import assert from "node:assert/strict";
import { SaxesParser } from "saxes";
import {
  classifySchtasksFailure,
  createArgs,
  deleteArgs,
  describeLastResult,
  encodeUtf16LeWithBom,
  normalizeLabel,
  parseTaskQuery,
  queryArgs,
  taskNameProblem,
  taskXml,
  type TaskXmlOptions,
  windowsCommandLine,
} from "../../lib/windows/task_definition.ts";

const FIXTURES = new URL("../fixtures/", import.meta.url);

function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(name, FIXTURES));
}

interface XmlNode {
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
  text: string;
}

/** Parses XML into a plain tree; returns the root and the declared encoding. */
function parseXml(xml: string): { root: XmlNode; encoding?: string } {
  const parser = new SaxesParser();
  const top: XmlNode = { name: "#document", attributes: {}, children: [], text: "" };
  const stack = [top];
  let encoding: string | undefined;
  parser.on("xmldecl", (decl) => encoding = decl.encoding);
  parser.on("opentag", (tag) => {
    const node: XmlNode = {
      name: tag.name,
      attributes: tag.attributes as Record<string, string>,
      children: [],
      text: "",
    };
    stack.at(-1)!.children.push(node);
    stack.push(node);
  });
  parser.on("text", (text) => stack.at(-1)!.text += text);
  parser.on("closetag", () => stack.pop());
  parser.write(xml).close();
  return { root: top.children[0], encoding };
}

/** The element at `path` (names separated by `/`) under `node`. */
function at(node: XmlNode, path: string): XmlNode {
  let current = node;
  for (const name of path.split("/")) {
    const next = current.children.filter((c) => c.name === name);
    assert.equal(next.length, 1, `exactly one <${name}> under <${current.name}>`);
    current = next[0];
  }
  return current;
}

function textAt(node: XmlNode, path: string): string {
  return at(node, path).text;
}

const SAMPLE: TaskXmlOptions = {
  command: "C:\\Saxium & Co\\saxium-batigest-agent.exe",
  arguments: 'sync --once --work-dir "C:\\Saxium & Co\\Données"',
  workingDirectory: "C:\\Saxium & Co\\Données",
  everyMinutes: 5,
  description: "Synchronisation Saxium → Batigest <toutes les 5 minutes>",
  startBoundary: new Date(2026, 10, 26, 14, 5, 9),
};

Deno.test("task XML is UTF-16LE with a byte order mark", () => {
  const xml = taskXml(SAMPLE);
  const bytes = encodeUtf16LeWithBom(xml);
  assert.deepEqual([...bytes.slice(0, 2)], [0xff, 0xfe]);
  assert.equal(bytes.length, 2 + xml.length * 2);
  // "<?" in UTF-16LE right after the BOM.
  assert.deepEqual([...bytes.slice(2, 6)], [0x3c, 0x00, 0x3f, 0x00]);
  assert.equal(new TextDecoder("utf-16le").decode(bytes.slice(2)), xml);
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-16"?>'));
  // "é" (U+00E9) and "→" (U+2192) as little-endian code units.
  assert.deepEqual([...encodeUtf16LeWithBom("é→")], [0xff, 0xfe, 0xe9, 0x00, 0x92, 0x21]);
});

Deno.test("task XML, parsed back, has every setting the task needs", () => {
  const xml = new TextDecoder("utf-16le").decode(encodeUtf16LeWithBom(taskXml(SAMPLE)).slice(2));
  const { root, encoding } = parseXml(xml);
  assert.equal(encoding, "UTF-16");
  assert.equal(root.name, "Task");
  assert.equal(root.attributes.xmlns, "http://schemas.microsoft.com/windows/2004/02/mit/task");
  assert.equal(root.attributes.version, "1.2");
  assert.deepEqual(root.children.map((c) => c.name), [
    "RegistrationInfo",
    "Triggers",
    "Principals",
    "Settings",
    "Actions",
  ]);

  assert.equal(textAt(root, "RegistrationInfo/Description"), SAMPLE.description);

  const trigger = at(root, "Triggers/TimeTrigger");
  assert.equal(textAt(trigger, "StartBoundary"), "2026-11-26T14:05:09");
  assert.equal(textAt(trigger, "Enabled"), "true");
  const repetition = at(trigger, "Repetition");
  assert.equal(textAt(repetition, "Interval"), "PT5M");
  assert.equal(textAt(repetition, "StopAtDurationEnd"), "false");
  assert.ok(!repetition.children.some((c) => c.name === "Duration"), "repeats indefinitely");

  const principal = at(root, "Principals/Principal");
  assert.equal(textAt(principal, "UserId"), "S-1-5-18");
  assert.equal(textAt(principal, "RunLevel"), "HighestAvailable");

  const settings = at(root, "Settings");
  assert.equal(textAt(settings, "MultipleInstancesPolicy"), "IgnoreNew");
  assert.equal(textAt(settings, "StartWhenAvailable"), "true");
  assert.equal(textAt(settings, "DisallowStartIfOnBatteries"), "false");
  assert.equal(textAt(settings, "StopIfGoingOnBatteries"), "false");
  assert.equal(textAt(settings, "ExecutionTimeLimit"), "PT1H");
  assert.equal(textAt(settings, "Enabled"), "true");
  assert.equal(textAt(settings, "AllowStartOnDemand"), "true");

  const exec = at(root, "Actions/Exec");
  assert.equal(at(root, "Actions").attributes.Context, "Author");
  assert.equal(principal.attributes.id, "Author");
  assert.equal(textAt(exec, "Command"), SAMPLE.command);
  assert.equal(textAt(exec, "Arguments"), SAMPLE.arguments);
  assert.equal(textAt(exec, "WorkingDirectory"), SAMPLE.workingDirectory);
});

Deno.test("task XML: interval, time limit, string start, no description", () => {
  const xml = taskXml({
    ...SAMPLE,
    everyMinutes: 15,
    executionTimeLimit: "PT30M",
    startBoundary: "2026-01-02T03:04:05",
    description: undefined,
  });
  const { root } = parseXml(xml);
  assert.equal(textAt(root, "Triggers/TimeTrigger/Repetition/Interval"), "PT15M");
  assert.equal(textAt(root, "Triggers/TimeTrigger/StartBoundary"), "2026-01-02T03:04:05");
  assert.equal(textAt(root, "Settings/ExecutionTimeLimit"), "PT30M");
  assert.equal(at(root, "RegistrationInfo").children.length, 0);
});

Deno.test("task XML refuses what Task Scheduler would", () => {
  assert.throws(() => taskXml({ ...SAMPLE, everyMinutes: 0 }), RangeError);
  assert.throws(() => taskXml({ ...SAMPLE, everyMinutes: 1.5 }), RangeError);
  assert.throws(() => taskXml({ ...SAMPLE, everyMinutes: 1441 }), RangeError);
  assert.throws(() => taskXml({ ...SAMPLE, executionTimeLimit: "1 hour" }), RangeError);
  assert.throws(() => taskXml({ ...SAMPLE, executionTimeLimit: "PT" }), RangeError);
  assert.throws(() => taskXml({ ...SAMPLE, startBoundary: "demain" }), RangeError);
  assert.throws(() => taskXml({ ...SAMPLE, command: "C:\\a\u0001b.exe" }), RangeError);
});

Deno.test("schtasks argument lists", () => {
  assert.deepEqual(
    createArgs({ xmlPath: "C:\\SaxiumBatigest\\task.xml", name: "Saxium Batigest Sync" }),
    ["/Create", "/XML", "C:\\SaxiumBatigest\\task.xml", "/TN", "Saxium Batigest Sync", "/F"],
  );
  assert.deepEqual(deleteArgs("Saxium Batigest Sync"), [
    "/Delete",
    "/TN",
    "Saxium Batigest Sync",
    "/F",
  ]);
  assert.deepEqual(queryArgs("Saxium Batigest Sync"), [
    "/Query",
    "/TN",
    "Saxium Batigest Sync",
    "/V",
    "/FO",
    "CSV",
  ]);
});

Deno.test("Windows command lines are quoted as the C runtime parses them", () => {
  assert.equal(windowsCommandLine(["sync", "--once"]), "sync --once");
  assert.equal(
    windowsCommandLine(["--work-dir", "C:\\Saxium Batigest"]),
    '--work-dir "C:\\Saxium Batigest"',
  );
  assert.equal(windowsCommandLine(["C:\\Dossier avec espace\\"]), '"C:\\Dossier avec espace\\\\"');
  assert.equal(windowsCommandLine(['a"b']), '"a\\"b"');
  assert.equal(windowsCommandLine(['a\\"b c']), '"a\\\\\\"b c"');
  assert.equal(windowsCommandLine([""]), '""');
  assert.equal(windowsCommandLine(["C:\\a\\b"]), "C:\\a\\b");
});

Deno.test("task names", () => {
  assert.equal(taskNameProblem("Saxium Batigest Sync"), undefined);
  assert.equal(taskNameProblem("Saxium\\Sync"), undefined);
  for (const bad of ["", "  ", "a:b", 'a"b', "a|b", "a\nb", "x".repeat(201)]) {
    assert.match(taskNameProblem(bad) ?? "", /Nom de tâche invalide/);
  }
});

Deno.test("schtasks query, English Windows", () => {
  assert.deepEqual(parseTaskQuery(fixture("schtasks-query-en.csv")), {
    name: "Saxium Batigest Sync",
    status: "ready",
    statusText: "Prête",
    lastRunTime: "11/26/2026 2:05:01 PM",
    lastResult: 1,
    nextRunTime: "11/26/2026 2:10:00 PM",
  });
});

Deno.test("schtasks query, French Windows, as it arrives (OEM code page read as UTF-8)", () => {
  const raw = fixture("schtasks-query-fr.csv");
  assert.ok(raw.includes("\ufffd"), "the fixture carries the mojibake");
  const expected = {
    name: "Saxium Batigest Sync",
    status: "running",
    statusText: "En cours d'exécution",
    lastRunTime: "26/11/2026 14:05:01",
    lastResult: 267009,
    nextRunTime: "26/11/2026 14:10:00",
  };
  assert.deepEqual(parseTaskQuery(raw), expected);
  assert.deepEqual(parseTaskQuery(fixture("schtasks-query-fr-clean.csv")), expected);
});

/** The French clean fixture with some fields replaced (by header index). */
function frenchWith(values: Record<number, string>): string {
  const [blank, header, row, ...rest] = fixture("schtasks-query-fr-clean.csv").split("\r\n");
  const fields = row.slice(1, -1).split('","');
  for (const [i, v] of Object.entries(values)) fields[Number(i)] = v;
  return [blank, header, `"${fields.join('","')}"`, ...rest].join("\r\n");
}

Deno.test("schtasks query: French states and results", () => {
  assert.equal(parseTaskQuery(frenchWith({ 3: "Prêt" }))?.status, "ready");
  assert.equal(parseTaskQuery(frenchWith({ 3: "Pr\ufffdt" }))?.status, "ready");
  const disabled = parseTaskQuery(frenchWith({ 2: "N/A", 3: "Désactivé" }));
  assert.equal(disabled?.status, "disabled");
  assert.equal(disabled?.statusText, "Désactivée");
  assert.equal(disabled?.nextRunTime, undefined);
  assert.equal(parseTaskQuery(frenchWith({ 3: "En file d'attente" }))?.status, "queued");
  const odd = parseTaskQuery(frenchWith({ 3: "Impossible de démarrer" }));
  assert.equal(odd?.status, "unknown");
  assert.equal(odd?.statusText, "Impossible de démarrer");

  const never = parseTaskQuery(frenchWith({ 5: "30/11/1999 00:00:00", 6: "267011" }));
  assert.equal(never?.lastResult, 267011);
  assert.equal(never?.lastRunTime, undefined);
  assert.equal(parseTaskQuery(frenchWith({ 6: "-2147024894" }))?.lastResult, -2147024894);
});

Deno.test("schtasks query: first of several rows, quotes and commas inside fields", () => {
  const csv = [
    '"HostName","TaskName","Next Run Time","Status","Logon Mode","Last Run Time","Last Result","Comment"',
    '"PC","\\Saxium\\Sync","N/A","Ready","Interactive/Background","11/26/2026 2:05:01 PM","0","Un ""commentaire"", avec virgule"',
    '"PC","\\Saxium\\Sync","N/A","Ready","Interactive/Background","11/26/2026 2:05:01 PM","0","second trigger"',
  ].join("\n");
  const info = parseTaskQuery(csv);
  assert.equal(info?.name, "Saxium\\Sync");
  assert.equal(info?.lastResult, 0);
  assert.equal(info?.nextRunTime, undefined);
});

Deno.test("schtasks query: headers of another language fall back on column positions", () => {
  const csv = [
    '"Hostname","Aufgabenname","Nächste Laufzeit","Status","Anmeldemodus","Letzte Laufzeit","Letztes Ergebnis","Autor"',
    '"PC","\\Saxium Batigest Sync","27.11.2026 08:00:00","Bereit","Interaktiv","26.11.2026 08:00:00","0","x"',
  ].join("\r\n");
  const info = parseTaskQuery(csv);
  assert.equal(info?.name, "Saxium Batigest Sync");
  assert.equal(info?.status, "unknown");
  assert.equal(info?.statusText, "Bereit");
  assert.equal(info?.lastRunTime, "26.11.2026 08:00:00");
  assert.equal(info?.nextRunTime, "27.11.2026 08:00:00");
  assert.equal(info?.lastResult, 0);
});

Deno.test("schtasks query: nothing to parse", () => {
  assert.equal(parseTaskQuery(""), undefined);
  assert.equal(parseTaskQuery("\r\n\r\n"), undefined);
  assert.equal(parseTaskQuery('"HostName","TaskName"\r\n'), undefined);
  assert.equal(parseTaskQuery("INFO: no tasks."), undefined);
});

Deno.test("labels are compared without accents, mojibake or punctuation", () => {
  assert.equal(normalizeLabel("Prochaine exécution"), normalizeLabel("Prochaine ex\ufffdcution"));
  assert.equal(normalizeLabel("Heure de la dernière exécution"), "heuredeladernireexcution");
  assert.equal(normalizeLabel("Last Run Time"), "lastruntime");
  assert.equal(normalizeLabel("N/A"), "na");
});

Deno.test("last results in French", () => {
  assert.equal(describeLastResult(0), "0 : OK");
  assert.match(describeLastResult(1), /au moins un export en erreur/);
  assert.match(describeLastResult(2), /configuration/);
  assert.match(describeLastResult(3), /injoignable/);
  assert.match(describeLastResult(4), /autre instance/);
  assert.equal(describeLastResult(267011), "jamais exécutée");
  assert.equal(describeLastResult(267009), "en cours d'exécution");
  assert.equal(describeLastResult(-2147024894), "code inattendu 0x80070002");
  assert.equal(describeLastResult(0xc000013a), "code inattendu 0xC000013A");
  assert.match(describeLastResult(5), /Batigest n'importe pas/);
  assert.equal(describeLastResult(6_000), "code inattendu 0x1770");
});

Deno.test("schtasks failures recognised in English and French, mangled or not", () => {
  assert.equal(classifySchtasksFailure("ERROR: Access is denied.\r\n"), "access-denied");
  assert.equal(classifySchtasksFailure("ERREUR : Accès refusé.\r\n"), "access-denied");
  assert.equal(classifySchtasksFailure("ERREUR : Acc\ufffds refus\ufffd.\r\n"), "access-denied");
  assert.equal(
    classifySchtasksFailure("ERROR: The system cannot find the file specified.\r\n"),
    "not-found",
  );
  assert.equal(
    classifySchtasksFailure("ERREUR : Le fichier sp\ufffdcifi\ufffd est introuvable.\r\n"),
    "not-found",
  );
  assert.equal(classifySchtasksFailure("ERROR: Invalid syntax."), "other");
});
