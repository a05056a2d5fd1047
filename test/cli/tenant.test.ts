import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, testConfig, uniqueTenantId, clusterUrl, type TestPlatform } from '../support/platform.ts';
import { cliEnv, runTansu } from '../support/cli.ts';
import { findTenant, listTenants } from '../../src/platform/tenants.repository.ts';
import { databaseExists, withMaintenanceSession } from '../../src/db/postgres.ts';
import { openTenantDatabase } from '../../src/db/tenant-database.ts';
import { verifyPassword } from '../../src/crypto/passwords.ts';
import { rolesOf } from '../../src/modules/users/users.repository.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';

let platform: TestPlatform;
let env: Record<string, string>;
beforeAll(async () => {
  const config = testConfig();
  platform = await openTestPlatform(config);
  env = cliEnv(config);
});
afterAll(async () => {
  await platform.destroy();
});

const tansu = (...args: string[]) => runTansu(args, env);
const exists = (name: string) => withMaintenanceSession(clusterUrl(), (client) => databaseExists(client, name));

describe('tansu tenant create', () => {
  const invalidIds = ['Acme', 'a', 'x_y', 'acme"; drop database x; --', '../etc', `a${'b'.repeat(63)}`, 'admin'];

  it.each(invalidIds)('refuses the id %j with exit 2 and creates nothing', async (id) => {
    const run = await tansu('tenant', 'create', id);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/invalid_tenant_id/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await listTenants(platform.db)).toEqual([]);
    const wouldBeDatabase = `tansu_tenant_${id.toLowerCase().replace(/[^a-z0-9]/g, '_')}`.slice(0, 63);
    expect(await exists(wouldBeDatabase)).toBe(false);
  });

  it('prints the tenant, its issuer, database and a generated admin password that is stored only as a hash', async () => {
    const id = uniqueTenantId('cli');
    const run = await tansu('tenant', 'create', id, '--name', 'Acme Corp', '--admin-email', 'Owner@Acme.test', '--json');
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.tenant).toMatchObject({
      id,
      name: 'Acme Corp',
      status: 'active',
      issuer: `http://localhost:8080/t/${id}`,
      cluster: 'main',
      database: `tansu_tenant_${id.replaceAll('-', '_')}`,
    });
    expect(out.admin.email).toBe('owner@acme.test');
    expect(out.admin.password).toMatch(/^\S{16,}$/);

    const db = openTenantDatabase(clusterUrl(), out.tenant.database, 1);
    try {
      const admin = await db.selectFrom('users').selectAll().where('email', '=', 'owner@acme.test').executeTakeFirstOrThrow();
      expect(admin.password_hash).toMatch(/^\$argon2id\$/);
      expect(admin.password_hash).not.toContain(out.admin.password);
      expect(await verifyPassword(admin.password_hash!, out.admin.password)).toBe(true);
      expect(await rolesOf(db, admin.id)).toEqual(['TenantAdmin']);
    } finally {
      await db.destroy();
    }

    // Shown once: nothing else prints it again.
    const show = await tansu('tenant', 'show', id);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`issuer    http://localhost:8080/t/${id}`);
    expect(show.stdout).not.toContain(out.admin.password);
  });

  it('prints a human summary with the generated password, or none when one was given', async () => {
    const generated = await tansu('tenant', 'create', uniqueTenantId('hum'));
    expect(generated.code, generated.stderr).toBe(0);
    expect(generated.stdout).toMatch(/^password  \S+ {3}\(generated, shown only now/m);

    const given = await tansu('tenant', 'create', uniqueTenantId('hum'), '--admin-password', 'correct horse battery');
    expect(given.code, given.stderr).toBe(0);
    expect(given.stdout).toMatch(/^admin {5}admin@/m);
    expect(given.stdout).not.toMatch(/password/);
  });

  it('refuses a duplicate id with tenant_exists', async () => {
    const id = uniqueTenantId('dup');
    await createTenant(platform, { id });
    const again = await tansu('tenant', 'create', id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`tenant "${id}" already exists (tenant_exists)`);
  });

  it('of two concurrent creates of one id, exactly one wins and the other gets tenant_exists', async () => {
    const id = uniqueTenantId('race');
    const runs = await Promise.all([tansu('tenant', 'create', id, '--json'), tansu('tenant', 'create', id, '--json')]);
    const codes = runs.map((r) => r.code).sort();
    expect(codes).toEqual([0, 1]);
    const loser = runs.find((r) => r.code === 1)!;
    expect(JSON.parse(loser.stderr.trim().split('\n').at(-1)!)).toMatchObject({ error: 'tenant_exists' });
    const rows = (await listTenants(platform.db)).filter((t) => t.id === id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe('active');
  });

  it('reports a weak admin password as invalid input (exit 2) without creating the tenant', async () => {
    const id = uniqueTenantId('weak');
    const run = await tansu('tenant', 'create', id, '--admin-password', 'short');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('weak_password');
    expect(await findTenant(platform.db, id)).toBeUndefined();
  });
});

