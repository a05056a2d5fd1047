/**
 * `npm run bench`: the whole suite, one benchmark after another, on one throwaway PostgreSQL (so
 * the tenants provisioned by the token benchmark are reused by the next ones). Each benchmark
 * prints its table and merges its figures into bench/results.json. The fleet migration alters
 * every tenant, so it runs last.
 */
import { spawn } from 'node:child_process';
import { withBenchCluster } from './support/cluster.ts';
import { ROOT } from './support/server.ts';

/** provision.ts is issue 2's benchmark (template clone vs create + migrate), at its default size. */
const SUITE: string[][] = [['token.ts'], ['rate-limits.ts'], ['cold.ts'], ['jwks.ts'], ['login.ts'], ['provision.ts'], ['provisioning.ts']];

function run([script, ...args]: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(`\n== ${script} ==\n`);
    const child = spawn(process.execPath, [`scripts/bench/${script}`, ...args], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}`))));
  });
}

await withBenchCluster(async (cluster) => {
  const env = { DATABASE_URL: cluster.databaseUrl, TANSU_MASTER_KEY: cluster.masterKey, BENCH_THROWAWAY: cluster.throwaway ? '1' : '0' };
  for (const script of SUITE) await run(script, env);
});
process.stdout.write('\nfigures merged into bench/results.json\n');
