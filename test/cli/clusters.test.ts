import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { clusterUrl, openTestPlatform, testConfig, uniqueTenantId, type TestPlatform } from '../support/platform.ts';
import { startSecondCluster, type SecondCluster } from '../support/second-cluster.ts';
import { cliEnv, runTansu } from '../support/cli.ts';
import { eventually, pollUntil, SERVER_START_MS } from '../support/eventually.ts';
import { freePort } from '../support/ports.ts';
import { startFakePgcatAdmin, type FakePgcatAdmin } from '../support/fake-pgcat-admin.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { findTenant } from '../../src/platform/tenants.repository.ts';
import { tenantRoleCredentials } from '../../src/platform/tenant-credentials.ts';
import { insertUser } from '../../src/modules/users/users.repository.ts';
import { openTenantDatabase } from '../../src/db/tenant-database.ts';
import { databaseExists, withMaintenanceSession } from '../../src/db/postgres.ts';

let platform: TestPlatform;
let second: SecondCluster;
let env: Record<string, string>;
/** Moved to the second cluster by the move test. */
let mover: { id: string; database: string };
/** Stays on main throughout. */
let stayer: { id: string; database: string };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-cli-clusters-'));

beforeAll(async () => {
  second = await startSecondCluster();
  const config = testConfig();
  platform = await openTestPlatform(config);
  env = cliEnv(config);
  const [a, b] = await Promise.all([createTenant(platform, { id: uniqueTenantId('climv') }), createTenant(platform, { id: uniqueTenantId('clist') })]);
  mover = { id: a.tenant.id, database: a.tenant.database_name };
  stayer = { id: b.tenant.id, database: b.tenant.database_name };
  const db = openTenantDatabase(clusterUrl(), mover.database, 1);
  try {
    await insertUser(db, { email: 'moved@cluster.test', passwordHash: null });
  } finally {
    await db.destroy();
  }
});
afterAll(async () => {
  // Tenants left on the second cluster die with it; the platform's own cleanup covers the main one.
  await second?.stop();
  await platform?.destroy().catch(() => {});
  fs.rmSync(dir, { recursive: true, force: true });
});

