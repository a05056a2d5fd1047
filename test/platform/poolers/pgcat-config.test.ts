import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { clusterUrl, openTestPlatform, uniqueTenantId, type TestPlatform } from '../../support/platform.ts';
import { eventually } from '../../support/eventually.ts';
import { createTenant } from '../../../src/provisioning/tenants.service.ts';
import { findTenant, setTenantStatus } from '../../../src/platform/tenants.repository.ts';
import { tenantRoleCredentials } from '../../../src/platform/tenant-credentials.ts';
import { DEFAULT_PGCAT_OPTIONS, renderPgcatConfig } from '../../../src/platform/poolers/pgcat-config.ts';
import { writeGeneratedFile } from '../../../src/platform/poolers/pooler-files.ts';
import { listenForTenantChanges, type TenantChange } from '../../../src/platform/notifications.ts';

let platform: TestPlatform;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-pgcat-'));
const options = { port: 6432, adminUsername: 'pgcat', adminPassword: 'admin-secret', tenantPoolSize: 4, platformPoolSize: 20 };

beforeAll(async () => {
  platform = await openTestPlatform();
  // A second registered cluster, reached under another host name, so its pools are told apart.
  // Registered by hand: `cluster add` refuses a server that is registered already (main's).
  const other = new URL(clusterUrl());
  other.hostname = 'localhost';
  await platform.db.insertInto('clusters').values({ name: 'c2', url_encrypted: platform.secrets.seal(other.toString(), 'cluster:c2') }).execute();
});
afterAll(async () => {
  await platform.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface PgcatPool {
  pool_mode: string;
  users: Record<string, { username: string; password: string; pool_size: number }>;
  shards: Record<string, { servers: [string, number, string][]; database: string }>;
}

describe('tansu pgcat-config', () => {
  it('renders one transaction-mode pool per live database, on the server of its cluster', async () => {
    const onMain = await createTenant(platform, { id: uniqueTenantId('pgcm'), cluster: 'main' });
    const onC2 = await createTenant(platform, { id: uniqueTenantId('pgcc'), cluster: 'c2' });
    const failed = await createTenant(platform, { id: uniqueTenantId('pgcf'), cluster: 'main' });
    await setTenantStatus(platform.db, failed.tenant.id, 'failed');

    const config = parse(await renderPgcatConfig(platform, options)) as unknown as { general: Record<string, unknown>; pools: Record<string, PgcatPool> };
    expect(config.general).toMatchObject({ port: 6432, admin_username: 'pgcat', admin_password: 'admin-secret', autoreload: 15000 });
    const main = new URL(clusterUrl());
    const platformDatabase = new URL(platform.platformUrl).pathname.slice(1);
    expect(Object.keys(config.pools).sort()).toEqual([platformDatabase, onMain.tenant.database_name, onC2.tenant.database_name].sort());

    const mainPool = config.pools[onMain.tenant.database_name]!;
    expect(mainPool.pool_mode).toBe('transaction');
    expect(mainPool.shards['0']).toEqual({ servers: [['127.0.0.1', Number(main.port), 'primary']], database: onMain.tenant.database_name });
    // Each tenant pool's user is the tenant's own role (PgCat logs in to the server as it); only the platform's is the admin.
    const roleOf = async (id: string) => tenantRoleCredentials(platform.secrets, (await findTenant(platform.db, id))!)!;
    const mainRole = await roleOf(onMain.tenant.id);
    expect(mainRole.user).toBe(onMain.tenant.database_name);
    expect(mainPool.users['0']).toEqual({ username: mainRole.user, password: mainRole.password, pool_size: 4, min_pool_size: 0 });
    const c2Pool = config.pools[onC2.tenant.database_name]!;
    expect(c2Pool.shards['0']!.servers).toEqual([['localhost', Number(main.port), 'primary']]);
    expect(c2Pool.users['0']).toMatchObject({ username: (await roleOf(onC2.tenant.id)).user, password: (await roleOf(onC2.tenant.id)).password });
    expect(config.pools[platformDatabase]!.users['0']).toEqual({ username: 'postgres', password: decodeURIComponent(main.password), pool_size: 20, min_pool_size: 0 });
  });

  it('writes the file 0600 and only when it changed', async () => {
    const file = path.join(dir, 'pgcat.toml');
    expect(await writeGeneratedFile(file, await renderPgcatConfig(platform, options))).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(await writeGeneratedFile(file, await renderPgcatConfig(platform, options))).toBe(false);
    const added = await createTenant(platform, { id: uniqueTenantId('pgcn') });
    expect(await writeGeneratedFile(file, await renderPgcatConfig(platform, options))).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toContain(`[pools.${added.tenant.database_name}]`);
  });

  it('--watch hears of a new tenant as soon as it is active, not at its next resync', async () => {
    const changes: TenantChange[] = [];
    const listener = listenForTenantChanges(platform.platformUrl, (change) => changes.push(change), () => {}, platform.log);
    await listener.ready;
    try {
      const id = uniqueTenantId('pgcw');
      await createTenant(platform, { id });
      await eventually(() => changes.some((c) => c.tenant === id), 'the created notification');
      expect(changes.filter((c) => c.tenant === id)).toEqual([{ tenant: id, kind: 'created' }]);
    } finally {
      await listener.close();
    }
  });
});

describe('pgcat/pgcat.toml', () => {
  it('is what the generator writes for docker-compose with .env.example and an empty registry', async () => {
    const empty = await openTestPlatform();
    try {
      const composeUrl = 'postgres://tansu:change-me-postgres@postgres:5432';
      const asInCompose = {
        ...empty,
        platformUrl: `${composeUrl}/tansu_identity`,
        clusters: { adminUrlOf: async () => `${composeUrl}/postgres` },
      } as unknown as TestPlatform;
      const generated = await renderPgcatConfig(asInCompose, { ...DEFAULT_PGCAT_OPTIONS, adminPassword: 'change-me-pgcat' });
      expect(fs.readFileSync(path.join(import.meta.dirname, '../../../pgcat/pgcat.toml'), 'utf8')).toBe(generated);
    } finally {
      await empty.destroy();
    }
  });
});
