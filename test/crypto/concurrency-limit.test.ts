import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from '../../src/crypto/concurrency-limit.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('ConcurrencyLimit', () => {
  it('runs at most `limit` tasks at once and all of them in the end', async () => {
    const limit = new ConcurrencyLimit(2);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        limit.run(async () => {
          peak = Math.max(peak, ++running);
          await tick();
          running--;
          return i;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(2);
  });

  it('frees the slot of a task that fails', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limit.run(async () => 'next')).toBe('next');
  });

  it('lets waiting tasks start when the limit is raised', async () => {
    const limit = new ConcurrencyLimit(1);
    let release: () => void = () => {};
    const first = limit.run(() => new Promise<void>((resolve) => (release = resolve)));
    let secondStarted = false;
    const second = limit.run(async () => {
      secondStarted = true;
    });
    await tick();
    expect(secondStarted).toBe(false);
    limit.setLimit(2);
    await second;
    expect(secondStarted).toBe(true);
    release();
    await first;
  });
});
