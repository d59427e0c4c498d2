/**
 * The old PowerShell agent's strategy (`batigest-sync-agent.ps1` 1.0.0, as
 * described in `saxium-api.md`, "What the PowerShell agent does"), rewritten
 * in TypeScript for `deno task bench` to compare against, on the same data
 * and the same simulators:
 *
 * 1. GET pending (limit 50); on any error: log, treat as empty.
 * 2. For each export, sequentially: download `?format=xml` to
 *    `Downloads\<documentReference>.xml`.
 * 3. Copy it into the import folder (`Copy-Item -Force`: no temporary name),
 *    then poll every 1 s, up to 30 s, until the file disappears.
 * 4. Gone: POST mark-synced, move the download to `Archive\yyyy-MM-dd-HHmmss-<name>`.
 *    Still there: POST mark-error, move the download to `Errors\`.
 * 5. Repeat with the next batch until the server offers nothing new.
 *
 * One deliberate difference: it sends `Authorization: Bearer <token>` (the old
 * script sent none, and the simulator refuses requests without it). Nothing
 * here is used by the agent; it runs as its own process so that the bench can
 * measure its CPU time and memory like the agent's.
 *
 * Usage: `deno run --allow-net=<host:port> --allow-read=<work>,<import>
 * --allow-write=<work>,<import> scripts/baseline_agent.ts --api-url URL
 * --work-dir DIR --import-dir DIR [--token T] [--agent-id ID]`. The token may
 * also come from `SAXIUM_TOKEN` (with `--allow-env=SAXIUM_TOKEN`). The last
 * line on stdout is a JSON summary: `{ "synced": n, "errors": n, "batches": n }`.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** Settings of one baseline run. */
export interface BaselineOptions {
  apiUrl: string;
  token?: string;
  agentId: string;
  workDir: string;
  importDir: string;
  /** Pending list size (the old script: 50). */
  batchSize?: number;
  /** Poll period while waiting for Batigest (the old script: 1 s). */
  pollMs?: number;
  /** Give up waiting after this many polls (the old script: 30). */
  maxPolls?: number;
}

/** What a baseline run did. */
export interface BaselineSummary {
  synced: number;
  errors: number;
  batches: number;
}

interface Pending {
  id: string;
  documentReference: string;
}

const VERSION = "1.0.0";

