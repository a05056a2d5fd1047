import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestPlatform, testConfig, uniqueTenantId, clusterUrl, type TestPlatform } from '../support/platform.ts';
import { cliEnv, runTansu } from '../support/cli.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { dropDatabase, withMaintenanceSession } from '../../src/db/postgres.ts';
import { openTenantDatabase } from '../../src/db/tenant-database.ts';
import type { FleetMigrationReport } from '../../src/provisioning/migrate-fleet.ts';

let platform: TestPlatform;
let env: Record<string, string>;
const ids = ['healthy', 'dropped', 'replayed'].map((name) => uniqueTenantId(name));
const [healthy, dropped, replayed] = ids as [string, string, string];
const databases = new Map<string, string>();

beforeAll(async () => {
  const config = testConfig();
  platform = await openTestPlatform(config);
  env = cliEnv(config);
  for (const id of ids) databases.set(id, (await createTenant(platform, { id })).tenant.database_name);
});
afterAll(async () => {
  await platform.destroy();
});

describe('tansu migrate', () => {
  it('reports every tenant up to date and exits 0 on a healthy fleet', async () => {
    const run = await runTansu(['migrate', '--json'], { ...env, LOG_LEVEL: 'info' });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as FleetMigrationReport;
    expect(report.failed).toBe(0);
    expect(report.templates).toEqual([{ cluster: 'main', status: 'up-to-date', applied: [] }]);
    expect(report.tenants.map((t) => [t.tenant, t.status]).sort()).toEqual(ids.map((id) => [id, 'up-to-date']).sort());
    // Not a terminal: one structured log line per tenant on stderr.
    const lines = run.stderr.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.msg === 'tenant migrated').map((l) => l.tenant).sort()).toEqual([...ids].sort());
  });

  it('migrates the others, reports the broken tenants and exits non-zero', async () => {
    // One database vanished behind the registry's back; another lost its migration history, so its
    // migrations run again and collide with the tables they created the first time.
    await withMaintenanceSession(clusterUrl(), (client) => dropDatabase(client, databases.get(dropped)!));
    const db = openTenantDatabase(clusterUrl(), databases.get(replayed)!, 1);
    await sql`DROP TABLE kysely_migration`.execute(db);
    await db.destroy();

    const run = await runTansu(['migrate', '--concurrency', '2'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^${healthy}\\s+main\\s+up-to-date\\s+\\d+`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^${dropped}\\s+main\\s+failed\\s+\\d+\\s+.*does not exist`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^${replayed}\\s+main\\s+failed\\s+\\d+\\s+migration \\S+ failed: .*already exists`, 'm'));
    expect(run.stdout).toContain('3 tenants: 0 migrated, 1 up to date, 2 failed');

    const json = await runTansu(['migrate', '--json'], env);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as FleetMigrationReport;
    expect(report.failed).toBe(2);
    const byTenant = Object.fromEntries(report.tenants.map((t) => [t.tenant, t]));
    expect(byTenant[healthy]!.status).toBe('up-to-date');
    expect(byTenant[dropped]).toMatchObject({ status: 'failed', error: expect.stringContaining('does not exist') });
    expect(byTenant[replayed]).toMatchObject({ status: 'failed', error: expect.stringContaining('already exists') });
  });
});
