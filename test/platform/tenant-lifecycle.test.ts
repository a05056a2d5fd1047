import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, uniqueTenantId, type TestPlatform } from '../support/platform.ts';
import { eventually } from '../support/eventually.ts';
import {
  canTransition, statusesFor, TENANT_STATUSES, TENANT_TRANSITIONS, type TenantOperation, type TenantStatus,
} from '../../src/platform/tenant-lifecycle.ts';
import { findTenant, insertProvisioningTenant, setTenantStatus, transitionTenant } from '../../src/platform/tenants.repository.ts';
import { tenantDatabaseName, type TenantId } from '../../src/platform/tenant-id.ts';
import { withTenantScope } from '../../src/platform/tenant-access.ts';
import { loadServableTenant } from '../../src/tenancy/tenant-context.ts';
import { backupTenant } from '../../src/provisioning/backup.ts';
import { moveTenant } from '../../src/provisioning/move.ts';
import { recoverTenant } from '../../src/provisioning/recover.ts';
import { deleteTenant, setTenantSuspended } from '../../src/provisioning/tenants.service.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await openTestPlatform();
});
afterAll(async () => {
  await platform.destroy();
});

/** A registry row in `status`, without a database: transitions and status checks never reach one. */
async function tenantIn(status: TenantStatus, prefix = 'lc'): Promise<string> {
  const id = uniqueTenantId(prefix);
  await insertProvisioningTenant(platform.db, { id, displayName: id, cluster: 'main', databaseName: tenantDatabaseName(id as TenantId) });
  await setTenantStatus(platform.db, id, status);
  return id;
}

const statusOf = async (id: string) => (await findTenant(platform.db, id))?.status;

describe('the tenant lifecycle', () => {
  it('applies every transition in the table, and refuses every other one with tenant_busy naming the status', async () => {
    const outcomes: string[] = [];
    for (const from of TENANT_STATUSES) {
      const id = await tenantIn(from);
      for (const to of TENANT_STATUSES) {
        await setTenantStatus(platform.db, id, from);
        const result = await transitionTenant(platform.db, id, to).then(
          (row) => `${row.status}`,
          (error: { code?: string; status?: number; message: string }) => `${error.code} ${error.status}: ${error.message}`,
        );
        outcomes.push(`${from} → ${to}: ${result}`);
      }
    }
    const expected = TENANT_STATUSES.flatMap((from) =>
      TENANT_STATUSES.map((to) => `${from} → ${to}: ${canTransition(from, to) ? to : `tenant_busy 409: tenant "<id>" is ${from}; `}`),
    );
    // The id differs per row and the hint per status; the rest is the contract.
    expect(outcomes.map((line) => line.replace(/tenant "[^"]+"/, 'tenant "<id>"').replace(/; .*$/, '; '))).toEqual(expected);
  });

  it('holds the transitions that today\'s operations make', () => {
    // Written out, so a change to the table is a visible change to this test (docs/architecture.md#tenant-lifecycle).
    expect(TENANT_TRANSITIONS).toEqual({
      provisioning: ['active', 'failed', 'maintenance'],
      active: ['active', 'suspended', 'maintenance', 'deleting'],
      suspended: ['active', 'suspended', 'maintenance', 'deleting'],
      maintenance: ['active', 'suspended', 'failed'],
      deleting: ['deleting'],
      failed: ['provisioning', 'maintenance', 'deleting'],
    });
    // Each operation that changes the status may do so from every status it starts from.
    const target: Partial<Record<TenantOperation, TenantStatus>> = {
      move: 'maintenance', restore: 'maintenance', recover: 'active', suspend: 'suspended', resume: 'active', delete: 'deleting', create: 'provisioning',
    };
    for (const [operation, to] of Object.entries(target) as [TenantOperation, TenantStatus][]) {
      for (const from of statusesFor(operation)) expect(canTransition(from, to), `${operation}: ${from} → ${to}`).toBe(true);
    }
  });

  it('refuses a `from` outside the table before touching the row, and names an unknown tenant as such', async () => {
    const id = await tenantIn('active');
    await expect(transitionTenant(platform.db, id, 'provisioning', { from: ['active'] })).rejects.toThrow(/no transition from active to provisioning/);
    expect(await statusOf(id)).toBe('active');
    await expect(transitionTenant(platform.db, uniqueTenantId('ghost'), 'suspended')).rejects.toMatchObject({ code: 'tenant_not_found', status: 404 });
  });

  it.each([
    ['move vs delete', { to: 'maintenance', from: ['active'] }, { to: 'deleting', from: statusesFor('delete') }],
    ['restore vs suspend', { to: 'maintenance', from: ['active'] }, { to: 'suspended', from: statusesFor('suspend') }],
    ['two moves', { to: 'maintenance', from: ['active'] }, { to: 'maintenance', from: ['active'] }],
  ] as const)('lets exactly one of two racing transitions from the same status win in PostgreSQL (%s)', async (_, first, second) => {
    const id = await tenantIn('active', 'race');
    // A third session holds the row, so both UPDATEs are in flight at once and queue on its lock;
    // released, the second re-checks its WHERE against the row the first committed.
    let locked!: () => void;
    let release!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const holder = platform.db.transaction().execute(async (trx) => {
      await trx.selectFrom('tenants').select('id').where('id', '=', id).forUpdate().execute();
      locked();
      await released;
    });
    await isLocked;
    const racing = [first, second].map((t) => transitionTenant(platform.db, id, t.to, { from: t.from }));
    racing.forEach((p) => p.catch(() => {}));
    await eventually(async () => {
      const { rows } = await sql<{ waiting: string }>`
        SELECT count(*) AS waiting FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE 'update "tenants"%'`.execute(platform.db);
      return Number(rows[0]!.waiting) === 2;
    }, 'both transitions waiting on the row');
    release();
    await holder;

    const results = await Promise.allSettled(racing);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = (won[0] as PromiseFulfilledResult<{ status: TenantStatus }>).value.status;
    expect(await statusOf(id)).toBe(winner);
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'tenant_busy', status: 409, message: expect.stringContaining(`is ${winner};`) });
  });
});

