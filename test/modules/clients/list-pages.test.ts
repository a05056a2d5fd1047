import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestPlatform, uniqueTenantId, type TestPlatform } from '../../support/platform.ts';
import { createTenant } from '../../../src/provisioning/tenants.service.ts';
import { withTenantScope } from '../../../src/platform/tenant-access.ts';
import type { TenantScope } from '../../../src/platform/tenant-scope.ts';
import { allPages } from '../../../src/db/page.ts';
import { createClient, describeClient, listTenantClients } from '../../../src/modules/clients/clients.service.ts';
import { TEST_ACTOR } from '../../support/scope.ts';

let platform: TestPlatform;
let acme: string;
let globex: string;
const inScope = <T>(id: string, work: (scope: TenantScope) => Promise<T>) => withTenantScope(platform, id, work);

beforeAll(async () => {
  platform = await openTestPlatform();
  acme = uniqueTenantId('clpages');
  globex = uniqueTenantId('clpages');
  await Promise.all([createTenant(platform, { id: acme }), createTenant(platform, { id: globex })]);
  await inScope(acme, async (scope) => {
    for (let i = 0; i < 5; i++) await createClient(scope, { name: `app ${i}`, type: 'public', redirectUris: ['http://127.0.0.1:9/cb'] }, TEST_ACTOR);
  });
  await inScope(globex, (scope) => createClient(scope, { name: 'globex app', type: 'confidential' }, TEST_ACTOR));
});
afterAll(async () => {
  await platform?.destroy();
});

describe('listTenantClients pages', () => {
  it('walk every client once, oldest first, ties broken by client_id, to a last page without a cursor', async () => {
    // Two clients share one instant and two lie a microsecond apart: finer than a JavaScript Date.
    await inScope(acme, async ({ db }) => {
      await sql`UPDATE clients SET created_at = '2026-12-01T00:00:00.000001Z' WHERE name IN ('app 0', 'app 3')`.execute(db);
      await sql`UPDATE clients SET created_at = '2026-12-01T00:00:00.000002Z' WHERE name = 'app 1'`.execute(db);
    });
    const expected = await inScope(acme, async ({ db }) =>
      (await sql<{ client_id: string }>`SELECT client_id FROM clients ORDER BY created_at, client_id`.execute(db)).rows.map((row) => row.client_id),
    );
    for (const limit of [1, 2, 5]) {
      const ids: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await inScope(acme, (scope) => listTenantClients(scope, cursor === undefined ? { limit } : { limit, cursor }));
        ids.push(...page.items.map((client) => client.client_id));
        cursor = page.next_cursor ?? undefined;
        pages++;
      } while (cursor !== undefined);
      expect(ids).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / limit));
    }
  });

  it('give rows without the column the cursor is made from', async () => {
    const [client] = (await inScope(acme, (scope) => listTenantClients(scope, { limit: 1 }))).items;
    expect(client).not.toHaveProperty('cursor_at');
    expect(client).toHaveProperty('secret_hash');
    expect(Object.keys(describeClient(client!))).not.toContain('secret_hash');
  });

  it('refuse a cursor that is not theirs', async () => {
    await inScope(acme, async (scope) => {
      await expect(listTenantClients(scope, { limit: 2, cursor: '%%%' })).rejects.toMatchObject({ code: 'invalid_cursor', status: 400 });
      const forged = Buffer.from(JSON.stringify(['clients', 'now', 'x'])).toString('base64url');
      await expect(listTenantClients(scope, { limit: 2, cursor: forged })).rejects.toMatchObject({ code: 'invalid_cursor', status: 400 });
    });
  });

  it("never give another tenant's clients, whatever cursor", async () => {
    const acmeIds = new Set((await inScope(acme, (scope) => allPages((page) => listTenantClients(scope, page)))).map((client) => client.client_id));
    const { next_cursor: cursor } = await inScope(acme, (scope) => listTenantClients(scope, { limit: 1 }));
    // Acme's clients were made before globex's, so globex's client lies after the cursor.
    const atGlobex = await inScope(globex, (scope) => listTenantClients(scope, { limit: 50, cursor: cursor! }));
    expect(atGlobex.items.map((client) => client.name)).toEqual(['globex app']);
    expect(atGlobex.items.some((client) => acmeIds.has(client.client_id))).toBe(false);
  });
});
