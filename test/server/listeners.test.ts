import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { openTestPlatform, testConfig, type TestPlatform } from '../support/platform.ts';
import { freePort } from '../support/ports.ts';
import { buildApp } from '../../src/app.ts';
import { listen } from '../../src/listeners.ts';
import { checkServerConfig, loadConfig } from '../../src/config.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ADMIN_TOKEN = crypto.randomBytes(24).toString('base64url');

describe('METRICS_PORT and ADMIN_PORT', () => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let ports: { public: number; metrics: number; admin: number };
  const at = (port: number, url: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${url}`, init);
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

  beforeAll(async () => {
    const publicPort = await freePort();
    const metricsPort = await freePort([publicPort]);
    const adminPort = await freePort([publicPort, metricsPort]);
    ports = { public: publicPort, metrics: metricsPort, admin: adminPort };
    platform = await openTestPlatform(
      testConfig({ PORT: String(publicPort), METRICS_PORT: String(metricsPort), ADMIN_PORT: String(adminPort), TANSU_ADMIN_TOKEN: ADMIN_TOKEN }),
    );
    app = await buildApp({ platform });
    await listen(app);
  });
  afterAll(async () => {
    await app?.close();
    await platform?.destroy();
  });

  it('serves /metrics only on its own port, and nothing else there', async () => {
    const scrape = await at(ports.metrics, '/metrics');
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain('tansu_http_requests_total');
    expect((await at(ports.public, '/metrics')).status).toBe(404);
    expect((await at(ports.metrics, '/healthz')).status).toBe(404);
    expect((await at(ports.metrics, '/admin/v1/tenants', { headers: admin })).status).toBe(404);
  });

  it('serves the platform admin API only on its own port', async () => {
    const listed = await at(ports.admin, '/admin/v1/tenants', { headers: admin });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({ tenants: [], next_cursor: null });
    expect((await at(ports.admin, '/admin/v1/tenants')).status).toBe(401);
    const onPublic = await at(ports.public, '/admin/v1/tenants', { headers: admin });
    expect(onPublic.status).toBe(404);
    // Its OpenAPI document goes with it.
    expect((await at(ports.admin, '/admin/v1/openapi.json')).status).toBe(200);
    expect((await at(ports.public, '/admin/v1/openapi.json')).status).toBe(404);
    expect((await at(ports.admin, '/healthz')).status).toBe(404);
    expect((await at(ports.public, '/healthz')).status).toBe(200);
  });

  it('says on the platform console page that the API it needs is on ADMIN_PORT', async () => {
    const page = await at(ports.public, '/admin/console/');
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('ADMIN_PORT');
  });

  it('closes every listener with the app', async () => {
    const other = await openTestPlatform(testConfig({ PORT: String(await freePort()), METRICS_PORT: String(await freePort()) }));
    const otherApp = await buildApp({ platform: other });
    await listen(otherApp);
    const port = other.config.metricsPort!;
    expect((await at(port, '/metrics')).status).toBe(200);
    await otherApp.close();
    await expect(at(port, '/metrics')).rejects.toThrow();
    await other.destroy();
  });
});

describe('configuration of the operational surfaces', () => {
  const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://x@127.0.0.1/tansu_identity', TANSU_MASTER_KEY: crypto.randomBytes(32).toString('base64') };

  it('reads METRICS_PORT, ADMIN_PORT and METRICS_TENANT_LABELS, and refuses bad values', () => {
    expect(loadConfig({})).toMatchObject({ metricsPort: undefined, adminPort: undefined, metricsTenantLabels: false });
    expect(loadConfig({ METRICS_PORT: '9100', ADMIN_PORT: '9200', METRICS_TENANT_LABELS: 'true' })).toMatchObject({
      metricsPort: 9100,
      adminPort: 9200,
      metricsTenantLabels: true,
    });
    expect(() => loadConfig({ METRICS_PORT: '80000' })).toThrow(/METRICS_PORT must be an integer from 1 to 65535/);
    expect(() => loadConfig({ PORT: '9100', METRICS_PORT: '9100' })).toThrow(/METRICS_PORT and PORT must differ/);
    expect(() => loadConfig({ METRICS_PORT: '9100', ADMIN_PORT: '9100' })).toThrow(/ADMIN_PORT and METRICS_PORT must differ/);
    expect(() => loadConfig({ METRICS_TENANT_LABELS: 'yes' })).toThrow(/METRICS_TENANT_LABELS must be true or false/);
  });

  it('a production server needs METRICS_TOKEN or METRICS_PORT; the CLI does not', () => {
    expect(() => checkServerConfig(loadConfig(production))).toThrow(/METRICS_TOKEN or METRICS_PORT is required when NODE_ENV=production/);
    expect(() => checkServerConfig(loadConfig({ ...production, METRICS_TOKEN: 'scrape-secret' }))).not.toThrow();
    expect(() => checkServerConfig(loadConfig({ ...production, METRICS_PORT: '9100' }))).not.toThrow();
    expect(() => checkServerConfig(loadConfig({ NODE_ENV: 'development' }))).not.toThrow();
  });

  it('node src/main.ts in production without either exits 1 with one line on stderr', async () => {
    const server = spawn(path.join(ROOT, 'node_modules/.bin/node'), ['src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...production, PORT: String(await freePort()), WORKERS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    server.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => server.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toBe('tansu: METRICS_TOKEN or METRICS_PORT is required when NODE_ENV=production (/metrics would be public)\n');
  });
});
