import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, uniqueTenantId, clusterUrl, type TestPlatform } from '../support/platform.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { findTenant, setTenantStatus } from '../../src/platform/tenants.repository.ts';
import { databaseExists, withMaintenanceSession } from '../../src/db/postgres.ts';
import { openTenantDatabase } from '../../src/db/tenant-database.ts';
import { tenantDatabaseName, type TenantId } from '../../src/tenancy/tenant-id.ts';

/** The rule: a tenant the registry shows active is never dropped by the create error path. */

let platform: TestPlatform;
beforeAll(async () => {
  platform = await openTestPlatform();
});
afterAll(async () => {
  await platform.destroy();
});

const exists = (name: string) => withMaintenanceSession(clusterUrl(), (client) => databaseExists(client, name));

async function adminEmails(database: string): Promise<string[]> {
  const db = openTenantDatabase(clusterUrl(), database, 1);
  try {
    return (await db.selectFrom('users').select('email').execute()).map((u) => u.email);
  } finally {
    await db.destroy();
  }
}

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
