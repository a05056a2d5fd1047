import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { databaseUrl, withMaintenanceSession } from '../../src/db/postgres.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { openTenantDatabase, type TenantDb } from '../../src/db/tenant-database.ts';
import { createClient, deleteTenantClient } from '../../src/modules/clients/clients.service.ts';
import { startRestartableCluster, type RestartableCluster } from '../support/restartable-cluster.ts';
import { isAlive, startTansuNode, type TansuNode } from '../support/tansu-node.ts';
import { SERVING_PROCESS_APPLICATION_NAME } from '../../src/platform/serving-processes.repository.ts';
import { freePort } from '../support/ports.ts';
import { SERVER_START_MS, SLOW_MACHINE_MS } from '../support/eventually.ts';
import { testScope } from '../support/scope.ts';
import { TEST_ACTOR } from '../support/scope.ts';

/**
 * A node (primary + 2 workers) on a PostgreSQL of its own that the test restarts, stops and
 * starts under client-credentials load (opaque tokens: every grant writes). No process may die,
 * every failure must be a prompt 503 with Retry-After, service must come back by itself, and no
 * token answered 200 may be lost. Numbers for the report go to stdout.
 */
const TENANT = `restarts-${crypto.randomBytes(3).toString('hex')}`;
/** The LISTEN session logs in as its own role, so the test can cut it alone (DATABASE_DIRECT_URL). */
const DIRECT_ROLE = 'tansu_direct';
const DIRECT_PASSWORD = crypto.randomBytes(12).toString('hex');

let pg: RestartableCluster;
let platform: Platform;
let tenantDb: TenantDb;
let node: TansuNode;
let issuer: string;
let clientId: string;
let clientSecret: string;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-restarts-'));

beforeAll(async () => {
  pg = await startRestartableCluster();
  await withMaintenanceSession(pg.url, (client) => client.query(`CREATE ROLE ${DIRECT_ROLE} LOGIN SUPERUSER PASSWORD '${DIRECT_PASSWORD}'`));
  const directUrl = new URL(databaseUrl(pg.url, 'tansu_identity'));
  directUrl.username = DIRECT_ROLE;
  directUrl.password = DIRECT_PASSWORD;
  const port = await freePort();
  const env = {
    NODE_ENV: 'test',
    WORKERS: '2',
    DATABASE_URL: databaseUrl(pg.url, 'tansu_identity'),
    DATABASE_DIRECT_URL: directUrl.toString(),
    TANSU_MASTER_KEY: crypto.randomBytes(32).toString('base64'),
    TANSU_DATA_DIR: dataDir,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    // info: the primary says when every worker listens.
    LOG_LEVEL: 'info',
  };
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
  platform = await openPlatform(config, createLogger(config), { poolMax: 2 });
  // The node starts while the tenant is created: it learns of the tenant at its first request.
  const [created, started] = await Promise.all([createTenant(platform, { id: TENANT, adminEmail: `admin@${TENANT}.test` }), startTansuNode(env, port, 'tansu is ready')]);
  node = started;
  issuer = created.issuer;
  tenantDb = openTenantDatabase(pg.url, created.tenant.database_name, 2);
  const registered = await createClient(testScope(platform, TENANT, tenantDb), { name: 'backend', type: 'confidential', grantTypes: ['client_credentials'] }, TEST_ACTOR);
  clientId = registered.client.client_id;
  clientSecret = registered.clientSecret!;
});

afterAll(async () => {
  node?.kill();
  await tenantDb?.destroy().catch(() => {});
  await platform?.close().catch(() => {});
  await pg?.destroy();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface Outcome {
  status: number | 'timeout' | 'refused';
  ms: number;
  at: number;
  token?: string;
  error?: string;
  retryAfter?: string | null;
}

const REQUEST_TIMEOUT_MS = 20_000;

async function grant(options: { close?: boolean; id?: string; secret?: string } = {}): Promise<Outcome> {
  const started = performance.now();
  const at = Date.now();
  try {
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${options.id ?? clientId}:${options.secret ?? clientSecret}`).toString('base64')}`,
        ...(options.close ? { connection: 'close' } : {}),
      },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string };
    return { status: response.status, ms: performance.now() - started, at, token: body.access_token, error: body.error, retryAfter: response.headers.get('retry-after') };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    return { status: timedOut ? 'timeout' : 'refused', ms: performance.now() - started, at };
  }
}

