import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, uniqueTenantId, type TestPlatform } from '../../support/platform.ts';
import { createTenant } from '../../../src/provisioning/tenants.service.ts';
import { withTenantScope } from '../../../src/platform/tenant-access.ts';
import type { TenantScope } from '../../../src/platform/tenant-scope.ts';
import { allPages } from '../../../src/db/page.ts';
import { createApi, deleteTenantApi, listTenantApis } from '../../../src/modules/apis/apis.service.ts';
import { TEST_ACTOR } from '../../support/scope.ts';

let platform: TestPlatform;
let id: string;
const inScope = <T>(work: (scope: TenantScope) => Promise<T>) => withTenantScope(platform, id, work);
const IDENTIFIERS = ['https://orders.example.test', 'https://billing.example.test', 'https://api.example.test/v2', 'https://api.example.test/v1'];

beforeAll(async () => {
  platform = await openTestPlatform();
  id = uniqueTenantId('apipages');
  await createTenant(platform, { id });
  await inScope(async (scope) => {
    for (const identifier of IDENTIFIERS) await createApi(scope, { identifier, scopes: ['read'] }, TEST_ACTOR);
  });
});
afterAll(async () => {
  await platform?.destroy();
});

describe('listTenantApis pages', () => {
  it('walk every API once, by identifier, and end with next_cursor null', async () => {
    const first = await inScope((scope) => listTenantApis(scope, { limit: 3 }));
    expect(first.items.map((api) => api.identifier)).toEqual(['https://api.example.test/v1', 'https://api.example.test/v2', 'https://billing.example.test']);
    const second = await inScope((scope) => listTenantApis(scope, { limit: 3, cursor: first.next_cursor! }));
    expect(second).toEqual({ items: [expect.objectContaining({ identifier: 'https://orders.example.test' })], next_cursor: null });
  });

  it('go on after the cursor even when the row it names is gone', async () => {
    const first = await inScope((scope) => listTenantApis(scope, { limit: 1 }));
    await inScope((scope) => deleteTenantApi(scope, { identifier: 'https://api.example.test/v1' }, TEST_ACTOR));
    const rest = await inScope((scope) => listTenantApis(scope, { limit: 10, cursor: first.next_cursor! }));
    expect(rest.items.map((api) => api.identifier)).toEqual(['https://api.example.test/v2', 'https://billing.example.test', 'https://orders.example.test']);
    expect(await inScope((scope) => allPages((page) => listTenantApis(scope, page), 1))).toHaveLength(IDENTIFIERS.length - 1);
  });

  it('refuse a malformed cursor and a limit out of range', async () => {
    await expect(inScope((scope) => listTenantApis(scope, { limit: 3, cursor: 'x'.repeat(2000) }))).rejects.toMatchObject({ code: 'invalid_cursor', status: 400 });
    await expect(inScope((scope) => listTenantApis(scope, { limit: 1000 }))).rejects.toMatchObject({ code: 'invalid_limit', status: 400 });
  });
});
