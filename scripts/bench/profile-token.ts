/**
 * Where a token request's time goes: one Tansu worker under `node --cpu-prof`, client-credentials
 * load over BENCH_TENANTS tenants, then the hottest functions by self time. The .cpuprofile
 * stays in BENCH_PROFILE_DIR (default a temp dir) for a closer look in Chrome DevTools, with
 * window.json: the measured run's time window and request count, for compare-profiles.ts.
 *
 *   node scripts/bench/profile-token.ts      # BENCH_TENANTS=50 BENCH_DURATION=10
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withBenchCluster } from './support/cluster.ts';
import { runLoad } from './support/load.ts';
import { printTable } from './support/report.ts';
import { startTansu } from './support/server.ts';
import { ensureBenchTenants, openBenchPlatform, tokenTargets } from './support/tenants.ts';
import { envInt } from './support/env.ts';
import { summarizeProfile } from './support/profile-summary.ts';
import { warmEveryContext } from './support/warm.ts';

const TENANTS = envInt('BENCH_TENANTS', 50);
const DURATION = envInt('BENCH_DURATION', 10);
const dir = process.env.BENCH_PROFILE_DIR || fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-prof-'));

await withBenchCluster(async (cluster) => {
  const platform = await openBenchPlatform(cluster);
  const tenants = await ensureBenchTenants(platform, TENANTS).finally(() => platform.close());
  const server = await startTansu(cluster, { workers: 1, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  try {
    const load = {
      url: server.url,
      targets: tokenTargets(tenants),
      connections: 16,
    };
    // Every tenant built first, so that the profile is mostly the warm token endpoint.
    await warmEveryContext(load, TENANTS);
    // The measured run's window, on the profile's clock: compare-profiles.ts reads only these samples.
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const result = await runLoad({ ...load, durationSeconds: DURATION });
    const toUs = Number(process.hrtime.bigint() / 1000n);
    fs.writeFileSync(path.join(dir, 'window.json'), JSON.stringify({ fromUs, toUs, requests: result.requests, tenants: TENANTS }));
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await server.stop();
  }
});

const file = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f))[0];
if (!file) throw new Error(`no profile in ${dir}`);
const summary = summarizeProfile(file);
printTable(`Self time by package (${file})`, summary.packages.slice(0, 15));
printTable('Hottest functions', summary.functions);