/** A bounded load: `concurrency` loops of grants to 127.0.0.1 until stopped or `max` requests sent. */
function tokenLoad(concurrency = 4, max = 20_000) {
  const outcomes: Outcome[] = [];
  let stopped = false;
  const loops = Array.from({ length: concurrency }, async () => {
    while (!stopped && outcomes.length < max) outcomes.push(await grant());
  });
  return {
    outcomes,
    ok: () => outcomes.filter((o) => o.status === 200).length,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = SLOW_MACHINE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}\n${warnings()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const status = async (url: string) => (await fetch(url, { headers: { connection: 'close' } }).catch(() => undefined))?.status;

/** Every worker serves again: new connections (spread over the workers) all get tokens and ready. */
async function fullyServing(): Promise<boolean> {
  for (let i = 0; i < 4; i++) {
    if ((await grant({ close: true })).status !== 200) return false;
    if ((await status(`${node.base}/readyz`)) !== 200) return false;
    if ((await status(`${issuer}/.well-known/openid-configuration`)) !== 200) return false;
  }
  return true;
}

/** Seconds from `since` until every worker serves again. */
async function recoverySeconds(since: number): Promise<number> {
  await until('the node serves again', fullyServing, 30_000);
  return (Date.now() - since) / 1000;
}

/** Every token answered 200 is still stored and active. */
async function assertTokensKept(outcomes: Outcome[]): Promise<void> {
  const tokens = outcomes.filter((o) => o.status === 200).map((o) => o.token!);
  const { rows } = await sql<{ id: string }>`SELECT id FROM oidc_payloads WHERE model = 'ClientCredentials' AND id = ANY(${tokens})`.execute(tenantDb);
  expect(new Set(rows.map((r) => r.id)).size).toBe(new Set(tokens).size);
  for (const token of [tokens[0]!, tokens[tokens.length - 1]!]) {
    const response = await fetch(`${issuer}/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ token }),
    });
    expect(((await response.json()) as { active: boolean }).active).toBe(true);
  }
}

/** Failures are prompt 503s with Retry-After in RFC 6749 form; nothing hangs, nothing is a 500. */
function assertFailuresAreUnavailable(outcomes: Outcome[]): void {
  const failed = outcomes.filter((o) => o.status !== 200);
  for (const failure of failed) {
    expect(failure, JSON.stringify(failure)).toMatchObject({ status: 503, error: expect.stringMatching(/^(temporarily_unavailable|server_error)$/) });
    expect(failure.retryAfter).toMatch(/^\d+$/);
    expect(failure.ms).toBeLessThan(15_000);
  }
}

function summary(label: string, outcomes: Outcome[], seconds: number): string {
  const failed = outcomes.filter((o) => o.status !== 200);
  const slowest = Math.max(0, ...failed.map((f) => f.ms));
  const kinds = [...new Set(failed.map((f) => `${f.status} ${f.error ?? ''}`))].join(', ');
  const line = `${label}: ${outcomes.length} requests, ${failed.length} failed (${kinds}; slowest failure ${Math.round(slowest)} ms), served again ${seconds.toFixed(2)} s after PostgreSQL accepted connections`;
  process.stdout.write(`${line}\n`);
  return line;
}

const processes = () => [node.pid, ...node.workerPids()];
/** The node's log without its info lines (one per request), for failure messages. */
const warnings = () => node.logs().split('\n').filter((line) => !line.startsWith('{"level":30')).join('\n').slice(-6000);

async function restartUnderLoad(mode: 'fast' | 'immediate'): Promise<void> {
  const before = processes();
  expect(before).toHaveLength(3);
  const load = tokenLoad();
  await until('tokens are issued', () => load.ok() >= 20);
  await pg.restart(mode);
  const up = Date.now();
  const seconds = await recoverySeconds(up);
  const okAfter = load.ok();
  await until('more tokens are issued', () => load.ok() >= okAfter + 20);
  const outcomes = await load.stop();
  summary(`pg_ctl restart -m ${mode}`, outcomes, seconds);

  expect(processes(), warnings()).toEqual(before);
  assertFailuresAreUnavailable(outcomes);
  await assertTokensKept(outcomes);
}

it('keeps every process and every issued token through pg_ctl restart -m fast under load', async () => {
  await restartUnderLoad('fast');
});

it('keeps every process and every issued token through pg_ctl restart -m immediate under load', async () => {
  await restartUnderLoad('immediate');
});

it('answers 503 while the database is stopped, /readyz included, and serves again once it starts', async () => {
  const before = processes();
  const load = tokenLoad();
  await until('tokens are issued', () => load.ok() >= 20);
  await pg.stop('fast');
  const down = Date.now();
  // Refused connections fail fast; the node says it is not ready on every worker.
  await until('requests fail while it is down', () => load.outcomes.filter((o) => o.at > down && o.status !== 200).length >= 20);
  for (let i = 0; i < 4; i++) expect(await status(`${node.base}/readyz`)).toBe(503);
  await until('it has been down 2 s', () => Date.now() - down > 2_000);
  await pg.start();
  const seconds = await recoverySeconds(Date.now());
  const outcomes = await load.stop();
  summary('stopped (connection refused)', outcomes, seconds);

  expect(processes(), warnings()).toEqual(before);
  assertFailuresAreUnavailable(outcomes);
  await assertTokensKept(outcomes);
});

/** The LISTEN sessions: a serving node's (named so that the rate limits can count the fleet's processes), and any other. */
const LISTENERS = [SERVING_PROCESS_APPLICATION_NAME, 'tansu-listener'];

it('drops every cached tenant context when LISTEN comes back, so a client deleted meanwhile is refused on every worker', async () => {
  await until('both workers hold the tenant', fullyServing);
  // The LISTEN sessions go away and cannot come back; requests are still served meanwhile.
  await withMaintenanceSession(pg.url, async (client) => {
    await client.query(`ALTER ROLE ${DIRECT_ROLE} NOLOGIN`);
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ANY($1)', [LISTENERS]);
  });
  await until('the listeners are gone', async () =>
    withMaintenanceSession(pg.url, async (client) => (await client.query('SELECT 1 FROM pg_stat_activity WHERE application_name = ANY($1)', [LISTENERS])).rowCount === 0),
  );
  // Each worker holds the client again, then it is deleted: the NOTIFY reaches no one.
  expect(await fullyServing()).toBe(true);
  await deleteTenantClient(testScope(platform, TENANT, tenantDb), clientId, TEST_ACTOR);
  // The premise: no worker heard of the deletion, the cached client still gets tokens.
  expect((await grant({ close: true })).status).toBe(200);
  await withMaintenanceSession(pg.url, (client) => client.query(`ALTER ROLE ${DIRECT_ROLE} LOGIN`));
  await until('the deleted client is refused on every worker', async () => {
    for (let i = 0; i < 6; i++) if ((await grant({ close: true })).status !== 401) return false;
    return true;
  });
});

it('replaces workers that die, all at once included; the primary stays and new workers wait for the database', async () => {
  // Stopped, the database drops every connection, the primary's idle one included; then every
  // worker dies. With no socket and no worker left, nothing but the replacement timer holds the
  // primary's event loop: that is how it used to exit with them.
  await pg.stop('fast');
  const logsBefore = node.logs().length;
  const killed = node.workerPids();
  for (const pid of killed) process.kill(pid, 'SIGKILL');
  const waitingLine = 'platform database unreachable; waiting for it';
  await until('two new workers wait for the database', () => {
    if (!isAlive(node.pid)) throw new Error(`the primary exited:\n${node.logs().slice(-2000)}`);
    const workers = node.workerPids();
    return workers.length === 2 && !workers.some((pid) => killed.includes(pid)) && node.logs().slice(logsBefore).split(waitingLine).length - 1 >= 2;
  }, SERVER_START_MS);
  const waiting = node.workerPids();
  await pg.start();
  const up = Date.now();
  await until('the new workers serve', async () => (await status(`${node.base}/readyz`)) === 200 && node.logs().slice(logsBefore).includes('tansu is ready'), 60_000);
  process.stdout.write(`workers killed while the database was down: the node served again ${((Date.now() - up) / 1000).toFixed(2)} s after it came back\n`);
  // They waited rather than exiting and being replaced again.
  expect(node.workerPids()).toEqual(waiting);
  expect(isAlive(node.pid)).toBe(true);
  expect(node.logs().slice(logsBefore)).toContain('worker exited; starting another');
});
