/**
 * Where many tenants cost more than one (issue 19): two profile-token.ts runs (their
 * BENCH_PROFILE_DIRs, e.g. 1 tenant and 200), self time per grant of each function and package
 * within the measured window only (warm-up and context builds left out), sorted by how much more
 * the second run spends per grant.
 *
 *   node scripts/bench/compare-profiles.ts /tmp/prof-1 /tmp/prof-200
 */
import fs from 'node:fs';
import path from 'node:path';
import { printTable } from './support/report.ts';
import { selfTimes, type ProfileWindow } from './support/profile-summary.ts';

function load(dir: string) {
  const window = JSON.parse(fs.readFileSync(path.join(dir, 'window.json'), 'utf8')) as ProfileWindow & { requests: number; tenants: number };
  const file = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f))[0];
  if (!file) throw new Error(`no profile in ${dir}`);
  return { ...selfTimes(file, window), requests: window.requests, tenants: window.tenants };
}

const [a, b] = [load(process.argv[2]!), load(process.argv[3]!)];
const perGrant = (us: number | undefined, requests: number) => (us ?? 0) / requests;
const table = (title: string, mapA: Map<string, number>, mapB: Map<string, number>, top: number, label: string) => {
  const keys = new Set([...mapA.keys(), ...mapB.keys()]);
  const rows = [...keys]
    .map((key) => ({ key, a: perGrant(mapA.get(key), a.requests), b: perGrant(mapB.get(key), b.requests) }))
    .sort((x, y) => y.b - y.a - (x.b - x.a))
    .slice(0, top);
  printTable(
    title,
    rows.map((r) => ({ [label]: r.key, [`µs/grant, ${a.tenants} tenant(s)`]: r.a.toFixed(1), [`µs/grant, ${b.tenants} tenants`]: r.b.toFixed(1), 'more µs': (r.b - r.a).toFixed(1) })),
  );
};
const busy = (t: typeof a) => t.totalUs - (t.packages.get('(idle)') ?? 0) - (t.packages.get('(program)') ?? 0) * 0;
process.stdout.write(
  `grants: ${a.requests} vs ${b.requests}; main-thread µs per grant (idle excluded): ${(busy(a) / a.requests).toFixed(1)} vs ${(busy(b) / b.requests).toFixed(1)}\n`,
);
table('Packages by extra self time per grant', a.packages, b.packages, 15, 'package');
table('Functions by extra self time per grant', a.functions, b.functions, 30, 'function');
