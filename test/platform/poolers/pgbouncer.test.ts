import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import { clusterUrl, openTestPlatform, testConfig, uniqueTenantId, type TestPlatform } from '../../support/platform.ts';
import { eventually, pollUntil } from '../../support/eventually.ts';
import { startPgBouncer, type RunningPgBouncer } from '../../support/pgbouncer.ts';
import { buildApp } from '../../../src/app.ts';
import { databaseUrl } from '../../../src/db/postgres.ts';
import { createTenant } from '../../../src/provisioning/tenants.service.ts';
import { openTenantDatabase, type TenantDb } from '../../../src/db/tenant-database.ts';
import { createClient } from '../../../src/modules/clients/clients.service.ts';
import { createApi } from '../../../src/modules/apis/apis.service.ts';
import { rotateTenantKeys } from '../../../src/modules/keys/keys.service.ts';
import { renderPgbouncerUserlist } from '../../../src/platform/poolers/pgbouncer-userlist.ts';
import { findTenant } from '../../../src/platform/tenants.repository.ts';
import { tenantRoleCredentials, withRoleCredentials } from '../../../src/platform/tenant-credentials.ts';
import { tenantRoleName, type TenantId } from '../../../src/platform/tenant-id.ts';
import { withTenantScope } from '../../../src/platform/tenant-access.ts';
import { TEST_ACTOR, testScope } from '../../support/scope.ts';

/**
 * The service behind PgBouncer in transaction mode (docs/architecture.md#scale-out): requests reach the platform and
 * every tenant database only through the pooler; LISTEN, CREATE DATABASE and template locks use
 * DATABASE_DIRECT_URL.
 */
let bouncer: RunningPgBouncer;
let platform: TestPlatform;
let app: FastifyInstance;
let server: http.Server;
let publicUrl: string;
const tenantDbs: TenantDb[] = [];

beforeAll(async () => {
  bouncer = await startPgBouncer(clusterUrl());
  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const platformDatabase = `tansu_test_pgb_${crypto.randomBytes(4).toString('hex')}`;
  platform = await openTestPlatform(
    testConfig({
      PUBLIC_URL: publicUrl,
      DATABASE_URL: databaseUrl(bouncer.url, platformDatabase),
      DATABASE_DIRECT_URL: databaseUrl(clusterUrl(), platformDatabase),
    }),
  );
  app = await buildApp({ platform });
  await app.ready();
  await app.tenantChanges.ready;
  server.on('request', (req, res) => app.routing(req, res));
});
afterAll(async () => {
  for (const db of tenantDbs) await db.destroy();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await app?.close();
  await platform?.destroy();
  await bouncer?.stop();
});

/** PgBouncer's pools: one per (database, user) it has served. */
async function pgbouncerPools(): Promise<{ database: string; user: string }[]> {
  const admin = new pg.Client({ connectionString: databaseUrl(bouncer.url, 'pgbouncer') });
  await admin.connect();
  try {
    return (await admin.query<{ database: string; user: string }>('SHOW POOLS')).rows.map(({ database, user }) => ({ database, user }));
  } finally {
    await admin.end();
  }
}

/** PgBouncer's admin console: which databases it pooled, and how many transactions each. */
async function pgbouncerStats(): Promise<Map<string, number>> {
  const admin = new pg.Client({ connectionString: databaseUrl(bouncer.url, 'pgbouncer') });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ database: string; total_xact_count: string }>('SHOW STATS');
    return new Map(rows.map((r) => [r.database, Number(r.total_xact_count)]));
  } finally {
    await admin.end();
  }
}

async function tenantWithClient(prefix: string) {
  const id = uniqueTenantId(prefix);
  const { tenant } = await createTenant(platform, { id });
  const db = openTenantDatabase(bouncer.url, tenant.database_name, 2);
  tenantDbs.push(db);
  const scope = testScope(platform, id, db);
  await createApi(scope, { identifier: `https://api.${prefix}.test`, scopes: ['read'] }, TEST_ACTOR);
  const { client, clientSecret } = await createClient(scope, { name: 'svc', type: 'confidential', grantTypes: ['client_credentials'], resources: [`https://api.${prefix}.test`] }, TEST_ACTOR);
  return { id, database: tenant.database_name, api: `https://api.${prefix}.test`, basic: Buffer.from(`${client.client_id}:${clientSecret}`).toString('base64') };
}

type Tenant = Awaited<ReturnType<typeof tenantWithClient>>;

