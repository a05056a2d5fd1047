import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { openTestPlatform, uniqueTenantId, type TestPlatform } from '../support/platform.ts';
import { buildApp } from '../../src/app.ts';

/**
 * Every route the service serves declares its contract (routes/schemas.ts): a schema with its
 * params and its responses, so bad input is refused in one place and the whole API can be
 * published from the declarations. The walk sees each route as Fastify registers it: every
 * Fastify instance is built with an `onRoute` hook that records the route, then buildApp runs as
 * it does in production.
 */
const registered = vi.hoisted(() => [] as RouteOptions[]);
vi.mock('fastify', async (importOriginal) => {
  const actual = await importOriginal<typeof import('fastify')>();
  const observed = ((options: object) => {
    const app = actual.default(options) as unknown as FastifyInstance;
    app.addHook('onRoute', (route) => {
      registered.push(route);
    });
    return app;
  }) as unknown as typeof actual.default;
  return { ...actual, default: observed };
});

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

let platform: TestPlatform;
let app: FastifyInstance;

beforeAll(async () => {
  platform = await openTestPlatform();
  app = await buildApp({ platform });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await platform?.destroy();
});

const methodsOf = (route: RouteOptions) => [route.method].flat().join(',');
const nameOf = (route: RouteOptions) => `${methodsOf(route)} ${route.url}`;
const isWildcard = (route: RouteOptions) => route.url.endsWith('*');
const pathParams = (url: string) => [...url.matchAll(/:([A-Za-z_]+)/g)].map((match) => match[1]!);

