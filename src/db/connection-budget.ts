import pg from 'pg';

/**
 * A cap on the connections one process holds across all tenant pools. Each tenant pool is small
 * (TENANT_POOL_MAX), but a node caching thousands of tenants would otherwise keep up to
 * cache size × pool max connections open; with the budget it holds at most `max`, whatever the
 * number of tenants. A pool that needs a connection while the budget is spent closes an idle
 * connection of another pool (the least recently registered first) or waits for one to be
 * returned; past `waitMillis` the request fails like any connection timeout.
 */
export class ConnectionBudget {
  readonly max: number;
  readonly #waitMillis: number;
  readonly #pools = new Set<pg.Pool>();
  readonly #waiters: Array<() => void> = [];
  #open = 0;

  constructor(max: number, waitMillis = 9_000) {
    this.max = max;
    this.#waitMillis = waitMillis;
  }

  get open(): number {
    return this.#open;
  }

  /** Pools whose idle connections may be closed to make room. */
  register(pool: pg.Pool): void {
    this.#pools.add(pool);
  }

  unregister(pool: pg.Pool): void {
    this.#pools.delete(pool);
  }

  /** A client class for pg.Pool's `Client` option: connecting takes a permit, ending returns it. */
  readonly Client: typeof pg.Client = this.#clientClass();

  #clientClass(): typeof pg.Client {
    const budget = this;
    return class BudgetedClient extends pg.Client {
      override connect(): Promise<pg.Client>;
      override connect(callback: (error: Error) => void): void;
      override connect(callback?: (error: Error) => void): Promise<pg.Client> | void {
        // pg-pool listens for this client's errors only once its connect callback has run, and
        // that callback runs a microtask after the session is ready (the permit makes connecting
        // asynchronous). A server that ends the session at once — a restart's 57P01 in the same
        // packet as the welcome — would emit 'error' in between, with no listener: the process
        // would die. The error also reaches whoever holds the client, so this listener only keeps
        // the process alive.
        this.on('error', () => {});
        const connecting = budget.#acquire().then(async () => {
          let released = false;
          const release = () => {
            if (released) return;
            released = true;
            budget.#release();
          };
          this.once('end', release);
          try {
            await super.connect();
          } catch (error) {
            release();
            throw error;
          }
          return this as pg.Client;
        });
        if (!callback) return connecting;
        connecting.then(() => callback(null as unknown as Error), callback);
      }
    };
  }

  #acquire(): Promise<void> {
    if (this.#open < this.max) {
      this.#open++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve(); // the permit passes straight from the releaser to this waiter
      };
      const timer = setTimeout(() => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(new Error(`no database connection free within ${this.#waitMillis} ms (TENANT_CONNECTIONS_MAX=${this.max} in use)`));
      }, this.#waitMillis);
      this.#waiters.push(waiter);
      this.#shedOneIdle();
    });
  }

  #release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#open--;
  }

  /** Closes one idle connection of some pool; its permit then goes to the oldest waiter. */
  #shedOneIdle(): void {
    for (const pool of this.#pools) {
      if (pool.idleCount === 0) continue;
      // With an idle client available, connect() hands it out at once; release(true) closes it.
      pool.connect().then(
        (client) => client.release(true),
        () => {},
      );
      return;
    }
  }
}
