import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { clusterUrl } from '../support/platform.ts';
import { createDatabase, dropDatabase, withMaintenanceSession } from '../../src/db/postgres.ts';
import { openTenantDatabase, type TenantDb } from '../../src/db/tenant-database.ts';
import { up as identitySchema } from '../../migrations/tenant/2026-11-23T0001-identity-schema.ts';
import { up as clientApiGrants } from '../../migrations/tenant/2026-11-30T0110-client-api-grants.ts';

const DATABASE = `tansu_test_grants_${process.pid}_${Date.now()}`;
let db: TenantDb;

beforeAll(async () => {
  await withMaintenanceSession(clusterUrl(), (client) => createDatabase(client, DATABASE));
  db = openTenantDatabase(clusterUrl(), DATABASE, 2);
  await identitySchema(db);
});
afterAll(async () => {
  await db?.destroy();
  await withMaintenanceSession(clusterUrl(), (client) => dropDatabase(client, DATABASE));
});

describe('migration 2026-11-30T0110 (client API grants)', () => {
  it('grants machine clients exactly the APIs they named, and nothing to the others', async () => {
    const api = async (identifier: string) =>
      (await db.insertInto('api_resources').values({ identifier, name: identifier }).returning('id').executeTakeFirstOrThrow()).id;
    const orders = await api('https://orders.test');
    await api('https://billing.test');
    const client = (client_id: string, grant_types: string[], resources: string[]) =>
      db.insertInto('clients').values({ client_id, name: client_id, type: 'confidential', token_endpoint_auth_method: 'client_secret_basic', grant_types, resources }).execute();
    await client('named', ['client_credentials'], ['https://orders.test', 'https://gone.test']);
    await client('everything', ['client_credentials'], []);
    await client('web', ['authorization_code', 'refresh_token'], ['https://orders.test']);

    await clientApiGrants(db);

    const grants = await db.selectFrom('client_api_grants').select(['client_id', 'api_id']).execute();
    expect(grants).toEqual([{ client_id: 'named', api_id: orders }]);
    // A deleted client or API takes its grants with it.
    await db.deleteFrom('api_resources').where('id', '=', orders).execute();
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM client_api_grants`.execute(db)).rows[0]!.n).toBe(0);
  });
});
