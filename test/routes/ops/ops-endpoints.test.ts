import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueTenantId, openTestPlatform, testConfig } from '../../support/platform.ts';
import { pollUntil } from '../../support/eventually.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { createClient } from '../../../src/modules/clients/clients.service.ts';
import { createApi } from '../../../src/modules/apis/apis.service.ts';
import { buildApp } from '../../../src/app.ts';
import { TEST_ACTOR } from '../../support/scope.ts';

let bed: OidcTestBed;
let tenant: TestTenant;

beforeAll(async () => {
  bed = await startOidcTestBed();
  tenant = await createTestTenant(bed, uniqueTenantId('metrics'));
});
afterAll(async () => {
  await bed?.close();
});

const metricValue = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('/readyz', () => {
  it('is ready when the platform database answers and its migrations are current', async () => {
    const response = await fetch(`${bed.publicUrl}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
  });

  it('is not ready while a platform migration is pending, or when the database is gone', async () => {
    const platform = await openTestPlatform();
    const app = await buildApp({ platform });
    try {
      const last = await platform.db.selectFrom('kysely_migration' as never).select('name' as never).orderBy('name' as never, 'desc').executeTakeFirstOrThrow() as { name: string };
      await platform.db.deleteFrom('kysely_migration' as never).where('name' as never, '=', last.name as never).execute();
      const pending = await app.inject({ method: 'GET', url: '/readyz' });
      expect(pending.statusCode).toBe(503);
      expect(pending.json()).toEqual({ status: 'unavailable', error: 'migrations_pending', error_description: expect.stringContaining('tansu migrate'), pending: [last.name] });
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

      await platform.db.destroy();
      const gone = await app.inject({ method: 'GET', url: '/readyz' });
      expect(gone.statusCode).toBe(503);
      expect(gone.json()).toMatchObject({ error: 'database_unreachable' });
    } finally {
      await app.close();
      await platform.destroy().catch(() => {});
    }
  });
});

describe('/metrics', () => {
  it('exposes requests by route and status, tokens by type (no tenant label by default), cache, pools and provisioning durations', async () => {
    await createApi(tenant, { identifier: 'https://api.metrics.test', scopes: ['read'] }, TEST_ACTOR);
    const { client, clientSecret } = await createClient(tenant, { name: 'svc', type: 'confidential', grantTypes: ['client_credentials'], resources: ['https://api.metrics.test'] }, TEST_ACTOR);
    const basic = Buffer.from(`${client.client_id}:${clientSecret}`).toString('base64');
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${tenant.issuer}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: 'https://api.metrics.test', scope: 'read' }),
      });
      expect(response.status).toBe(200);
    }
    await fetch(`${tenant.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    await fetch(`${tenant.issuer}/.well-known/openid-configuration`);

    const response = await fetch(`${bed.publicUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(metricValue(text, 'tansu_tokens_issued_total{type="client_credentials"}')).toBe(3);
    expect(text).not.toContain('tenant="');
    expect(metricValue(text, 'tansu_http_requests_total{method="POST",route="/t/:tenant/token",status="200"}')).toBe(3);
    // The unauthenticated attempt is counted under its error status.
    expect(text).toMatch(/^tansu_http_requests_total\{method="POST",route="\/t\/:tenant\/token",status="4\d\d"\} 1$/m);
    expect(metricValue(text, 'tansu_http_requests_total{method="GET",route="/t/:tenant/.well-known/openid-configuration",status="200"}')).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'tansu_tenant_cache_size')).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'tansu_tenant_cache_misses_total')).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'tansu_tenant_cache_hits_total')).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/^tansu_tenant_cache_evictions_total \d+$/m);
    expect(metricValue(text, 'tansu_db_pools{pool="tansu-tenant"}')).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'tansu_db_pool_connections{pool="tansu-platform",state="total"}')).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'tansu_tenant_provisioning_seconds_count{outcome="created"}')).toBeGreaterThanOrEqual(1);
    expect(text).toContain('tansu_process_resident_memory_bytes');
  });
});

describe('/metrics with METRICS_TENANT_LABELS=true', () => {
  it('counts tokens per tenant', async () => {
    const labelled = await startOidcTestBed(1, { env: { METRICS_TENANT_LABELS: 'true' } });
    try {
      const other = await createTestTenant(labelled, uniqueTenantId('labels'));
      await createApi(other, { identifier: 'https://api.labels.test', scopes: ['read'] }, TEST_ACTOR);
      const { client, clientSecret } = await createClient(other, { name: 'svc', type: 'confidential', grantTypes: ['client_credentials'] }, TEST_ACTOR);
      for (let i = 0; i < 2; i++) {
        const response = await fetch(`${other.issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: clientSecret!, scope: 'read' }),
        });
        expect(response.status).toBe(200);
      }
      const text = await (await fetch(`${labelled.publicUrl}/metrics`)).text();
      expect(metricValue(text, `tansu_tokens_issued_total{tenant="${other.id}",type="client_credentials"}`)).toBe(2);
    } finally {
      await labelled.close();
    }
  });
});

describe('/metrics with METRICS_TOKEN', () => {
  it('answers only a matching bearer token', async () => {
    const platform = await openTestPlatform(testConfig({ METRICS_TOKEN: 'scrape-secret' }));
    const app = await buildApp({ platform });
    try {
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
      const ok = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-secret' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('tansu_http_requests_total');
    } finally {
      await app.close();
      await platform.destroy();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests, refuses new ones, then closes', async () => {
    const platform = await openTestPlatform();
    const app = await buildApp({ platform });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let started: () => void = () => {};
    const reached = new Promise<void>((resolve) => (started = resolve));
    app.get('/test-slow', async () => {
      started();
      await held;
      return { done: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const healthz = () =>
      new Promise<string>((resolve) => {
        http.get(`${url}/healthz`, { agent: false }, (res) => resolve(String(res.statusCode))).on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
    try {
      const inFlight = fetch(`${url}/test-slow`).then(async (r) => ({ status: r.status, body: await r.json() }));
      await reached;
      const closing = app.close();
      // Closing begins at once but takes its steps asynchronously: wait for it to refuse, however slowly.
      const refused = await pollUntil(healthz, (answer) => /ECONNREFUSED|503/.test(answer));
      expect(refused).toMatch(/ECONNREFUSED|503/);
      release();
      expect(await inFlight).toEqual({ status: 200, body: { done: true } });
      await closing;
    } finally {
      release();
      await platform.destroy();
    }
  });
});
