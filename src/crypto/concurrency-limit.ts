/**
 * At most `limit` tasks at once; the rest wait in order. Used where running more at once is
 * slower in total, not faster (memory-hard hashing).
 */
export class ConcurrencyLimit {
  #limit: number;
  #running = 0;
  readonly #queue: Array<() => void> = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, Math.floor(limit));
  }

  get limit(): number {
    return this.#limit;
  }

  setLimit(limit: number): void {
    this.#limit = Math.max(1, Math.floor(limit));
    while (this.#running < this.#limit && this.#queue.length > 0) {
      this.#running++;
      this.#queue.shift()!();
    }
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) {
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await task();
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
