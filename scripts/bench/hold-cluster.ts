/**
 * A throwaway bench PostgreSQL that outlives one benchmark: for a working session of several
 * benchmarks on the same provisioned tenants (provisioning 200 of them takes a minute or more on
 * a 2-core machine). Writes `DATABASE_URL=…` and `TANSU_MASTER_KEY=…` lines to the file in
 * argv[2] (source it, or pass both to a benchmark), then holds the cluster until SIGTERM or
 * SIGINT, when it stops it and removes its data directory.
 *
 *   node scripts/bench/hold-cluster.ts /tmp/bench.env &
 *   set -a; . /tmp/bench.env; set +a; BENCH_THROWAWAY=1 npm run bench:token
 */
import fs from 'node:fs';
import { openBenchCluster } from './support/cluster.ts';

const envFile = process.argv[2];
if (!envFile) throw new Error('usage: node scripts/bench/hold-cluster.ts <env file to write>');
delete process.env.DATABASE_URL; // always a cluster of its own
const cluster = await openBenchCluster();
fs.writeFileSync(envFile, `DATABASE_URL=${cluster.databaseUrl}\nTANSU_MASTER_KEY=${cluster.masterKey}\n`, { mode: 0o600 });
process.stdout.write(`bench cluster ready: ${envFile}\n`);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void cluster.stop().finally(() => {
    fs.rmSync(envFile, { force: true });
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => {}, 1 << 30);
