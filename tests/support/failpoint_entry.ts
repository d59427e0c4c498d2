/**
 * Test-only entry point: runs the agent exactly as `main.ts` does, with a
 * failpoint that ends the process abruptly at one step boundary of a sync
 * pass, as a power cut or `taskkill /F` would.
 *
 * - `AGENT_FAILPOINT`: the failpoint's name (`after-rename`, … see
 *   `failpoint("…")` in `lib/sync/export_story.ts`); unset, the agent runs normally.
 * - `AGENT_FAILPOINT_HIT`: the hit that kills (1 = the first time the pass
 *   reaches that point, the default).
 * - `AGENT_REFUSED_FOLDER`: a folder whose every file operation is refused
 *   with "Operation not permitted (os error 1)", as a folder whose rights
 *   were removed (tests run as root, whom `chmod` does not stop).
 *
 * The process exits with code 137 (the code of a SIGKILL) without running
 * any `finally`, closing the journal or releasing the lock: only what is
 * already on disk survives. Builds never import this file, so the agent
 * itself never reads these variables.
 *
 * @example
 * ```ts
 * await runAgent(world, ["sync", "--once"], {
 *   entry: "tests/support/failpoint_entry.ts",
 *   extraEnv: ["AGENT_FAILPOINT", "AGENT_FAILPOINT_HIT"],
 *   env: { AGENT_FAILPOINT: "after-rename" },
 * });
 * ```
 *
 * @module
 */

import nodePath from "node:path";
import { main } from "../../main.ts";
import { type FileOps, realFileOps } from "../../lib/base/fs_retry.ts";

/** The exit code of a process killed at a failpoint (128 + SIGKILL). */
export const FAILPOINT_EXIT_CODE = 137;

/**
 * A failpoint function that exits the process at the `hit`-th time `name`
 * is reached; every other point passes.
 */
export function killAt(name: string | undefined, hit = 1): (point: string) => void {
  let hits = 0;
  return (point) => {
    if (name === undefined || point !== name) return;
    hits++;
    if (hits === hit) Deno.exit(FAILPOINT_EXIT_CODE);
  };
}

function readHit(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`AGENT_FAILPOINT_HIT must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** File operations that refuse everything inside `folder`, as a folder without rights. */
export function refusingFolder(folder: string): FileOps {
  const inside = (path: string) =>
    nodePath.resolve(nodePath.dirname(path)) === nodePath.resolve(folder);
  const refuse = () =>
    Promise.reject(new Deno.errors.PermissionDenied("Operation not permitted (os error 1)"));
  return {
    rename: (from, to) => inside(from) || inside(to) ? refuse() : realFileOps.rename(from, to),
    remove: (path) => inside(path) ? refuse() : realFileOps.remove(path),
    copyFile: (from, to) => inside(to) ? refuse() : realFileOps.copyFile(from, to),
  };
}

if (import.meta.main) {
  const name = Deno.env.get("AGENT_FAILPOINT") || undefined;
  const hit = readHit(Deno.env.get("AGENT_FAILPOINT_HIT"));
  const refused = Deno.env.get("AGENT_REFUSED_FOLDER") || undefined;
  Deno.exit(
    await main(Deno.args, {
      failpoint: killAt(name, hit),
      fileOps: refused ? refusingFolder(refused) : undefined,
    }),
  );
}
