import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, uniqueTenantId, clusterUrl, type TestPlatform } from '../support/platform.ts';
import { createTenant, deleteTenant } from '../../src/provisioning/tenants.service.ts';
import { findTenant, listTenants, setTenantStatus } from '../../src/platform/tenants.repository.ts';
import { openTenantDatabase } from '../../src/db/tenant-database.ts';
import { databaseExists, withMaintenanceSession } from '../../src/db/postgres.ts';
import { tenantDatabaseName, type TenantId } from '../../src/platform/tenant-id.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await openTestPlatform();
});
afterAll(async () => {
  await platform.destroy();
});

const exists = (name: string) => withMaintenanceSession(clusterUrl(), (client) => databaseExists(client, name));

describe('provisioning faults', () => {
  it.each(['Acme', 'a', 'x_y', 'acme"; drop database x; --', '../etc', 'a'.repeat(64), 'admin'])(
    'refuses the id %j before touching anything',
    async (id) => {
      await expect(createTenant(platform, { id })).rejects.toMatchObject({ code: 'invalid_tenant_id', status: 400 });
      expect(await listTenants(platform.db)).toEqual([]);
    },
  );

  it('leaves no orphan database after a failure past CREATE DATABASE, marks the row failed, and a rerun succeeds', async () => {
    const id = uniqueTenantId('fault');
    const database = tenantDatabaseName(id as TenantId);
    let sawDatabase = false;
    await expect(
      createTenant(platform, { id }, {
        afterDatabaseCreated: async () => {
          sawDatabase = await exists(database);
          throw new Error('injected: disk full');
        },
      }),
    ).rejects.toMatchObject({ code: 'provisioning_failed', message: expect.stringContaining('injected: disk full') });
    expect(sawDatabase).toBe(true);
    expect(await exists(database)).toBe(false);
    expect(await findTenant(platform.db, id)).toMatchObject({ status: 'failed', failure_reason: 'injected: disk full' });

    const retried = await createTenant(platform, { id });
    expect(retried.tenant).toMatchObject({ id, status: 'active', failure_reason: null });
    expect(await exists(database)).toBe(true);
  });

  it('gives exactly one of two concurrent creates the tenant and the other tenant_exists', async () => {
    const id = uniqueTenantId('race');
    const results = await Promise.allSettled([createTenant(platform, { id }), createTenant(platform, { id })]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'tenant_exists', status: 409 });
    expect((await listTenants(platform.db)).filter((t) => t.id === id).map((t) => t.status)).toEqual(['active']);
  });

  it('refuses a duplicate of a live tenant without harming it', async () => {
    const id = uniqueTenantId('dup');
    const first = await createTenant(platform, { id });
    await expect(createTenant(platform, { id })).rejects.toMatchObject({ code: 'tenant_exists' });
    expect(await findTenant(platform.db, id)).toMatchObject({ status: 'active', updated_at: first.tenant.updated_at });
    expect(await exists(first.tenant.database_name)).toBe(true);
  });

  it('says clearly when a tenant to delete does not exist', async () => {
    await expect(deleteTenant(platform, 'nobody-here')).rejects.toMatchObject({
      code: 'tenant_not_found',
      status: 404,
      message: 'tenant "nobody-here" does not exist',
    });
    await expect(deleteTenant(platform, 'Not/An/Id')).rejects.toMatchObject({ code: 'invalid_tenant_id' });
  });
});

async function adminEmails(database: string): Promise<string[]> {
  const db = openTenantDatabase(clusterUrl(), database, 1);
  try {
    return (await db.selectFrom('users').select('email').execute()).map((u) => u.email);
  } finally {
    await db.destroy();
  }
}

/** The rule: a tenant the registry shows active is never dropped by the create error path. */
describe('failures once a tenant is active', () => {
  it('a failure after activation leaves the tenant created: active, with its database and admin', async () => {
    const id = uniqueTenantId('actfail');
    const created = await createTenant(platform, { id, adminEmail: 'admin@actfail.test' }, {
      afterActivated: () => {
        throw new Error('injected: platform audit insert failed');
      },
    });
    expect(created.tenant).toMatchObject({ id, status: 'active' });
    expect(await findTenant(platform.db, id)).toMatchObject({ status: 'active', failure_reason: null });
    expect(await exists(created.tenant.database_name)).toBe(true);
    expect(await adminEmails(created.tenant.database_name)).toEqual(['admin@actfail.test']);
  });

  it('an error while the registry already shows the tenant active does not drop its database', async () => {
    const id = uniqueTenantId('actlost');
    const database = tenantDatabaseName(id as TenantId);
    // What a lost reply to the activation looks like to the error path: the row is active, yet an error came back.
    await expect(
      createTenant(platform, { id }, {
        afterDatabaseCreated: async () => {
          await setTenantStatus(platform.db, id, 'active', { from: ['provisioning'] });
          throw new Error('injected: connection lost after COMMIT');
        },
      }),
    ).rejects.toMatchObject({ code: 'provisioning_failed', message: /connection lost/ });
    expect(await findTenant(platform.db, id)).toMatchObject({ status: 'active' });
    expect(await exists(database)).toBe(true);
  });
});
