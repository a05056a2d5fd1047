import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { openTestPlatform, testConfig, uniqueTenantId, clusterUrl, type TestPlatform } from '../../support/platform.ts';
import { buildApp } from '../../../src/app.ts';
import { listTenants } from '../../../src/platform/tenants.repository.ts';
import { databaseExists, withMaintenanceSession } from '../../../src/db/postgres.ts';
import { openTenantDatabase } from '../../../src/db/tenant-database.ts';
import { verifyPassword } from '../../../src/crypto/passwords.ts';

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
  await platform.destroy();
});

const auth = { authorization: `Bearer ${TOKEN}` };
const exists = (name: string) => withMaintenanceSession(clusterUrl(), (client) => databaseExists(client, name));
const create = (body: unknown) => app.inject({ method: 'POST', url: '/admin/v1/tenants', headers: auth, payload: body as object });

describe('platform admin API: authentication', () => {
  it.each([
    ['no header', {}],
    ['another scheme', { authorization: `Basic ${TOKEN}` }],
  ])('answers 401 with the bare challenge for %s', async (_name, headers) => {
    const response = await app.inject({ method: 'GET', url: '/admin/v1/tenants', headers });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="tansu-admin"');
    expect(response.json()).toMatchObject({ error: 'invalid_token' });
  });

  it.each([
    ['a wrong token', `Bearer ${TOKEN}x`],
    ['two tokens', `Bearer ${TOKEN} ${TOKEN}`],
    ['a JWT that no admin tenant issued', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
  ])('answers 401 invalid_token for %s', async (_name, authorization) => {
    const response = await app.inject({ method: 'GET', url: '/admin/v1/tenants', headers: { authorization } });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="tansu-admin", error="invalid_token", error_description="[ -~]+"$/);
    expect(response.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('does not exist at all when no admin token is configured', async () => {
    const unguarded = await openTestPlatform();
    const other = await buildApp({ platform: unguarded });
    try {
      const response = await other.inject({ method: 'GET', url: '/admin/v1/tenants', headers: auth });
      expect(response.statusCode).toBe(404);
      expect(response.json().error).toBe('not_found');
    } finally {
      await other.close();
      await unguarded.destroy();
    }
  });
});

describe('platform admin API: tenants', () => {
  it.each(['Acme', 'a', 'x_y', 'acme"; drop database x; --', '../etc', 'a'.repeat(64), 'admin'])(
    'answers 400 for the id %j and creates nothing',
    async (id) => {
      const response = await create({ id });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: 'invalid_tenant_id', error_description: expect.any(String) });
      expect(await listTenants(platform.db)).toEqual([]);
    },
  );

  it.each([
    ['a non-object body', ['acme'], 'body must be object'],
    ['a non-string field', { id: 'acme-co', name: 42 }, 'body.name must be string'],
    ['an unknown field', { id: 'acme-co', passwordHash: 'x' }, 'body.passwordHash is not a known field'],
    // The fields are snake_case: the old camelCase name is refused, never silently dropped.
    ['a camelCase field', { id: 'acme-co', adminEmail: 'root@acme.test' }, 'body.adminEmail is not a known field'],
    ['a missing id', { name: 'Acme' }, 'body.id is required'],
    ['a null field', { id: 'acme-co', admin_password: null }, 'body.admin_password must be string'],
  ])('answers 400 invalid_request naming the field for %s, and creates nothing', async (_name, body, description) => {
    const response = await create(body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'invalid_request', error_description: description });
    expect(await listTenants(platform.db)).toEqual([]);
  });

  it.each([
    ['?limit=0', 'query.limit must be >= 1'],
    ['?limit=501', 'query.limit must be <= 500'],
    ['?limit=ten', 'query.limit must be integer'],
    ['?status=active,gone', `query.status must match pattern`],
    ['?sort=id', 'query.sort is not a known field'],
  ])('answers 400 invalid_request for the list query %s', async (query, description) => {
    const response = await app.inject({ method: 'GET', url: `/admin/v1/tenants${query}`, headers: auth });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_request');
    expect(response.json().error_description).toContain(description);
  });

  it('creates a tenant and returns its generated admin password once, never a hash', async () => {
    const id = uniqueTenantId('api');
    const response = await create({ id, name: 'Api Corp', admin_email: 'root@api.test' });
    expect(response.statusCode).toBe(201);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json();
    expect(body.tenant).toMatchObject({ id, name: 'Api Corp', status: 'active', issuer: `http://localhost:8080/t/${id}` });
    expect(body.admin.email).toBe('root@api.test');
    expect(typeof body.admin.password).toBe('string');
    expect(response.body).not.toContain('argon2');

    const db = openTenantDatabase(clusterUrl(), body.tenant.database, 1);
    try {
      const admin = await db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
      expect(await verifyPassword(admin.password_hash!, body.admin.password)).toBe(true);
    } finally {
      await db.destroy();
    }

    const shown = await app.inject({ method: 'GET', url: `/admin/v1/tenants/${id}`, headers: auth });
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toEqual(body.tenant);
    expect(shown.body).not.toContain(body.admin.password);
    const listed = await app.inject({ method: 'GET', url: '/admin/v1/tenants', headers: auth });
    expect(listed.json().tenants.map((t: { id: string }) => t.id)).toContain(id);
    expect(listed.body).not.toMatch(/argon2|password/);
  });

  it('lists tenants a page at a time, by id, each page naming the next', async () => {
    for (const id of [uniqueTenantId('page'), uniqueTenantId('page'), uniqueTenantId('page')]) expect((await create({ id })).statusCode).toBe(201);
    const all = (await listTenants(platform.db)).map((row) => row.id);
    expect(all.length).toBeGreaterThanOrEqual(3);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
      const page = await app.inject({ method: 'GET', url: `/admin/v1/tenants${query}`, headers: auth });
      expect(page.statusCode).toBe(200);
      const body = page.json() as { tenants: { id: string }[]; next_cursor: string | null };
      expect(body.tenants.length).toBeLessThanOrEqual(2);
      seen.push(...body.tenants.map((tenant) => tenant.id));
      cursor = body.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(all);
    const whole = (await app.inject({ method: 'GET', url: '/admin/v1/tenants', headers: auth })).json();
    expect(whole.tenants.map((tenant: { id: string }) => tenant.id)).toEqual(all);
    expect(whole.next_cursor).toBeNull();
  });

  it('does not echo a given admin password', async () => {
    const response = await create({ id: uniqueTenantId('given'), admin_password: 'a long enough password' });
    expect(response.statusCode).toBe(201);
    expect(response.json().admin).toEqual({ email: expect.any(String) });
    expect(response.body).not.toContain('a long enough password');
  });

  it('answers tenant_exists (409) to a duplicate and to the loser of two concurrent creates', async () => {
    const id = uniqueTenantId('dup');
    const [a, b] = await Promise.all([create({ id }), create({ id })]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    expect((a.statusCode === 409 ? a : b).json().error).toBe('tenant_exists');
    const again = await create({ id });
    expect(again.statusCode).toBe(409);
    expect((await listTenants(platform.db)).filter((t) => t.id === id)).toHaveLength(1);
  });

  it('answers 404 for an unknown tenant and 400 for an invalid id', async () => {
    const unknown = await app.inject({ method: 'GET', url: '/admin/v1/tenants/nobody-here', headers: auth });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'tenant_not_found', error_description: 'tenant "nobody-here" does not exist' });
    const invalid = await app.inject({ method: 'GET', url: `/admin/v1/tenants/${encodeURIComponent('../etc')}`, headers: auth });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error).toBe('invalid_tenant_id');
    // Ids are judged in one place (platform/tenant-id.ts), whichever route names one.
    for (const [method, suffix] of [['DELETE', ''], ['POST', '/suspend'], ['POST', '/resume']] as const) {
      const refused = await app.inject({ method, url: `/admin/v1/tenants/Not_Valid${suffix}`, headers: auth });
      expect(refused.statusCode, `${method} ${suffix}`).toBe(400);
      expect(refused.json().error, `${method} ${suffix}`).toBe('invalid_tenant_id');
    }
  });

  it('suspends, resumes and deletes a tenant (database dropped even while in use)', async () => {
    const id = uniqueTenantId('gone');
    const { tenant } = (await create({ id })).json();
    const suspended = await app.inject({ method: 'POST', url: `/admin/v1/tenants/${id}/suspend`, headers: auth });
    expect(suspended.json().status).toBe('suspended');
    const resumed = await app.inject({ method: 'POST', url: `/admin/v1/tenants/${id}/resume`, headers: auth });
    expect(resumed.json().status).toBe('active');

    const db = openTenantDatabase(clusterUrl(), tenant.database, 1);
    await db.selectFrom('users').select('id').execute();
    const deleted = await app.inject({ method: 'DELETE', url: `/admin/v1/tenants/${id}`, headers: auth });
    await db.destroy();
    expect(deleted.statusCode).toBe(204);
    expect(await exists(tenant.database)).toBe(false);
    const again = await app.inject({ method: 'DELETE', url: `/admin/v1/tenants/${id}`, headers: auth });
    expect(again.statusCode).toBe(404);
    expect(again.json().error).toBe('tenant_not_found');
  });
});
