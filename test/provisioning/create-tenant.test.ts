import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, uniqueTenantId, clusterUrl, type TestPlatform } from '../support/platform.ts';
import { createTenant, deleteTenant } from '../../src/provisioning/tenants.service.ts';
import { findTenant } from '../../src/platform/tenants.repository.ts';
import { databaseExists, withMaintenanceSession } from '../../src/db/postgres.ts';
import { openTenantDatabase } from '../../src/db/tenant-database.ts';
import { verifyPassword } from '../../src/crypto/passwords.ts';
import { rolesOf } from '../../src/modules/users/users.repository.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await openTestPlatform();
});
afterAll(async () => {
  await platform.destroy();
});

const exists = (name: string) => withMaintenanceSession(clusterUrl(), (client) => databaseExists(client, name));

describe('createTenant', () => {
  it('clones a migrated database, seeds an argon2id admin with TenantAdmin and an encrypted RSA key', async () => {
    const id = uniqueTenantId('acme');
    const created = await createTenant(platform, { id, displayName: 'Acme Corp', adminEmail: 'Boss@Acme.test' });

    expect(created.tenant.status).toBe('active');
    expect(created.issuer).toBe(`http://localhost:8080/t/${id}`);
    expect(created.admin.email).toBe('boss@acme.test');
    expect(created.admin.generatedPassword).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(await exists(created.tenant.database_name)).toBe(true);

    const db = openTenantDatabase(clusterUrl(), created.tenant.database_name, 1);
    try {
      const admin = await db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
      expect(admin.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      expect(await verifyPassword(admin.password_hash!, created.admin.generatedPassword!)).toBe(true);
      expect(await rolesOf(db, admin.id)).toEqual(['TenantAdmin']);
      const key = await db.selectFrom('signing_keys').selectAll().where('state', '=', 'active').executeTakeFirstOrThrow();
      expect(key).toMatchObject({ alg: 'RS256', state: 'active' });
      expect(key.private_jwk_encrypted).toMatch(/^v1\./);
      expect(key.private_jwk_encrypted).not.toContain('"d"');
      expect(Object.keys(key.public_jwk as object).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    } finally {
      await db.destroy();
    }
  });

  it('deletes a tenant whose database has open connections', async () => {
    const id = uniqueTenantId('del');
    const { tenant } = await createTenant(platform, { id });
    const db = openTenantDatabase(clusterUrl(), tenant.database_name, 1);
    await db.selectFrom('users').select('id').execute();
    await deleteTenant(platform, id);
    expect(await findTenant(platform.db, id)).toBeUndefined();
    expect(await exists(tenant.database_name)).toBe(false);
    await db.destroy();
  });
});
