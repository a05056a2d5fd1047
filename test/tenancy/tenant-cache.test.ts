import { afterEach, describe, expect, it, vi } from 'vitest';
import { TenantCache } from '../../src/tenancy/tenant-cache.ts';

const DAY_MS = 86_400_000;

function contextCache(expiresAt: (id: string) => Date | undefined) {
  const closed: string[] = [];
  const cache = new TenantCache(10, async (id) => ({ id, expiresAt: expiresAt(id), close: async () => void closed.push(id) }));
  return { cache, closed };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('TenantCache expiry', () => {
  it('drops a context when its expiry arrives, also past the 24.8-day limit of one timer', async () => {
    vi.useFakeTimers();
    const start = Date.now();
    const { cache, closed } = contextCache((id) => (id === 'soon' ? new Date(start + 2000) : id === 'late' ? new Date(start + 40 * DAY_MS) : undefined));
    await Promise.all([cache.use('soon', (value) => value), cache.use('late', (value) => value), cache.use('never', (value) => value)]);

    await vi.advanceTimersByTimeAsync(1999);
    expect(cache.has('soon')).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(cache.has('soon')).toBe(false);
    expect(closed).toEqual(['soon']);

    await vi.advanceTimersByTimeAsync(30 * DAY_MS);
    expect(cache.has('late')).toBe(true);
    await vi.advanceTimersByTimeAsync(10 * DAY_MS);
    expect(cache.has('late')).toBe(false);
    expect(cache.has('never')).toBe(true);
    expect(closed).toEqual(['soon', 'late']);
  });

  it('an expiry does not touch the context that replaced an invalidated one', async () => {
    vi.useFakeTimers();
    const start = Date.now();
    let builds = 0;
    const { cache, closed } = contextCache(() => (++builds === 1 ? new Date(start + 1000) : undefined));
    const first = await cache.use('acme', (value) => value);
    cache.invalidate('acme');
    const second = await cache.use('acme', (value) => value);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await cache.use('acme', (value) => value)).toBe(second);
    expect(second).not.toBe(first);
    expect(closed).toEqual(['acme']);
  });

  it('invalidating a tenant that is not cached (one just created) is a no-op', async () => {
    const { cache, closed } = contextCache(() => undefined);
    await cache.use('acme', (value) => value);
    cache.invalidate('newcomer');
    expect(cache.has('acme')).toBe(true);
    expect(cache.has('newcomer')).toBe(false);
    expect(cache.stats).toMatchObject({ size: 1, evictions: 0 });
    expect(closed).toEqual([]);
  });
});

