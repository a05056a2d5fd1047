import type { TenantCacheStats } from '../ops/metrics.ts';

export type { TenantCacheStats };
/**
 * A bounded LRU of per-tenant contexts (docs/architecture.md#request-flow). Construction is single-flight: concurrent first
 * requests for a tenant share one build. Eviction, invalidation and expiry close the context once
 * the requests using it have finished. Only a context that was built takes a place in the LRU,
 * so requests for ids that name no tenant cannot push real tenants out; such a refusal is
 * remembered for a few seconds (see `CacheOptions`) so a flood of them does not become a flood
 * of registry lookups either.
 */
export interface Disposable {
  close(): Promise<void>;
  /** When the value goes stale by itself (a retired signing key's grace period ends): dropped then. */
  readonly expiresAt?: Date | undefined;
}

export interface CacheOptions {
  /** Which build failures to remember (an unknown tenant, not a database outage). */
  remember?: (error: unknown) => boolean;
  /** How long a remembered failure answers for its id. */
  rememberForMs?: number;
  /** At most this many remembered failures; the oldest go first. */
  maxRemembered?: number;
}

interface Refusal {
  error: unknown;
  until: number;
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
  /** Built contexts, least recently used first; at most `max`. */
  readonly #entries = new Map<string, Entry<T>>();
  /** Builds in progress: they enter `#entries` only once they succeed. */
  readonly #building = new Map<string, Entry<T>>();
  /** Recent remembered failures by id, oldest first (all live equally long). */
  readonly #refusals = new Map<string, Refusal>();
  readonly #build: (id: string) => Promise<T>;
  readonly #max: number;
  readonly #options: Required<CacheOptions>;
  readonly stats: TenantCacheStats = { size: 0, hits: 0, misses: 0, evictions: 0, refusalsRemembered: 0 };

  constructor(max: number, build: (id: string) => Promise<T>, options: CacheOptions = {}) {
    this.#max = max;
    this.#build = build;
    this.#options = { remember: () => false, rememberForMs: 5_000, maxRemembered: 10_000, ...options };
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
    const building = this.#building.get(id);
    if (building) {
      this.stats.hits++;
      return building;
    }
    const refusal = this.#refusals.get(id);
    if (refusal && refusal.until > Date.now()) {
      this.stats.refusalsRemembered++;
      return { value: Promise.reject(refusal.error), inFlight: 0, retired: true };
    }
    this.stats.misses++;
    const entry: Entry<T> = { value: this.#build(id), inFlight: 0, retired: false };
    this.#building.set(id, entry);
    entry.value.then(
      (value) => {
        if (this.#building.get(id) !== entry) return; // invalidated while building: closed by #retire
        this.#building.delete(id);
        this.#entries.set(id, entry);
        while (this.#entries.size > this.#max) {
          const oldest = this.#entries.keys().next().value as string;
          this.stats.evictions++;
          this.#retire(oldest);
        }
        this.stats.size = this.#entries.size;
        this.#expireAt(id, entry, value.expiresAt);
      },
      (error: unknown) => {
        // A failed build is not cached: the next request tries again, after a while for a remembered one.
        if (this.#building.get(id) !== entry) return;
        this.#building.delete(id);
        if (this.#options.remember(error)) this.#rememberRefusal(id, error);
      },
    );
    return entry;
  }

  #rememberRefusal(id: string, error: unknown): void {
    const now = Date.now();
    this.#refusals.delete(id);
    for (const [oldId, old] of this.#refusals) {
      if (old.until > now && this.#refusals.size < this.#options.maxRemembered) break;
      this.#refusals.delete(oldId);
    }
    this.#refusals.set(id, { error, until: now + this.#options.rememberForMs });
  }

  /**
   * Drops a tenant's context (after a change notification), a build in progress and a remembered
   * refusal (a tenant just created); the next request builds anew.
   */
  invalidate(id: string): void {
    this.#refusals.delete(id);
    this.#retire(id);
  }

  invalidateAll(): void {
    this.#refusals.clear();
    for (const id of new Set([...this.#entries.keys(), ...this.#building.keys()])) this.#retire(id);
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  get size(): number {
    return this.#entries.size;
  }

  async closeAll(): Promise<void> {
    const entries = [...this.#entries.values(), ...this.#building.values()];
    this.#entries.clear();
    this.#building.clear();
    this.#refusals.clear();
    this.stats.size = 0;
    for (const entry of entries) clearTimeout(entry.expiry);
    await Promise.all(entries.map((entry) => this.#close(entry)));
  }

  #retire(id: string): void {
    const entry = this.#entries.get(id) ?? this.#building.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    this.#building.delete(id);
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
