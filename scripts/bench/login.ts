/**
 * Benchmark 3 — password logins: whole authorization-code logins/s through the login form (see
 * login-load.ts) against the bare argon2id verify rate with the same parameters on the same
 * machine, each in its own process; and the same logins against the bare oidc-provider with the
 * same login step but no database (bare-login-provider.ts) on as many workers as Tansu (issue 19's
 * yardstick: Tansu ≥ 0.9× of it). The two are measured in BENCH_ROUNDS interleaved rounds (bare,
 * Tansu, bare, …) and compared within each round; the argon2 rate uses every core (argon2-rate.ts).
 *
 *   npm run bench:login                      # BENCH_DURATION=15 BENCH_ROUNDS=1 BENCH_CONCURRENCY=32 BENCH_USERS=32 WORKERS=<cores>
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import pg from 'pg';
import { withBenchCluster, type BenchCluster } from './support/cluster.ts';
import { parseTenantId, tenantDatabaseName } from '../../src/platform/tenant-id.ts';
import { runLoadProcess } from './support/load.ts';
import { printTable, round, saveResults } from './support/report.ts';
import { ROOT, startBareProcess, startTansu, type RunningServer } from './support/server.ts';
import { formatSpread, interleave, spread } from './support/rounds.ts';
import { benchTenantId, ensureBenchTenants, mapConcurrent, openBenchPlatform } from './support/tenants.ts';
import { envInt } from './support/env.ts';
import { findTenant } from '../../src/platform/tenants.repository.ts';
import { openTenantDatabase } from '../../src/db/tenant-database.ts';
import { insertUserIfNew } from '../../src/modules/users/users.repository.ts';
import { hashPassword } from '../../src/crypto/passwords.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import type { LoginLoadResult, LoginLoadSpec } from './login-load.ts';
import { CLI_ACTOR, tenantScope } from '../../src/platform/tenant-scope.ts';

const DURATION = envInt('BENCH_DURATION', 15);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 32);
const USERS = envInt('BENCH_USERS', 32);
const WORKERS = envInt('WORKERS', 0) || os.availableParallelism();
const ROUNDS = envInt('BENCH_ROUNDS', 1);
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const PASSWORD = 'bench-user-password-1';

function bareArgon2(seconds: number): Promise<{ verifiesPerSecond: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/bench/argon2-rate.ts', String(seconds)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_WORKERS: String(WORKERS) },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`argon2-rate exited with ${code}`))));
  });
}

/** Statements run outside a transaction count one each: about the number of round trips. */
async function tenantTransactions(cluster: BenchCluster, tenantId: string): Promise<number> {
  const client = new pg.Client({ connectionString: cluster.databaseUrl });
  await client.connect();
  try {
    await new Promise((resolve) => setTimeout(resolve, 1500)); // statistics are flushed about once a second
    const { rows } = await client.query<{ n: string }>('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1', [
      tenantDatabaseName(parseTenantId(tenantId)),
    ]);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/** The same logins against the bare oidc-provider on WORKERS workers: in memory, no tenants, no throttling. */
function startBareLogins(users: { email: string; password: string }[]): Promise<RunningServer> {
  return startBareProcess('scripts/bench/bare-login-provider.ts', {
    BENCH_USERS: String(users.length),
    BENCH_PASSWORD: PASSWORD,
    BENCH_REDIRECT_URI: REDIRECT_URI,
    BENCH_WORKERS: String(WORKERS),
  });
}

function bareLoginSpec(server: RunningServer, users: { email: string; password: string }[]): LoginLoadSpec {
  const servers = (server.urls ?? [server.url]).map((url) => ({ url, issuer: url }));
  return { url: server.url, issuer: server.url, servers, clientId: 'bench-web', redirectUri: REDIRECT_URI, users, concurrency: CONCURRENCY, durationSeconds: DURATION, warmupSeconds: 3 };
}

const benchUsers = Array.from({ length: USERS }, (_, i) => ({ email: `user${i}@bench.test`, password: PASSWORD }));

// The machine's load may drift during the run: the bare rate is measured before and after the logins.
const bareBefore = await bareArgon2(DURATION);
const { logins, bareRounds, tansuRounds, loadAverages } = await withBenchCluster(async (cluster) => {
  const platform = await openBenchPlatform(cluster);
  const tenantId = benchTenantId(1);
  let clientId: string;
  const users = benchUsers;
  try {
    await ensureBenchTenants(platform, 1);
    const row = (await findTenant(platform.db, tenantId))!;
    const db = openTenantDatabase(await platform.clusters.urlOf(row.cluster), row.database_name, 2, 'tansu-bench');
    try {
      const tenant = tenantScope(platform, parseTenantId(tenantId), db);
      const created = await createClient(tenant, { name: 'bench web', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, CLI_ACTOR);
      clientId = created.client.client_id;
      await mapConcurrent(users, 4, async (user) => {
        await insertUserIfNew(db, { email: user.email, passwordHash: await hashPassword(user.password), emailVerified: true });
      });
    } finally {
      await db.destroy();
    }
  } finally {
    await platform.close();
  }
  // The load generator plays a proxy for many users (X-Forwarded-For), as a real deployment's balancer would.
  const server = await startTansu(cluster, { workers: WORKERS, env: { TRUSTED_PROXIES: '127.0.0.1', ...(process.env.TENANT_POOL_MAX ? { TENANT_POOL_MAX: process.env.TENANT_POOL_MAX } : {}) } });
  const bareServer = await startBareLogins(users).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  try {
    const spec: LoginLoadSpec = { url: server.url, issuer: `${server.url}/t/${tenantId}`, clientId, redirectUri: REDIRECT_URI, users, concurrency: CONCURRENCY, durationSeconds: DURATION, warmupSeconds: 3 };
    const before = await tenantTransactions(cluster, tenantId);
    const { results, loadAverages } = await interleave<LoginLoadResult>(
      [
        { name: 'bare', run: () => runLoadProcess<LoginLoadResult>('scripts/bench/login-load.ts', bareLoginSpec(bareServer, users)) },
        { name: 'tansu', run: () => runLoadProcess<LoginLoadResult>('scripts/bench/login-load.ts', spec) },
      ],
      ROUNDS,
    );
    const after = await tenantTransactions(cluster, tenantId);
    const tansuRounds = results.get('tansu')!;
    const allLogins = tansuRounds.reduce((n, r) => n + (r.allLogins ?? r.logins), 0);
    const median = (list: LoginLoadResult[]) => [...list].sort((a, b) => a.loginsPerSecond - b.loginsPerSecond)[Math.floor(list.length / 2)]!;
    return {
      logins: { ...median(tansuRounds), transactionsPerLogin: round((after - before) / allLogins, 1) },
      tansuRounds,
      bareRounds: results.get('bare')!,
      loadAverages,
    };
  } finally {
    await server.stop();
    await bareServer.stop();
  }
});
const bareLogins = [...bareRounds].sort((a, b) => a.loginsPerSecond - b.loginsPerSecond)[Math.floor(bareRounds.length / 2)]!;
const roundRatios = spread(tansuRounds.map((r, i) => r.loginsPerSecond / bareRounds[i]!.loginsPerSecond));

const bareAfter = await bareArgon2(DURATION);
const bare = { verifiesPerSecond: round((bareBefore.verifiesPerSecond + bareAfter.verifiesPerSecond) / 2, 1), before: bareBefore.verifiesPerSecond, after: bareAfter.verifiesPerSecond };
process.stdout.write(`database transactions per login (whole flow, tenant database): ${logins.transactionsPerLogin}\n`);
for (const [name, result] of [['tansu', logins], ['bare provider', bareLogins]] as const) {
  if (result.failures > 0) process.stderr.write(`${name} login failures: ${result.failures} (first: ${result.firstFailure})\n`);
}
const ratio = round(logins.loginsPerSecond / bare.verifiesPerSecond, 2);
printTable(`Password logins (${WORKERS} workers, ${CONCURRENCY} browsers, ${DURATION} s) vs bare argon2id verify (m=19 MiB, t=2, p=1)`, [
  { measure: `bare argon2id verify, one per core (mean of ${bare.before} before, ${bare.after} after)`, 'per second': bare.verifiesPerSecond, 'p50 ms': '', 'p99 ms': '', ratio: '1×', failures: 0 },
  {
    measure: `bare oidc-provider, ${WORKERS} workers, in memory: same logins`,
    'per second': bareLogins.loginsPerSecond,
    'p50 ms': bareLogins.p50,
    'p99 ms': bareLogins.p99,
    ratio: `${round(bareLogins.loginsPerSecond / bare.verifiesPerSecond, 2)}×`,
    failures: bareLogins.failures,
  },
  { measure: `tansu, ${WORKERS} workers: full authorization-code logins`, 'per second': logins.loginsPerSecond, 'p50 ms': logins.p50, 'p99 ms': logins.p99, ratio: `${ratio}×`, failures: logins.failures },
]);
process.stdout.write(
  `rounds (logins/s, bare / tansu): ${bareRounds.map((r, i) => `${r.loginsPerSecond} / ${tansuRounds[i]!.loginsPerSecond}`).join(', ')}\n` +
    `tansu vs the bare oidc-provider with ${WORKERS} workers, per round: ${formatSpread(roundRatios, 2)} (issue 19's target: ≥ 0.9)\n` +
    `load average before and after each round: ${loadAverages.join(' | ')}\n`,
);
saveResults('login', {
  workers: WORKERS,
  concurrency: CONCURRENCY,
  durationSeconds: DURATION,
  rounds: ROUNDS,
  users: USERS,
  bareArgon2: bare,
  bareProviderLogins: bareLogins,
  logins,
  ratio,
  ratioToBareProvider: roundRatios,
  roundsByServer: { bare: bareRounds, tansu: tansuRounds },
  loadAverages,
});
