import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, testConfig, type TestPlatform } from '../support/platform.ts';
import { pollUntil, SERVER_START_MS } from '../support/eventually.ts';
import { cliEnv } from '../support/cli.ts';
import { freePort } from '../support/ports.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const config = testConfig();
let platform: TestPlatform;
beforeAll(async () => {
  platform = await openTestPlatform(config);
});
afterAll(async () => {
  await platform.destroy();
});

describe('node src/main.ts', () => {
  it('serves /healthz, and on SIGTERM drains, closes its pools and exits 0', async () => {
    const port = await freePort();
    const server = spawn(path.join(ROOT, 'node_modules/.bin/node'), ['src/main.ts'], {
      cwd: ROOT,
      env: { ...cliEnv(config), PORT: String(port), WORKERS: '1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    server.stdout.on('data', (chunk) => (logs += chunk));
    server.stderr.on('data', (chunk) => (logs += chunk));
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));

    const health = await pollUntil(
      () => fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined),
      (answer) => answer !== undefined || server.exitCode !== null,
      SERVER_START_MS,
      200,
    );
    expect(health?.status, logs).toBe(200);

    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs).toContain('"msg":"shutting down: draining requests"');
    expect(logs).toContain('"msg":"stopped"');
  });
});
