import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { SLOW_MACHINE_MS } from '../../support/eventually.ts';
import type { OidcTestBed, TestTenant } from '../../support/oidc.ts';
import { adminToken, callAdmin, startAdminApiBed, clientCredentials, machineClient, type MachineClient } from '../../support/admin-api.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { grantClientApi } from '../../../src/modules/clients/clients.service.ts';

/**
 * The tenant admin API's APIs (resource servers): `/t/<id>/admin/v1/apis…`, named by id, called
 * with machine-client tokens of the tenant's own issuer over real HTTP, against real PostgreSQL.
 */
let bed: OidcTestBed;
let acme: TestTenant;
let globex: TestTenant;
let acmeOps: MachineClient;
let writer: string;
let reader: string;
let globexWriter: string;

beforeAll(async () => {
  ({ bed, acme, globex, acmeOps, acmeTokens: [writer, reader], globexTokens: [globexWriter] } = await startAdminApiBed('api', {
    acme: ['apis:read apis:write', 'apis:read'],
    globex: ['apis:read apis:write'],
  }));
});
afterAll(async () => {
  await bed?.close();
});

type Api = { id: string; identifier: string } & Record<string, unknown>;

async function create(body: Record<string, unknown>, tenant = acme, token = writer): Promise<{ api: Api; etag: string | null }> {
  const answer = await callAdmin(tenant, '/apis', token, { method: 'POST', body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return { api: answer.body as Api, etag: answer.headers.get('etag') };
}

function auditOf(tenant: TestTenant, action: string, target: string) {
  return tenant.db.selectFrom('audit_events').selectAll().where('action', '=', action).where('target', '=', target).orderBy('occurred_at').execute();
}

describe('POST /apis', () => {
  it('registers an API as `tansu api create` does, and audits it', async () => {
    const { api, etag } = await create({ identifier: 'https://orders.apis.test', name: 'Orders', scopes: ['orders:read', 'orders:write'], access_token_ttl: 900 });
    expect(api).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      identifier: 'https://orders.apis.test',
      name: 'Orders',
      scopes: ['orders:read', 'orders:write'],
      access_token_ttl: 900,
      is_default: false,
      created_at: expect.any(String),
    });
    expect(etag).toMatch(/^"[\w-]+"$/);
    const [event] = await auditOf(acme, 'api.created', api.id);
    expect(event).toMatchObject({
      actor: `client:${acmeOps.clientId}`,
      ip: '127.0.0.1',
      details: { after: { identifier: 'https://orders.apis.test', name: 'Orders', scopes: ['orders:read', 'orders:write'], access_token_ttl: 900, is_default: false } },
    });
  });

  it('refuses bad input with stable codes', async () => {
    await create({ identifier: 'https://taken.apis.test' });
    for (const [body, status, code] of [
      [{ identifier: 'https://taken.apis.test' }, 409, 'api_exists'],
      [{ identifier: `${acme.issuer}/admin` }, 409, 'api_reserved'],
      [{ identifier: 'not a uri' }, 400, 'invalid_resource'],
      [{ identifier: 'https://x.apis.test#frag' }, 400, 'invalid_resource'],
      [{ identifier: 'https://x.apis.test', scopes: ['openid'] }, 400, 'invalid_scope'],
      [{ identifier: 'https://x.apis.test', scopes: ['has space'] }, 400, 'invalid_scope'],
      [{ identifier: 'https://x.apis.test', access_token_ttl: 10 }, 400, 'invalid_ttl'],
      [{ identifier: 'https://x.apis.test', access_token_ttl: '900' }, 400, 'invalid_request'],
      [{ identifier: 'https://x.apis.test', isDefault: true }, 400, 'invalid_request'],
      [{}, 400, 'invalid_request'],
    ] as const) {
      const answer = await callAdmin(acme, '/apis', writer, { method: 'POST', body });
      expect({ status: answer.status, error: answer.body.error }, JSON.stringify(body)).toEqual({ status, error: code });
    }
    const rows = await acme.db.selectFrom('api_resources').select('identifier').where('identifier', 'like', 'https://x.apis.test%').execute();
    expect(rows).toEqual([]);
  });
});

