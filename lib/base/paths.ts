/**
 * Path questions asked in several places, answered once: "is this path inside
 * that folder", with the platform's rules or explicitly Windows' (`win32`:
 * case-insensitive, `\`), so that Windows behaviour is testable on Linux; and
 * "what stands at this path".
 *
 * @module
 */

import nodePath from "node:path";

/** A `node:path` implementation: `win32` or `posix`. */
export type PathApi = typeof nodePath.win32 | typeof nodePath.posix;

/** Options of {@linkcode isInside}. */
export interface IsInsideOptions {
  /** Path rules to apply; defaults to the running platform's. */
  pathApi?: PathApi;
  /** Whether the root itself counts as inside (default false). */
  orSame?: boolean;
}

/**
 * Whether `candidate` resolves strictly inside `root` (the root itself only
 * with `orSame`). With `win32` rules the comparison ignores case.
 *
 * @example
 * ```ts
 * import path from "node:path";
 * isInside("C:\\Import", "C:\\Import\\a.xml", { pathApi: path.win32 }); // true
 * isInside("C:\\Import", "C:\\Import\\..\\a.xml", { pathApi: path.win32 }); // false
 * ```
 */
export function isInside(root: string, candidate: string, options: IsInsideOptions = {}): boolean {
  const api: PathApi = options.pathApi ?? nodePath;
  const isWin32 = api.sep === "\\";
  let from = api.resolve(root);
  let to = api.resolve(candidate);
  if (isWin32) {
    from = from.toLowerCase();
    to = to.toLowerCase();
  }
  const relative = api.relative(from, to);
  if (relative === "") return options.orSame === true;
  return relative !== ".." &&
    !relative.startsWith(`..${api.sep}`) &&
    !api.isAbsolute(relative);
}

/**
 * What stands at `path` (links followed): a folder, a file, something else
 * (a device, a pipe), or nothing that can be seen.
 */
export function pathKind(path: string): "directory" | "file" | "other" | undefined {
  try {
    const info = Deno.statSync(path);
    return info.isDirectory ? "directory" : info.isFile ? "file" : "other";
  } catch {
    return undefined;
  }
}
