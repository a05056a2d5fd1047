import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { EmbeddedCluster } from '../../src/db/embedded.ts';
import { startThrowawayCluster } from '../support/throwaway-cluster.ts';
import { databaseUrl, dropDatabase, withMaintenanceSession } from '../../src/db/postgres.ts';
import { openTenantDatabase } from '../../src/db/tenant-database.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { migrateFleet, type TenantMigrationResult } from '../../src/provisioning/migrate-fleet.ts';
import { refillSpareDatabases, SPARES_PER_CLUSTER, TEMPLATE_DATABASE } from '../../src/provisioning/template.ts';
import { openTestPlatform, testConfig, uniqueTenantId, type TestPlatform } from '../support/platform.ts';

/**
 * A new tenant migration reaching an existing fleet. It changes the template, so this file runs on
 * a cluster of its own: the suite's shared template must not learn a migration other files lack.
 */
const REAL_MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations/tenant');
const clusterDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-fleet-'));
const migrationsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-fleet-migrations-'));
const NEW_MIGRATION = '2999-01-01T0001-fleet-probe';
let cluster: EmbeddedCluster;
let platform: TestPlatform;

beforeAll(async () => {
  cluster = await startThrowawayCluster(clusterDir);
  platform = await openTestPlatform(testConfig({ DATABASE_URL: databaseUrl(cluster.url, `tansu_test_${crypto.randomBytes(4).toString('hex')}`) }));
  // The real migrations (linked, so their imports resolve from the project) plus one new one.
  for (const file of fs.readdirSync(REAL_MIGRATIONS)) fs.symlinkSync(path.join(REAL_MIGRATIONS, file), path.join(migrationsDir, file));
  fs.writeFileSync(
    path.join(migrationsDir, `${NEW_MIGRATION}.js`),
    `export async function up(db) {
       await db.schema.createTable('fleet_probe').addColumn('id', 'integer').execute();
     }\n`,
  );
});
afterAll(async () => {
  await platform?.destroy().catch(() => {});
  await cluster?.stop();
  fs.rmSync(clusterDir, { recursive: true, force: true });
  fs.rmSync(migrationsDir, { recursive: true, force: true });
});

async function spares(): Promise<string[]> {
  return withMaintenanceSession(cluster.url, async (client) => {
    const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'tansu\\_spare\\_%'");
    return rows.map((r) => r.datname);
  });
}

async function hasProbeTable(database: string): Promise<boolean> {
  const db = openTenantDatabase(cluster.url, database, 1);
  try {
    const { rows } = await sql<{ found: string | null }>`SELECT to_regclass('fleet_probe')::text AS found`.execute(db);
    return rows[0]!.found === 'fleet_probe';
  } finally {
    await db.destroy();
  }
}

describe('migrateFleet', () => {
  it('applies a new migration to the template and every tenant, carries on past a broken one, and bounds concurrency', async () => {
    const ids = Array.from({ length: 5 }, () => uniqueTenantId('fleet'));
    const tenants = [];
    for (const id of ids) tenants.push((await createTenant(platform, { id })).tenant);
    const [broken, ...healthy] = tenants;
    await withMaintenanceSession(cluster.url, (client) => dropDatabase(client, broken!.database_name));
    // Spares copied from the template before the new migration must not become tenants after it.
    await refillSpareDatabases(cluster.url);
    const staleSpares = await spares();
    expect(staleSpares).toHaveLength(SPARES_PER_CLUSTER);

    // Count overlapping tenant migrations through the one lookup each makes before connecting.
    let inFlight = 0;
    let peak = 0;
    let announced = -1;
    const seen: TenantMigrationResult[] = [];
    const adminUrlOf = platform.clusters.adminUrlOf.bind(platform.clusters);
    const report = await migrateFleet(platform, {
      concurrency: 2,
      migrationsFolder: migrationsDir,
      onStart: (total) => {
        announced = total;
        platform.clusters.adminUrlOf = async (name: string) => {
          peak = Math.max(peak, ++inFlight);
          return adminUrlOf(name);
        };
      },
      onTenant: (result) => {
        inFlight--;
        seen.push(result);
      },
    });
    platform.clusters.adminUrlOf = adminUrlOf;

    expect(announced).toBe(5);
    expect(seen).toHaveLength(5);
    expect(peak).toBe(2);
    expect(report.templates).toEqual([{ cluster: 'main', status: 'migrated', applied: [NEW_MIGRATION] }]);
    expect(report.failed).toBe(1);
    const byId = Object.fromEntries(report.tenants.map((r) => [r.tenant, r]));
    expect(byId[broken!.id]).toMatchObject({ status: 'failed', applied: [], error: expect.stringContaining('does not exist') });
    for (const tenant of healthy) {
      expect(byId[tenant.id]).toMatchObject({ status: 'migrated', applied: [NEW_MIGRATION] });
      expect(await hasProbeTable(tenant.database_name)).toBe(true);
    }
    expect(await hasProbeTable(TEMPLATE_DATABASE)).toBe(true);

    expect((await spares()).filter((name) => staleSpares.includes(name))).toEqual([]);
    // Tenants created from now on, from a clone or a fresh spare, are born with the new migration.
    for (let i = 0; i < 2; i++) {
      const { tenant } = await createTenant(platform, { id: uniqueTenantId('after') });
      expect(await hasProbeTable(tenant.database_name)).toBe(true);
      await refillSpareDatabases(cluster.url);
    }

    // A second run finds nothing to do, except the broken tenant still failing.
    const again = await migrateFleet(platform, { migrationsFolder: migrationsDir });
    expect(again.templates[0]!.status).toBe('up-to-date');
    expect(again.tenants.filter((r) => r.status === 'up-to-date')).toHaveLength(6);
    expect(again.failed).toBe(1);
  });
});
