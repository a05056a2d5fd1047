/**
 * The servers under test, each its own process: Tansu (`node src/main.ts`, one worker per core
 * unless told otherwise) and the bare oidc-provider baseline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchCluster } from './cluster.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface RunningServer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

function collectStderr(child: ChildProcess): () => string {
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  return () => tail;
}

export interface TansuOptions {
  workers: number;
  tenantCacheSize?: number;
  tenantPoolMax?: number;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  env?: Record<string, string>;
  /** Another checkout to run (before/after comparisons); BENCH_TANSU_ROOT sets it for a whole run. */
  root?: string;
}

export function publicUrlOf(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/** Starts `node src/main.ts` on a free port and waits until every worker answers /healthz. */
export async function startTansu(cluster: BenchCluster, options: TansuOptions): Promise<RunningServer> {
  const port = await freePort();
  const url = publicUrlOf(port);
  // BENCH_CPU_PROF_DIR profiles every server a benchmark starts (one .cpuprofile per process).
  const profiling = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
  const child = spawn(process.execPath, [...profiling, ...(options.nodeFlags ?? []), 'src/main.ts'], {
    cwd: options.root || process.env.BENCH_TANSU_ROOT || ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      WORKERS: String(options.workers),
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      DATABASE_URL: cluster.databaseUrl,
      TANSU_MASTER_KEY: cluster.masterKey,
      // The hourly key-rotation sweep visits every tenant database within a minute of a start: a
      // background job, not request work, so it stays out of the measured runs (BENCHMARKS.md).
      KEY_ROTATION_CHECK_SECONDS: '0',
      ...(options.tenantCacheSize ? { TENANT_CACHE_SIZE: String(options.tenantCacheSize) } : {}),
      ...(options.tenantPoolMax ? { TENANT_POOL_MAX: String(options.tenantPoolMax) } : {}),
      // Budgets no benchmark reaches: each request is still judged (the cost is measured by
      // rate-limits.ts), but one tenant's thousands of grants a second are never refused.
      ...Object.fromEntries(['TOKEN', 'TOKEN_PER_CLIENT', 'AUTHORIZATION', 'AUTHORIZATION_PER_CLIENT', 'API'].map((name) => [`RATE_LIMIT_${name}_PER_MINUTE`, '100000000'])),
      ...options.env,
    },
  });
  const stderr = collectStderr(child);
  const stop = stopper(child);
  const deadline = Date.now() + 60_000;
  // Every worker must be listening: ask until as many distinct answers in a row succeed.
  let healthy = 0;
  while (healthy < options.workers * 4) {
    if (child.exitCode !== null) throw new Error(`tansu exited with ${child.exitCode}:\n${stderr()}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`tansu did not become healthy in 60 s:\n${stderr()}`);
    }
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    healthy = ok ? healthy + 1 : 0;
    if (!ok) await new Promise((r) => setTimeout(r, 200));
  }
  return { url, pid: child.pid!, stop };
}

/**
 * The baseline: scripts/bench/bare-provider.ts, which prints `listening <port>`. One process is
 * not one core: WebCrypto signs on the libuv pool, so `pinned` runs it under `taskset -c 0` for
 * the one-core figure the targets were set against.
 */
export function startBareProvider(alg: 'RS256' | 'ES256', pinned = false): Promise<RunningServer> {
  return startBareProcess('scripts/bench/bare-provider.ts', { BENCH_ALG: alg }, pinned);
}

/** A baseline server script that prints `listening <port>` once it accepts requests. */
export async function startBareProcess(script: string, env: Record<string, string>, pinned = false): Promise<RunningServer> {
  const command = pinned ? ['taskset', '-c', '0', process.execPath] : [process.execPath];
  const child = spawn(command[0]!, [...command.slice(1), script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const stderr = collectStderr(child);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${stderr()}`)));
  });
  return { url: publicUrlOf(port), pid: child.pid!, stop: stopper(child) };
}

/** Resident memory of a process, from /proc (Linux). */
export async function residentBytes(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb * 1024;
}
