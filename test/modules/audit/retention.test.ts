import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { TenantDb } from '../../../src/db/tenant-database.ts';
import { deleteOldLoginAttempts, LOGIN_ACTIVITY_RETENTION_DAYS } from '../../../src/modules/users/login-throttle.ts';
import { startUsersTestBed, type UsersTestBed } from '../../support/users.ts';

let bed: UsersTestBed;
let db: TenantDb;
beforeAll(async () => {
  bed = await startUsersTestBed();
  ({ db } = await bed.tenant('retention'));
});
afterAll(async () => {
  await bed?.close();
});

it('deletes sign-in activity older than the retention and keeps the rest', async () => {
  const row = { identifier_hash: 'h', ip: '192.0.2.1', ip_bucket: '192.0.2.1', succeeded: false, reason: 'invalid_credentials' };
  await db
    .insertInto('login_attempts')
    .values([
      { ...row, occurred_at: sql<Date>`now() - make_interval(days => ${LOGIN_ACTIVITY_RETENTION_DAYS + 1})` },
      { ...row, occurred_at: sql<Date>`now() - make_interval(days => ${LOGIN_ACTIVITY_RETENTION_DAYS - 1})` },
    ])
    .execute();
  expect(await deleteOldLoginAttempts(db)).toBe(1);
  const left = await db.selectFrom('login_attempts').select('occurred_at').execute();
  expect(left).toHaveLength(1);
  expect(Date.now() - left[0]!.occurred_at.getTime()).toBeLessThan(LOGIN_ACTIVITY_RETENTION_DAYS * 86_400_000);
});