describe('tansu tenant list, show, suspend, resume', () => {
  it('lists tenants as a table or JSON and shows, suspends and resumes one', async () => {
    const id = uniqueTenantId('lst');
    await createTenant(platform, { id, displayName: 'Listed Ltd' });

    const table = await tansu('tenant', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATUS\s+CLUSTER\s+DATABASE\s+CREATED$/);
    expect(table.stdout).toMatch(new RegExp(`^${id}\\s+Listed Ltd\\s+active\\s+main\\s+tansu_tenant_`, 'm'));

    const json = JSON.parse((await tansu('tenant', 'list', '--json')).stdout);
    expect(json.map((t: { id: string }) => t.id)).toContain(id);

    const suspended = await tansu('tenant', 'suspend', id, '--json');
    expect(suspended.code).toBe(0);
    expect(JSON.parse(suspended.stdout).status).toBe('suspended');
    const onlySuspended = JSON.parse((await tansu('tenant', 'list', '--status', 'suspended', '--json')).stdout);
    expect(onlySuspended.map((t: { id: string }) => t.id)).toEqual([id]);
    expect((await tansu('tenant', 'resume', id)).stdout).toBe(`tenant ${id} is active\n`);
  });

  it('answers an unknown tenant with a clear error and exit 1', async () => {
    const run = await tansu('tenant', 'show', 'no-such-tenant');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('tansu: tenant "no-such-tenant" does not exist (tenant_not_found)\n');
  });
});

describe('tansu tenant delete', () => {
  it('refuses without --yes (exit 2) and leaves the tenant alone', async () => {
    const id = uniqueTenantId('keep');
    await createTenant(platform, { id });
    const run = await tansu('tenant', 'delete', id);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--yes');
    expect((await findTenant(platform.db, id))?.status).toBe('active');
  });

  it('deletes a tenant whose database has open connections', async () => {
    const id = uniqueTenantId('busy');
    const created = await createTenant(platform, { id });
    const db = openTenantDatabase(clusterUrl(), created.tenant.database_name, 2);
    try {
      await Promise.all([db.selectFrom('users').select('id').execute(), db.selectFrom('roles').selectAll().execute()]);
      const run = await tansu('tenant', 'delete', id, '--yes');
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe(`tenant ${id} deleted\n`);
    } finally {
      await db.destroy();
    }
    expect(await findTenant(platform.db, id)).toBeUndefined();
    expect(await exists(created.tenant.database_name)).toBe(false);
  });

  it('reports an unknown tenant clearly (exit 1) and an invalid id as bad input (exit 2)', async () => {
    const unknown = await tansu('tenant', 'delete', 'ghost-tenant', '--yes');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('tansu: tenant "ghost-tenant" does not exist (tenant_not_found)\n');
    const invalid = await tansu('tenant', 'delete', '../etc', '--yes');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('invalid_tenant_id');
  });
});

describe('tansu usage', () => {
  it.each([[['--help']], [['tenant', '--help']], [['tenant', 'create', '--help']], [['migrate', '-h']]])('prints help for %j', async (args) => {
    const run = await tansu(...args);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: tansu /);
    expect(run.stderr).toBe('');
  });

  it('says so in one line (exit 1) when the database cannot be reached', async () => {
    const run = await runTansu(['tenant', 'list'], { ...env, DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/tansu_identity' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^tansu: cannot open the platform database: .*ECONNREFUSED.* \(database_unreachable\)\n$/);
    expect(run.stderr).not.toContain('secret');
  });

  it('lists the options of a command from its declaration', async () => {
    const run = await tansu('tenant', 'create', '--help');
    for (const option of ['--name', '--admin-email', '--admin-password', '--cluster', '--json']) expect(run.stdout).toContain(option);
  });

  it.each([
    [['tenant', 'frobnicate'], /unknown command "tenant frobnicate"/],
    [['tenant', 'create', 'acme-x', '--colour', 'red'], /unknown option --colour/],
    [['tenant', 'create'], /missing <id>/],
    [['tenant', 'show', 'one-id', 'two-id'], /unexpected argument "two-id"/],
    [['tenant', 'create', 'acme-x', '--name'], /--name needs a value/],
    [['migrate', '--concurrency', '0'], /--concurrency must be an integer/],
    [[], /^Usage: tansu /],
  ])('exits 2 on %j', async (args, message) => {
    const run = await tansu(...args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });
});
