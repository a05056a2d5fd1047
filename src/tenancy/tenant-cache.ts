/**
 * A bounded LRU of per-tenant contexts (DESIGN §3). Construction is single-flight: concurrent first
 * requests for a tenant share one build. Eviction, invalidation and expiry close the context once
 * the requests using it have finished.
 */
export interface Disposable {
  close(): Promise<void>;
  /** When the value goes stale by itself (a retired signing key's grace period ends): dropped then. */
  readonly expiresAt?: Date | undefined;
}

export interface TenantCacheStats {
  size: number;
  hits: number;
  misses: number;
  evictions: number;
}

interface Entry<T> {
  value: Promise<T>;
  inFlight: number;
  retired: boolean;
  closing?: Promise<void>;
  expiry?: NodeJS.Timeout;
}

// setTimeout fires at once for longer delays; a later expiry waits in steps of this.
const MAX_TIMER_MS = 2 ** 31 - 1;

export class TenantCache<T extends Disposable> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #build: (id: string) => Promise<T>;
  readonly #max: number;
  readonly stats: TenantCacheStats = { size: 0, hits: 0, misses: 0, evictions: 0 };

  constructor(max: number, build: (id: string) => Promise<T>) {
    this.#max = max;
    this.#build = build;
  }

  /**
   * Runs `work` with the tenant's context, keeping it open until `work` settles: the only way in,
   * since a context may be dropped (NOTIFY, eviction, expiry) at any moment.
   */
  async use<R>(id: string, work: (value: T) => Promise<R> | R): Promise<R> {
    const entry = this.#acquire(id);
    entry.inFlight++;
    try {
      return await work(await entry.value);
    } finally {
      entry.inFlight--;
      if (entry.retired && entry.inFlight === 0) void this.#close(entry);
    }
  }

  #acquire(id: string): Entry<T> {
    const existing = this.#entries.get(id);
    if (existing) {
      this.stats.hits++;
      // Map order is insertion order: re-inserting marks it most recently used.
      this.#entries.delete(id);
      this.#entries.set(id, existing);
      return existing;
    }
    this.stats.misses++;
    const entry: Entry<T> = { value: this.#build(id), inFlight: 0, retired: false };
    this.#entries.set(id, entry);
    entry.value.then(
      (value) => this.#expireAt(id, entry, value.expiresAt),
      () => {
        // A failed build is not cached: the next request tries again.
        if (this.#entries.get(id) === entry) this.#entries.delete(id);
        this.stats.size = this.#entries.size;
      },
    );
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as string;
      this.stats.evictions++;
      this.#retire(oldest);
    }
    this.stats.size = this.#entries.size;
    return entry;
  }

  /** Drops a tenant's context (after a change notification); the next request rebuilds it. */
  invalidate(id: string): void {
    this.#retire(id);
  }

  invalidateAll(): void {
    for (const id of [...this.#entries.keys()]) this.#retire(id);
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  get size(): number {
    return this.#entries.size;
  }

  async closeAll(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    this.stats.size = 0;
    for (const entry of entries) clearTimeout(entry.expiry);
    await Promise.all(entries.map((entry) => this.#close(entry)));
  }

  #retire(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    this.stats.size = this.#entries.size;
    entry.retired = true;
    clearTimeout(entry.expiry);
    if (entry.inFlight === 0) void this.#close(entry);
  }

  /**
   * One unref'd timer per expiring entry (most have none: only tenants with a retired key in its
   * grace period); without it a stale value would stay until evicted or notified.
   */
  #expireAt(id: string, entry: Entry<T>, at: Date | undefined): void {
    if (!at || this.#entries.get(id) !== entry) return;
    entry.expiry = setTimeout(() => {
      entry.expiry = undefined;
      if (this.#entries.get(id) !== entry) return;
      if (Date.now() < at.getTime()) this.#expireAt(id, entry, at);
      else this.#retire(id);
    }, Math.min(Math.max(at.getTime() - Date.now(), 0), MAX_TIMER_MS));
    entry.expiry.unref();
  }

  #close(entry: Entry<T>): Promise<void> {
    entry.closing ??= entry.value.then(
      (value) => value.close(),
      () => {}, // a context that failed to build has nothing to close
    );
    return entry.closing;
  }
}
