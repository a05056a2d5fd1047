/**
 * What the rate limits cost the token endpoint: client-credentials grants with every budget off
 * (`RATE_LIMIT_*=0`) and on with budgets too high ever to refuse, so each request is judged and
 * answered with its RateLimit headers but none is turned away. Both servers run side by side on
 * the same tenants and the load alternates between them every few seconds, so a busy machine
 * hurts both alike; the table gives medians of grants a
 * second and of the servers' CPU time per grant (support/cpu.ts), which a shared machine moves
 * far less. Three loads: one tenant (its buckets the hottest), many tenants in random order, and
 * many tenants whose clients send their credentials in the form (the route reads the body to
 * learn the client). First, judging alone: the limiter's own time per request, in this process;
 * last, one worker per load under `--cpu-prof` with the limits on: the share of its busy time
 * spent in the rate limit code, callees included (support/profile-share.ts).
 *
 *   npm run bench:rate-limits   # BENCH_TENANTS=100 BENCH_ROUNDS=8 BENCH_DURATION=5 WORKERS=<cores>
 */
import os from 'node:os';
import { withBenchCluster, type BenchCluster } from './support/cluster.ts';
import { runLoad, type LoadResult, type LoadTarget } from './support/load.ts';
import { printTable, round, saveResults } from './support/report.ts';
import { startTansu } from './support/server.ts';
import { BENCH_API, ensureBenchTenants, mapConcurrent, openBenchPlatform, tokenTargets, type BenchTenant } from './support/tenants.ts';
import { envInt } from './support/env.ts';
import { warmEveryContext } from './support/warm.ts';
import { treeCpuSeconds } from './support/cpu.ts';
import { inclusiveShare } from './support/profile-share.ts';
import fs from 'node:fs';
import path from 'node:path';
import { RateLimiter } from '../../src/http/rate-limiter.ts';
import { enforceRateLimits, tokenBudgets } from '../../src/routes/rate-limits.ts';
import { effectiveRateBudgets } from '../../src/modules/settings/rate-limits.ts';
import type { TenantContext } from '../../src/tenancy/tenant-context.ts';
import type { ServerResponse } from 'node:http';
import type { Platform } from '../../src/platform/platform.ts';
import { findTenant } from '../../src/platform/tenants.repository.ts';
import { openTenantDatabase } from '../../src/db/tenant-database.ts';
import { tenantScope, CLI_ACTOR } from '../../src/platform/tenant-scope.ts';
import { parseTenantId } from '../../src/platform/tenant-id.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';

const TENANTS = envInt('BENCH_TENANTS', 100);
const ROUNDS = envInt('BENCH_ROUNDS', 8);
const DURATION = envInt('BENCH_DURATION', 5);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 32);
const WORKERS = envInt('WORKERS', 0) || os.availableParallelism();

const BUDGETS = ['TOKEN', 'TOKEN_PER_CLIENT', 'AUTHORIZATION', 'AUTHORIZATION_PER_CLIENT', 'API'].map((name) => `RATE_LIMIT_${name}_PER_MINUTE`);
const budgetsAt = (perMinute: number) => Object.fromEntries(BUDGETS.map((name) => [name, String(perMinute)]));
const MODES = { off: budgetsAt(0), on: budgetsAt(100_000_000) } as const;
type Mode = keyof typeof MODES;

