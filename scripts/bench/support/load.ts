/** Load generators run as their own processes: the load never shares an event loop with a server. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadResult, LoadSpec } from '../load.ts';
import { ROOT } from './server.ts';

export type { LoadResult, LoadSpec, LoadTarget } from '../load.ts';

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return runLoadProcess<LoadResult>('scripts/bench/load.ts', spec);
}

/** Any load script that takes a JSON spec file and prints one JSON result line. */
export async function runLoadProcess<R>(script: string, spec: unknown): Promise<R> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-load-'));
  const specFile = path.join(dir, 'spec.json');
  fs.writeFileSync(specFile, JSON.stringify(spec));
  try {
    return await new Promise<R>((resolve, reject) => {
      const child = spawn(process.execPath, [script, specFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
      child.once('exit', (code) => {
        const line = out.trim().split('\n').pop();
        if (code !== 0 || !line) return reject(new Error(`load generator exited with ${code}:\n${err}`));
        resolve(JSON.parse(line) as R);
      });
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