describe('GET /apis and /apis/:api_id', () => {
  it('pages through the APIs by identifier', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await create({ identifier: `https://${name}.apis.test` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const answer = await callAdmin(acme, `/apis?limit=2${cursor ? `&cursor=${cursor}` : ''}`, reader);
      expect(answer.status).toBe(200);
      seen.push(...(answer.body.items as Api[]).map((api) => api.identifier));
      cursor = answer.body.next_cursor as string | null;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(['https://page-a.apis.test', 'https://page-b.apis.test', 'https://page-c.apis.test']));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('shows one API by id with an ETag; an unknown id is 404, a malformed one 400', async () => {
    const { api, etag } = await create({ identifier: 'https://shown.apis.test', scopes: ['s'] });
    const answer = await callAdmin(acme, `/apis/${api.id}`, reader);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(api);
    expect(answer.headers.get('etag')).toBe(etag);
    expect(await callAdmin(acme, '/apis/00000000-0000-4000-8000-000000000000', reader)).toMatchObject({ status: 404, body: { error: 'api_not_found' } });
    expect(await callAdmin(acme, `/apis/${encodeURIComponent('https://shown.apis.test')}`, reader)).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });
});

describe('PATCH /apis/:api_id', () => {
  it('changes scopes, token lifetime and default, which new tokens follow, with a before/after audit row', async () => {
    const { api: previousDefault } = await create({ identifier: 'https://old-default.apis.test', is_default: true });
    const { api, etag } = await create({ identifier: 'https://ledger.apis.test', scopes: ['ledger:read'], access_token_ttl: 3600 });
    const machine = await machineClient(acme, 'ledger reader', false);
    await grantClientApi(acme, machine.clientId, { id: api.id }, TEST_ACTOR);

    const answer = await callAdmin(acme, `/apis/${api.id}`, writer, {
      method: 'PATCH',
      headers: { 'if-match': etag! },
      body: { scopes: ['ledger:read', 'ledger:write'], access_token_ttl: 300, is_default: true, name: 'Ledger' },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ scopes: ['ledger:read', 'ledger:write'], access_token_ttl: 300, is_default: true, name: 'Ledger' });
    expect(answer.headers.get('etag')).not.toBe(etag);
    expect((await callAdmin(acme, `/apis/${previousDefault.id}`, reader)).body.is_default).toBe(false);

    // The default API, now without naming it; with the new scope and lifetime.
    await expect
      .poll(
        async () => {
          const issued = await clientCredentials(acme, machine, { scope: 'ledger:write' });
          return issued.status === 200 ? decodeJwt(issued.body.access_token as string) : issued.body;
        },
        { timeout: SLOW_MACHINE_MS },
      )
      .toMatchObject({ aud: 'https://ledger.apis.test', scope: 'ledger:write' });
    const issued = await clientCredentials(acme, machine, { scope: 'ledger:write' });
    const claims = decodeJwt(issued.body.access_token as string);
    expect(claims.exp! - claims.iat!).toBe(300);

    const [event] = await auditOf(acme, 'api.updated', api.id);
    expect(event).toMatchObject({ actor: `client:${acmeOps.clientId}`, ip: '127.0.0.1' });
    expect(event!.details).toEqual({
      before: { name: 'https://ledger.apis.test', scopes: ['ledger:read'], access_token_ttl: 3600, is_default: false },
      after: { name: 'Ledger', scopes: ['ledger:read', 'ledger:write'], access_token_ttl: 300, is_default: true },
    });
  });

  it('answers 412 to a stale If-Match, refuses bad values, and changes nothing then', async () => {
    const { api, etag } = await create({ identifier: 'https://contested.apis.test', scopes: ['c'] });
    expect((await callAdmin(acme, `/apis/${api.id}`, writer, { method: 'PATCH', headers: { 'if-match': etag! }, body: { scopes: ['c', 'd'] } })).status).toBe(200);
    const stale = await callAdmin(acme, `/apis/${api.id}`, writer, { method: 'PATCH', headers: { 'if-match': etag! }, body: { scopes: [] } });
    expect(stale).toMatchObject({ status: 412, body: { error: 'precondition_failed' } });
    for (const [body, code] of [
      [{ scopes: ['email'] }, 'invalid_scope'],
      [{ access_token_ttl: 100_000 }, 'invalid_ttl'],
      [{ identifier: 'https://renamed.apis.test' }, 'invalid_request'],
    ] as const) {
      expect((await callAdmin(acme, `/apis/${api.id}`, writer, { method: 'PATCH', body })).body.error, JSON.stringify(body)).toBe(code);
    }
    expect((await callAdmin(acme, `/apis/${api.id}`, reader)).body.scopes).toEqual(['c', 'd']);
    expect(await auditOf(acme, 'api.updated', api.id)).toHaveLength(1);
  });
});

describe('DELETE /apis/:api_id', () => {
  it('honours If-Match, deletes the API and its grants, refuses new tokens for it, and audits it', async () => {
    const { api, etag } = await create({ identifier: 'https://doomed.apis.test', scopes: ['d'] });
    const machine = await machineClient(acme, 'doomed reader', false);
    await grantClientApi(acme, machine.clientId, { id: api.id }, TEST_ACTOR);
    const forApi = { resource: api.identifier };
    await expect.poll(async () => (await clientCredentials(acme, machine, forApi)).status, { timeout: SLOW_MACHINE_MS }).toBe(200);

    await callAdmin(acme, `/apis/${api.id}`, writer, { method: 'PATCH', body: { name: 'Doomed' } });
    expect((await callAdmin(acme, `/apis/${api.id}`, writer, { method: 'DELETE', headers: { 'if-match': etag! } })).status).toBe(412);
    expect((await callAdmin(acme, `/apis/${api.id}`, writer, { method: 'DELETE' })).status).toBe(204);

    expect((await callAdmin(acme, `/apis/${api.id}`, reader)).status).toBe(404);
    expect(await acme.db.selectFrom('client_api_grants').select('client_id').where('api_id', '=', api.id).execute()).toEqual([]);
    await expect.poll(async () => (await clientCredentials(acme, machine, forApi)).status, { timeout: SLOW_MACHINE_MS }).toBe(400);
    expect((await callAdmin(acme, `/apis/${api.id}`, writer, { method: 'DELETE' })).body.error).toBe('api_not_found');
    const [event] = await auditOf(acme, 'api.deleted', api.id);
    expect(event).toMatchObject({ actor: `client:${acmeOps.clientId}`, details: { before: { identifier: 'https://doomed.apis.test', name: 'Doomed' } } });
  });
});

describe('scopes', () => {
  it('needs apis:write to change anything and apis:read to read', async () => {
    const { api } = await create({ identifier: 'https://scoped.apis.test' });
    for (const [method, path, body] of [
      ['POST', '/apis', { identifier: 'https://x2.apis.test' }],
      ['PATCH', `/apis/${api.id}`, { name: 'y' }],
      ['DELETE', `/apis/${api.id}`, undefined],
    ] as const) {
      const answer = await callAdmin(acme, path, reader, { method, body });
      expect({ status: answer.status, error: answer.body.error }, `${method} ${path}`).toEqual({ status: 403, error: 'insufficient_scope' });
      expect(answer.headers.get('www-authenticate')).toContain('scope="apis:write"');
    }
    const clientsOnly = await adminToken(acme, acmeOps, 'clients:read clients:write');
    for (const path of ['/apis', `/apis/${api.id}`]) expect((await callAdmin(acme, path, clientsOnly)).status).toBe(403);
    expect((await callAdmin(acme, `/apis/${api.id}`, reader)).body.name).toBe('https://scoped.apis.test');
  });
});

describe('isolation', () => {
  it("refuses tenant A's token at tenant B with 401 on every route", async () => {
    const { api } = await create({ identifier: 'https://globex.apis.test' }, globex, globexWriter);
    for (const [method, path, body] of [
      ['GET', '/apis', undefined],
      ['POST', '/apis', { identifier: 'https://x3.apis.test' }],
      ['GET', `/apis/${api.id}`, undefined],
      ['PATCH', `/apis/${api.id}`, { name: 'hijacked' }],
      ['DELETE', `/apis/${api.id}`, undefined],
    ] as const) {
      const answer = await callAdmin(globex, path, writer, { method, body });
      expect({ status: answer.status, error: answer.body.error }, `${method} ${path}`).toEqual({ status: 401, error: 'invalid_token' });
    }
    expect((await callAdmin(globex, `/apis/${api.id}`, globexWriter)).body.name).toBe('https://globex.apis.test');
  });

  it("answers 404 for tenant A's API id at tenant B, with B's token, and leaves A's API alone", async () => {
    const { api } = await create({ identifier: 'https://acme-only.apis.test', scopes: ['a'] });
    for (const [method, body] of [['GET', undefined], ['PATCH', { scopes: [] }], ['DELETE', undefined]] as const) {
      const answer = await callAdmin(globex, `/apis/${api.id}`, globexWriter, { method, body });
      expect({ status: answer.status, error: answer.body.error }, method).toEqual({ status: 404, error: 'api_not_found' });
    }
    const listed = await callAdmin(globex, '/apis?limit=200', globexWriter);
    expect((listed.body.items as Api[]).map((item) => item.id)).not.toContain(api.id);
    expect((await callAdmin(acme, `/apis/${api.id}`, reader)).body.scopes).toEqual(['a']);
  });
});