describe('TenantCache bounds and lifecycle', () => {
  function countingCache(max: number) {
    const built: string[] = [];
    const closed: string[] = [];
    const cache = new TenantCache(max, async (id) => {
      built.push(id);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { id, expiresAt: undefined, close: async () => void closed.push(id) };
    });
    return { cache, built, closed };
  }

  it('builds a context once for concurrent first requests (single flight)', async () => {
    const { cache, built } = countingCache(10);
    const values = await Promise.all(Array.from({ length: 20 }, () => cache.use('acme', (value) => value)));
    expect(built).toEqual(['acme']);
    expect(new Set(values).size).toBe(1);
    expect(cache.stats).toMatchObject({ size: 1, misses: 1, hits: 19 });
  });

  it('keeps at most its bound, evicting and closing the least recently used', async () => {
    const { cache, closed } = countingCache(3);
    for (const id of ['a', 'b', 'c']) await cache.use(id, (value) => value);
    await cache.use('a', (value) => value); // a is now the most recently used
    await cache.use('d', (value) => value);
    expect(cache.size).toBe(3);
    expect(cache.has('b')).toBe(false);
    expect(['a', 'c', 'd'].every((id) => cache.has(id))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(closed).toEqual(['b']);
    expect(cache.stats.evictions).toBe(1);
  });

  it('closes an evicted or invalidated context only after the requests using it are done', async () => {
    const { cache, closed } = countingCache(1);
    let release!: () => void;
    const inFlight = cache.use('a', () => new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    cache.invalidate('a');
    await cache.use('b', (value) => value);
    expect(closed).toEqual([]);
    release();
    await inFlight;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(closed).toEqual(['a']);
  });

  it('does not cache a failed build: the next request tries again', async () => {
    let attempts = 0;
    const cache = new TenantCache(5, async (id) => {
      if (++attempts === 1) throw new Error('database down');
      return { id, expiresAt: undefined, close: async () => {} };
    });
    await expect(cache.use('acme', (value) => value)).rejects.toThrow('database down');
    expect(cache.has('acme')).toBe(false);
    await expect(cache.use('acme', (value) => value.id)).resolves.toBe('acme');
    expect(attempts).toBe(2);
  });
});

describe('TenantCache and ids that name no tenant', () => {
  class NotFound extends Error {}

  function registryCache(max: number, options: ConstructorParameters<typeof TenantCache>[2] = {}) {
    const lookups: string[] = [];
    const closed: string[] = [];
    const cache = new TenantCache(
      max,
      async (id) => {
        lookups.push(id);
        if (!id.startsWith('real-')) throw new NotFound(`no tenant ${id}`);
        return { id, expiresAt: undefined, close: async () => void closed.push(id) };
      },
      { remember: (error) => error instanceof NotFound, ...options },
    );
    return { cache, lookups, closed };
  }

  it('a failed build takes no place in the LRU, so unknown ids never evict a built context', async () => {
    const { cache, closed } = registryCache(2);
    await cache.use('real-a', (value) => value);
    await cache.use('real-b', (value) => value);
    const unknown = Array.from({ length: 50 }, (_, i) => `nobody-${i}`);
    const results = await Promise.allSettled(unknown.map((id) => cache.use(id, (value) => value)));
    expect(results.every((result) => result.status === 'rejected' && result.reason instanceof NotFound)).toBe(true);
    expect(cache.has('real-a') && cache.has('real-b')).toBe(true);
    expect(cache.stats).toMatchObject({ size: 2, evictions: 0 });
    expect(closed).toEqual([]);
  });

  it('remembers a refusal for a while without asking again; invalidate (a tenant created) forgets it at once', async () => {
    vi.useFakeTimers();
    const { cache, lookups } = registryCache(2, { rememberForMs: 5000 });
    for (let i = 0; i < 10; i++) await expect(cache.use('nobody', (value) => value)).rejects.toThrow('no tenant nobody');
    expect(lookups).toEqual(['nobody']);
    expect(cache.stats.refusalsRemembered).toBe(9);
    await vi.advanceTimersByTimeAsync(5001);
    await expect(cache.use('nobody', (value) => value)).rejects.toThrow(NotFound);
    expect(lookups).toEqual(['nobody', 'nobody']);
    cache.invalidate('nobody');
    await expect(cache.use('nobody', (value) => value)).rejects.toThrow(NotFound);
    expect(lookups).toEqual(['nobody', 'nobody', 'nobody']);
  });

  it('remembers only the failures it is told to, and at most maxRemembered of them', async () => {
    let attempts = 0;
    const outage = new TenantCache(
      2,
      async () => {
        attempts++;
        throw new Error('database down');
      },
      { remember: (error) => error instanceof NotFound },
    );
    await expect(outage.use('real-a', (value) => value)).rejects.toThrow('database down');
    await expect(outage.use('real-a', (value) => value)).rejects.toThrow('database down');
    expect(attempts).toBe(2);

    const { cache, lookups } = registryCache(2, { maxRemembered: 3 });
    for (const id of ['n1', 'n2', 'n3', 'n4', 'n1', 'n4']) await expect(cache.use(id, (value) => value)).rejects.toThrow(NotFound);
    // n1 was the oldest when n4 came: forgotten, so asked again; n4 is still remembered.
    expect(lookups).toEqual(['n1', 'n2', 'n3', 'n4', 'n1']);
  });

  it('a build invalidated while in progress is not cached, and is closed once its requests finish', async () => {
    const { cache, closed } = registryCache(2);
    let release!: () => void;
    const using = cache.use('real-a', () => new Promise<void>((resolve) => (release = resolve)));
    cache.invalidate('real-a');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(cache.has('real-a')).toBe(false);
    release();
    await using;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(closed).toEqual(['real-a']);
  });
});
