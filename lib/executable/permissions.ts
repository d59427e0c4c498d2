/**
 * The agent's permission set: the one place that decides what the executable
 * may touch. The compile script bakes these flags into the `.exe`; the
 * end-to-end tests run `deno run` with the very same list.
 *
 * @module
 */

import { netTarget } from "../base/net.ts";
import { SCHTASKS } from "../windows/schtasks.ts";
import { ICACLS } from "../windows/acl.ts";
import { EVENTCREATE } from "../windows/event_log.ts";

/** Environment variables the agent reads (configuration and proxies). */
export const AGENT_ENV_VARS: readonly string[] = [
  "SAXIUM_API_URL",
  "SAXIUM_TOKEN",
  "SAXIUM_AGENT_ID",
  "SAXIUM_WORK_DIR",
  "BATIGEST_IMPORT_PATH",
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
];

/** What the permission set is built from. */
export interface PermissionScope {
  /** Saxium's base URL; its host and port become the only network target. */
  apiUrl: string;
  /** Absolute path of the work folder. */
  workDir: string;
  /** Absolute path of Batigest's import folder. */
  batigestImportDir: string;
  /** Extra `host:port` network targets (SMTP server, webhook). */
  extraNetHosts?: readonly string[];
  /** The scheduled-task tool: `schtasks.exe` on Windows. */
  schtasks?: string;
  /** The ACL tool `install-task` locks the work folder with: `icacls.exe` on Windows. */
  icacls?: string;
  /** Extra environment variables (test-only switches). */
  extraEnv?: readonly string[];
}

/**
 * The Deno permission flags for the agent, in a stable order.
 *
 * @example
 * ```ts
 * permissionFlags({ apiUrl: "https://saxium.example", workDir: "C:\\SaxiumBatigest",
 *   batigestImportDir: "C:\\Batigest\\Import" });
 * // ["--allow-net=saxium.example:443", "--allow-read=C:\\SaxiumBatigest,C:\\Batigest\\Import", ...]
 * ```
 */
export function permissionFlags(scope: PermissionScope): string[] {
  const net = [netTarget(scope.apiUrl), ...(scope.extraNetHosts ?? [])];
  const folders = [scope.workDir, scope.batigestImportDir].join(",");
  const env = [...AGENT_ENV_VARS, ...(scope.extraEnv ?? [])].join(",");
  return [
    `--allow-net=${[...new Set(net)].join(",")}`,
    `--allow-read=${folders}`,
    `--allow-write=${folders}`,
    `--allow-run=${scope.schtasks ?? SCHTASKS},${scope.icacls ?? ICACLS},${EVENTCREATE}`,
    `--allow-env=${env}`,
    "--ignore-env",
    "--allow-sys=hostname,statfs",
    "--no-prompt",
  ];
}

/**
 * V8 heap limits baked into the executable beside the permissions (and used
 * by the end-to-end tests): a small young generation and a capped old one keep
 * the agent near 100 MB however long the backlog; documents are checked in
 * streamed chunks, so nothing it holds comes near the cap.
 *
 * `deno compile` also applies `--v8-flags` to its own process, so the compile
 * script type-checks in a separate `deno check` with a normal heap and then
 * compiles with `--no-check`: the cap reaches only the executable.
 */
export const V8_FLAGS = "--v8-flags=--max-semi-space-size=2,--max-old-space-size=96";
