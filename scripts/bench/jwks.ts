/**
 * Benchmark 4 — discovery and JWKS: requests/s for the public metadata resource servers and
 * relying parties fetch, over one tenant and over many tenants in random order.
 *
 *   npm run bench:jwks                       # BENCH_TENANTS=100 BENCH_DURATION=10 BENCH_CONNECTIONS=64
 */
import os from 'node:os';
import { withBenchCluster } from './support/cluster.ts';
import { runLoad, type LoadSpec } from './support/load.ts';
import { printTable, saveResults } from './support/report.ts';
import { startTansu } from './support/server.ts';
import { ensureBenchTenants, openBenchPlatform, type BenchTenant } from './support/tenants.ts';
import { envInt } from './support/env.ts';
import { warmEveryContext } from './support/warm.ts';

const TENANTS = envInt('BENCH_TENANTS', 100);
const DURATION = envInt('BENCH_DURATION', 10);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 64);
const WORKERS = envInt('WORKERS', 0) || os.availableParallelism();

const PATHS = { discovery: '/.well-known/openid-configuration', jwks: '/jwks', 'jwks.json alias': '/.well-known/jwks.json' } as const;

const figures = await withBenchCluster(async (cluster) => {
  const platform = await openBenchPlatform(cluster);
  let tenants: BenchTenant[];
  try {
    tenants = await ensureBenchTenants(platform, TENANTS);
  } finally {
    await platform.close();
  }
  const server = await startTansu(cluster, { workers: WORKERS, tenantCacheSize: Math.max(1000, TENANTS + 10) });
  try {
    // Every worker builds every tenant's context first: the runs below measure serving the documents.
    const everyTenant = tenants.map((t) => ({ method: 'GET' as const, path: `/t/${t.id}${PATHS.discovery}` }));
    await warmEveryContext({ url: server.url, targets: everyTenant, connections: CONNECTIONS }, WORKERS * TENANTS);
    const results: Record<string, Awaited<ReturnType<typeof runLoad>>> = {};
    for (const [name, suffix] of Object.entries(PATHS)) {
      const first = await fetch(`${server.url}/t/${tenants[0]!.id}${suffix}`);
      if (!first.ok) throw new Error(`${name} failed: ${first.status}`);
      const spread = (list: BenchTenant[]): LoadSpec => ({
        url: server.url,
        targets: list.map((t) => ({ method: 'GET', path: `/t/${t.id}${suffix}` })),
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        warmupSeconds: 3,
      });
      results[`${name}, 1 tenant`] = await runLoad(spread(tenants.slice(0, 1)));
      results[`${name}, ${TENANTS} tenants random`] = await runLoad(spread(tenants));
    }
    return results;
  } finally {
    await server.stop();
  }
});

printTable(`Discovery and JWKS (${WORKERS} workers, ${CONNECTIONS} connections, ${DURATION} s each)`, Object.entries(figures).map(([name, r]) => ({
  request: name,
  'requests/s': r.requestsPerSecond,
  'p50 ms': r.p50,
  'p99 ms': r.p99,
  'non-2xx': r.non2xx + r.errors,
})));
saveResults('jwks', { tenants: TENANTS, workers: WORKERS, connections: CONNECTIONS, durationSeconds: DURATION, results: figures });
