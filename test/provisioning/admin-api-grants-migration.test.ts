import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { clusterUrl } from '../support/platform.ts';
import { createDatabase, dropDatabase, withMaintenanceSession } from '../../src/db/postgres.ts';
import { openTenantDatabase, type TenantDb } from '../../src/db/tenant-database.ts';
import { up as identitySchema } from '../../migrations/tenant/2026-11-23T0001-identity-schema.ts';
import { up as clientApiGrants } from '../../migrations/tenant/2026-11-30T0110-client-api-grants.ts';
import { up as loginActivityPerClient } from '../../migrations/tenant/2026-11-30T0130-login-activity-per-client.ts';
import { up as clientAdminApiGrants } from '../../migrations/tenant/2026-12-01T0200-client-admin-api-grants.ts';
import { hasAdminApiGrant, insertAdminApiGrant } from '../../src/modules/clients/admin-api-grants.repository.ts';

const DATABASE = `tansu_test_admin_grants_${process.pid}_${Date.now()}`;
let db: TenantDb;

beforeAll(async () => {
  await withMaintenanceSession(clusterUrl(), (client) => createDatabase(client, DATABASE));
  db = openTenantDatabase(clusterUrl(), DATABASE, 2);
  // A tenant database as it was before the admin API, with a machine client in it.
  await identitySchema(db);
  await clientApiGrants(db);
  await loginActivityPerClient(db);
  await db
    .insertInto('clients')
    .values({ client_id: 'machine', name: 'machine', type: 'confidential', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] })
    .execute();
});
afterAll(async () => {
  await db?.destroy();
  await withMaintenanceSession(clusterUrl(), (client) => dropDatabase(client, DATABASE));
});

describe('migration 2026-12-01T0200 (client admin API grants)', () => {
  it('gives an existing tenant no admin client, lets one be granted, and drops the grant with its client', async () => {
    await clientAdminApiGrants(db);
    expect(await hasAdminApiGrant(db, 'machine')).toBe(false);
    expect(await insertAdminApiGrant(db, 'machine')).toBe(true);
    expect(await insertAdminApiGrant(db, 'machine')).toBe(false);
    expect(await hasAdminApiGrant(db, 'machine')).toBe(true);
    await expect(insertAdminApiGrant(db, 'no-such-client')).rejects.toMatchObject({ code: '23503' });

    await db.deleteFrom('clients').where('client_id', '=', 'machine').execute();
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM client_admin_api_grants`.execute(db)).rows[0]!.n).toBe(0);
  });
});
