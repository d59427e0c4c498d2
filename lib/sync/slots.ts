/**
 * A fixed number of slots for work that must not all run at once: the
 * downloads of a pass share one link, and sixteen of them side by side each
 * get a sixteenth of it, so that none finishes in time. With a few slots,
 * each download gets its share and the others wait their turn, in order.
 *
 * @module
 */

/** At most `size` tasks run at once; the others wait in line, first come first served. */
export class Slots {
  #free: number;
  #waiting: (() => void)[] = [];

  /** `size` slots (at least one). */
  constructor(size: number) {
    this.#free = Math.max(1, size);
  }

  /** Runs `task` once a slot is free, and frees it after. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
