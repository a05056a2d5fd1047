import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, testConfig, type TestPlatform } from '../support/platform.ts';
import { cliEnv } from '../cli/support.ts';
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

    let health: Response | undefined;
    for (let attempt = 0; attempt < 100 && !health; attempt++) {
      health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      if (!health) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(health?.status, logs).toBe(200);

    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs).toContain('"msg":"shutting down: draining requests"');
    expect(logs).toContain('"msg":"stopped"');
  });
});
