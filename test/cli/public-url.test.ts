import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, testConfig, uniqueTenantId, type TestPlatform } from '../support/platform.ts';
import { eventually, SERVER_START_MS } from '../support/eventually.ts';
import { freePort } from '../support/ports.ts';
import { cliEnv, runTansu } from '../support/cli.ts';

/**
 * The newcomer's two terminals: a server started with a PUBLIC_URL of its own, and `tansu` run in
 * another shell without it. The issuer the command prints must be the one the server serves.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');

let config: ReturnType<typeof testConfig>;
let platform: TestPlatform;
let server: ChildProcess | undefined;
let serverOutput = '';
let publicUrl: string;

beforeAll(async () => {
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  // The tests' own config keeps the default the CLI would derive without PUBLIC_URL.
  config = testConfig({ PUBLIC_URL: 'http://localhost:8080' });
  platform = await openTestPlatform(config);
  server = spawn(path.join(ROOT, 'node_modules/.bin/node'), ['src/main.ts'], {
    cwd: ROOT,
    env: { ...cliEnv(config), PORT: String(port), WORKERS: '1', PUBLIC_URL: publicUrl, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (chunk) => (serverOutput += chunk));
  server.stderr!.on('data', (chunk) => (serverOutput += chunk));
  await eventually(async () => {
    if (server!.exitCode !== null) throw new Error(`server exited ${server!.exitCode}: ${serverOutput}`);
    const response = await fetch(`${publicUrl}/healthz`).catch(() => undefined);
    return response?.status === 200;
  }, 'the server answering /healthz', SERVER_START_MS);
});

afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server!.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await platform?.destroy();
});

/** The CLI environment of a second terminal: the same database and key, PUBLIC_URL as given. */
function terminalEnv(publicUrlHere: string | undefined): Record<string, string> {
  const { PUBLIC_URL: _unset, ...env } = cliEnv(config);
  return publicUrlHere === undefined ? env : { ...env, PUBLIC_URL: publicUrlHere };
}

async function discoveredIssuer(id: string): Promise<string> {
  const response = await fetch(`${publicUrl}/t/${id}/.well-known/openid-configuration`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { issuer: string }).issuer;
}

describe('tansu in a second terminal', () => {
  it('prints the issuer the running server serves when its environment has no PUBLIC_URL', async () => {
    const id = uniqueTenantId('pub');
    const run = await runTansu(['tenant', 'create', id, '--json'], terminalEnv(undefined));
    expect(run.code, run.stderr).toBe(0);
    const { tenant } = JSON.parse(run.stdout) as { tenant: { issuer: string } };
    expect(tenant.issuer).toBe(`${publicUrl}/t/${id}`);
    expect(tenant.issuer).toBe(await discoveredIssuer(id));
    expect(run.stderr).not.toMatch(/warning: PUBLIC_URL/);
  });

  it('warns in one line naming both when its PUBLIC_URL disagrees, and prints the served issuer', async () => {
    const id = uniqueTenantId('pub');
    const run = await runTansu(['tenant', 'create', id, '--json'], terminalEnv('http://localhost:8080'));
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).tenant.issuer).toBe(`${publicUrl}/t/${id}`);
    const warnings = run.stderr.split('\n').filter((line) => line.includes('warning: PUBLIC_URL'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('http://localhost:8080');
    expect(warnings[0]).toContain(publicUrl);
  });

  it('stays quiet when its PUBLIC_URL is the served one', async () => {
    const run = await runTansu(['tenant', 'list', '--json'], terminalEnv(publicUrl));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/warning: PUBLIC_URL/);
  });
});
