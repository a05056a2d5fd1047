/**
 * Provisions the bench tenants ahead of a session of benchmarks on a held cluster
 * (hold-cluster.ts), so that each benchmark finds them ready: bench-00001 … bench-<n>.
 *
 *   DATABASE_URL=… TANSU_MASTER_KEY=… node scripts/bench/provision-tenants.ts 200 [RS256|ES256]
 */
import { openBenchCluster } from './support/cluster.ts';
import { ensureBenchTenants, openBenchPlatform, type BenchAlg } from './support/tenants.ts';

const count = Number(process.argv[2] ?? 200);
const alg = (process.argv[3] ?? 'RS256') as BenchAlg;
if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL (and TANSU_MASTER_KEY) to a held bench cluster');
const cluster = await openBenchCluster();
const platform = await openBenchPlatform(cluster);
try {
  // One at a time: concurrent creations can fail with "tuple concurrently updated" (see BENCHMARKS.md, issue 19).
  await ensureBenchTenants(platform, count, alg, 1);
} finally {
  await platform.close();
}
