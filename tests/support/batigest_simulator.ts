/**
 * A simulated Sage Batigest watching its import folder: it consumes `.xml`
 * and `.csv` files one at a time (read, import work, delete) and records
 * what it consumed in a ledger, so tests can prove each document was
 * imported exactly once and complete.
 *
 * Besides closing and opening (`stop`, `start`), it can be a slow reader
 * (`slowReadMs`: the document is imported, and recorded, when it is read,
 * and deleted only later, as a big document keeps Batigest busy), tell which
 * files it holds open meanwhile (`holding`, for a `FileOps` that refuses
 * their renames as Windows would), and pass documents by (`passesBy`: a
 * document Batigest refuses and leaves in its folder).
 *
 * It can also leave the traces some Batigest set-ups leave instead of
 * deleting a file (`lib/batigest/traces.ts`): a refused file renamed in place
 * (`renamesRefused`: `DV-1.xml.err`, `DV-1.bak`) or moved into a subfolder
 * (`movesRefused`: `Erreurs/DV-1.xml`), each recorded in `refusals`; and
 * every imported file left empty (`leavesEmpty`: 0 bytes, its ledger entry
 * says `leftEmpty`), an empty file never being imported again. By default it
 * leaves none.
 *
 * @module
 */

/** One consumed file. */
export interface LedgerEntry {
  name: string;
  /** SHA-256 of the bytes read, lowercase hex. */
  sha256: string;
  bytes: number;
  at: number;
  /** Left in the folder, emptied, instead of deleted (`leavesEmpty`). */
  leftEmpty?: true;
}

/** One file refused and left as a trace (`renamesRefused`, `movesRefused`). */
export interface RefusalEntry {
  /** The file's name as published. */
  name: string;
  /** How Batigest set it aside. */
  how: "renamed" | "moved";
  /** Where it is now, relative to the import folder (`DV-1.xml.err`, `Erreurs/DV-1.xml`). */
  trace: string;
  at: number;
}

/** A running simulated Batigest. */
export interface BatigestSimulator {
  /** The files imported, in order. */
  ledger: LedgerEntry[];
  /** The files refused and left as traces, in order. */
  refusals: RefusalEntry[];
  /** Names of the files it is reading now (a slow read holds them open). */
  holding: ReadonlySet<string>;
  /** Batigest closed: files are left alone (the file in hand is finished). */
  stop(): void;
  /** Batigest open again. */
  start(): void;
  close(): Promise<void>;
}

/** Options of `startBatigestSimulator`. */
export interface BatigestSimulatorOptions {
  /** The import folder to watch (must exist). */
  dir: string;
  /** Import work per file; the file stays in the folder meanwhile. 0 by default. */
  consumeDelayMs?: number;
  /** Rescan period in ms, besides file-system events; 10 by default. */
  pollMs?: number;
  /**
   * Slow reader: the file is recorded as imported when read, and deleted
   * only this many ms later (for the files `slow` selects, all by default).
   */
  slowReadMs?: number;
  /** Which files are read slowly when `slowReadMs` is set. */
  slow?: (name: string) => boolean;
  /** Files Batigest refuses: left in the folder, never imported. */
  passesBy?: (name: string) => boolean;
  /** Files Batigest refuses by renaming them in place: `to` gives the new name (`DV-1.xml.err`). */
  renamesRefused?: { select: (name: string) => boolean; to: (name: string) => string };
  /** Files Batigest refuses by moving them into the subfolder `folder` (created when needed). */
  movesRefused?: { select: (name: string) => boolean; folder: string };
  /** Every imported file is emptied (0 bytes) and left in the folder instead of deleted. */
  leavesEmpty?: boolean;
}

/**
 * Start watching `options.dir` like Batigest's import does.
 *
 * @example
 * ```ts
 * const batigest = startBatigestSimulator({ dir: importDir, consumeDelayMs: 50 });
 * // ... deliver files ...
 * await batigest.close();
 * console.log(batigest.ledger.map((e) => e.name));
 * ```
 */
