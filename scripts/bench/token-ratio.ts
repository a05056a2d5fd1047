/**
 * Issue 19's yardstick for the token endpoint: Tansu with W workers against the bare oidc-provider
 * with the same W node:cluster workers (bare-provider.ts), client credentials with JWT access
 * tokens, at 1 tenant and at many tenants in rotation (a random tenant per request), measured in
 * interleaved rounds — bare, Tansu 1 tenant, Tansu N tenants, bare, … — with the ratio taken
 * within each round (support/rounds.ts). All servers stay up for the whole run; the Tansu node
 * has built every tenant's context in every worker before the first round.
 *
 *   npm run bench:token-ratio   # BENCH_TENANTS=200 BENCH_ROUNDS=5 BENCH_DURATION=8 BENCH_CONNECTIONS=32 WORKERS=<cores> BENCH_ALG=RS256
 */
import os from 'node:os';
import { withBenchCluster } from './support/cluster.ts';
import { runLoad, type LoadResult, type LoadSpec } from './support/load.ts';
import { printTable, round, saveResults } from './support/report.ts';
import { startBareProvider, startTansu, type RunningServer } from './support/server.ts';
import { ensureBenchTenants, openBenchPlatform, tokenTargets, type BenchAlg } from './support/tenants.ts';
import { envInt } from './support/env.ts';
import { warmEveryContext } from './support/warm.ts';
import { formatSpread, interleave, loadAverage, spread } from './support/rounds.ts';

const TENANTS = envInt('BENCH_TENANTS', 200);
const ROUNDS = envInt('BENCH_ROUNDS', 5);
const DURATION = envInt('BENCH_DURATION', 8);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 32);
const WORKERS = envInt('WORKERS', 0) || os.availableParallelism();
const ALG = (process.env.BENCH_ALG ?? 'RS256') as BenchAlg;

const BARE_TARGET: LoadSpec['targets'][number] = {
  method: 'POST',
  path: '/token',
  headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('bench:bench-secret-0123456789').toString('base64')}` },
  body: 'grant_type=client_credentials',
};

/** One request by hand first: a benchmark of error responses would be worthless. */
async function assertIssuesJwt(url: string, target: LoadSpec['targets'][number]): Promise<void> {
  const response = await fetch(`${url}${target.path}`, { method: 'POST', headers: target.headers, body: target.body });
  const body = (await response.json()) as { access_token?: string };
  if (!response.ok || !body.access_token) throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
  const header = JSON.parse(Buffer.from(body.access_token.split('.')[0]!, 'base64url').toString()) as { alg: string; typ: string };
  if (header.alg !== ALG || header.typ !== 'at+jwt') throw new Error(`expected an ${ALG} at+jwt, got ${JSON.stringify(header)}`);
}

const loadOf = (url: string, targets: LoadSpec['targets']) => () => runLoad({ url, targets, connections: CONNECTIONS, durationSeconds: DURATION });

const figures = await withBenchCluster(async (cluster) => {
  const platform = await openBenchPlatform(cluster);
  const tenants = await ensureBenchTenants(platform, TENANTS, ALG).finally(() => platform.close());
  const targets = tokenTargets(tenants);
  const servers: RunningServer[] = [];
  try {
    const bare = await startBareProvider(ALG, false, WORKERS);
    servers.push(bare);
    const tansu = await startTansu(cluster, { workers: WORKERS, tenantCacheSize: Math.max(1000, TENANTS + 100) });
    servers.push(tansu);
    await assertIssuesJwt(bare.url, BARE_TARGET);
    await assertIssuesJwt(tansu.url, targets[0]!);
    const warmUp = await warmEveryContext({ url: tansu.url, targets, connections: CONNECTIONS }, WORKERS * TENANTS);
    await runLoad({ url: bare.url, targets: [BARE_TARGET], connections: CONNECTIONS, durationSeconds: 3 });
    const one = `tansu, ${WORKERS} workers, 1 tenant`;
    const many = `tansu, ${WORKERS} workers, ${TENANTS} tenants random`;
    const bareName = `bare oidc-provider, ${WORKERS} workers`;
    const { results, loadAverages } = await interleave<LoadResult>(
      [
        { name: bareName, run: loadOf(bare.url, [BARE_TARGET]) },
        { name: one, run: loadOf(tansu.url, [targets[0]!]) },
        { name: many, run: loadOf(tansu.url, targets) },
      ],
      ROUNDS,
    );
    return { results, loadAverages, warmUp, bareName, names: [bareName, one, many] };
  } finally {
    for (const server of servers) await server.stop();
  }
});

const bareRounds = figures.results.get(figures.bareName)!;
const rows = figures.names.map((name) => {
  const list = figures.results.get(name)!;
  const ratios = list.map((r, i) => r.requestsPerSecond / bareRounds[i]!.requestsPerSecond);
  return {
    server: name,
    'grants/s median (min–max)': formatSpread(spread(list.map((r) => r.requestsPerSecond))),
    'vs bare, per round: median (min–max)': formatSpread(spread(ratios), 2),
    'p50 ms': spread(list.map((r) => r.p50)).median,
    'p99 ms': spread(list.map((r) => r.p99)).median,
    'non-2xx': list.reduce((n, r) => n + r.non2xx + r.errors, 0),
    ratios: ratios.map((x) => round(x, 2)).join(' '),
  };
});
printTable(`Token endpoint, client credentials, ${ALG} JWT access tokens: ${ROUNDS} interleaved rounds of ${DURATION} s, ${CONNECTIONS} connections`, rows);
process.stdout.write(`load average (1/5/15 min) before and after each round: ${figures.loadAverages.join(' | ')}\nwarm-up: ${figures.warmUp.contexts} contexts in ${figures.warmUp.seconds} s\nnow: ${loadAverage()}\n`);
saveResults(`tokenRatio:${ALG}:${TENANTS}`, {
  alg: ALG,
  tenants: TENANTS,
  workers: WORKERS,
  rounds: ROUNDS,
  durationSeconds: DURATION,
  connections: CONNECTIONS,
  loadAverages: figures.loadAverages,
  warmUp: figures.warmUp,
  results: Object.fromEntries(figures.results),
  table: rows,
});
