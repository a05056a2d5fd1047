import crypto from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Migrator, type Kysely, type Migration } from 'kysely';
import { createDatabase, createKysely, createPool, databaseUrl, dropDatabase, withMaintenanceSession } from '../../../src/db/postgres.ts';
import { migrateToLatest } from '../../../src/db/migrator.ts';
import { clusterUrl } from '../../support/platform.ts';

/**
 * Rows written before the identifier digest was keyed hold an unkeyed SHA-256 of the address.
 * The migration blanks those digests and keeps the rest of the activity, with the address as its
 * bucket.
 */
const name = `tansu_test_login_migration_${crypto.randomBytes(4).toString('hex')}`;
let db: Kysely<any>;

beforeAll(async () => {
  await withMaintenanceSession(clusterUrl(), (client) => createDatabase(client, name));
  db = createKysely(createPool(databaseUrl(clusterUrl(), name), { max: 1 }));
});
afterAll(async () => {
  await db?.destroy();
  await withMaintenanceSession(clusterUrl(), (client) => dropDatabase(client, name));
});

it('blanks the unkeyed digests of earlier sign-in activity and keeps the rest', async () => {
  const first: Migration = await import('../../../migrations/tenant/2026-11-23T0001-identity-schema.ts');
  const before = new Migrator({ db, provider: { getMigrations: async () => ({ '2026-11-23T0001-identity-schema': first }) } });
  expect((await before.migrateToLatest()).error).toBeUndefined();
  const unkeyed = crypto.createHash('sha256').update('acme\0alice@example.test').digest('hex');
  await db
    .insertInto('login_attempts')
    .values({ identifier_hash: unkeyed, ip: '2001:db8::1', succeeded: false, reason: 'invalid_credentials' })
    .execute();

  const { applied } = await migrateToLatest(db, 'tenant');
  expect(applied).toContain('2026-11-30T0130-login-activity-per-client');
  const rows = await db.selectFrom('login_attempts').select(['identifier_hash', 'ip', 'ip_bucket', 'device_id', 'reason']).execute();
  expect(rows).toEqual([{ identifier_hash: '', ip: '2001:db8::1', ip_bucket: '2001:db8::1', device_id: null, reason: 'invalid_credentials' }]);
});
