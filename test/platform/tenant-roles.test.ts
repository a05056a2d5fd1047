import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clusterUrl, openTestPlatform, uniqueTenantId, type TestPlatform } from '../support/platform.ts';
import { createTenant, deleteTenant } from '../../src/provisioning/tenants.service.ts';
import { migrateFleet } from '../../src/provisioning/migrate-fleet.ts';
import { TEMPLATE_DATABASE } from '../../src/provisioning/template.ts';
import { findTenant } from '../../src/platform/tenants.repository.ts';
import { tenantRoleCredentials, withRoleCredentials, type RoleCredentials } from '../../src/platform/tenant-credentials.ts';
import { withTenantScope } from '../../src/platform/tenant-access.ts';
import { buildTenantContext } from '../../src/tenancy/tenant-context.ts';
import { tenantRoleName, type TenantId } from '../../src/platform/tenant-id.ts';
import { databaseUrl, withMaintenanceSession } from '../../src/db/postgres.ts';
import { pgCode } from '../../src/errors.ts';

/**
 * Database-level isolation: every tenant database has its own login role, and a tenant's pool
 * connects as that role, which can open its own database and no other.
 */
let platform: TestPlatform;
beforeAll(async () => {
  platform = await openTestPlatform();
});
afterAll(async () => {
  await platform.destroy();
});

async function credentialsOf(id: string): Promise<RoleCredentials> {
  const row = await findTenant(platform.db, id);
  const credentials = row && tenantRoleCredentials(platform.secrets, row);
  if (!credentials) throw new Error(`tenant ${id} has no role`);
  return credentials;
}

/** Opens a session on `database` as `credentials` and runs one query; the error's SQLSTATE, or the rows. */
async function connectAs(credentials: RoleCredentials, database: string, query = 'SELECT current_user AS name'): Promise<{ rows?: { name: string }[]; code?: string; message?: string }> {
  const client = new pg.Client({ connectionString: databaseUrl(withRoleCredentials(clusterUrl(), credentials), database) });
  client.on('error', () => {});
  try {
    await client.connect();
    return { rows: (await client.query<{ name: string }>(query)).rows };
  } catch (error) {
    return { code: pgCode(error), message: (error as Error).message };
  } finally {
    await client.end().catch(() => {});
  }
}

async function roleOnCluster(role: string) {
  return withMaintenanceSession(clusterUrl(), async (client) => {
    const { rows } = await client.query<{ rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean; rolinherit: boolean; rolcanlogin: boolean; rolpassword: string | null }>(
      'SELECT rolsuper, rolcreatedb, rolcreaterole, rolinherit, rolcanlogin, rolpassword FROM pg_authid WHERE rolname = $1',
      [role],
    );
    return rows[0];
  });
}

