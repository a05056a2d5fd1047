/**
 * Benchmark 5 — provisioning and fleet migration: create N tenants (default 200) through
 * createTenant with bounded concurrency (p50/p95 per tenant, total), then `tansu migrate`
 * (migrateFleet) with one extra tenant migration across all of them (total time).
 *
 * The extra migration is permanent for the cluster it runs on, so it only runs on a throwaway
 * cluster (the script's own, or the suite's); run this benchmark last.
 *
 *   npm run bench:fleet                      # BENCH_TENANTS=200 BENCH_CONCURRENCY=2
 */
import fs from 'node:fs';
import path from 'node:path';
import { withBenchCluster } from './support/cluster.ts';
import { percentile, printTable, progress, round, saveResults } from './support/report.ts';
import { ROOT } from './support/server.ts';
import { mapConcurrent, openBenchPlatform } from './support/tenants.ts';
import { envInt } from './support/env.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { migrateFleet } from '../../src/provisioning/migrate-fleet.ts';

const TENANTS = envInt('BENCH_TENANTS', 200);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 2);

const EXTRA_MIGRATION = `import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('bench_fleet_extra').addColumn('id', 'bigint', (c) => c.primaryKey()).addColumn('note', 'text').execute();
  await db.schema.alterTable('users').addColumn('bench_fleet_flag', 'boolean').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('bench_fleet_flag').execute();
  await db.schema.dropTable('bench_fleet_extra').execute();
}
`;

/** The real tenant migrations plus one more, in a scratch folder inside the project (so `kysely` resolves). */
function migrationsWithOneMore(): string {
  const folder = fs.mkdtempSync(path.join(ROOT, 'bench', 'tmp-migrations-'));
  const source = path.join(ROOT, 'migrations', 'tenant');
  for (const file of fs.readdirSync(source)) fs.copyFileSync(path.join(source, file), path.join(folder, file));
  fs.writeFileSync(path.join(folder, '9999-12-31T0000-bench-extra.ts'), EXTRA_MIGRATION);
  return folder;
}

const figures = await withBenchCluster(async (cluster) => {
  if (!cluster.throwaway) throw new Error('the fleet migration benchmark alters every tenant: run it on a throwaway cluster (unset DATABASE_URL)');
  const platform = await openBenchPlatform(cluster);
  fs.mkdirSync(path.join(ROOT, 'bench'), { recursive: true });
  const folder = migrationsWithOneMore();
  try {
    const ids = Array.from({ length: TENANTS }, (_, i) => `fleet-${String(i + 1).padStart(5, '0')}`);
    const started = performance.now();
    const times = await mapConcurrent(
      ids,
      CONCURRENCY,
      async (id) => {
        const t0 = performance.now();
        await createTenant(platform, { id, adminPassword: 'bench-admin-password-1' });
        return performance.now() - t0;
      },
      progress(`creating ${TENANTS} tenants`, TENANTS),
    );
    const createSeconds = (performance.now() - started) / 1000;
    times.sort((a, b) => a - b);

    // The fleet is every tenant on the cluster, the other benchmarks' ones included.
    let report = progress('migrating the fleet', TENANTS);
    let migrated = 0;
    const fleet = await migrateFleet(platform, {
      migrationsFolder: folder,
      onStart: (total) => (report = progress('migrating the fleet', total)),
      onTenant: () => report(++migrated),
    });
    if (fleet.failed > 0) throw new Error(`${fleet.failed} tenant migrations failed`);
    return {
      tenants: TENANTS,
      concurrency: CONCURRENCY,
      createP50Ms: round(percentile(times, 50)),
      createP95Ms: round(percentile(times, 95)),
      createTotalSeconds: round(createSeconds),
      tenantsPerSecond: round(TENANTS / createSeconds),
      migrateTotalSeconds: round(fleet.ms / 1000),
      migratedTenants: fleet.tenants.filter((t) => t.status === 'migrated').length,
    };
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
    await platform.close();
  }
});

printTable(`Provisioning ${figures.tenants} tenants (${figures.concurrency} at a time) and one extra migration across the fleet`, [
  { step: 'create tenant', 'p50 ms': figures.createP50Ms, 'p95 ms': figures.createP95Ms, 'total s': figures.createTotalSeconds, 'per second': figures.tenantsPerSecond },
  { step: `tansu migrate (${figures.migratedTenants} tenants + template)`, 'p50 ms': '', 'p95 ms': '', 'total s': figures.migrateTotalSeconds, 'per second': round(figures.migratedTenants / figures.migrateTotalSeconds) },
]);
saveResults('provisioning', figures);
