/**
 * Reads a V8 .cpuprofile and says where the time went: self time by package (a dependency in
 * node_modules, our src/, Node internals, GC, idle) and the hottest functions.
 */
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  /** Monotonic clock, µs: the same clock as process.hrtime on Linux. */
  startTime: number;
  timeDeltas: number[];
}

/** A stretch of the profile (monotonic µs, as `process.hrtime.bigint() / 1000n`): the measured run only. */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** Self time per function key and per package, in µs, within the window (the whole profile without one). */
export function selfTimes(file: string, window?: ProfileWindow) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let at = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i + 1] ?? 0; // the time until the next sample is this one's
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const { functionName, url, lineNumber } = byId.get(profile.samples[i]!)!.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(?=(src|scripts)\/)/, '')}:${lineNumber + 1}`;
    functions.set(key, (functions.get(key) ?? 0) + delta);
    const pkg = packageOf(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + delta);
    total += delta;
  }
  return { functions, packages, totalUs: total };
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : 'native';
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/(src|scripts)\/[^/]+/.exec(url.replace(/^file:\/\/.*?\/(?=(src|scripts)\/)/, '/'));
  return own ? `tansu ${own[1]}` : url;
}

export function summarizeProfile(file: string, top = 25) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const id of profile.samples) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + 1);
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(?=(src|scripts)\/)/, '')}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + 1);
  }
  const total = profile.samples.length;
  const percent = (n: number) => ((n / total) * 100).toFixed(1);
  return {
    packages: [...byPackage].sort((a, b) => b[1] - a[1]).map(([pkg, n]) => ({ package: pkg, 'self %': percent(n) })),
    functions: [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top).map(([fn, n]) => ({ function: fn, 'self %': percent(n) })),
  };
}

if (import.meta.main) {
  const { printTable } = await import('./report.ts');
  const summary = summarizeProfile(process.argv[2]!);
  printTable('Self time by package', summary.packages);
  printTable('Hottest functions', summary.functions);
}
