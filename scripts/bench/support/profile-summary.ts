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
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : 'native';
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/main\/(src|scripts)\//.exec(url);
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
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/main\//, '')}:${lineNumber + 1}`;
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