describe('tenant database roles', () => {
  let a: { id: TenantId; database: string };
  let b: { id: TenantId; database: string };

  beforeAll(async () => {
    const [createdA, createdB] = await Promise.all([createTenant(platform, { id: uniqueTenantId('rla') }), createTenant(platform, { id: uniqueTenantId('rlb') })]);
    a = { id: createdA.tenant.id as TenantId, database: createdA.tenant.database_name };
    b = { id: createdB.tenant.id as TenantId, database: createdB.tenant.database_name };
  });

  it("a tenant's pool connects as the tenant's own role, not the admin", async () => {
    const context = await buildTenantContext(platform, a.id);
    try {
      const { rows } = await sql<{ name: string; database: string }>`SELECT current_user AS name, current_database() AS database`.execute(context.db);
      expect(rows[0]).toEqual({ name: tenantRoleName(a.id), database: a.database });
      expect(rows[0]!.name).not.toBe(decodeURIComponent(new URL(clusterUrl()).username));
    } finally {
      await context.close();
    }
    // Tenant-level commands (users, clients, keys) go through the same role.
    const user = await withTenantScope(platform, b.id, async ({ db }) => (await sql<{ name: string }>`SELECT current_user AS name`.execute(db)).rows[0]!.name);
    expect(user).toBe(tenantRoleName(b.id));
  });

  it("tenant A's role cannot open tenant B's database, the template or the platform database", async () => {
    const asA = await credentialsOf(a.id);
    expect((await connectAs(asA, a.database)).rows).toEqual([{ name: tenantRoleName(a.id) }]);
    for (const other of [b.database, TEMPLATE_DATABASE, new URL(platform.platformUrl).pathname.slice(1)]) {
      const refused = await connectAs(asA, other);
      // 42501: refused for lack of CONNECT, with the right password (the embedded cluster checks passwords, and
      // would let the role in with any other auth method just the same: the privilege decides).
      expect(refused).toMatchObject({ code: '42501' });
      expect(refused.message).toMatch(/permission denied for database/);
    }
    // The same role with B's password is no way in either.
    expect((await connectAs({ user: asA.user, password: (await credentialsOf(b.id)).password }, a.database)).code).toBe('28P01');
  });

  it('the role holds no power beyond DML in its own database', async () => {
    const role = await roleOnCluster(tenantRoleName(a.id));
    expect(role).toMatchObject({ rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolinherit: false, rolcanlogin: true });
    const asA = await credentialsOf(a.id);
    expect((await connectAs(asA, a.database, 'CREATE TABLE intruder (id int)')).code).toBe('42501');
    expect((await connectAs(asA, a.database, 'DROP TABLE users')).code).toBe('42501');
    expect((await connectAs(asA, a.database, 'DELETE FROM kysely_migration')).code).toBe('42501');
    expect((await connectAs(asA, a.database, 'SELECT count(*)::text AS name FROM users')).rows).toEqual([{ name: '1' }]);
  });

  it('the password is stored sealed in the registry and as a SCRAM verifier on the cluster, never in plaintext', async () => {
    const row = (await findTenant(platform.db, a.id))!;
    const { password } = await credentialsOf(a.id);
    expect(Buffer.from(password, 'base64url')).toHaveLength(32);
    expect(row.role_password_encrypted).toMatch(/^v1\./);
    expect(row.role_password_encrypted).not.toContain(password);
    // Sealed for A: on B's row it does not open.
    expect(() => tenantRoleCredentials(platform.secrets, { id: b.id, role_password_encrypted: row.role_password_encrypted })).toThrow(/cannot be opened/);
    const role = await roleOnCluster(tenantRoleName(a.id));
    expect(role!.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(role!.rolpassword).not.toContain(password);
  });

  it('deleting a tenant drops its role', async () => {
    const id = uniqueTenantId('rld') as TenantId;
    await createTenant(platform, { id });
    expect(await roleOnCluster(tenantRoleName(id))).toBeDefined();
    await deleteTenant(platform, id);
    expect(await roleOnCluster(tenantRoleName(id))).toBeUndefined();
  });

  it('a tenant from before tenant roles is served as admin (logged once) until tansu migrate gives it its role', async () => {
    const id = uniqueTenantId('rlo') as TenantId;
    const { tenant } = await createTenant(platform, { id });
    const role = tenantRoleName(id);
    // What such a tenant looks like: no password in the registry, no role, a database PUBLIC may connect to.
    await platform.db.updateTable('tenants').set({ role_password_encrypted: null }).where('id', '=', id).execute();
    const inTenant = new pg.Client({ connectionString: databaseUrl(clusterUrl(), tenant.database_name) });
    await inTenant.connect();
    await inTenant.query(`DROP OWNED BY ${role}`);
    await inTenant.end();
    await withMaintenanceSession(clusterUrl(), async (client) => {
      await client.query(`DROP ROLE ${role}`);
      await client.query(`GRANT CONNECT ON DATABASE ${tenant.database_name} TO PUBLIC`);
    });

    const warn = vi.spyOn(platform.log, 'warn');
    const currentUser = async () => {
      const context = await buildTenantContext(platform, id);
      try {
        return (await sql<{ name: string }>`SELECT current_user AS name`.execute(context.db)).rows[0]!.name;
      } finally {
        await context.close();
      }
    };
    const admin = decodeURIComponent(new URL(clusterUrl()).username);
    expect(await currentUser()).toBe(admin);
    expect(await currentUser()).toBe(admin);
    expect(warn.mock.calls.filter(([fields]) => (fields as { tenant?: string }).tenant === id)).toHaveLength(1);
    warn.mockRestore();

    const report = await migrateFleet(platform);
    expect(report.tenants.find((t) => t.tenant === id)?.status).toBe('up-to-date');
    expect(await currentUser()).toBe(role);
    // Its database is closed to PUBLIC again: another tenant's role is refused.
    expect((await connectAs(await credentialsOf(a.id), tenant.database_name)).code).toBe('42501');
  });
});
