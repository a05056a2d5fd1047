import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { runTansu } from '../support/cli.ts';
import { freePort } from '../support/ports.ts';
import { pollUntil, SERVER_START_MS } from '../support/eventually.ts';

/**
 * The quickstart's `npm start` on a fresh machine: no DATABASE_URL, no master key. The node starts
 * an embedded PostgreSQL in its data dir, Ctrl-C (SIGINT) stops both cleanly, and the next start
 * finds the tenants created meanwhile.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-npm-start-'));
const pgPort = 20_000 + Math.floor(Math.random() * 12_000);
const postmasterPid = path.join(dataDir, 'pg', 'postmaster.pid');
let server: ChildProcess | undefined;

afterAll(() => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});


function environment(httpPort: number): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    PORT: String(httpPort),
    WORKERS: '2',
    TANSU_DATA_DIR: dataDir,
    TANSU_EMBEDDED_PG_PORT: String(pgPort),
  };
}

/** Starts `node src/main.ts` as `npm start` does and waits until /healthz answers 200. */
async function start(httpPort: number): Promise<{ exited: Promise<number | null>; logs: () => string }> {
  let logs = '';
  server = spawn(path.join(ROOT, 'node_modules/.bin/node'), ['src/main.ts'], { cwd: ROOT, env: environment(httpPort), stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (chunk) => (logs += chunk));
  server.stderr!.on('data', (chunk) => (logs += chunk));
  const running = server;
  const exited = new Promise<number | null>((resolve) => running.once('exit', (code) => resolve(code)));
  // A first start runs initdb: on a busy machine that alone can take a minute.
  const status = await pollUntil(
    async () => (await fetch(`http://127.0.0.1:${httpPort}/healthz`).catch(() => undefined))?.status,
    (answer) => answer === 200 || running.exitCode !== null,
    SERVER_START_MS,
    200,
  );
  expect(status, logs).toBe(200);
  return { exited, logs: () => logs };
}

it('starts with an embedded PostgreSQL, stops cleanly on Ctrl-C, and keeps its data for the next start', async () => {
  const httpPort = await freePort();
  const first = await start(httpPort);
  expect(fs.existsSync(postmasterPid)).toBe(true);
  // A master key was generated into the data dir, readable by its owner only.
  expect(fs.statSync(path.join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);

  // The CLI joins the running server's PostgreSQL.
  const id = `quick-${crypto.randomBytes(3).toString('hex')}`;
  const cliEnv = environment(httpPort);
  const created = await runTansu(['tenant', 'create', id, '--json'], { ...cliEnv, LOG_LEVEL: 'warn' });
  expect(created.code, created.stderr).toBe(0);
  const discovery = await fetch(`http://127.0.0.1:${httpPort}/t/${id}/.well-known/openid-configuration`);
  expect(discovery.status).toBe(200);

  // Tuned for a database per tenant: autovacuum visits each one every 10 minutes, not every minute.
  const password = fs.readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim();
  const db = new pg.Client({ host: '127.0.0.1', port: pgPort, user: 'postgres', password, database: 'postgres' });
  await db.connect();
  try {
    expect((await db.query<{ autovacuum_naptime: string }>('SHOW autovacuum_naptime')).rows[0]!.autovacuum_naptime).toBe('10min');
  } finally {
    await db.end();
  }

  server!.kill('SIGINT');
  expect(await first.exited, first.logs()).toBe(0);
  expect(first.logs()).toContain('"msg":"stopped"');
  expect(fs.existsSync(postmasterPid)).toBe(false);

  const second = await start(httpPort);
  const again = await fetch(`http://127.0.0.1:${httpPort}/t/${id}/.well-known/openid-configuration`);
  expect(again.status).toBe(200);
  expect(((await again.json()) as { issuer: string }).issuer).toBe(`http://localhost:${httpPort}/t/${id}`);
  server!.kill('SIGINT');
  expect(await second.exited, second.logs()).toBe(0);
  expect(fs.existsSync(postmasterPid)).toBe(false);
}, 3 * SERVER_START_MS);

it('a taken TANSU_EMBEDDED_PG_PORT stops the start with one line that names the variable, no stack', async () => {
  const holder = net.createServer();
  const taken = await new Promise<number>((resolve) => holder.listen(0, '127.0.0.1', () => resolve((holder.address() as net.AddressInfo).port)));
  const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-port-taken-'));
  try {
    const env = { ...environment(await freePort()), TANSU_DATA_DIR: otherDir, TANSU_EMBEDDED_PG_PORT: String(taken) };
    const child = spawn(path.join(ROOT, 'node_modules/.bin/node'), ['src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n'), stderr).toHaveLength(1);
    expect(stderr).toContain(`port ${taken}`);
    expect(stderr).toContain('TANSU_EMBEDDED_PG_PORT');
    expect(stderr).not.toMatch(/^\s+at /m);
  } finally {
    holder.close();
    fs.rmSync(otherDir, { recursive: true, force: true });
  }
}, SERVER_START_MS);

it('says so in one line and exits non-zero when its embedded PostgreSQL is killed, instead of serving errors', async () => {
  // Whatever the test before left running would own the data dir's server.
  if (server && server.exitCode === null) {
    const gone = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGINT');
    await gone;
  }
  const httpPort = await freePort();
  const node = await start(httpPort);
  const pid = Number(fs.readFileSync(postmasterPid, 'utf8').split('\n')[0]);
  process.kill(pid, 'SIGKILL');
  const code = await node.exited;
  expect(code, node.logs()).not.toBe(0);
  expect(code).not.toBeNull();
  expect(node.logs().match(/embedded PostgreSQL exited unexpectedly/g), node.logs()).toHaveLength(1);
  await expect(fetch(`http://127.0.0.1:${httpPort}/healthz`)).rejects.toThrow();
}, 2 * SERVER_START_MS);
