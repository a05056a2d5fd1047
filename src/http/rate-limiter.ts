/**
 * Token buckets in this process's memory (docs/architecture.md#rate-limits). A budget of N
 * requests a minute is a bucket of N tokens refilled continuously at N/60 a second: a burst of
 * up to N, then one request per 60/N seconds, and no window edge at which twice the budget gets
 * through. A fleet-wide budget is shared out: each process grants its share, the budget divided
 * by the live processes and rounded up, so the fleet grants it once (give or take the rounding)
 * without a database write per request.
 */

/** One budget a request is judged against. */
export interface Budget {
  /** What is counted: the tenant and endpoint, plus the client or token for a budget of theirs. */
  readonly key: string;
  /** Requests a minute; 0 or less: no limit. */
  readonly perMinute: number;
  /** A fleet-wide budget, of which this process grants its share; false: this process grants all of it. */
  readonly shared: boolean;
  /** What it counts, in the words of a refusal ("this client's token endpoint budget"). */
  readonly label?: string;
  /** The key holds what the request itself named (a client id, before it is authenticated): its bucket counts against maxBuckets. */
  readonly named?: boolean;
}

/** The answer for one request, with what the RateLimit headers say. */
export interface Verdict {
  readonly allowed: boolean;
  /** The budget that decided: the one that refused (the longest wait), or the one with the fewest requests left. */
  readonly budget: Budget;
  /** This process's share of it. */
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until that budget is whole again. */
  readonly resetSeconds: number;
  /** Refused: seconds until it grants a request again (0 when allowed). */
  readonly retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
  /** The capacity the bucket had then: a sweep needs it to tell a full bucket. */
  capacity: number;
  named: boolean;
}

const MINUTE_MS = 60_000;

export interface RateLimiterOptions {
  /**
   * Most buckets of `named` budgets. A request can name any client id, so those are bounded: past
   * the bound, such a budget without a bucket yet is not counted until a sweep makes room. The
   * tenants' own budgets are not bounded here (only tenants that exist reach a limiter) and keep
   * counting whatever requests name.
   */
  maxBuckets?: number;
  /** Milliseconds; tests pass their own clock. */
  now?: () => number;
}

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #maxBuckets: number;
  #namedBuckets = 0;
  readonly #now: () => number;
  #processes = 1;

  constructor(options: RateLimiterOptions = {}) {
    this.#maxBuckets = options.maxBuckets ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  /** The live processes sharing each fleet-wide budget (platform/serving-processes.repository.ts). */
  get processes(): number {
    return this.#processes;
  }

  set processes(count: number) {
    this.#processes = Number.isInteger(count) && count > 1 ? count : 1;
  }

  /** This process's share of a budget. */
  capacityOf(budget: Budget): number {
    return budget.shared ? Math.ceil(budget.perMinute / this.#processes) : budget.perMinute;
  }

  /**
   * Takes one request from every budget, or from none: a request refused by one budget costs the
   * others nothing. Undefined when no budget limits anything.
   */
  judge(budgets: readonly Budget[]): Verdict | undefined {
    const now = this.#now();
    let deciding: { budget: Budget; capacity: number; tokens: number } | undefined;
    let refused = false;
    const found: Array<Bucket | undefined> = [];
    for (const budget of budgets) {
      if (!(budget.perMinute > 0)) {
        found.push(undefined);
        continue;
      }
      const capacity = this.capacityOf(budget);
      const bucket = this.#refilled(budget, capacity, now);
      found.push(bucket);
      const tokens = bucket?.tokens ?? capacity;
      if (tokens < 1) {
        // The one that will make the caller wait longest decides.
        if (!refused || (1 - tokens) / capacity > (1 - deciding!.tokens) / deciding!.capacity) deciding = { budget, capacity, tokens };
        refused = true;
      } else if (!refused && (!deciding || tokens - 1 < deciding.tokens)) {
        deciding = { budget, capacity, tokens: tokens - 1 };
      }
    }
    if (!deciding) return undefined;
    const { budget, capacity, tokens } = deciding;
    const msPerToken = MINUTE_MS / capacity;
    if (refused) {
      return {
        allowed: false,
        budget,
        limit: capacity,
        remaining: 0,
        resetSeconds: Math.ceil(((capacity - tokens) * msPerToken) / 1000),
        retryAfterSeconds: Math.max(1, Math.ceil(((1 - tokens) * msPerToken) / 1000)),
      };
    }
    for (const bucket of found) if (bucket) bucket.tokens -= 1;
    return { allowed: true, budget, limit: capacity, remaining: Math.floor(tokens), resetSeconds: Math.ceil(((capacity - tokens) * msPerToken) / 1000), retryAfterSeconds: 0 };
  }

  /** The bucket of `key` brought up to now; a new one starts full. Undefined when the table is full. */
  #refilled(budget: Budget, capacity: number, now: number): Bucket | undefined {
    let bucket = this.#buckets.get(budget.key);
    if (!bucket) {
      const named = budget.named === true;
      if (named && this.#namedBuckets >= this.#maxBuckets) return undefined;
      if (named) this.#namedBuckets++;
      bucket = { tokens: capacity, at: now, capacity, named };
      this.#buckets.set(budget.key, bucket);
      return bucket;
    }
    // A smaller share (more processes, a lower budget) applies at once; a larger one fills in over time.
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) * capacity) / MINUTE_MS);
    bucket.at = now;
    bucket.capacity = capacity;
    return bucket;
  }

  /** Forgets the buckets that have filled up again: a missing bucket is a full one. */
  sweep(): void {
    const now = this.#now();
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.at) * bucket.capacity) / MINUTE_MS < bucket.capacity) continue;
      this.#buckets.delete(key);
      if (bucket.named) this.#namedBuckets--;
    }
  }

  /** Buckets held (tests and metrics). */
  get size(): number {
    return this.#buckets.size;
  }
}
