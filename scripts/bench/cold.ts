/**
 * Benchmark 2 — cold tenants: the first request to a tenant whose context is not cached (registry
 * lookup, pool, keys decrypted, provider built, client loaded, token signed), and the memory each
 * cached tenant context holds at 100 and 1,000 cached tenants. One worker, so every first request
 * is really cold and the memory is one process's.
 *
 * Beside each cold request, in the same run: a new PostgreSQL session to another bench tenant's
 * database (connect as the tenant's own role, as Tansu does, then `SELECT 1`), the floor a cold
 * tenant cannot go under — issue 19's target is cold ≤ session + 10 ms. Tenants alternate: odd
 * ones get the cold request, even ones the bare session, so neither warms the other's database.
 *
 *   npm run bench:cold                       # BENCH_TENANTS=1000
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { withBenchCluster, type BenchCluster } from './support/cluster.ts';
import { percentile, printTable, progress, round, saveResults } from './support/report.ts';
import { startTansu, type RunningServer } from './support/server.ts';
import { basicAuth, ensureBenchTenants, openBenchPlatform, type BenchTenant } from './support/tenants.ts';
import { envInt } from './support/env.ts';
import { findTenant } from '../../src/platform/tenants.repository.ts';
import { tenantServingUrl } from '../../src/platform/tenant-access.ts';
import { databaseUrl } from '../../src/db/postgres.ts';
import { loadAverage } from './support/rounds.ts';

const TENANTS = envInt('BENCH_TENANTS', 1000);
const MEMORY_POINTS = [100, 1000].filter((n) => n <= TENANTS / 2);

async function grant(server: RunningServer, tenant: BenchTenant): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${server.url}/t/${tenant.id}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(tenant) },
    body: 'grant_type=client_credentials',
  });
  await response.arrayBuffer();
  const elapsed = performance.now() - started;
  if (!response.ok) throw new Error(`token request for ${tenant.id} failed: ${response.status}`);
  return elapsed;
}

interface MemoryUsage {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

async function memoryOf(server: RunningServer, file: string): Promise<MemoryUsage> {
  fs.rmSync(file, { force: true });
  process.kill(server.pid, 'SIGUSR2');
  for (let i = 0; i < 100 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
  return JSON.parse(fs.readFileSync(file, 'utf8')) as MemoryUsage;
}

async function tenantConnections(cluster: BenchCluster): Promise<number> {
  const client = new pg.Client({ connectionString: cluster.databaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'tansu-tenant'`);
    return Number(result.rows[0]!.n);
  } finally {
    await client.end();
  }
}

const MiB = 2 ** 20;

/** A new session as the tenant's own role: connect, one trivial query, end (the end is not timed). */
async function newSession(url: string): Promise<number> {
  const started = performance.now();
  const client = new pg.Client({ connectionString: url, application_name: 'tansu-bench-session' });
  await client.connect();
  await client.query('SELECT 1');
  const elapsed = performance.now() - started;
  await client.end();
  return elapsed;
}

async function measure(cluster: BenchCluster, tenants: BenchTenant[], sessionUrls: Map<string, string>) {
  const memoryFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-mem-')), 'memory.json');
  const server = await startTansu(cluster, {
    workers: 1,
    tenantCacheSize: tenants.length + 10,
    nodeFlags: ['--expose-gc', '--import', './scripts/bench/support/memory-probe.ts'],
    env: { BENCH_MEMORY_FILE: memoryFile },
  });
  try {
    // The first tenant warms the process itself (modules, JIT); it is not counted as cold.
    await grant(server, tenants[0]!);
    const warm: number[] = [];
    for (let i = 0; i < 200; i++) warm.push(await grant(server, tenants[0]!));
    const base = await memoryOf(server, memoryFile);

    const cold: number[] = [];
    const sessions: number[] = [];
    const memory: Record<string, { rssPerTenantMiB: number; heapPerTenantMiB: number; tenantConnections: number }> = {};
    const report = progress('first request to each tenant', tenants.length - 1);
    for (let i = 1; i < tenants.length; i++) {
      const sessionUrl = sessionUrls.get(tenants[i]!.id);
      if (i % 2 === 0 && sessionUrl) sessions.push(await newSession(sessionUrl));
      else cold.push(await grant(server, tenants[i]!));
      report(i);
      // Half the tenants got a bare session instead: the cache holds the first one and the cold ones.
      const cached = cold.length + 1;
      if (i % 2 === 1 && MEMORY_POINTS.includes(cached)) {
        const now = await memoryOf(server, memoryFile);
        memory[String(cached)] = {
          rssPerTenantMiB: round((now.rss - base.rss) / (cached - 1) / MiB, 3),
          heapPerTenantMiB: round((now.heapUsed + now.external - base.heapUsed - base.external) / (cached - 1) / MiB, 3),
          tenantConnections: await tenantConnections(cluster),
        };
      }
    }
    cold.sort((a, b) => a - b);
    warm.sort((a, b) => a - b);
    sessions.sort((a, b) => a - b);
    return {
      sessionP50: round(percentile(sessions, 50)),
      sessionP99: round(percentile(sessions, 99)),
      sessionSamples: sessions.length,
      coldP50: round(percentile(cold, 50)),
      coldP99: round(percentile(cold, 99)),
      warmP50: round(percentile(warm, 50)),
      warmP99: round(percentile(warm, 99)),
      samples: cold.length,
      memory,
    };
  } finally {
    await server.stop();
    fs.rmSync(path.dirname(memoryFile), { recursive: true, force: true });
  }
}

const figures = await withBenchCluster(async (cluster) => {
  const platform = await openBenchPlatform(cluster);
  let tenants: BenchTenant[];
  const sessionUrls = new Map<string, string>();
  try {
    tenants = await ensureBenchTenants(platform, TENANTS);
    for (const [i, tenant] of tenants.entries()) {
      if (i === 0 || i % 2 !== 0) continue;
      const row = (await findTenant(platform.db, tenant.id))!;
      sessionUrls.set(tenant.id, databaseUrl(await tenantServingUrl(platform, row), row.database_name));
    }
  } finally {
    await platform.close();
  }
  return measure(cluster, tenants, sessionUrls);
});

printTable('Cold tenant: first token request to a tenant not in the cache (one worker, sequential requests)', [
  { request: `cold (first for the tenant), ${figures.samples} tenants`, 'p50 ms': figures.coldP50, 'p99 ms': figures.coldP99 },
  { request: `a new PostgreSQL session (tenant role, SELECT 1), ${figures.sessionSamples} other tenants, interleaved`, 'p50 ms': figures.sessionP50, 'p99 ms': figures.sessionP99 },
  { request: 'warm (same tenant again)', 'p50 ms': figures.warmP50, 'p99 ms': figures.warmP99 },
]);
process.stdout.write(
  `cold − session at p50: ${round(figures.coldP50 - figures.sessionP50)} ms (issue 19's target: ≤ 10 ms); load average ${loadAverage()}\n`,
);
printTable(
  'Memory per cached tenant context (after GC; heap = V8 heap + external)',
  Object.entries(figures.memory).map(([cached, m]) => ({
    'cached tenants': cached,
    'RSS per tenant MiB': m.rssPerTenantMiB,
    'heap per tenant MiB': m.heapPerTenantMiB,
    'open tenant connections': m.tenantConnections,
  })),
);
saveResults('cold', { tenants: TENANTS, ...figures });