describe('route contracts', () => {
  it('sees every route of the service, the provider mount, the APIs and the probes included', () => {
    const names = registered.map(nameOf);
    for (const expected of [
      'GET /healthz',
      'GET /readyz',
      'GET /metrics',
      'POST /admin/v1/tenants',
      'GET /admin/v1/tenants',
      'GET /admin/v1/tenants/:id',
      'DELETE /admin/v1/tenants/:id',
      'POST /admin/v1/tenants/:id/suspend',
      'POST /admin/v1/tenants/:id/resume',
      'POST /admin/v1/tenants/:id/recover',
      'POST /admin/v1/tenants/:id/move',
      'GET /admin/v1/tenants/:id/backup',
      'POST /admin/v1/tenants/:id/restore',
      'GET /admin/v1/tenants/:id/keys',
      'POST /admin/v1/tenants/:id/keys/rotate',
      'POST /admin/v1/admin-tenant',
      'GET /admin/v1/clusters',
      'POST /admin/v1/clusters',
      'DELETE /admin/v1/clusters/:name',
      'POST /admin/v1/fleet/migrate',
      'GET /admin/v1/jobs',
      'GET /admin/v1/jobs/:id',
      'POST /t/:tenant/api/auth/signup',
      'GET /t/:tenant/interaction/:uid',
      'POST /t/:tenant/interaction/:uid/login',
      'GET /t/:tenant/.well-known/jwks.json',
      'GET /t/:tenant/signup',
      'POST /t/:tenant/signup',
      'POST /t/:tenant/forgot-password',
      'GET /t/:tenant/reset-password',
      'POST /t/:tenant/reset-password',
      'GET /t/:tenant/verify-email',
      'POST /t/:tenant/verify-email',
      'POST /t/:tenant/resend-verification',
    ]) {
      expect(names).toContain(expected);
    }
    expect(registered.some(isWildcard)).toBe(true);
  });

  it('gives every route a schema declaring its path params, and every non-wildcard route its responses', () => {
    const missing: string[] = [];
    for (const route of registered) {
      const schema = route.schema as { params?: { properties?: Record<string, unknown> }; response?: Record<string, unknown> } | undefined;
      if (!schema) {
        missing.push(`${nameOf(route)}: no schema`);
        continue;
      }
      for (const param of pathParams(route.url)) {
        if (!schema.params?.properties?.[param]) missing.push(`${nameOf(route)}: path param "${param}" not declared`);
      }
      if (!isWildcard(route) && Object.keys(schema.response ?? {}).length === 0) missing.push(`${nameOf(route)}: no responses`);
    }
    expect(missing).toEqual([]);
  });

  it('declares a success answer for each route with responses (the tenant root only ever refuses)', () => {
    const wrong: string[] = [];
    for (const route of registered) {
      const response = (route.schema as { response?: Record<string, unknown> } | undefined)?.response ?? {};
      const statuses = Object.keys(response).map(Number);
      if (isWildcard(route) || route.url === '/t/:tenant') continue;
      if (!statuses.some((status) => status < 400)) wrong.push(`${nameOf(route)}: no success status`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('bad input is refused by the schemas, with invalid_request naming the field', () => {
  it.each([
    ['an unknown field', { email: 'a@example.test', password: 'long enough 123', nickname: 'x' }, 'body.nickname is not a known field'],
    ['a missing field', { password: 'long enough 123' }, 'body.email is required'],
    ['a number for a string', { email: 'a@example.test', password: 12345678901 }, 'body.password must be string'],
    ['an array for the body', [1, 2], 'body must be object'],
  ])('signup: %s', async (_name, payload, description) => {
    // The schema answers before the tenant is looked up: no tenant is needed to be refused.
    const response = await app.inject({ method: 'POST', url: `/t/${uniqueTenantId('nobody')}/api/auth/signup`, payload: payload as object });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'invalid_request', error_description: description });
  });

  it('a sign-in form with a field the page does not have: a page for a browser, JSON for anyone else', async () => {
    const url = `/t/${uniqueTenantId('nobody')}/interaction/some-uid/login`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const payload = 'csrf=x&email=a%40example.test&password=secret&remember=1';
    const json = await app.inject({ method: 'POST', url, headers: form, payload });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toEqual({ error: 'invalid_request', error_description: 'body.remember is not a known field' });
    const page = await app.inject({ method: 'POST', url, headers: { ...form, accept: BROWSER }, payload });
    expect(page.statusCode).toBe(400);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('invalid_request');
    expect(page.body).not.toMatch(/FST_ERR/i);
  });

  it.each(['login', 'consent', 'abort'])('the %s form refuses a field the page does not have', async (step) => {
    const response = await app.inject({
      method: 'POST',
      url: `/t/${uniqueTenantId('nobody')}/interaction/some-uid/${step}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'csrf=x&injected=1',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'invalid_request', error_description: 'body.injected is not a known field' });
  });

  it.each(['signup', 'forgot-password', 'reset-password', 'verify-email', 'resend-verification'])('the %s form refuses a field the page does not have', async (page) => {
    const response = await app.inject({
      method: 'POST',
      url: `/t/${uniqueTenantId('nobody')}/${page}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'csrf=x&injected=1',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'invalid_request', error_description: 'body.injected is not a known field' });
  });

  it('an account page refuses an interaction uid that is no uid', async () => {
    const response = await app.inject({ method: 'GET', url: `/t/${uniqueTenantId('nobody')}/signup?interaction=${encodeURIComponent('"><script>')}` });
    expect(response.statusCode).toBe(400);
    expect(response.json().error_description).toMatch(/^query\.interaction must match pattern/);
  });

  it('a consent decision outside its choices', async () => {
    const response = await app.inject({
      method: 'POST',
      url: `/t/${uniqueTenantId('nobody')}/interaction/some-uid/consent`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'csrf=x&decision=maybe',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'invalid_request', error_description: 'body.decision must be one of "allow", "deny"' });
  });

  it('never shows a Fastify code: a validation error carries invalid_request only', async () => {
    const response = await app.inject({ method: 'POST', url: '/t/acme-co/api/auth/signup', payload: { email: 1, password: 2, extra: 3 } });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error).toBe('invalid_request');
    expect(body.error_description).toBe('body.extra is not a known field; body.email must be string; body.password must be string');
    expect(response.body).not.toMatch(/FST_/i);
  });
});
