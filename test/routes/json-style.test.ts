import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { openTestPlatform, testConfig, uniqueTenantId, type TestPlatform } from '../support/platform.ts';
import { keysNotSnakeCase } from '../support/json-style.ts';
import { buildApp } from '../../src/app.ts';

/**
 * One JSON style over HTTP too: the platform admin API, the signup API, the probes and every
 * error body write snake_case keys at every depth (the CLI's side: test/cli/json-output.test.ts).
 */
const TOKEN = crypto.randomBytes(32).toString('base64url');
let platform: TestPlatform;
let app: FastifyInstance;

beforeAll(async () => {
  platform = await openTestPlatform(testConfig({ TANSU_ADMIN_TOKEN: TOKEN }));
  app = await buildApp({ platform });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await platform?.destroy();
});

const admin = { authorization: `Bearer ${TOKEN}` };

describe('HTTP API JSON', () => {
  it('has snake_case keys at every depth in every answer, errors included', async () => {
    const id = uniqueTenantId('style');
    const requests: InjectOptions[] = [
      { method: 'POST', url: '/admin/v1/tenants', headers: admin, payload: { id, name: 'Style', admin_email: 'root@style.test' } },
      { method: 'GET', url: '/admin/v1/tenants?limit=1', headers: admin },
      { method: 'GET', url: `/admin/v1/tenants/${id}`, headers: admin },
      { method: 'POST', url: `/admin/v1/tenants/${id}/suspend`, headers: admin },
      { method: 'POST', url: `/admin/v1/tenants/${id}/resume`, headers: admin },
      { method: 'GET', url: `/admin/v1/tenants/${id}/keys`, headers: admin },
      { method: 'POST', url: `/admin/v1/tenants/${id}/keys/rotate`, headers: admin, payload: { grace_days: 1 } },
      { method: 'GET', url: '/admin/v1/clusters', headers: admin },
      { method: 'POST', url: '/admin/v1/fleet/migrate', headers: admin, payload: {} },
      { method: 'GET', url: '/admin/v1/jobs', headers: admin },
      { method: 'POST', url: `/t/${id}/api/auth/signup`, payload: { email: 'someone@style.test', password: 'long enough 123' } },
      { method: 'GET', url: '/healthz' },
      { method: 'GET', url: '/readyz' },
      // Errors: a guard, a schema refusal, a service refusal, an unknown route.
      { method: 'GET', url: '/admin/v1/tenants' },
      { method: 'POST', url: '/admin/v1/tenants', headers: admin, payload: { id, adminEmail: 'x' } },
      { method: 'POST', url: '/admin/v1/tenants', headers: admin, payload: { id } },
      { method: 'GET', url: '/nothing-here' },
    ];
    const offending: string[] = [];
    for (const request of requests) {
      const response = await app.inject(request);
      expect(response.headers['content-type'], `${request.method} ${request.url}`).toMatch(/^application\/json/);
      offending.push(...keysNotSnakeCase(response.json()).map((key) => `${request.method} ${request.url} → ${response.statusCode}: ${key}`));
    }
    expect(offending).toEqual([]);
  });
});
