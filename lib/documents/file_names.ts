/**
 * Turning untrusted Saxium document references into safe Windows file names,
 * and picking a free name in a folder (`lib/base/paths.ts` checks that a path
 * stays inside a folder).
 *
 * Everything here is pure: the file system enters through `isTaken`.
 *
 * @module
 */

/** Options of {@linkcode safeBaseName}. */
export interface SafeBaseNameOptions {
  /** Longest base name returned, in characters (default 100, at least 16). */
  maxLength?: number;
}

/** Options of {@linkcode uniqueFileName}. */
export interface UniqueFileNameOptions {
  /** File extension, with or without the leading dot (`"xml"`, `".csv"`). */
  extension: string;
  /** Whether a file name is already used; receives the name in lower case. */
  isTaken: (nameLowerCase: string) => boolean;
}

const DEFAULT_MAX_LENGTH = 100;
const MIN_MAX_LENGTH = 16;
const FALLBACK_NAME = "document";
const MAX_SUFFIX = 10_000;

/** Device names Windows reserves, whatever the extension or the case. */
const RESERVED_NAMES: ReadonlySet<string> = new Set([
  "CON",
  "PRN",
  "AUX",
  "NUL",
  "CONIN$",
  "CONOUT$",
  "CLOCK$",
  ...Array.from({ length: 10 }, (_, i) => `COM${i}`),
  ...Array.from({ length: 10 }, (_, i) => `LPT${i}`),
]);

/**
 * Turns an untrusted document reference into a safe Windows file base name
 * (without extension).
 *
 * The reference is normalised (NFKC, accents removed), then every character
 * other than an ASCII letter, a digit, `-`, `_` or `.` becomes `_` (a run of
 * them becomes one `_`), so separators, drive colons, control and bidi
 * characters and look-alikes cannot survive. Leading and trailing dots and
 * underscores are dropped, reserved device names get a `_` prefix, an empty
 * or all-invalid reference gives `document`, and a name longer than
 * `maxLength` is cut and ends with 8 hex characters of a hash of the whole
 * reference, so long references sharing a prefix stay distinct.
 *
 * @example
 * ```ts
 * safeBaseName("BC-2025/0042"); // "BC-2025_0042"
 * safeBaseName("..\\..\\Windows\\win.ini"); // "Windows_win.ini"
 * safeBaseName("nul.xml"); // "_nul.xml"
 * ```
 */
export function safeBaseName(reference: string, options: SafeBaseNameOptions = {}): string {
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (!Number.isInteger(maxLength) || maxLength < MIN_MAX_LENGTH) {
    throw new RangeError(`maxLength must be an integer >= ${MIN_MAX_LENGTH}, got ${maxLength}`);
  }
  const hash = fnv1aHex(reference);

  let name = reference
    .normalize("NFKC")
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._]+/, "")
    .replace(/[._]+$/, "");

  if (!/[A-Za-z0-9]/.test(name)) {
    return reference.length === 0 ? FALLBACK_NAME : `${FALLBACK_NAME}-${hash}`;
  }
  if (isReservedName(name)) {
    name = `_${name}`;
  }
  if (name.length > maxLength) {
    const kept = name.slice(0, maxLength - hash.length - 1).replace(/[._]+$/, "");
    name = `${kept}-${hash}`;
  }
  return name;
}

/**
 * Returns `base.ext`, or `base (2).ext`, `base (3).ext`… when the name is
 * taken. Names are compared case-insensitively, as NTFS does: `isTaken`
 * receives the candidate in lower case.
 *
 * @example
 * ```ts
 * const existing = new Set(["dv-1.xml"]);
 * uniqueFileName("DV-1", { extension: "xml", isTaken: (n) => existing.has(n) });
 * // "DV-1 (2).xml"
 * ```
 */
export function uniqueFileName(base: string, options: UniqueFileNameOptions): string {
  const extension = options.extension.replace(/^\./, "");
  if (!/^[A-Za-z0-9]{1,16}$/.test(extension)) {
    throw new TypeError(`invalid file extension: ${JSON.stringify(options.extension)}`);
  }
  if (base.length === 0 || /[<>:"/\\|?*\p{Cc}]/u.test(base) || /^[. ]|[. ]$/.test(base)) {
    throw new TypeError(`unsafe base name (use safeBaseName first): ${JSON.stringify(base)}`);
  }
  for (let n = 1; n <= MAX_SUFFIX; n++) {
    const candidate = n === 1 ? `${base}.${extension}` : `${base} (${n}).${extension}`;
    if (!options.isTaken(candidate.toLowerCase())) {
      return candidate;
    }
  }
  throw new Error(`no free file name for ${JSON.stringify(base)} after ${MAX_SUFFIX} attempts`);
}

/** Whether Windows treats the name as a device, whatever its extension. */
function isReservedName(name: string): boolean {
  const stem = name.split(".")[0].replace(/[ .]+$/, "").toUpperCase();
  return RESERVED_NAMES.has(stem);
}

/** 32-bit FNV-1a of the UTF-8 bytes, as 8 lower-case hex characters. */
function fnv1aHex(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}
