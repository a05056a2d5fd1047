import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { testConfig } from '../support/platform.ts';
import { clusterUrl } from '../support/platform.ts';
import { dropDatabase, withMaintenanceSession } from '../../src/db/postgres.ts';
import { formatLogLine } from '../../src/log-pretty.ts';
import { freePort } from '../support/ports.ts';
import { pollUntil, SERVER_START_MS } from '../support/eventually.ts';

/**
 * What `npm start` shows a person: on a terminal in development, readable log lines and a banner
 * (URL, database, master key, next step); piped, JSON with the same facts. Either way one line per
 * request and no health probes at info. The terminal is a real pseudo-terminal (`script`).
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const configs = [testConfig(), testConfig()];
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await withMaintenanceSession(clusterUrl(), async (client) => {
    for (const config of configs) await dropDatabase(client, new URL(config.databaseUrl!).pathname.slice(1));
  });
});

/** `npm start` in development without a master key (one is generated into the data dir). */
function environment(config: (typeof configs)[number], port: number): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    WORKERS: '1',
    PORT: String(port),
    DATABASE_URL: config.databaseUrl!,
    TANSU_DATA_DIR: config.dataDir,
  };
}

async function startAndProbe(command: string, args: string[], env: Record<string, string>, port: number): Promise<string> {
  let output = '';
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const base = `http://127.0.0.1:${port}`;
  const health = await pollUntil(
    async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.status,
    (status) => status === 200 || child.exitCode !== null,
    SERVER_START_MS,
    200,
  );
  expect(health, output).toBe(200);
  await fetch(`${base}/readyz`);
  expect((await fetch(`${base}/no-such-page?secret=s3cr3t`)).status).toBe(404);
  // The request line is written when the response finishes; wait until it is there.
  await pollUntil(async () => output, (text) => text.includes('/no-such-page'), SERVER_START_MS, 100);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return output;
}

describe('npm start', () => {
  it('on a terminal prints a banner and readable lines, one per request, no probes', async () => {
    const port = await freePort();
    const config = configs[0]!;
    // script(1) runs the node under a pseudo-terminal, as a person's shell would.
    const output = await startAndProbe('script', ['-qefc', `${NODE} src/main.ts`, '/dev/null'], environment(config, port), port);
    expect(output).toContain(`Tansu Identity is ready at http://localhost:${port}`);
    expect(output).toContain(`master key  ${path.join(config.dataDir, 'master.key')}`);
    expect(output).toContain("losing it loses every tenant's signing keys");
    expect(output).toContain('npm run demo');
    expect(output).not.toContain('{"level"');
    expect(output).toMatch(/INFO.* GET \/no-such-page 404 \d+ ms/);
    expect(output).not.toContain('s3cr3t');
    expect(output).not.toContain('/healthz');
    expect(output).not.toContain('/readyz');
  });

  it('piped, logs JSON: the same facts in "tansu is ready", one line per request, no probes at info', async () => {
    const port = await freePort();
    const config = configs[1]!;
    const output = await startAndProbe(NODE, ['src/main.ts'], environment(config, port), port);
    const lines = output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    const ready = lines.find((line) => line.msg === 'tansu is ready');
    expect(ready, output).toMatchObject({ url: `http://localhost:${port}`, next: 'npm run demo' });
    expect(String(ready!.masterKey)).toContain(path.join(config.dataDir, 'master.key'));
    const requests = lines.filter((line) => JSON.stringify(line.req ?? '').includes('/no-such-page'));
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ msg: 'request completed', res: { statusCode: 404 } });
    expect(output).not.toContain('incoming request');
    expect(output).not.toContain('/healthz');
  });
});

describe('the terminal log format', () => {
  it('turns pino lines into time, level, message and fields; request lines into method, path, status, time', () => {
    const written: string[] = [];
    const log = pino({ base: { service: 'tansu' } }, { write: (line: string) => void written.push(line) });
    log.warn({ tenant: 'acme', attempt: 2 }, 'slow start');
    log.info({ req: { method: 'POST', url: '/t/acme/token' }, res: { statusCode: 200 }, responseTime: 12.4 }, 'request completed');
    log.error({ err: new Error('boom') }, 'request failed');
    const [warn, request, failure] = written.map((line) => formatLogLine(line));
    expect(warn).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  slow start tenant=acme attempt=2$/);
    expect(request).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  POST \/t\/acme\/token 200 12 ms$/);
    expect(failure!.split('\n')[0]).toMatch(/ERROR request failed$/);
    expect(failure).toContain('Error: boom');
  });
});
