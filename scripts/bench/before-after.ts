/**
 * Before/after figures for one optimisation: the token endpoint of two checkouts on the same
 * database and tenants, alternated round by round so that a busy machine hurts both alike.
 * BENCH_BEFORE_ROOT is the other checkout (BENCH_AFTER_ROOT defaults to this tree), e.g.
 *   git archive <commit> | tar -x -C /tmp/before && ln -s $PWD/node_modules /tmp/before/
 *
 *   BENCH_BEFORE_ROOT=/tmp/before node scripts/bench/before-after.ts   # BENCH_TENANTS=100 BENCH_ROUNDS=3 BENCH_DURATION=10
 */
import os from 'node:os';
import { withBenchCluster, type BenchCluster } from './support/cluster.ts';
import { runLoad, type LoadResult } from './support/load.ts';
import { printTable, saveResults } from './support/report.ts';
import { ROOT, startTansu } from './support/server.ts';
import { ensureBenchTenants, openBenchPlatform, tokenTargets, type BenchTenant } from './support/tenants.ts';
import { envInt } from './support/env.ts';
import { warmEveryContext } from './support/warm.ts';

const BEFORE = process.env.BENCH_BEFORE_ROOT;
if (!BEFORE) throw new Error('set BENCH_BEFORE_ROOT to the checkout to compare against');
/** Defaults to this tree; another clean checkout keeps uncommitted work out of the comparison. */
const AFTER = process.env.BENCH_AFTER_ROOT || ROOT;
const TENANTS = envInt('BENCH_TENANTS', 100);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const DURATION = envInt('BENCH_DURATION', 10);
const WORKERS = envInt('WORKERS', 0) || os.availableParallelism();

async function measure(cluster: BenchCluster, root: string, tenants: BenchTenant[]): Promise<LoadResult> {
  const server = await startTansu(cluster, { workers: WORKERS, tenantCacheSize: TENANTS + 100, root });
  try {
    const load = {
      url: server.url,
      targets: tokenTargets(tenants),
      connections: 32,
    };
    await warmEveryContext(load, WORKERS * tenants.length);
    return await runLoad({ ...load, durationSeconds: DURATION });
  } finally {
    await server.stop();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const rounds = await withBenchCluster(async (cluster) => {
  const platform = await openBenchPlatform(cluster);
  const tenants = await ensureBenchTenants(platform, TENANTS).finally(() => platform.close());
  const results: { before: LoadResult[]; after: LoadResult[] } = { before: [], after: [] };
  for (let round = 0; round < ROUNDS; round++) {
    results.before.push(await measure(cluster, BEFORE, tenants));
    results.after.push(await measure(cluster, AFTER, tenants));
  }
  return results;
});

const summary = (name: string, list: LoadResult[]) => ({
  checkout: name,
  'grants/s (median)': median(list.map((r) => r.requestsPerSecond)),
  rounds: list.map((r) => r.requestsPerSecond).join(' / '),
  'p50 ms': median(list.map((r) => r.p50)),
  'p99 ms': median(list.map((r) => r.p99)),
  'non-2xx': list.reduce((n, r) => n + r.non2xx + r.errors, 0),
});
const table = [summary(`before (${BEFORE})`, rounds.before), summary(`after (${AFTER})`, rounds.after)];
printTable(`Token endpoint before/after (${WORKERS} workers, ${TENANTS} tenants random, ${ROUNDS} alternating rounds of ${DURATION} s)`, table);
saveResults(`beforeAfter:${process.env.BENCH_LABEL ?? 'latest'}`, { tenants: TENANTS, workers: WORKERS, rounds: ROUNDS, durationSeconds: DURATION, table });
