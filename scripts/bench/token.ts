/**
 * Benchmark 1 — the token endpoint side by side: client credentials with JWT access tokens from
 * (a) a bare single-tenant oidc-provider (in-memory adapter; on as many node:cluster workers as
 * Tansu — issue 19's yardstick — and, for the older figures, one process) and Tansu with
 * (b) one tenant and (c) many tenants (default 1,000) receiving requests in random order.
 *
 * ES256 is measured the same way on tenants whose active key is ES256 (fewer of them: provisioning
 * is the slow part of the run).
 *
 *   npm run bench:token   # BENCH_TENANTS=1000 BENCH_ES256_TENANTS=100 BENCH_DURATION=15 BENCH_CONNECTIONS=32
 */
import pg from 'pg';
import { withBenchCluster, type BenchCluster } from './support/cluster.ts';
import { runLoad, type LoadResult, type LoadSpec } from './support/load.ts';
import { printTable, round, saveResults } from './support/report.ts';
import { startBareProvider, startTansu } from './support/server.ts';
import { ensureBenchTenants, openBenchPlatform, tokenTargets, type BenchTenant } from './support/tenants.ts';
import { envInt } from './support/env.ts';
import { warmEveryContext, type WarmUp } from './support/warm.ts';

const TENANTS = envInt('BENCH_TENANTS', 1000);
const ES_TENANTS = envInt('BENCH_ES256_TENANTS', 100);
const DURATION = envInt('BENCH_DURATION', 15);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 32);
const WORKERS = envInt('WORKERS', 0) || undefined;

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const BODY = 'grant_type=client_credentials';

function tokenSpec(url: string, targets: LoadSpec['targets'], warmupSeconds: number): LoadSpec {
  return { url, targets, connections: CONNECTIONS, durationSeconds: DURATION, warmupSeconds };
}

/** One request by hand first: a benchmark of error responses would be worthless. */
async function assertIssuesJwt(url: string, target: LoadSpec['targets'][number], alg: string): Promise<void> {
  const response = await fetch(`${url}${target.path}`, { method: 'POST', headers: target.headers, body: target.body });
  const body = (await response.json()) as { access_token?: string; error?: string };
  if (!response.ok || !body.access_token) throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
  const header = JSON.parse(Buffer.from(body.access_token.split('.')[0]!, 'base64url').toString()) as { alg: string; typ: string };
  if (header.alg !== alg || header.typ !== 'at+jwt') throw new Error(`expected an ${alg} at+jwt, got ${JSON.stringify(header)}`);
}

async function measureBare(alg: 'RS256' | 'ES256', pinned = false, workers = 1): Promise<LoadResult> {
  const server = await startBareProvider(alg, pinned, workers);
  try {
    const target = {
      method: 'POST' as const,
      path: '/token',
      headers: { ...FORM, authorization: `Basic ${Buffer.from('bench:bench-secret-0123456789').toString('base64')}` },
      body: BODY,
    };
    await assertIssuesJwt(server.url, target, alg);
    return await runLoad(tokenSpec(server.url, [target], 3));
  } finally {
    await server.stop();
  }
}

/** Committed + rolled back transactions so far in the bench tenants' databases and the platform's (pg_stat_database). */
async function databaseTransactions(cluster: BenchCluster): Promise<{ tenants: number; platform: number }> {
  const client = new pg.Client({ connectionString: cluster.databaseUrl });
  await client.connect();
  try {
    // The statistics collector flushes about once a second.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ tenants: string; platform: string }>(
      `SELECT coalesce(sum(xact_commit + xact_rollback) FILTER (WHERE datname LIKE 'tansu_tenant_bench%'), 0) AS tenants,
              coalesce(sum(xact_commit + xact_rollback) FILTER (WHERE datname = current_database()), 0) AS platform
         FROM pg_stat_database`,
    );
    return { tenants: Number(rows[0]!.tenants), platform: Number(rows[0]!.platform) };
  } finally {
    await client.end();
  }
}

interface TansuFigures {
  one: LoadResult;
  many: LoadResult;
  workers: number;
  /** Until every worker had built every tenant's context. */
  warmUp: WarmUp;
  transactionsPerGrant: { tenantDatabases: number; platformDatabase: number };
}

async function measureTansu(cluster: BenchCluster, tenants: BenchTenant[], alg: string): Promise<TansuFigures> {
  const workers = WORKERS ?? (await import('node:os')).availableParallelism();
  const server = await startTansu(cluster, { workers, tenantCacheSize: Math.max(1000, tenants.length + 100) });
  try {
    const targets = tokenTargets(tenants);
    await assertIssuesJwt(server.url, targets[0]!, alg);
    const one = await runLoad(tokenSpec(server.url, [targets[0]!], 3));
    // Every worker builds every tenant (a new PostgreSQL session each) before the measured run.
    const warmUp = await warmEveryContext({ url: server.url, targets, connections: CONNECTIONS }, workers * tenants.length);
    const many = await runLoad(tokenSpec(server.url, targets, 0));
    // Warm grants should cost no database round trip: count transactions over a short extra run.
    const before = await databaseTransactions(cluster);
    const check = await runLoad({ ...tokenSpec(server.url, targets, 0), durationSeconds: 5 });
    const after = await databaseTransactions(cluster);
    const perGrant = {
      tenantDatabases: round((after.tenants - before.tenants) / check.requests, 3),
      platformDatabase: round((after.platform - before.platform) / check.requests, 3),
    };
    return { one, many, workers, warmUp, transactionsPerGrant: perGrant };
  } finally {
    await server.stop();
  }
}

