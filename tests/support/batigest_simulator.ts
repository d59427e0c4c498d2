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
 * @module
 */

/** One consumed file. */
export interface LedgerEntry {
  name: string;
  /** SHA-256 of the bytes read, lowercase hex. */
  sha256: string;
  bytes: number;
  at: number;
}

/** A running simulated Batigest. */
export interface BatigestSimulator {
  ledger: LedgerEntry[];
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
      const name = await nextFile(options.dir, options.passesBy);
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
    const slowly = options.slowReadMs !== undefined && (options.slow?.(name) ?? true);
    const record = async () => {
      const digest = await crypto.subtle.digest("SHA-256", bytes);
      const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
        .join("");
      ledger.push({ name, sha256, bytes: bytes.length, at: Date.now() });
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
      await Deno.remove(path);
    } catch {
      // already removed
    }
    return true;
  }

  const watcher = Deno.watchFs(options.dir, { recursive: false });
  const watching = (async () => {
    for await (const _event of watcher) kick();
  })().catch(() => {});
  const timer = setInterval(kick, options.pollMs ?? 10);
  kick();

  return {
    ledger,
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

/** The first file (by name) Batigest would import, if any. */
async function nextFile(
  dir: string,
  passesBy?: (name: string) => boolean,
): Promise<string | undefined> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && /\.(xml|csv)$/i.test(entry.name) && !passesBy?.(entry.name)) {
        names.push(entry.name);
      }
    }
  } catch {
    return undefined; // folder briefly unreachable
  }
  return names.sort()[0];
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
