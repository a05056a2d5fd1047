import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { findTenant } from '../../src/platform/tenants.repository.ts';
import { cliEnv, runTansu } from './support.ts';

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

afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

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
});