export function startBatigestSimulator(options: BatigestSimulatorOptions): BatigestSimulator {
  const ledger: LedgerEntry[] = [];
  const refusals: RefusalEntry[] = [];
  const holding = new Set<string>();
  const consumeDelayMs = options.consumeDelayMs ?? 0;
  let running = true;
  let closed = false;
  let busy: Promise<void> | undefined;
  let again = false;
  const closing = new AbortController();

  const kick = () => {
    if (closed || !running) return;
    if (busy) {
      again = true;
      return;
    }
    busy = drain().finally(() => {
      busy = undefined;
      if (again) {
        again = false;
        kick();
      }
    });
  };

  async function drain(): Promise<void> {
    while (running && !closed) {
      const name = await nextFile(options.dir, {
        passesBy: options.passesBy,
        skipEmpty: options.leavesEmpty === true,
      });
      // stop() may have been called while the folder was being listed.
      if (name === undefined || !running || closed || !await consume(name)) return;
    }
  }

  /** Import one file; false when it could not be read (retried on a later scan). */
  async function consume(name: string): Promise<boolean> {
    const path = `${options.dir}/${name}`;
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await Deno.readFile(path);
    } catch {
      return false; // gone or locked: try again on the next scan
    }
    const refusal = refuse(name);
    if (refusal) {
      try {
        if (refusal.how === "moved") {
          await Deno.mkdir(`${options.dir}/${options.movesRefused!.folder}`, { recursive: true });
        }
        await Deno.rename(path, `${options.dir}/${refusal.trace}`);
      } catch {
        return false; // gone or locked meanwhile: try again on the next scan
      }
      refusals.push({ ...refusal, name, at: Date.now() });
      return true;
    }
    const slowly = options.slowReadMs !== undefined && (options.slow?.(name) ?? true);
    const record = async () => {
      const digest = await crypto.subtle.digest("SHA-256", bytes);
      const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
        .join("");
      ledger.push({
        name,
        sha256,
        bytes: bytes.length,
        at: Date.now(),
        ...(options.leavesEmpty ? { leftEmpty: true as const } : {}),
      });
    };
    if (slowly) {
      // Imported as it is read; the file stays, held open, until the import is done.
      await record();
      holding.add(name);
      try {
        await delay(options.slowReadMs!, closing.signal);
      } finally {
        holding.delete(name);
      }
    } else {
      if (consumeDelayMs > 0) await delay(consumeDelayMs, closing.signal);
      if (closed) return false;
      await record();
    }
    try {
      if (options.leavesEmpty) await Deno.truncate(path, 0);
      else await Deno.remove(path);
    } catch {
      // already removed
    }
    return true;
  }

  /** How Batigest sets `name` aside, when it refuses it with a trace. */
  function refuse(name: string): Pick<RefusalEntry, "how" | "trace"> | undefined {
    if (options.renamesRefused?.select(name)) {
      return { how: "renamed", trace: options.renamesRefused.to(name) };
    }
    if (options.movesRefused?.select(name)) {
      return { how: "moved", trace: `${options.movesRefused.folder}/${name}` };
    }
    return undefined;
  }

  const watcher = Deno.watchFs(options.dir, { recursive: false });
  const watching = (async () => {
    for await (const _event of watcher) kick();
  })().catch(() => {});
  const timer = setInterval(kick, options.pollMs ?? 10);
  kick();

  return {
    ledger,
    refusals,
    holding,
    stop() {
      running = false;
    },
    start() {
      running = true;
      kick();
    },
    async close() {
      if (closed) return;
      closed = true;
      closing.abort();
      clearInterval(timer);
      watcher.close();
      await watching;
      await busy;
    },
  };
}

/** The first file (by name) Batigest would import, if any; an empty one is skipped with `skipEmpty`. */
async function nextFile(
  dir: string,
  options: { passesBy?: (name: string) => boolean; skipEmpty: boolean },
): Promise<string | undefined> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !/\.(xml|csv)$/i.test(entry.name) || options.passesBy?.(entry.name)) {
        continue;
      }
      if (options.skipEmpty && await isEmpty(`${dir}/${entry.name}`)) continue;
      names.push(entry.name);
    }
  } catch {
    return undefined; // folder briefly unreachable
  }
  return names.sort()[0];
}

async function isEmpty(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).size === 0;
  } catch {
    return true; // gone meanwhile: nothing to import
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