const row = (name: string, result: LoadResult, baseline: LoadResult) => ({
  server: name,
  'grants/s': result.requestsPerSecond,
  'p50 ms': result.p50,
  'p99 ms': result.p99,
  'vs bare': `${round(result.requestsPerSecond / baseline.requestsPerSecond, 2)}×`,
  'non-2xx': result.non2xx + result.errors,
});

async function main(): Promise<void> {
  const workers = WORKERS ?? (await import('node:os')).availableParallelism();
  // Issue 19's yardstick: the bare library on as many node:cluster workers as Tansu has.
  const bareRsWorkers = await measureBare('RS256', false, workers);
  const bareEsWorkers = await measureBare('ES256', false, workers);
  const bareRs = await measureBare('RS256');
  const bareRsOneCore = await measureBare('RS256', true);
  const bareEs = await measureBare('ES256');
  const { tansu, tansuEs } = await withBenchCluster(async (cluster) => {
    const platform = await openBenchPlatform(cluster);
    let tenants: BenchTenant[];
    let esTenants: BenchTenant[];
    try {
      tenants = await ensureBenchTenants(platform, TENANTS);
      esTenants = await ensureBenchTenants(platform, ES_TENANTS, 'ES256');
    } finally {
      await platform.close();
    }
    return { tansu: await measureTansu(cluster, tenants, 'RS256'), tansuEs: await measureTansu(cluster, esTenants, 'ES256') };
  });
  printTable(`Token endpoint, client credentials, RS256 JWT access tokens (${CONNECTIONS} connections, ${DURATION} s each; vs the bare library on as many workers)`, [
    row(`bare oidc-provider, ${workers} workers`, bareRsWorkers, bareRsWorkers),
    row('bare oidc-provider, 1 process', bareRs, bareRsWorkers),
    row('bare oidc-provider, pinned to 1 core', bareRsOneCore, bareRsWorkers),
    row(`tansu, ${tansu.workers} workers, 1 tenant`, tansu.one, bareRsWorkers),
    row(`tansu, ${tansu.workers} workers, ${TENANTS} tenants random`, tansu.many, bareRsWorkers),
  ]);
  process.stdout.write(
    `database transactions per warm grant: tenant databases ${tansu.transactionsPerGrant.tenantDatabases}, platform ${tansu.transactionsPerGrant.platformDatabase}\n` +
      `warm-up: ${tansu.warmUp.contexts} tenant contexts (${tansu.workers} workers × ${TENANTS} tenants) built under load in ${tansu.warmUp.seconds} s, ${tansu.warmUp.perSecond}/s\n`,
  );
  printTable('The same with ES256 access tokens', [
    row(`bare oidc-provider, ${workers} workers`, bareEsWorkers, bareEsWorkers),
    row('bare oidc-provider, 1 process', bareEs, bareEsWorkers),
    row(`tansu, ${tansuEs.workers} workers, 1 tenant`, tansuEs.one, bareEsWorkers),
    row(`tansu, ${tansuEs.workers} workers, ${ES_TENANTS} tenants random`, tansuEs.many, bareEsWorkers),
  ]);
  saveResults('token', {
    connections: CONNECTIONS,
    durationSeconds: DURATION,
    tenants: TENANTS,
    workers: tansu.workers,
    bare: { RS256: bareRs, RS256OneCore: bareRsOneCore, ES256: bareEs, RS256Workers: bareRsWorkers, ES256Workers: bareEsWorkers },
    es256Tenants: ES_TENANTS,
    tansu: { RS256: { oneTenant: tansu.one, manyTenants: tansu.many }, ES256: { oneTenant: tansuEs.one, manyTenants: tansuEs.many } },
    transactionsPerGrant: { RS256: tansu.transactionsPerGrant, ES256: tansuEs.transactionsPerGrant },
    warmUp: { RS256: tansu.warmUp, ES256: tansuEs.warmUp },
    ratioManyToBareWorkers: round(tansu.many.requestsPerSecond / bareRsWorkers.requestsPerSecond, 2),
    ratioOneToBareWorkers: round(tansu.one.requestsPerSecond / bareRsWorkers.requestsPerSecond, 2),
    ratioManyToBare: round(tansu.many.requestsPerSecond / bareRs.requestsPerSecond, 2),
    ratioManyToBareOneCore: round(tansu.many.requestsPerSecond / bareRsOneCore.requestsPerSecond, 2),
    ratioManyToBareES256: round(tansuEs.many.requestsPerSecond / bareEs.requestsPerSecond, 2),
  });
}

await main();
