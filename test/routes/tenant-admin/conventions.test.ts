import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import { uniqueTenantId } from '../../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { adminToken, callAdmin, machineClient } from '../../support/admin-api.ts';
import { etagOf, requireMatch } from '../../../src/routes/tenant-admin/conditional.ts';

/**
 * What every tenant admin API route shares: a rate limit per token and tenant (429 rate_limited
 * with Retry-After and RateLimit-*, other tokens and tenants untouched), and If-Match against the
 * resource's ETag.
 */
// Two a minute: a request comes back only after 30 s, far longer than this test takes.
const LIMIT = 2;
let bed: OidcTestBed;
let acme: TestTenant;
let globex: TestTenant;

beforeAll(async () => {
  bed = await startOidcTestBed(1, { env: { ADMIN_API_RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
  acme = await createTestTenant(bed, uniqueTenantId('conv-acme'));
  globex = await createTestTenant(bed, uniqueTenantId('conv-globex'));
});
afterAll(async () => {
  await bed?.close();
});

describe('the admin API rate limit', () => {
  it('answers 429 rate_limited with Retry-After once a token used its minute, and counts each token and tenant apart', async () => {
    const [first, second, other] = await Promise.all([machineClient(acme, 'script one', true), machineClient(acme, 'script two', true), machineClient(globex, 'globex script', true)]);
    const [firstToken, secondToken, otherToken] = await Promise.all([
      adminToken(acme, first, 'users:read'),
      adminToken(acme, second, 'users:read'),
      adminToken(globex, other, 'users:read'),
    ]);
    const remaining = [];
    for (let i = 0; i < LIMIT; i++) {
      const answer = await callAdmin(acme, '/me', firstToken);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('ratelimit-limit')).toBe(String(LIMIT));
      remaining.push(answer.headers.get('ratelimit-remaining'));
    }
    expect(remaining).toEqual(['1', '0']);
    const limited = await callAdmin(acme, '/me', firstToken);
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe('rate_limited');
    expect(limited.body.error_description).toMatch(/this token's admin API budget is spent/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect((await callAdmin(acme, '/me', secondToken)).status).toBe(200);
    expect((await callAdmin(globex, '/me', otherToken)).status).toBe(200);
  });

  it('does not count requests without a valid token against anyone', async () => {
    const client = await machineClient(acme, 'script three', true);
    const token = await adminToken(acme, client, 'users:read');
    for (let i = 0; i < LIMIT + 2; i++) expect((await callAdmin(acme, '/me', 'not-a-token')).status).toBe(401);
    expect((await callAdmin(acme, '/me', token)).status).toBe(200);
  });
});

describe('If-Match', () => {
  const request = (ifMatch?: string) => ({ headers: ifMatch === undefined ? {} : { 'if-match': ifMatch } }) as unknown as FastifyRequest;
  const user = { id: 'u1', email: 'a@example.test', roles: ['Viewer'] };

  it('lets a change through without If-Match, with the current tag, a list holding it, or *', () => {
    expect(() => requireMatch(request(), user)).not.toThrow();
    expect(() => requireMatch(request(etagOf(user)), user)).not.toThrow();
    expect(() => requireMatch(request(`"stale", ${etagOf(user)}`), user)).not.toThrow();
    expect(() => requireMatch(request('*'), user)).not.toThrow();
  });

  it('refuses a stale tag with 412 precondition_failed, and the tag follows the representation', () => {
    const before = etagOf(user);
    const after = { ...user, roles: ['Viewer', 'Editor'] };
    expect(etagOf(after)).not.toBe(before);
    expect(etagOf({ ...user })).toBe(before);
    expect(() => requireMatch(request(before), after)).toThrow(expect.objectContaining({ code: 'precondition_failed', status: 412 }));
  });
});