const tansu = (...args: string[]) => runTansu(args, env);
const ROOT = path.resolve(import.meta.dirname, '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const BIN = path.join(ROOT, 'bin/tansu.js');
const passwordOf = (url: string) => decodeURIComponent(new URL(url).password);
const existsOn = (url: string, database: string) => withMaintenanceSession(url, (client) => databaseExists(client, database));

interface ListedCluster {
  name: string;
  url: string;
  pooled_url: string | null;
  tenants: number;
}

async function listClusters(): Promise<ListedCluster[]> {
  const run = await tansu('cluster', 'list', '--json');
  expect(run.code, run.stderr).toBe(0);
  for (const url of [clusterUrl(), second.url]) expect(run.stdout).not.toContain(passwordOf(url));
  return JSON.parse(run.stdout);
}

describe('tansu cluster add / list', () => {
  it('adds a reachable cluster with its URL encrypted and lists every cluster without passwords', async () => {
    expect(await listClusters()).toEqual([{ name: 'main', url: expect.stringContaining(':***@127.0.0.1:'), pooled_url: null, tenants: 2 }]);

    const added = await tansu('cluster', 'add', 'c2', '--url', second.url, '--json');
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).not.toContain(passwordOf(second.url));
    expect(JSON.parse(added.stdout)).toEqual({ name: 'c2', url: `postgres://postgres:***@127.0.0.1:${second.port}/postgres`, pooled_url: null, tenants: 0 });
    const stored = await platform.db.selectFrom('clusters').selectAll().where('name', '=', 'c2').executeTakeFirstOrThrow();
    expect(stored.url_encrypted).toMatch(/^v1\./);
    expect(stored.url_encrypted).not.toContain(passwordOf(second.url));

    const clusters = await listClusters();
    expect(clusters.map((c) => [c.name, c.tenants])).toEqual([['c2', 0], ['main', 2]]);

    const table = await tansu('cluster', 'list');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+TENANTS\s+URL\s+REQUESTS VIA$/);
    expect(table.stdout).toMatch(new RegExp(`^c2\\s+0\\s+postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${second.port}/postgres\\s+-$`, 'm'));
    expect(table.stdout).not.toContain(passwordOf(second.url));
  });

  it.each([
    ['an invalid name', ['Bad_Name', '--url', 'postgres://u:p@127.0.0.1:5432/postgres'], 2, /\(invalid_cluster_name\)\n$/],
    ['a URL of another scheme', ['c3', '--url', 'mysql://u:p@127.0.0.1/x'], 2, /must start with postgres:\/\/ \(invalid_cluster_url\)\n$/],
    ['an unreachable cluster, without its password', ['c3', '--url', 'postgres://u:topsecret@127.0.0.1:1/postgres'], 1, /^tansu: cannot connect to postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/postgres: .*\(cluster_unreachable\)\n$/],
    ['a name already taken', ['c2', '--url', 'SECOND'], 1, /^tansu: cluster "c2" already exists \(cluster_exists\)\n$/],
  ])('refuses %s and adds nothing', async (_what, args, code, message) => {
    const run = await tansu('cluster', 'add', ...args.map((a) => (a === 'SECOND' ? second.url : a)));
    expect(run.code).toBe(code);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toContain('topsecret');
    expect((await listClusters()).map((c) => c.name)).toEqual(['c2', 'main']);
  });

  it.each([
    ['c2', () => { const alias = new URL(second.url); alias.hostname = 'localhost'; return alias.toString(); }],
    ['main', () => clusterUrl()],
  ])('refuses the server of cluster %s again under another name, however it is reached', async (owner, url) => {
    const run = await tansu('cluster', 'add', 'c3', '--url', url());
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`is the PostgreSQL server of cluster "${owner}" already \\(cluster_server_exists\\)\n$`));
    expect((await listClusters()).map((c) => c.name)).toEqual(['c2', 'main']);
  });
});

describe('tansu tenant move', () => {
  it('moves a tenant to the second cluster: the registry points there, the data went along, the source is dropped', async () => {
    const run = await tansu('tenant', 'move', mover.id, '--to', 'c2', '--json');
    expect(run.code, run.stderr).toBe(0);
    const moved = JSON.parse(run.stdout);
    expect(moved).toEqual({ tenant: mover.id, from: 'main', to: 'c2', unavailable_ms: expect.any(Number), source_dropped: true });

    expect(await findTenant(platform.db, mover.id)).toMatchObject({ cluster: 'c2', status: 'active', database_name: mover.database });
    expect(await existsOn(second.url, mover.database)).toBe(true);
    expect(await existsOn(clusterUrl(), mover.database)).toBe(false);
    const db = openTenantDatabase(second.url, mover.database, 1);
    try {
      expect((await db.selectFrom('users').select('email').execute()).map((u) => u.email)).toContain('moved@cluster.test');
    } finally {
      await db.destroy();
    }
    expect((await listClusters()).map((c) => [c.name, c.tenants])).toEqual([['c2', 1], ['main', 1]]);
  });

  it.each([
    ['an unknown cluster', () => [stayer.id, '--to', 'nowhere'], 1, /^tansu: cluster "nowhere" does not exist \(cluster_not_found\)\n$/],
    ['the cluster it already lives on', () => [stayer.id, '--to', 'main'], 2, /already lives on cluster "main" \(same_cluster\)\n$/],
    ['an unknown tenant', () => ['nosuch-tenant', '--to', 'c2'], 1, /^tansu: tenant "nosuch-tenant" does not exist \(tenant_not_found\)\n$/],
    ['a missing --to', () => [stayer.id], 2, /^tansu: --to is required \(usage\)\n$/],
  ])('refuses a move to %s and leaves the tenant where it is', async (_what, args, code, message) => {
    const run = await tansu('tenant', 'move', ...args());
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(await findTenant(platform.db, stayer.id)).toMatchObject({ cluster: 'main', status: 'active' });
    expect(await existsOn(clusterUrl(), stayer.database)).toBe(true);
  });
});