/** Runs the old strategy until the server offers nothing new. */
export async function runBaseline(options: BaselineOptions): Promise<BaselineSummary> {
  const base = options.apiUrl.replace(/\/+$/, "");
  const pollMs = options.pollMs ?? 1000;
  const maxPolls = options.maxPolls ?? 30;
  const dirs = {
    downloads: `${options.workDir}/Downloads`,
    toImport: `${options.workDir}/ToImport`,
    archive: `${options.workDir}/Archive`,
    errors: `${options.workDir}/Errors`,
    logs: `${options.workDir}/Logs`,
  };
  for (const dir of Object.values(dirs)) await Deno.mkdir(dir, { recursive: true });

  const headers = (json: boolean): HeadersInit => ({
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...(json ? { "content-type": "application/json" } : {}),
  });
  const log = async (level: string, message: string) => {
    // Add-Content: opens, appends and closes the log file for every line.
    const now = new Date();
    await Deno.writeTextFile(
      `${dirs.logs}/sync-${day(now)}.log`,
      `[${day(now)} ${time(now, ":")}] [${level}] ${message}\n`,
      { append: true },
    );
  };
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: headers(true),
      body: JSON.stringify(body),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  };

  const summary: BaselineSummary = { synced: 0, errors: 0, batches: 0 };
  const handled = new Set<string>();
  await log("INFO", "=== Début de la synchronisation ===");
  while (true) {
    let batch: Pending[];
    try {
      const query = new URLSearchParams({
        limit: String(options.batchSize ?? 50),
        agentId: options.agentId,
      });
      const res = await fetch(`${base}/api/batigest/exports/pending?${query}`, {
        headers: headers(false),
      });
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status}`);
      }
      const body = await res.json();
      batch = Array.isArray(body) ? body : body.data ?? [];
    } catch (error) {
      await log("ERROR", `Erreur lors de la récupération des exports : ${error}`);
      batch = [];
    }
    // The old script ran one batch per run; the bench repeats batches in one
    // run, and stops if the server offers only exports already handled.
    const fresh = batch.filter((e) => !handled.has(e.id));
    if (fresh.length === 0) break;
    summary.batches++;
    await log("INFO", `${fresh.length} export(s) en attente`);
    for (const item of fresh) {
      handled.add(item.id);
      const name = `${item.documentReference}.xml`;
      const local = `${dirs.downloads}/${name}`;
      const target = `${options.importDir}/${name}`;
      try {
        // Invoke-WebRequest -OutFile
        const res = await fetch(
          `${base}/api/batigest/exports/${item.id}/download?format=xml`,
          { headers: headers(false) },
        );
        if (!res.ok) {
          await res.body?.cancel();
          throw new Error(`HTTP ${res.status}`);
        }
        await Deno.writeFile(local, res.body!);
        await log("INFO", `Téléchargé : ${name}`);

        // Copy-Item -Force
        await Deno.copyFile(local, target);
        await log("INFO", `Copié vers Batigest : ${target}`);

        // while ((Test-Path $target) -and ($elapsed -lt 30)) { Start-Sleep 1; $elapsed++ }
        let polls = 0;
        while ((await exists(target)) && polls < maxPolls) {
          await new Promise((resolve) => setTimeout(resolve, pollMs));
          polls++;
        }
        if (!(await exists(target))) {
          await post(`/api/batigest/exports/${item.id}/mark-synced`, {
            exportId: item.id,
            batigestReference: item.documentReference,
            agentId: options.agentId,
            agentVersion: VERSION,
            batigestResponse: { importedAt: new Date().toISOString(), success: true },
          });
          await Deno.rename(local, `${dirs.archive}/${stamp(new Date())}-${name}`);
          await log("INFO", `Synchronisé : ${item.documentReference}`);
          summary.synced++;
        } else {
          await post(`/api/batigest/exports/${item.id}/mark-error`, {
            exportId: item.id,
            errorMessage: `Timeout import Batigest (${maxPolls}s)`,
            errorDetails: {
              timestamp: new Date().toISOString(),
              agentId: options.agentId,
              agentVersion: VERSION,
            },
          });
          await Deno.rename(local, `${dirs.errors}/${name}`);
          await log("WARNING", `Timeout import : ${item.documentReference}`);
          summary.errors++;
        }
      } catch (error) {
        await log("ERROR", `Erreur sur ${item.documentReference} : ${error}`);
        summary.errors++;
      }
    }
  }
  await log("INFO", "=== Fin de la synchronisation ===");
  return summary;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function day(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function time(d: Date, sep: string): string {
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map(pad).join(sep);
}

function stamp(d: Date): string {
  return `${day(d)}-${time(d, "")}`;
}

if (import.meta.main) {
  const { values: flags } = parseArgs({
    args: Deno.args,
    options: Object.fromEntries(
      ["api-url", "token", "agent-id", "work-dir", "import-dir"].map((name) => [
        name,
        { type: "string" as const },
      ]),
    ),
  });
  const apiUrl = flags["api-url"] as string | undefined;
  const workDir = flags["work-dir"] as string | undefined;
  const importDir = flags["import-dir"] as string | undefined;
  if (!apiUrl || !workDir || !importDir) {
    console.error("Usage: baseline_agent.ts --api-url URL --work-dir DIR --import-dir DIR");
    Deno.exit(2);
  }
  let token = flags.token as string | undefined;
  if (token === undefined) {
    try {
      token = Deno.env.get("SAXIUM_TOKEN");
    } catch {
      // no env permission: no token
    }
  }
  const summary = await runBaseline({
    apiUrl,
    token,
    agentId: (flags["agent-id"] as string | undefined) ?? "SRV-BASELINE",
    workDir,
    importDir,
  });
  console.log(JSON.stringify(summary));
  Deno.exit(summary.errors > 0 ? 1 : 0);
}
