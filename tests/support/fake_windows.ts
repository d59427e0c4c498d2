/**
 * Fake `schtasks.exe` and `icacls.exe` for running the real agent as a
 * subprocess on Linux: `/bin/sh` scripts put first on PATH, under the names
 * the permission set allows. The fake Task Scheduler keeps each task as a
 * file (`<dir>/tasks/<name>.xml`, UTF-8), answers `/Query /XML` (one task, or
 * all of them as one document with `<!-- \name -->` before each, as
 * `schtasks /Query /XML ONE` does), `/Create /XML … /F` (the agent's
 * UTF-16 file, converted), `/Delete`, and `/Query /V /FO CSV` (a real English
 * answer); every call is noted. `icacls` accepts everything.
 *
 * Also: the old PowerShell script's task definition and log lines, as it
 * writes them (Windows PowerShell 5.1's `Add-Content`: the ANSI code page).
 *
 * @module
 */

import nodePath from "node:path";
import { PROJECT_ROOT } from "./agent_process.ts";

/** A fake Windows: where its programs are, what they were asked, which tasks it holds. */
export interface FakeWindows {
  /** The folder to put first on PATH. */
  binDir: string;
  /** The environment that puts it first on PATH. */
  env: Record<string, string>;
  /** Every `schtasks` call, its arguments joined by spaces. */
  schtasksCalls(): Promise<string[]>;
  /** The tasks it holds, by name. */
  tasks(): Promise<Record<string, string>>;
  /** Registers a task as Task Scheduler would keep it. */
  addTask(name: string, xml: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts a fake Windows in a temporary folder (outside any world). */
export async function fakeWindows(): Promise<FakeWindows> {
  const binDir = await Deno.makeTempDir({ prefix: "saxium-fake-windows-" });
  const tasksDir = nodePath.join(binDir, "tasks");
  await Deno.mkdir(tasksDir);
  const calls = nodePath.join(binDir, "schtasks-calls.log");
  const csv = nodePath.join(PROJECT_ROOT, "tests", "fixtures", "schtasks-query-en.csv");
  const missing = `echo "ERROR: The system cannot find the file specified." >&2; exit 1`;
  const schtasks = `#!/bin/sh
D='${tasksDir}'
echo "$*" >> '${calls}'
case "$1 $2" in
"/Query /XML")
  if [ "$3" = "ONE" ]; then
    printf '<?xml version="1.0" encoding="UTF-16"?>\\r\\n<Tasks>\\r\\n'
    for f in "$D"/*.xml; do
      [ -e "$f" ] || continue
      printf '  <!-- \\\\%s -->\\r\\n' "$(basename "$f" .xml)"
      sed '/^<?xml/d' "$f"
    done
    printf '</Tasks>\\r\\n'
    exit 0
  fi
  [ -e "$D/$4.xml" ] && { cat "$D/$4.xml"; exit 0; }
  ${missing};;
"/Create /XML")
  iconv -f UTF-16 -t UTF-8 "$3" > "$D/$5.xml" || exit 1
  echo "SUCCESS: The scheduled task \\"$5\\" has successfully been created."; exit 0;;
"/Delete /TN")
  [ -e "$D/$3.xml" ] && { rm "$D/$3.xml"; echo "SUCCESS: The scheduled task \\"$3\\" was successfully deleted."; exit 0; }
  ${missing};;
"/Query /TN")
  [ -e "$D/$3.xml" ] && { cat '${csv}'; exit 0; }
  ${missing};;
esac
echo "ERROR: Invalid argument/option - '$1'." >&2
exit 1
`;
  const icacls = `#!/bin/sh\necho "Successfully processed 1 files; Failed processing 0 files"\n`;
  for (const [name, text] of [["schtasks.exe", schtasks], ["icacls.exe", icacls]]) {
    const path = nodePath.join(binDir, name);
    await Deno.writeTextFile(path, text);
    await Deno.chmod(path, 0o755);
  }
  return {
    binDir,
    env: { PATH: `${binDir}${nodePath.delimiter}${Deno.env.get("PATH") ?? ""}` },
    async schtasksCalls() {
      const text = await Deno.readTextFile(calls).catch(() => "");
      return text.split("\n").filter((line) => line !== "");
    },
    async tasks() {
      const found: Record<string, string> = {};
      for await (const entry of Deno.readDir(tasksDir)) {
        found[entry.name.replace(/\.xml$/, "")] = await Deno.readTextFile(
          nodePath.join(tasksDir, entry.name),
        );
      }
      return found;
    },
    async addTask(name, xml) {
      await Deno.writeTextFile(nodePath.join(tasksDir, `${name}.xml`), xml);
    },
    async close() {
      await Deno.remove(binDir, { recursive: true }).catch(() => {});
    },
  };
}

/** The old script's scheduled task, as `schtasks /Query /XML` shows it on a French server. */
export function oldScriptTaskXml(options: { enabled?: boolean } = {}): string {
  return `<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Date>2025-03-14T09:12:44</Date>
    <Author>SRV-COMPTA\\Administrateur</Author>
    <URI>\\Saxium Batigest Sync</URI>
  </RegistrationInfo>
  <Triggers>
    <TimeTrigger>
      <Repetition>
        <Interval>PT5M</Interval>
        <StopAtDurationEnd>false</StopAtDurationEnd>
      </Repetition>
      <StartBoundary>2025-03-14T09:15:00</StartBoundary>
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
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <IdleSettings>
      <StopOnIdleEnd>true</StopOnIdleEnd>
      <RestartOnIdle>false</RestartOnIdle>
    </IdleSettings>
    <Enabled>${options.enabled === false ? "false" : "true"}</Enabled>
    <ExecutionTimeLimit>PT72H</ExecutionTimeLimit>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe</Command>
      <Arguments>-ExecutionPolicy Bypass -File "C:\\SaxiumBatigest\\batigest-sync-agent.ps1"</Arguments>
      <WorkingDirectory>C:\\SaxiumBatigest</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
`;
}

/** `yyyy-MM-dd HH:mm:ss`, local time. */
function stamp(at: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())} ${p(at.getHours())}:${
    p(at.getMinutes())
  }:${p(at.getSeconds())}`;
}

/**
 * One run of the old script as its log shows it (one export imported), its
 * lines from `at` on, in Windows-1252 with CRLF, as `Add-Content` appends them.
 */
export function oldScriptRun(at: Date, reference = "DV-1730000000001"): Uint8Array {
  const messages = [
    "========================================",
    "DÉMARRAGE AGENT BATIGEST v1.0.0",
    "Agent ID: SRV-COMPTA",
    "========================================",
    "Récupération des exports en attente...",
    "Trouvé 1 export(s) en attente",
    "----------------------------------------",
    `Traitement export: ${reference} (Type: devis_client)`,
    `Fichier téléchargé: C:\\SaxiumBatigest\\Downloads\\${reference}.xml`,
    `Import dans Batigest: C:\\SaxiumBatigest\\Downloads\\${reference}.xml`,
    "Import Batigest réussi",
    "========================================",
    "SYNCHRONISATION TERMINÉE",
    "Exports traités: 1",
    "========================================",
  ];
  const text = messages.map((m, i) =>
    `[${stamp(new Date(at.getTime() + i * 1000))}] [INFO] ${m}\r\n`
  )
    .join("");
  return windows1252(text);
}

/** Text in Windows-1252 (the characters the old script writes are all in Latin-1). */
export function windows1252(text: string): Uint8Array {
  return new Uint8Array([...text].map((c) => {
    const code = c.charCodeAt(0);
    if (code > 0xff) throw new RangeError(`not in Latin-1: ${c}`);
    return code;
  }));
}