/** A client of each tenant that authenticates with client_secret_post: its id is in the body. */
async function formClient(platform: Platform, tenant: BenchTenant): Promise<LoadTarget> {
  const row = (await findTenant(platform.db, tenant.id))!;
  const db = openTenantDatabase(await platform.clusters.urlOf(row.cluster), row.database_name, 1, 'tansu-bench');
  try {
    const scope = tenantScope(platform, parseTenantId(tenant.id), db);
    const { client, clientSecret } = await createClient(
      scope,
      { name: 'bench form', type: 'confidential', authMethod: 'client_secret_post', grantTypes: ['client_credentials'], resources: [BENCH_API] },
      CLI_ACTOR,
    );
    return {
      method: 'POST',
      path: `/t/${tenant.id}/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: clientSecret! }).toString(),
    };
  } finally {
    await db.destroy();
  }
}

interface Loads {
  one: LoadTarget[];
  many: LoadTarget[];
  form: LoadTarget[];
}
interface Measured extends LoadResult {
  /** The server's CPU milliseconds (primary and workers) per request of the run. */
  cpuMsPerGrant: number;
}
type RoundResult = Record<keyof Loads, Measured>;

/**
 * The limiter's own work for one token request, as the route does it (its budgets, the judgement,
 * three headers), over `tenants` tenants with a client each, in microseconds.
 */
function judgingMicroseconds(tenants: number, iterations = 1_000_000): number {
  const limiter = new RateLimiter();
  limiter.processes = WORKERS;
  const budgets = effectiveRateBudgets({ budgets: {}, clients: {} }, { token: 100_000_000, tokenPerClient: 100_000_000, authorization: 0, authorizationPerClient: 0, api: 0 });
  const contexts = Array.from({ length: tenants }, (_, i) => ({ id: `bench-${i}`, rateBudgets: budgets }) as unknown as TenantContext);
  const res = { setHeader: () => res } as unknown as ServerResponse;
  const run = (count: number) => {
    for (let i = 0; i < count; i++) enforceRateLimits(limiter, tokenBudgets(contexts[i % tenants]!, `client${i % tenants}`), res);
  };
  run(iterations / 10); // warm the JIT
  const started = process.hrtime.bigint();
  run(iterations);
  return Number(process.hrtime.bigint() - started) / 1000 / iterations;
}

/**
 * A creation can fail with PostgreSQL's "tuple concurrently updated" while the background spare
 * refill runs (seen on the shared 2-core machine, also one creation at a time); a failed tenant
 * is simply created again, and those that exist are reused.
 */
async function provisionWithRetries(platform: Platform, attempts = 10): Promise<BenchTenant[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ensureBenchTenants(platform, TENANTS, 'RS256', 1);
    } catch (error) {
      if (attempt >= attempts) throw error;
      process.stderr.write(`${JSON.stringify({ msg: 'provisioning failed; once more', error: (error as Error).message })}\n`);
    }
  }
}

/** One request by hand first: a benchmark of refusals would be worthless. */
async function assertGrants(url: string, target: LoadTarget, mode: Mode): Promise<void> {
  const response = await fetch(`${url}${target.path}`, { method: 'POST', headers: target.headers, body: target.body });
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  if ((response.headers.get('ratelimit-limit') !== null) !== (mode === 'on')) throw new Error(`rate limits ${mode}, but RateLimit-Limit is ${response.headers.get('ratelimit-limit')}`);
}

interface Running {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** A server with the limits off or on, warmed up on every load's tenants and clients. */
async function startWarm(cluster: BenchCluster, mode: Mode, loads: Loads): Promise<Running> {
  const server = await startTansu(cluster, { workers: WORKERS, tenantCacheSize: TENANTS + 100, env: MODES[mode] });
  await assertGrants(server.url, loads.form[0]!, mode);
  const spec = (targets: LoadTarget[]) => ({ url: server.url, targets, connections: CONNECTIONS });
  await warmEveryContext(spec(loads.many), WORKERS * loads.many.length);
  // The form clients' instances too: each worker reads a client once, on its first request.
  await runLoad({ ...spec(loads.form), durationSeconds: 3 });
  return server;
}

/** One load against one server for DURATION seconds, with the server's CPU time per grant. */
async function measure(server: Running, targets: LoadTarget[]): Promise<Measured> {
  const before = treeCpuSeconds(server.pid);
  const result = await runLoad({ url: server.url, targets, connections: CONNECTIONS, durationSeconds: DURATION });
  return { ...result, cpuMsPerGrant: ((treeCpuSeconds(server.pid) - before) * 1000) / Math.max(1, result.requests) };
}

/** The files of the rate limits: what the profile attributes to them is their cost. */
const RATE_LIMIT_FILES = /\/src\/(http\/rate-limiter|routes\/rate-limits|routes\/provider-rate-limits)\.ts$/;

/** One worker with the limits on under --cpu-prof, one load: the share of its busy time in the rate limit code. */
async function profiledShare(cluster: BenchCluster, targets: LoadTarget[]): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-rl-prof-'));
  try {
    const server = await startTansu(cluster, { workers: 1, tenantCacheSize: TENANTS + 100, env: MODES.on, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
    try {
      const spec = { url: server.url, targets, connections: 16 };
      await warmEveryContext(spec, targets.length);
      await runLoad({ ...spec, durationSeconds: DURATION });
    } finally {
      await server.stop();
    }
    const file = fs.readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no profile in ${dir}`);
    return inclusiveShare(path.join(dir, file), RATE_LIMIT_FILES).share;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const judging = { oneTenant: round(judgingMicroseconds(1), 3), manyTenants: round(judgingMicroseconds(TENANTS), 3) };
process.stdout.write(`judging one token request alone: ${judging.oneTenant} µs (1 tenant), ${judging.manyTenants} µs (${TENANTS} tenants)\n`);

const measured = await withBenchCluster(async (cluster) => {
  const platform = await openBenchPlatform(cluster);
  let loads: Loads;
  try {
    const tenants = await provisionWithRetries(platform);
    const many = tokenTargets(tenants);
    loads = { one: [many[0]!], many, form: await mapConcurrent(tenants, 4, (tenant) => formClient(platform, tenant)) };
  } finally {
    await platform.close();
  }
  const profiled = {
    one: await profiledShare(cluster, loads.one),
    many: await profiledShare(cluster, loads.many),
    form: await profiledShare(cluster, loads.form),
  };
  process.stdout.write(`share of a worker's busy time in the rate limit code: ${JSON.stringify(profiled)}\n`);
  // Both servers run side by side for the whole comparison, and the load goes to one, then the
  // other, a few seconds each: whatever else the machine does in a given minute falls on both.
  const servers = { off: await startWarm(cluster, 'off', loads), on: await startWarm(cluster, 'on', loads) };
  const results: Record<Mode, RoundResult[]> = { off: [], on: [] };
  try {
    for (let index = 0; index < ROUNDS; index++) {
      const slice: Record<Mode, Partial<RoundResult>> = { off: {}, on: {} };
      for (const load of ['one', 'many', 'form'] as const) {
        // Which goes first alternates too.
        for (const mode of (index % 2 === 0 ? ['off', 'on'] : ['on', 'off']) as Mode[]) slice[mode][load] = await measure(servers[mode], loads[load]);
      }
      for (const mode of ['off', 'on'] as const) {
        results[mode].push(slice[mode] as RoundResult);
        const figures = (['one', 'many', 'form'] as const).map((load) => `${slice[mode][load]!.requestsPerSecond}/s ${round(slice[mode][load]!.cpuMsPerGrant, 3)} ms`);
        process.stdout.write(`round ${index + 1}/${ROUNDS} ${mode}: ${figures.join(', ')} (grants a second, CPU per grant)\n`);
      }
    }
  } finally {
    await Promise.all([servers.off.stop(), servers.on.stop()]);
  }
  return { results, profiled };
});
const { results: rounds, profiled } = measured;

const LOADS = { one: '1 tenant, Basic', many: `${TENANTS} tenants random, Basic`, form: `${TENANTS} tenants random, credentials in the form` } as const;
const table = (Object.keys(LOADS) as Array<keyof Loads>).map((load) => {
  const figure = (mode: Mode, pick: (result: Measured) => number) => median(rounds[mode].map((r) => pick(r[load])));
  const [off, on] = [figure('off', (r) => r.requestsPerSecond), figure('on', (r) => r.requestsPerSecond)];
  const [offCpu, onCpu] = [figure('off', (r) => r.cpuMsPerGrant), figure('on', (r) => r.cpuMsPerGrant)];
  return {
    load: LOADS[load],
    'off grants/s': off,
    'on grants/s': on,
    'throughput cost': `${round((1 - on / off) * 100, 1)} %`,
    'off CPU ms/grant': round(offCpu, 3),
    'on CPU ms/grant': round(onCpu, 3),
    'CPU cost': `${round((onCpu / offCpu - 1) * 100, 1)} %`,
    'profiled share': `${round(profiled[load] * 100, 2)} %`,
    'off rounds': rounds.off.map((r) => r[load].requestsPerSecond).join(' / '),
    'on rounds': rounds.on.map((r) => r[load].requestsPerSecond).join(' / '),
    'non-2xx': [...rounds.off, ...rounds.on].reduce((n, r) => n + r[load].non2xx + r[load].errors, 0),
  };
});
printTable(`Rate limits off and on (never refusing), token endpoint, ${WORKERS} workers, two servers side by side, ${ROUNDS} rounds of ${DURATION} s per load and server (medians)`, table);
saveResults('rateLimits', { tenants: TENANTS, workers: WORKERS, rounds: ROUNDS, durationSeconds: DURATION, connections: CONNECTIONS, judgingMicroseconds: judging, profiledShare: profiled, table });