async function token(tenant: Tenant): Promise<string> {
  const response = await fetch(`${publicUrl}/t/${tenant.id}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${tenant.basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: tenant.api, scope: 'read' }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

describe('through PgBouncer in transaction mode', () => {
  let tenants: Tenant[];

  it('migrates the platform, provisions tenants, writes clients and issues tokens concurrently for several tenants', async () => {
    tenants = await Promise.all(['pga', 'pgb', 'pgc'].map(tenantWithClient));
    // Each tenant's pool logs in as the tenant's own role: PgBouncer learns them from the generated auth_file.
    await bouncer.setUserlist(await renderPgbouncerUserlist(platform));
    // The test itself wrote to the tenant databases through the pooler; count only the node's traffic.
    const before = await pgbouncerStats();
    const tokens = await Promise.all(Array.from({ length: 30 }, (_, i) => token(tenants[i % 3]!)));
    expect(new Set(tokens).size).toBe(30);

    const after = await pgbouncerStats();
    const platformDatabase = new URL(platform.config.databaseUrl!).pathname.slice(1);
    expect(after.get(platformDatabase)! - (before.get(platformDatabase) ?? 0)).toBeGreaterThan(0);
    // A cold tenant context reads its keys, clients and APIs from the tenant database: through PgBouncer.
    for (const tenant of tenants) expect(after.get(tenant.database)! - (before.get(tenant.database) ?? 0)).toBeGreaterThan(0);
  });

  it("tenant pools go through PgBouncer as the tenants' own roles, and a role cannot open another tenant's database there", async () => {
    const pools = await pgbouncerPools();
    for (const tenant of tenants) {
      expect(pools).toContainEqual({ database: tenant.database, user: tenantRoleName(tenant.id as TenantId) });
    }
    const [a, b] = tenants as [Tenant, Tenant];
    const asA = tenantRoleCredentials(platform.secrets, (await findTenant(platform.db, a.id))!)!;
    const intruder = new pg.Client({ connectionString: databaseUrl(withRoleCredentials(bouncer.url, asA), b.database) });
    intruder.on('error', () => {});
    await expect(intruder.connect()).rejects.toThrow(/permission denied for database/);
    await intruder.end().catch(() => {});
  });

  it('key rotations still reach the node (LISTEN on the direct URL)', async () => {
    const tenant = tenants[1]!;
    const before = decodeProtectedHeader(await token(tenant)).kid;
    const rotation = await withTenantScope(platform, tenant.id, (scope) => rotateTenantKeys(scope, {}, TEST_ACTOR));
    expect(before).not.toBe(rotation.activated);
    const kid = await pollUntil(async () => decodeProtectedHeader(await token(tenant)).kid, (k) => k === rotation.activated);
    expect(kid).toBe(rotation.activated);
    expect(kid).not.toBe(before);
  });

  it('readyz checks migrations through the pooler', async () => {
    const response = await fetch(`${publicUrl}/readyz`);
    expect(response.status).toBe(200);
  });

  it('survives PgBouncer killed and started again: prompt 503s with Retry-After meanwhile, then tokens again', async () => {
    // No API: opaque tokens, so every grant writes through the pooler.
    const id = uniqueTenantId('pgkill');
    const { tenant } = await createTenant(platform, { id });
    // A new tenant's role reaches PgBouncer with a regenerated auth_file, as `pgbouncer-userlist --watch` does.
    await bouncer.setUserlist(await renderPgbouncerUserlist(platform));
    const db = openTenantDatabase(bouncer.url, tenant.database_name, 2);
    tenantDbs.push(db);
    const { client, clientSecret } = await createClient(testScope(platform, id, db), { name: 'svc', type: 'confidential', grantTypes: ['client_credentials'] }, TEST_ACTOR);
    const grant = async () => {
      const started = performance.now();
      const response = await fetch(`${publicUrl}/t/${id}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${client.client_id}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
        signal: AbortSignal.timeout(20_000),
      });
      const body = (await response.json()) as { error?: string };
      return { status: response.status, error: body.error, retryAfter: response.headers.get('retry-after'), ms: performance.now() - started };
    };
    const outcomes: Awaited<ReturnType<typeof grant>>[] = [];
    let stopped = false;
    const loops = Array.from({ length: 4 }, async () => {
      while (!stopped && outcomes.length < 20_000) outcomes.push(await grant());
    });
    const until = (condition: () => boolean | Promise<boolean>) => eventually(condition, 'the outage step');
    await until(() => outcomes.filter((o) => o.status === 200).length >= 10);
    await bouncer.kill();
    const killedAt = outcomes.length;
    await until(() => outcomes.slice(killedAt).filter((o) => o.status !== 200).length >= 5);
    await bouncer.start();
    const up = Date.now();
    await until(async () => (await grant()).status === 200 && (await fetch(`${publicUrl}/readyz`)).status === 200);
    const seconds = (Date.now() - up) / 1000;
    stopped = true;
    await Promise.all(loops);

    const failed = outcomes.filter((o) => o.status !== 200);
    process.stdout.write(`PgBouncer killed: ${outcomes.length} requests, ${failed.length} failed, served again ${seconds.toFixed(2)} s after it listened again\n`);
    for (const failure of failed) {
      expect(failure).toMatchObject({ status: 503, error: 'temporarily_unavailable', retryAfter: expect.stringMatching(/^\d+$/) });
      expect(failure.ms).toBeLessThan(15_000);
    }
  });
});
