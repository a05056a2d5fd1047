import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTestPlatform, testConfig } from '../support/platform.ts';
import { SERVER_START_MS } from '../support/eventually.ts';
import { freePort } from '../support/ports.ts';

/**
 * `node src/main.ts` with WORKERS=2: both workers serve the shared port, a metrics scrape on
 * either returns the sum over the node, and SIGTERM stops everything cleanly.
 */
const root = path.resolve(import.meta.dirname, '../..');
const config = testConfig();
let server: ChildProcess;
let base: string;
let exit: Promise<number | null>;


let healthy = 0;
async function health(): Promise<number> {
  // A new connection per request, so the primary spreads them over the workers.
  const response = await fetch(`${base}/healthz`, { headers: { connection: 'close' } });
  if (response.status === 200) healthy++;
  return response.status;
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(path.join(root, 'node_modules/.bin/node'), ['src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      WORKERS: '2',
      PORT: String(port),
      DATABASE_URL: config.databaseUrl,
      TANSU_MASTER_KEY: config.masterKey!.toString('base64'),
      TANSU_DATA_DIR: config.dataDir,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  exit = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + SERVER_START_MS;
  for (;;) {
    try {
      if ((await health()) === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the server did not start');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

afterAll(async () => {
  if (server.exitCode === null) server.kill('SIGKILL');
  const platform = await openTestPlatform(config);
  await platform.destroy();
});

it('sums request metrics over both workers', async () => {
  for (let i = 0; i < 20; i++) expect(await health()).toBe(200);
  const text = await (await fetch(`${base}/metrics`, { headers: { connection: 'close' } })).text();
  const line = text.split('\n').find((l) => l.startsWith('tansu_http_requests_total{') && l.includes('route="/healthz"') && l.includes('status="200"'));
  expect(line).toBeDefined();
  expect(Number(line!.split(' ').pop())).toBe(healthy);
});

it('stops both workers and exits 0 on SIGTERM', async () => {
  server.kill('SIGTERM');
  expect(await exit).toBe(0);
  await expect(fetch(`${base}/healthz`)).rejects.toThrow();
});
