/**
 * Issue 19's soak: mixed load over many tenants for a long while — whole logins through the form,
 * refreshes, client credentials, introspection and JWKS (soak-load.ts) — against one Tansu node,
 * reporting errors and p50/p99 per endpoint, and the node's resident memory (primary and workers,
 * from /proc) sampled over the run: flat memory is the target.
 *
 * Each tenant gets a client-credentials client, a confidential first-party app with the password
 * and refresh_token grants (its refresh tokens are what is refreshed and introspected), a public
 * first-party web client for the login form, and one user.
 *
 *   npm run bench:soak   # BENCH_TENANTS=1000 BENCH_DURATION=600 BENCH_CONCURRENCY=16 BENCH_SAMPLE_SECONDS=15 WORKERS=<cores>
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import { withBenchCluster } from './support/cluster.ts';
import { runLoadProcess } from './support/load.ts';
import { printTable, round, saveResults } from './support/report.ts';
import { residentBytes, startTansu } from './support/server.ts';
import { BENCH_API, ensureBenchTenants, mapConcurrent, openBenchPlatform } from './support/tenants.ts';
import { envInt } from './support/env.ts';
import { findTenant } from '../../src/platform/tenants.repository.ts';
import { openTenantDatabase } from '../../src/db/tenant-database.ts';
import { insertUserIfNew } from '../../src/modules/users/users.repository.ts';
import { hashPassword } from '../../src/crypto/passwords.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { parseTenantId } from '../../src/platform/tenant-id.ts';
import { CLI_ACTOR, tenantScope } from '../../src/platform/tenant-scope.ts';
import { loadAverage, spread } from './support/rounds.ts';
import type { SoakLoadResult, SoakSpec, SoakTenant } from './soak-load.ts';

const TENANTS = envInt('BENCH_TENANTS', 1000);
const DURATION = envInt('BENCH_DURATION', 600);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 16);
const SAMPLE_SECONDS = envInt('BENCH_SAMPLE_SECONDS', 15);
const WORKERS = envInt('WORKERS', 0) || os.availableParallelism();
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const USER = { email: 'soak@bench.test', password: 'bench-user-password-1' };
const MiB = 2 ** 20;

/** The node's processes: the primary and its children (the workers). */
async function nodeProcesses(primary: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === primary) children.push(Number(entry));
  }
  return [primary, ...children];
}

const figures = await withBenchCluster(async (cluster) => {
  const platform = await openBenchPlatform(cluster);
  let tenants: SoakTenant[];
  try {
    const cc = await ensureBenchTenants(platform, TENANTS);
    const passwordHash = await hashPassword(USER.password);
    tenants = await mapConcurrent(cc, 4, async (bench) => {
      const row = (await findTenant(platform.db, bench.id))!;
      const db = openTenantDatabase(await platform.clusters.urlOf(row.cluster), row.database_name, 1, 'tansu-bench');
      try {
        const scope = tenantScope(platform, parseTenantId(bench.id), db);
        const app = await createClient(scope, { name: 'soak app', type: 'confidential', grantTypes: ['password', 'refresh_token'], resources: [BENCH_API], firstParty: true }, CLI_ACTOR);
        const web = await createClient(scope, { name: 'soak web', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, CLI_ACTOR);
        await insertUserIfNew(db, { email: USER.email, passwordHash, emailVerified: true });
        return {
          id: bench.id,
          cc: { id: bench.clientId, secret: bench.clientSecret },
          app: { id: app.client.client_id, secret: app.clientSecret! },
          web: { id: web.client.client_id },
        };
      } finally {
        await db.destroy();
      }
    });
  } finally {
    await platform.close();
  }
  const server = await startTansu(cluster, {
    workers: WORKERS,
    tenantCacheSize: Math.max(1000, TENANTS + 100),
    // The load generator plays a proxy for many users (X-Forwarded-For), as in bench:login.
    env: { TRUSTED_PROXIES: '127.0.0.1' },
  });
  const rss: { t: number; mib: number; load: string }[] = [];
  const started = performance.now();
  const sample = async () => {
    const pids = await nodeProcesses(server.pid);
    const bytes = (await Promise.all(pids.map((pid) => residentBytes(pid).catch(() => 0)))).reduce((a, b) => a + b, 0);
    rss.push({ t: Math.round((performance.now() - started) / 1000), mib: round(bytes / MiB), load: loadAverage() });
  };
  try {
    await sample();
    const timer = setInterval(() => void sample(), SAMPLE_SECONDS * 1000);
    const spec: SoakSpec = {
      url: server.url,
      tenants,
      user: USER,
      redirectUri: REDIRECT_URI,
      concurrency: CONCURRENCY,
      durationSeconds: DURATION,
      mix: { login: 5, refresh: 15, client_credentials: 40, introspection: 15, jwks: 25 },
      progressSeconds: Math.max(10, SAMPLE_SECONDS),
    };
    const result = await runLoadProcess<SoakLoadResult>('scripts/bench/soak-load.ts', spec).finally(() => clearInterval(timer));
    const during = [...rss];
    await sample();
    return { result, rss: during, afterLoad: rss.at(-1)! };
  } finally {
    await server.stop();
  }
});

const { result, rss, afterLoad } = figures;
printTable(`Soak: ${TENANTS} tenants, ${WORKERS} workers, ${CONCURRENCY} virtual users, ${result.seconds} s`, Object.entries(result.endpoints).map(([endpoint, r]) => ({
  endpoint,
  requests: r.count,
  'per second': r.perSecond,
  'p50 ms': r.p50,
  'p99 ms': r.p99,
  errors: r.errors,
  'first error': r.firstError ?? '',
})));
// Memory after the first quarter (every tenant touched by then, at these rates) against the end.
const settled = rss.filter((s) => s.t >= DURATION / 4);
const rssSpread = spread(settled.map((s) => s.mib));
process.stdout.write(
  `introspections answering active:false (a token rotated meanwhile): ${result.inactiveIntrospections}\n` +
    `node RSS (primary + workers), MiB over time: ${rss.map((s) => `${s.t}s ${s.mib}`).join(', ')}; after the load: ${afterLoad.mib}\n` +
    `after the first quarter: min ${rssSpread.min}, median ${rssSpread.median}, max ${rssSpread.max}, last − first ${round((settled.at(-1)?.mib ?? NaN) - (settled[0]?.mib ?? NaN))} MiB\n` +
    `load average over the run: ${rss[0]?.load} … ${rss.at(-1)?.load}\n`,
);
saveResults(`soak:${TENANTS}`, { tenants: TENANTS, workers: WORKERS, concurrency: CONCURRENCY, durationSeconds: DURATION, result, rss, afterLoad });
