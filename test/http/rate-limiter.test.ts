import { describe, expect, it } from 'vitest';
import { RateLimiter, type Budget } from '../../src/http/rate-limiter.ts';

/** The token buckets on a clock of the test's own: every figure below follows from the arithmetic. */
function limiterAt(start = 1_000_000, options: { maxBuckets?: number } = {}) {
  const clock = { now: start };
  return { clock, limiter: new RateLimiter({ now: () => clock.now, ...options }) };
}

const tenant: Budget = { key: 'acme token', perMinute: 6, shared: true };
const client: Budget = { key: 'acme token app', perMinute: 3, shared: true, named: true };

describe('RateLimiter', () => {
  it('grants a full budget at once, refuses the next with the wait for one request, and refills continuously', () => {
    const { clock, limiter } = limiterAt();
    const remaining = Array.from({ length: 6 }, () => limiter.judge([tenant])!).map((verdict) => [verdict.allowed, verdict.remaining]);
    expect(remaining).toEqual([[true, 5], [true, 4], [true, 3], [true, 2], [true, 1], [true, 0]]);
    const refused = limiter.judge([tenant])!;
    // 6 a minute: one every 10 s, the whole budget back in 60 s.
    expect(refused).toMatchObject({ allowed: false, limit: 6, remaining: 0, retryAfterSeconds: 10, resetSeconds: 60 });
    clock.now += 9_999;
    expect(limiter.judge([tenant])!.allowed).toBe(false);
    clock.now += 1;
    expect(limiter.judge([tenant])).toMatchObject({ allowed: true, remaining: 0 });
    clock.now += 60_000;
    expect(limiter.judge([tenant])).toMatchObject({ allowed: true, remaining: 5 });
  });

  it('takes from every budget or from none, and answers for the one that decides', () => {
    const { limiter } = limiterAt();
    for (let i = 0; i < 3; i++) expect(limiter.judge([tenant, client])).toMatchObject({ allowed: true, budget: client, remaining: 2 - i });
    const refused = limiter.judge([tenant, client])!;
    expect(refused).toMatchObject({ allowed: false, budget: client, limit: 3, retryAfterSeconds: 20 });
    // The refusal cost the tenant's budget nothing: three requests of it are left.
    const other: Budget = { key: 'acme token other', perMinute: 3, shared: true, named: true };
    expect(limiter.judge([tenant, other])).toMatchObject({ allowed: true, budget: tenant, remaining: 2 });
  });

  it('grants each process its share of a shared budget, rounded up, and all of one that is not', () => {
    const { limiter } = limiterAt();
    limiter.processes = 4;
    expect(limiter.judge([tenant])).toMatchObject({ limit: 2, remaining: 1 });
    expect(limiter.judge([{ key: 'acme api token', perMinute: 6, shared: false }])).toMatchObject({ limit: 6, remaining: 5 });
    limiter.processes = 0;
    expect(limiter.processes).toBe(1);
  });

  it('applies a smaller share at once when more processes share the budget', () => {
    const { limiter } = limiterAt();
    expect(limiter.judge([tenant])).toMatchObject({ limit: 6, remaining: 5 });
    limiter.processes = 3;
    expect(limiter.judge([tenant])).toMatchObject({ limit: 2, remaining: 1 });
  });

  it('limits nothing without a budget above zero', () => {
    const { limiter } = limiterAt();
    expect(limiter.judge([{ ...tenant, perMinute: 0 }])).toBeUndefined();
    expect(limiter.judge([])).toBeUndefined();
    expect(limiter.size).toBe(0);
  });

  it('keeps at most maxBuckets of budgets a request names, never refusing a tenant its own, and sweeps full buckets', () => {
    const { clock, limiter } = limiterAt(0, { maxBuckets: 2 });
    for (const id of ['a', 'b', 'c', 'd']) limiter.judge([tenant, { ...client, key: `acme token ${id}` }]);
    expect(limiter.size).toBe(3);
    // 'd' had no bucket: its requests are not counted, the tenant's are.
    for (let i = 0; i < 5; i++) limiter.judge([{ ...client, key: 'acme token d' }]);
    expect(limiter.judge([{ ...client, key: 'acme token d' }])!.allowed).toBe(true);
    expect(limiter.judge([tenant])).toMatchObject({ allowed: true, remaining: 1 });
    clock.now += 60_000;
    limiter.sweep();
    expect(limiter.size).toBe(0);
    limiter.judge([{ ...client, key: 'acme token d' }]);
    expect(limiter.size).toBe(1);
  });
});