interface PgcatFile {
  general: { port: number; admin_username: string; admin_password: string };
  pools: Record<string, { pool_mode: string; shards: Record<string, { servers: [string, number, string][]; database: string }> }>;
}

describe('tansu pgcat-config', () => {
  it('writes a pool per tenant database, each on the server of its cluster, and rewrites only on change', async () => {
    const file = path.join(dir, 'pgcat.toml');
    const run = await tansu('pgcat-config', '--out', file, '--admin-password', 'x');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`wrote ${file}\n`);
    const config = parse(fs.readFileSync(file, 'utf8')) as unknown as PgcatFile;
    expect(config.general).toMatchObject({ port: 6432, admin_username: 'pgcat', admin_password: 'x' });
    const platformDatabase = new URL(platform.platformUrl).pathname.slice(1);
    expect(Object.keys(config.pools).sort()).toEqual([platformDatabase, mover.database, stayer.database].sort());
    expect(config.pools[stayer.database]!.shards['0']).toEqual({ servers: [['127.0.0.1', Number(new URL(clusterUrl()).port), 'primary']], database: stayer.database });
    // The moved tenant's pool follows it to the second cluster.
    expect(config.pools[mover.database]!.shards['0']!.servers).toEqual([['127.0.0.1', second.port, 'primary']]);
    expect(config.pools[mover.database]!.pool_mode).toBe('transaction');

    const again = await tansu('pgcat-config', '--out', file, '--admin-password', 'x', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ file, changed: false });

    const added = await createTenant(platform, { id: uniqueTenantId('clipg') });
    const changed = await tansu('pgcat-config', '--out', file, '--admin-password', 'x', '--pool-size', '3', '--json');
    expect(JSON.parse(changed.stdout)).toEqual({ file, changed: true });
    const updated = parse(fs.readFileSync(file, 'utf8')) as unknown as { pools: Record<string, { users: Record<string, { pool_size: number }> }> };
    expect(updated.pools[added.tenant.database_name]!.users['0']!.pool_size).toBe(3);
  });

  it('prints the TOML to stdout without --out', async () => {
    const run = await tansu('pgcat-config', '--admin-password', 'x', '--port', '7432');
    expect(run.code, run.stderr).toBe(0);
    const config = parse(run.stdout) as unknown as PgcatFile;
    expect(config.general.port).toBe(7432);
    expect(Object.keys(config.pools)).toContain(stayer.database);
  });

  it.each([
    [['--out', 'x.toml'], /^tansu: --admin-password or --admin-password-file is required \(usage\)\n$/],
    [['--admin-password', 'x', '--port', '0'], /^tansu: --port must be a positive integer, got "0" \(usage\)\n$/],
    [['--admin-password', 'x', '--watch'], /^tansu: --watch needs --out \(usage\)\n$/],
  ])('refuses %j with exit 2', async (args, message) => {
    const run = await tansu('pgcat-config', ...args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });
});

describe('tansu pgbouncer-userlist', () => {
  const roleLine = async (id: string) => {
    const role = tenantRoleCredentials(platform.secrets, (await findTenant(platform.db, id))!)!;
    return `"${role.user}" "${role.password}"`;
  };

  it("writes PgBouncer's auth_file for one cluster: its admin role and the role of every tenant on it", async () => {
    const file = path.join(dir, 'userlist.txt');
    const run = await tansu('pgbouncer-userlist', '--out', file);
    expect(run.code, run.stderr).toBe(0);
    const main = new URL(clusterUrl());
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(`"${main.username}" "${decodeURIComponent(main.password)}"`);
    expect(lines).toContain(await roleLine(stayer.id));
    expect(lines).not.toContain(await roleLine(mover.id));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    // The moved tenant's role is in the file of the cluster it lives on now.
    const onC2 = await tansu('pgbouncer-userlist', '--cluster', 'c2');
    expect(onC2.code, onC2.stderr).toBe(0);
    expect(onC2.stdout.split('\n')).toContain(await roleLine(mover.id));
    expect(onC2.stdout).not.toContain(await roleLine(stayer.id));
  });

  it('refuses --watch without --out with exit 2', async () => {
    const run = await tansu('pgbouncer-userlist', '--watch');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^tansu: --watch needs --out \(usage\)\n$/);
  });
});

