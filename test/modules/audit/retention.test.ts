import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { TenantScope } from '../../../src/platform/tenant-scope.ts';
import { deleteHistoryPastRetention } from '../../../src/modules/audit/retention.ts';
import { updateTenantSettings } from '../../../src/modules/settings/settings.service.ts';
import { RETENTION_BOUNDS } from '../../../src/modules/settings/setting-bounds.ts';
import { startUsersTestBed, type UsersTestBed } from '../../support/users.ts';
import { TEST_ACTOR } from '../../support/scope.ts';

let bed: UsersTestBed;
beforeAll(async () => {
  bed = await startUsersTestBed();
});
afterAll(async () => {
  await bed?.close();
});

const daysAgo = (days: number) => sql<Date>`now() - make_interval(days => ${days}) + interval '1 hour'`;
const pastDays = (days: number) => sql<Date>`now() - make_interval(days => ${days}) - interval '1 hour'`;

/** One audit event and one sign-in attempt just inside `keep` days and one each just past it. */
async function insertAround(scope: TenantScope, keepAudit: number, keepLogins: number): Promise<void> {
  const attempt = { identifier_hash: 'h', ip: '192.0.2.1', ip_bucket: '192.0.2.1', succeeded: false, reason: 'invalid_credentials' };
  await scope.db
    .insertInto('login_attempts')
    .values([{ ...attempt, occurred_at: daysAgo(keepLogins) }, { ...attempt, occurred_at: pastDays(keepLogins) }])
    .execute();
  await scope.db
    .insertInto('audit_events')
    .values([
      { actor: 'test', action: 'old.kept', details: '{}', occurred_at: daysAgo(keepAudit) },
      { actor: 'test', action: 'old.deleted', details: '{}', occurred_at: pastDays(keepAudit) },
    ])
    .execute();
}

async function left(scope: TenantScope) {
  return {
    audit: (await scope.db.selectFrom('audit_events').select('action').where('action', 'like', 'old.%').orderBy('id').execute()).map((row) => row.action),
    attempts: (await scope.db.selectFrom('login_attempts').select('id').execute()).length,
  };
}

describe('history past its retention', () => {
  it('is deleted after the default retention, and nothing younger', async () => {
    const scope = await bed.tenant('retention-default');
    await insertAround(scope, RETENTION_BOUNDS.auditEvents.default, RETENTION_BOUNDS.loginActivity.default);
    expect(await deleteHistoryPastRetention(scope)).toEqual({ auditEvents: 1, loginAttempts: 1 });
    expect(await left(scope)).toEqual({ audit: ['old.kept'], attempts: 1 });
  });

  it("follows each tenant's own retention", async () => {
    const [short, other] = await Promise.all([bed.tenant('retention-short'), bed.tenant('retention-other')]);
    await updateTenantSettings(short, { retentionDays: { auditEvents: 40, loginActivity: 3 } }, TEST_ACTOR);
    await insertAround(short, 40, 3);
    await insertAround(other, 40, 3);
    expect(await deleteHistoryPastRetention(short)).toEqual({ auditEvents: 1, loginAttempts: 1 });
    expect(await left(short)).toEqual({ audit: ['old.kept'], attempts: 1 });
    // The other tenant keeps the defaults: its rows of 40 and 3 days are young.
    expect(await deleteHistoryPastRetention(other)).toEqual({ auditEvents: 0, loginAttempts: 0 });
    expect(await left(other)).toEqual({ audit: ['old.kept', 'old.deleted'], attempts: 2 });
  });
});
