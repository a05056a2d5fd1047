/**
 * Where a token request's time goes: one Tansu worker under `node --cpu-prof`, client-credentials
 * load over BENCH_TENANTS tenants, then the hottest functions by self time. The .cpuprofile
 * stays in BENCH_PROFILE_DIR (default a temp dir) for a closer look in Chrome DevTools.
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
import { basicAuth, ensureBenchTenants, openBenchPlatform } from './support/tenants.ts';
import { envInt } from './support/env.ts';

const TENANTS = envInt('BENCH_TENANTS', 50);
const DURATION = envInt('BENCH_DURATION', 10);
const dir = process.env.BENCH_PROFILE_DIR || fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-prof-'));

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

await withBenchCluster(async (cluster) => {
  const platform = await openBenchPlatform(cluster);
  const tenants = await ensureBenchTenants(platform, TENANTS).finally(() => platform.close());
  const server = await startTansu(cluster, { workers: 1, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  try {
    const result = await runLoad({
      url: server.url,
      targets: tenants.map((t) => ({
        method: 'POST',
        path: `/t/${t.id}/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(t) },
        body: 'grant_type=client_credentials',
      })),
      connections: 16,
      durationSeconds: DURATION,
      warmupSeconds: 3,
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await server.stop();
  }
});

const file = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f))[0];
if (!file) throw new Error(`no profile in ${dir}`);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
for (const id of profile.samples) {
  const frame = byId.get(id)!.callFrame;
  const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/main\//, '')}:${frame.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + 1);
}
const total = profile.samples.length;
printTable(`Hottest functions by self time (${file})`, [...self].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([fn, n]) => ({ function: fn, 'self %': ((n / total) * 100).toFixed(1) })));
