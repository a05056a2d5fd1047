/**
 * Provisioning time: creates N tenants one at a time through createTenant (copy of the template,
 * admin and roles, two RSA-2048 keys) and prints p50/p95 — spaced, so the spare copy refilled
 * after each creation is ready for the next, and back to back, so it may not be. Then, in the
 * same run on the same cluster, the database step alone: a template clone versus CREATE DATABASE
 * followed by every tenant migration. Everything it creates is removed at the end.
 *
 *   npm run bench:provision                     # 50 tenants
 *   npm run bench:provision -- --count 200
 *   DATABASE_URL=postgres://… npm run bench:provision   # an existing cluster (a scratch platform database on it)
 */
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { withBenchCluster } from './support/cluster.ts';
import { percentile, printTable, progress, round, saveResults } from './support/report.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { openPlatform } from '../../src/platform/platform.ts';
import { createTenant, deleteTenant } from '../../src/provisioning/tenants.service.ts';
import { ensureTenantTemplate, refillSpareDatabases, TEMPLATE_DATABASE, withTemplateReadLock } from '../../src/provisioning/template.ts';
import { cloneDatabase, createDatabase, databaseUrl, dropDatabase, withMaintenanceSession } from '../../src/db/postgres.ts';
import { openTenantDatabase } from '../../src/db/tenant-database.ts';
import { migrateToLatest } from '../../src/db/migrator.ts';

const { values } = parseArgs({ options: { count: { type: 'string', default: '50' } } });
const COUNT = Number(values.count);
if (!Number.isInteger(COUNT) || COUNT < 1) {
  process.stderr.write(`--count must be a positive integer, got "${values.count}"\n`);
  process.exit(2);
}

interface Summary {
  [column: string]: string | number;
}

function summarize(name: string, samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = samples.reduce((sum, ms) => sum + ms, 0);
  return {
    measure: name,
    n: samples.length,
    'p50 ms': round(percentile(sorted, 50)),
    'p95 ms': round(percentile(sorted, 95)),
    'max ms': round(sorted.at(-1)!),
    'mean ms': round(total / samples.length),
  };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

await withBenchCluster(async (cluster) => {
  // A platform database of its own, so an existing cluster's registry is never touched.
  const run = crypto.randomBytes(3).toString('hex');
  const platformDatabase = `tansu_bench_provision_${run}`;
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl(cluster.databaseUrl, platformDatabase),
    TANSU_MASTER_KEY: cluster.masterKey,
    LOG_LEVEL: 'warn',
  });
  const platform = await openPlatform(config, createLogger(config), { poolMax: 4 });
  const clusterUrl = await platform.clusters.adminUrlOf('main');
  const tenantIds: string[] = [];
  const scratchDatabases: string[] = [];
  try {
    const templateMs = await timed(() => ensureTenantTemplate(clusterUrl));

    // Back to back: the spare refilled after one creation may not be ready for the next.
    const backToBackMs: number[] = [];
    const tick = progress('createTenant, back to back', COUNT);
    for (let i = 0; i < COUNT; i++) {
      const id = `bench-${run}-b${i}`;
      tenantIds.push(id);
      backToBackMs.push(await timed(() => createTenant(platform, { id })));
      tick(i + 1);
    }
    // Spaced: creations arrive further apart than one template copy, so a spare is always ready.
    const spacedMs: number[] = [];
    const tickSpaced = progress('createTenant, spaced', COUNT);
    for (let i = 0; i < COUNT; i++) {
      await refillSpareDatabases(clusterUrl);
      const id = `bench-${run}-s${i}`;
      tenantIds.push(id);
      spacedMs.push(await timed(() => createTenant(platform, { id })));
      tickSpaced(i + 1);
    }

    // The database step alone, interleaved so both see the same cluster state.
    const cloneMs: number[] = [];
    const migrateMs: number[] = [];
    const tickCompare = progress('clone vs create+migrate', COUNT);
    for (let i = 0; i < COUNT; i++) {
      const cloned = `tansu_bench_clone_${run}_${i}`;
      const migrated = `tansu_bench_migrate_${run}_${i}`;
      scratchDatabases.push(cloned, migrated);
      cloneMs.push(
        await timed(() =>
          withMaintenanceSession(clusterUrl, (client) => withTemplateReadLock(client, () => cloneDatabase(client, cloned, TEMPLATE_DATABASE)))),
      );
      migrateMs.push(
        await timed(async () => {
          await withMaintenanceSession(clusterUrl, (client) => createDatabase(client, migrated));
          const db = openTenantDatabase(clusterUrl, migrated, 1, 'tansu-bench');
          try {
            await migrateToLatest(db, 'tenant');
          } finally {
            await db.destroy();
          }
        }),
      );
      tickCompare(i + 1);
    }

    const rows = [
      summarize('createTenant, spaced (spare ready)', spacedMs),
      summarize('createTenant, back to back', backToBackMs),
      summarize('database step: clone template', cloneMs),
      summarize('database step: CREATE DATABASE + migrate', migrateMs),
    ];
    printTable(`Provisioning ${COUNT} tenants one at a time (template prepared once in ${round(templateMs)} ms)`, rows);
    const p50 = (samples: number[]) => percentile([...samples].sort((a, b) => a - b), 50);
    const speedup = p50(migrateMs) / p50(cloneMs);
    const verdict = (samples: number[]) => `${round(p50(samples))} ms (${p50(samples) < 300 ? 'met' : 'missed'})`;
    process.stdout.write(
      `\ntemplate clone is ${round(speedup)}x faster than create+migrate at p50; ` +
        `createTenant p50 vs the 300 ms target: spaced ${verdict(spacedMs)}, back to back ${verdict(backToBackMs)}\n`,
    );
    saveResults('provision', { count: COUNT, templateMs: round(templateMs), rows, cloneSpeedupAtP50: round(speedup) });
  } finally {
    const tickClean = progress('cleaning up', tenantIds.length);
    for (const [i, id] of tenantIds.entries()) {
      await deleteTenant(platform, id).catch(() => {});
      tickClean(i + 1);
    }
    await withMaintenanceSession(clusterUrl, async (client) => {
      for (const name of scratchDatabases) await dropDatabase(client, name);
    });
    await refillSpareDatabases(clusterUrl).catch(() => {}); // let a background copy finish first
    await platform.close();
    await withMaintenanceSession(databaseUrl(cluster.databaseUrl, 'postgres'), (client) => dropDatabase(client, platformDatabase));
  }
});
