/**
 * Making the journal's commits durable against a power cut, without holding
 * up the agent: every commit survives the process being killed (WAL,
 * `synchronous=NORMAL`), and {@linkcode Durability.flush} makes an export's
 * changes so far, and every commit before them, survive a power cut too, by
 * flushing the write-ahead log from Deno's thread pool. The journal calls it
 * before the two steps the folders cannot undo (see `journal.ts`).
 *
 * Kept apart from `journal.ts`, which says what the records mean: this one
 * only counts commits and knows which are on disk.
 *
 * @module
 */

/** Which commits are on disk, and the flush that puts the others there. */
export class Durability {
  #walPath?: string;
  #wal?: Deno.FsFile;
  /** Commits made through the journal. */
  #commits = 0;
  /** The commit that last changed each export, for those changed since the last flush. */
  #lastChange = new Map<string, number>();
  /** Commits known to be on disk; none at first, whatever an earlier run did. */
  #onDisk = -1;
  #flushing?: Promise<void>;

  /** `walPath`: the write-ahead log to flush (none: every commit reaches the disk by itself). */
  constructor(walPath?: string) {
    this.#walPath = walPath;
  }

  /** One more commit, which changed export `id` when given. */
  committed(id?: string): void {
    this.#commits++;
    if (id !== undefined) this.#lastChange.set(id, this.#commits);
  }

  /**
   * Makes an export's changes so far durable against a power cut, with every
   * commit before them. (A flush covers the file whoever wrote it; if SQLite
   * moved the log into the database meanwhile, it flushed both itself, as
   * `synchronous=NORMAL` does at every checkpoint.) The first flush of a run
   * always happens.
   */
  async flush(id: string): Promise<void> {
    const wanted = this.#lastChange.get(id) ?? 0;
    // One flush covers every commit made before it started: callers meanwhile share it.
    while (this.#onDisk < wanted) {
      this.#flushing ??= this.#syncLog().finally(() => this.#flushing = undefined);
      await this.#flushing;
    }
  }

  async #syncLog(): Promise<void> {
    const covered = this.#commits;
    if (this.#walPath) {
      // Write access: Windows flushes a file only through a handle that may write it.
      this.#wal ??= await Deno.open(this.#walPath, { read: true, write: true });
      await this.#wal.syncData();
    }
    this.#onDisk = Math.max(this.#onDisk, covered);
    // What is on disk needs no tracking: the map holds only recent changes,
    // however long the agent runs.
    for (const [id, commit] of this.#lastChange) {
      if (commit <= this.#onDisk) this.#lastChange.delete(id);
    }
  }

  /** Closes the log's handle. */
  close(): void {
    this.#wal?.close();
    this.#wal = undefined;
  }
}