describe('every operation reads its statuses from the lifecycle', () => {
  it('serves only an active tenant: suspended 403, maintenance 503, the rest unknown', async () => {
    const answers: Record<string, string> = {};
    for (const status of TENANT_STATUSES) {
      const id = await tenantIn(status, 'srv');
      answers[status] = await loadServableTenant(platform, id).then(
        (row) => row.status,
        (error: { code: string; status: number }) => `${error.code} ${error.status}`,
      );
    }
    expect(answers).toEqual({
      provisioning: 'tenant_not_found 404',
      active: 'active',
      suspended: 'tenant_suspended 403',
      maintenance: 'tenant_unavailable 503',
      failed: 'tenant_not_found 404',
      deleting: 'tenant_not_found 404',
    });
  });

  it.each(['maintenance', 'provisioning', 'deleting'] as const)('refuses commands, backup, move, suspend and resume on a %s tenant with one tenant_busy', async (status) => {
    const id = await tenantIn(status, 'busy');
    const attempts = {
      command: () => withTenantScope(platform, id, async () => 'ran'),
      backup: () => backupTenant(platform, id, { out: `/nonexistent/${id}.tansu-backup` }),
      move: () => moveTenant(platform, id, { to: 'elsewhere' }),
      suspend: () => setTenantSuspended(platform, id, true),
      resume: () => setTenantSuspended(platform, id, false),
    };
    for (const [operation, attempt] of Object.entries(attempts)) {
      await expect(attempt(), operation).rejects.toMatchObject({
        code: 'tenant_busy',
        status: 409,
        message: `tenant "${id}" is ${status}; try again when that finishes`,
      });
    }
    expect(await statusOf(id)).toBe(status);
  });

  it('deletes from active, suspended, failed and deleting only', async () => {
    for (const status of ['maintenance', 'provisioning'] as const) {
      const id = await tenantIn(status, 'del');
      await expect(deleteTenant(platform, id)).rejects.toMatchObject({ code: 'tenant_busy', message: `tenant "${id}" is ${status}; try again when that finishes` });
      expect(await statusOf(id)).toBe(status);
    }
    for (const status of statusesFor('delete')) {
      const id = await tenantIn(status, 'del');
      await deleteTenant(platform, id);
      expect(await findTenant(platform.db, id)).toBeUndefined();
    }
  });

  it('recovers only a tenant in maintenance', async () => {
    const id = await tenantIn('failed', 'rec');
    await expect(recoverTenant(platform, id)).rejects.toMatchObject({ code: 'tenant_not_in_maintenance', status: 409 });
  });
});
