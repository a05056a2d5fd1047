import crypto from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';

/**
 * A flood of requests for random tenant ids (a scanner, or an attacker trying to push real
 * tenants out of a small cache) must neither evict a cached tenant nor reach the registry
 * once per request.
 */
let bed: OidcTestBed;
let tenant: TestTenant;

beforeAll(async () => {
  bed = await startOidcTestBed(1, { env: { TENANT_CACHE_SIZE: '2' } });
  tenant = await createTestTenant(bed, uniqueTenantId('cached'));
});
afterAll(async () => {
  await bed?.close();
});

const discovery = (id: string) => fetch(`${bed.publicUrl}/t/${id}/.well-known/openid-configuration`);

it('requests for many unknown tenant ids leave a cached tenant in place and are answered from memory when repeated', async () => {
  const { tenants } = bed.nodes[0]!.app;
  expect((await discovery(tenant.id)).status).toBe(200);
  expect(tenants.has(tenant.id)).toBe(true);
  const before = { ...tenants.stats };

  const unknown = Array.from({ length: 40 }, () => `nobody-${crypto.randomBytes(4).toString('hex')}`);
  for (const id of unknown) {
    const response = await discovery(id);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'tenant_not_found' });
  }
  expect(tenants.has(tenant.id)).toBe(true);
  expect(tenants.stats.evictions).toBe(before.evictions);

  // The same unknown ids again: no registry lookup (no build) for any of them.
  const misses = tenants.stats.misses;
  for (const id of unknown) expect((await discovery(id)).status).toBe(404);
  expect(tenants.stats.misses).toBe(misses);
  expect(tenants.stats.refusalsRemembered).toBeGreaterThanOrEqual(unknown.length);

  // The real tenant was never rebuilt.
  expect((await discovery(tenant.id)).status).toBe(200);
  expect(tenants.stats.misses).toBe(misses);
});