describe('tansu pgcat-config --watch', () => {
  it('logs to stderr, never to stdout, and regenerates on a new tenant until stopped', async () => {
    const file = path.join(dir, 'watched.toml');
    const child = spawn(NODE, [BIN, 'pgcat-config', '--out', file, '--admin-password', 'x', '--watch'], { env: { ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await pollUntil(async () => fs.existsSync(file), Boolean, SERVER_START_MS, 100);
    const added = await createTenant(platform, { id: uniqueTenantId('cliw'), cluster: 'main' });
    await eventually(() => fs.readFileSync(file, 'utf8').includes(added.tenant.database_name), 'the regenerated pgcat.toml', SERVER_START_MS);
    await eventually(() => stderr.split('\n').filter((line) => line.includes('pgcat.toml regenerated')).length >= 2, 'the log line', SERVER_START_MS);
    child.kill('SIGTERM');
    // The runner stops on SIGTERM like any command (143); nothing it logged went to stdout.
    expect([0, 143]).toContain(await exited);
    expect(stdout).not.toContain('regenerated');
    expect(stdout).not.toContain('"level"');
  });
  it('sends RELOAD once PgCat answers, though PgCat was not up when the file was first written', async () => {
    const file = path.join(dir, 'reloaded.toml');
    const pgcatPort = await freePort();
    const child = spawn(
      NODE,
      [BIN, 'pgcat-config', '--out', file, '--admin-password', 'x', '--reload-url', `postgres://pgcat:x@127.0.0.1:${pgcatPort}/pgcat`, '--watch'],
      { env: { ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let pgcat: FakePgcatAdmin | undefined;
    try {
      await eventually(() => stderr.includes('PgCat did not take the RELOAD'), 'the failed first RELOAD', SERVER_START_MS);
      pgcat = await startFakePgcatAdmin(pgcatPort);
      const admin = pgcat;
      await eventually(() => admin.queries.includes('RELOAD'), 'a RELOAD once PgCat is up', SERVER_START_MS);
      await eventually(() => stderr.includes('PgCat took the RELOAD'), 'the log line', SERVER_START_MS);
    } finally {
      child.kill('SIGTERM');
      await exited;
      await pgcat?.close();
    }
  });
});

describe('tansu cluster remove', () => {
  it.each([
    ['main', 1, /^tansu: cluster "main" is the platform's own and cannot be removed \(cluster_main\)\n$/],
    ['nowhere', 1, /^tansu: cluster "nowhere" does not exist \(cluster_not_found\)\n$/],
    ['c2', 1, /^tansu: cluster "c2" still holds a tenant; move or delete them first .*\(cluster_not_empty\)\n$/],
  ])('refuses %s (exit %i) and removes nothing', async (name, code, message) => {
    const run = await tansu('cluster', 'remove', name);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    expect((await listClusters()).map((c) => c.name)).toEqual(['c2', 'main']);
  });

  it('removes a cluster once it holds no tenant', async () => {
    const back = await tansu('tenant', 'move', mover.id, '--to', 'main');
    expect(back.code, back.stderr).toBe(0);
    const run = await tansu('cluster', 'remove', 'c2', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ name: 'c2', removed: true });
    expect((await listClusters()).map((c) => c.name)).toEqual(['main']);
    // Tenants are placed only on registered clusters now.
    const placed = await tansu('tenant', 'create', uniqueTenantId('clirm'), '--cluster', 'c2');
    expect(placed.code).toBe(1);
    expect(placed.stderr).toContain('(cluster_not_found)');
  });
});
