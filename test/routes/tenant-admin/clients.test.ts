import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import { SLOW_MACHINE_MS } from '../../support/eventually.ts';
import type { OidcTestBed, TestTenant } from '../../support/oidc.ts';
import { adminToken, callAdmin, startAdminApiBed, clientCredentials, type MachineClient } from '../../support/admin-api.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createApi } from '../../../src/modules/apis/apis.service.ts';
import { hashClientSecret } from '../../../src/modules/clients/client-secret.ts';

/**
 * The tenant admin API's clients: `/t/<id>/admin/v1/clients…`, called with machine-client tokens
 * of the tenant's own issuer over real HTTP, against real PostgreSQL.
 */
const SPA_REDIRECT = 'https://app.clients.test/callback';

let bed: OidcTestBed;
let acme: TestTenant;
let globex: TestTenant;
let acmeOps: MachineClient;
let writer: string;
let reader: string;
let globexWriter: string;

beforeAll(async () => {
  ({ bed, acme, globex, acmeOps, acmeTokens: [writer, reader], globexTokens: [globexWriter] } = await startAdminApiBed('cl', {
    acme: ['clients:read clients:write', 'clients:read'],
    globex: ['clients:read clients:write'],
  }));
});
afterAll(async () => {
  await bed?.close();
});

type Client = Record<string, unknown> & { client_id: string };

async function create(body: Record<string, unknown>, tenant = acme, token = writer): Promise<{ client: Client; secret?: string; etag: string | null }> {
  const answer = await callAdmin(tenant, '/clients', token, { method: 'POST', body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return { client: answer.body.client as Client, secret: answer.body.client_secret as string | undefined, etag: answer.headers.get('etag') };
}

const machine = (name: string) => create({ name, type: 'confidential', grant_types: ['client_credentials'] });

async function auditOf(tenant: TestTenant, action: string, target: string) {
  return tenant.db.selectFrom('audit_events').selectAll().where('action', '=', action).where('target', '=', target).orderBy('occurred_at').execute();
}

/** The token endpoint's status for client credentials with this secret; polls, as a change reaches the provider by notification. */
function tokenStatusBecomes(tenant: TestTenant, clientId: string, secret: string, status: number, params: Record<string, string> = {}) {
  return expect.poll(async () => (await clientCredentials(tenant, { clientId, secret }, params)).status, { timeout: SLOW_MACHINE_MS }).toBe(status);
}

describe('POST /clients', () => {
  it('registers a client with the same rules as `tansu client create`, shows its secret once, stores only its hash, and audits it', async () => {
    const { client, secret, etag } = await create({
      name: 'Billing worker',
      type: 'confidential',
      grant_types: ['client_credentials'],
      cors_origins: ['https://Ops.Clients.test:443'],
    });
    expect(client).toMatchObject({
      name: 'Billing worker',
      type: 'confidential',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      cors_origins: ['https://ops.clients.test'],
      granted_apis: [],
      first_party: false,
      previous_secret_expires_at: null,
    });
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Object.keys(client).some((key) => key.includes('secret_hash'))).toBe(false);

    const row = await acme.db.selectFrom('clients').selectAll().where('client_id', '=', client.client_id).executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(hashClientSecret(secret!));
    expect(JSON.stringify(row)).not.toContain(secret);
    await tokenStatusBecomes(acme, client.client_id, secret!, 200);

    const [event] = await auditOf(acme, 'client.created', client.client_id);
    expect(event).toMatchObject({ actor: `client:${acmeOps.clientId}`, ip: '127.0.0.1' });
    expect(event!.details).toMatchObject({ after: { name: 'Billing worker', grant_types: ['client_credentials'], cors_origins: ['https://ops.clients.test'] } });
    expect(JSON.stringify(event!.details)).not.toContain(secret);
    expect(JSON.stringify(event!.details)).not.toContain(row.secret_hash);
  });

  it('gives a public client no secret, and grants the APIs a machine client names', async () => {
    await createApi(acme, { identifier: 'https://orders.clients.test', scopes: ['orders:read'] }, TEST_ACTOR);
    const spa = await create({ name: 'SPA', type: 'public', redirect_uris: [SPA_REDIRECT], first_party: true });
    expect(spa.secret).toBeUndefined();
    expect(spa.client).toMatchObject({ token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], first_party: true });
    const worker = await create({ name: 'Orders worker', type: 'confidential', grant_types: ['client_credentials'], resources: ['https://orders.clients.test'] });
    expect(worker.client.granted_apis).toEqual(['https://orders.clients.test']);
  });

  it('refuses bad input with stable codes and creates nothing', async () => {
    const before = await acme.db.selectFrom('clients').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    for (const [body, status, code] of [
      [{ name: '   ', type: 'confidential' }, 400, 'invalid_name'],
      [{ name: 'x', type: 'hybrid' }, 400, 'invalid_request'],
      [{ name: 'x', type: 'public', redirect_uris: ['https://app.test/cb#frag'] }, 400, 'invalid_redirect_uri'],
      [{ name: 'x', type: 'public', redirect_uris: [SPA_REDIRECT], cors_origins: ['https://app.test/path'] }, 400, 'invalid_cors_origin'],
      [{ name: 'x', type: 'public', redirect_uris: [SPA_REDIRECT], cors_origins: ['ftp://app.test'] }, 400, 'invalid_cors_origin'],
      [{ name: 'x', type: 'public', grant_types: ['client_credentials'] }, 400, 'invalid_client_metadata'],
      [{ name: 'x', type: 'public' }, 400, 'invalid_redirect_uri'],
      [{ name: 'x', type: 'confidential', resources: ['https://nope.clients.test'] }, 404, 'api_not_found'],
      [{ name: 'x', type: 'confidential', clientName: 'camel' }, 400, 'invalid_request'],
    ] as const) {
      const answer = await callAdmin(acme, '/clients', writer, { method: 'POST', body });
      expect({ status: answer.status, error: answer.body.error }, JSON.stringify(body)).toEqual({ status, error: code });
    }
    const after = await acme.db.selectFrom('clients').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });
});

describe('GET /clients and /clients/:client_id', () => {
  it('pages through the clients, oldest first, never showing a secret or hash', async () => {
    const created = [await machine('page one'), await machine('page two'), await machine('page three')];
    const seen: Client[] = [];
    let cursor: string | null = null;
    do {
      const answer = await callAdmin(acme, `/clients?limit=2${cursor ? `&cursor=${cursor}` : ''}`, reader);
      expect(answer.status).toBe(200);
      const items = answer.body.items as Client[];
      expect(items.length).toBeLessThanOrEqual(2);
      seen.push(...items);
      cursor = answer.body.next_cursor as string | null;
    } while (cursor);
    const ids = seen.map((client) => client.client_id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { client } of created) expect(ids).toContain(client.client_id);
    expect(ids.indexOf(created[0]!.client.client_id)).toBeLessThan(ids.indexOf(created[2]!.client.client_id));
    expect(JSON.stringify(seen)).not.toMatch(/secret_hash|client_secret"/);
    expect(seen.find((client) => client.client_id === acmeOps.clientId)!.granted_apis).toEqual([`${acme.issuer}/admin`]);

    expect((await callAdmin(acme, '/clients?limit=0', reader)).body.error).toBe('invalid_request');
    expect((await callAdmin(acme, '/clients?cursor=bogus', reader)).body.error).toBe('invalid_cursor');
  });

  it('shows one client with an ETag; an unknown id is 404', async () => {
    const { client, etag } = await machine('shown');
    const answer = await callAdmin(acme, `/clients/${client.client_id}`, reader);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(client);
    expect(answer.headers.get('etag')).toBe(etag);
    expect(JSON.stringify(answer.body)).not.toContain('secret_hash');
    const missing = await callAdmin(acme, '/clients/NoSuchClient', reader);
    expect(missing).toMatchObject({ status: 404, body: { error: 'client_not_found' } });
  });
});

describe('PATCH /clients/:client_id', () => {
  it('changes the properties sent, judged as at registration, with a new ETag and a before/after audit row', async () => {
    const { client, etag } = await create({ name: 'Portal', type: 'public', redirect_uris: [SPA_REDIRECT] });
    const answer = await callAdmin(acme, `/clients/${client.client_id}`, writer, {
      method: 'PATCH',
      headers: { 'if-match': etag! },
      body: {
        name: 'Portal v2',
        redirect_uris: [SPA_REDIRECT, 'https://app.clients.test/other'],
        post_logout_redirect_uris: ['https://app.clients.test/bye'],
        grant_types: ['authorization_code'],
        first_party: true,
      },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({
      name: 'Portal v2',
      redirect_uris: [SPA_REDIRECT, 'https://app.clients.test/other'],
      post_logout_redirect_uris: ['https://app.clients.test/bye'],
      grant_types: ['authorization_code'],
      first_party: true,
      type: 'public',
    });
    expect(answer.headers.get('etag')).not.toBe(etag);
    const shown = await callAdmin(acme, `/clients/${client.client_id}`, reader);
    expect(shown.body).toEqual(answer.body);
    expect(shown.headers.get('etag')).toBe(answer.headers.get('etag'));

    const [event] = await auditOf(acme, 'client.updated', client.client_id);
    expect(event).toMatchObject({ actor: `client:${acmeOps.clientId}`, ip: '127.0.0.1' });
    expect(event!.details).toEqual({
      before: { name: 'Portal', grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [SPA_REDIRECT], post_logout_redirect_uris: [], first_party: false },
      after: {
        name: 'Portal v2',
        grant_types: ['authorization_code'],
        redirect_uris: [SPA_REDIRECT, 'https://app.clients.test/other'],
        post_logout_redirect_uris: ['https://app.clients.test/bye'],
        first_party: true,
      },
    });
  });

  it('registers a device client and switches PAR and DPoP requirements on and off, shown in the view and audited', async () => {
    const device = 'urn:ietf:params:oauth:grant-type:device_code';
    const { client, etag } = await create({ name: 'TV app', type: 'public', grant_types: [device], dpop_bound_access_tokens: true });
    expect(client).toMatchObject({ grant_types: [device], redirect_uris: [], require_pushed_authorization_requests: false, dpop_bound_access_tokens: true });
    const answer = await callAdmin(acme, `/clients/${client.client_id}`, writer, {
      method: 'PATCH',
      headers: { 'if-match': etag! },
      body: { dpop_bound_access_tokens: false, require_pushed_authorization_requests: true },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ require_pushed_authorization_requests: true, dpop_bound_access_tokens: false });
    const [event] = await auditOf(acme, 'client.updated', client.client_id);
    expect(event!.details).toEqual({
      before: { require_pushed_authorization_requests: false, dpop_bound_access_tokens: true },
      after: { require_pushed_authorization_requests: true, dpop_bound_access_tokens: false },
    });
  });

  it('answers 412 to a stale If-Match and changes nothing', async () => {
    const { client, etag } = await machine('contested');
    const first = await callAdmin(acme, `/clients/${client.client_id}`, writer, { method: 'PATCH', headers: { 'if-match': etag! }, body: { name: 'first edit' } });
    expect(first.status).toBe(200);
    const second = await callAdmin(acme, `/clients/${client.client_id}`, writer, { method: 'PATCH', headers: { 'if-match': etag! }, body: { name: 'second edit' } });
    expect(second).toMatchObject({ status: 412, body: { error: 'precondition_failed' } });
    expect((await callAdmin(acme, `/clients/${client.client_id}`, reader)).body.name).toBe('first edit');
  });

  it('refuses a change that registration would refuse, and keeps the client as it was', async () => {
    const { client } = await create({ name: 'Code flow', type: 'public', redirect_uris: [SPA_REDIRECT] });
    const patch = (body: Record<string, unknown>) => callAdmin(acme, `/clients/${client.client_id}`, writer, { method: 'PATCH', body });
    expect((await patch({ redirect_uris: [] })).body.error).toBe('invalid_redirect_uri');
    expect((await patch({ grant_types: ['client_credentials'] })).body.error).toBe('invalid_client_metadata');
    expect((await patch({ grant_types: ['implicit'] })).body.error).toBe('invalid_client_metadata');
    expect((await patch({ cors_origins: ['https://app.test/'] })).body.error).toBe('invalid_cors_origin');
    expect((await patch({ cors_origins: ['null'] })).body.error).toBe('invalid_cors_origin');
    expect((await patch({ name: '' })).body.error).toBe('invalid_name');
    expect((await patch({ resources: ['https://nope.clients.test'] })).status).toBe(404);
    expect((await patch({ type: 'confidential' })).body.error).toBe('invalid_request');
    expect((await patch({ grant_types: [] })).body.error).toBe('invalid_request');
    const after = await callAdmin(acme, `/clients/${client.client_id}`, reader);
    expect(after.body).toEqual(client);
    expect(await auditOf(acme, 'client.updated', client.client_id)).toEqual([]);
  });

  it('lets the token endpoint answer CORS for an added origin, besides the redirect URIs', async () => {
    const { client } = await create({ name: 'Browser app', type: 'public', redirect_uris: [SPA_REDIRECT] });
    const extra = 'https://spa.elsewhere.test';
    const body = new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: client.client_id, redirect_uri: SPA_REDIRECT, code_verifier: 'x'.repeat(43) });
    const allowedOrigin = async (origin: string) => {
      const response = await fetch(`${acme.issuer}/token`, { method: 'POST', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body });
      await response.arrayBuffer();
      return response.headers.get('access-control-allow-origin');
    };
    expect(await allowedOrigin('https://app.clients.test')).toBe('https://app.clients.test');
    expect(await allowedOrigin(extra)).toBeNull();

    const answer = await callAdmin(acme, `/clients/${client.client_id}`, writer, { method: 'PATCH', body: { cors_origins: [extra] } });
    expect(answer.body.cors_origins).toEqual([extra]);
    await expect.poll(() => allowedOrigin(extra), { timeout: SLOW_MACHINE_MS }).toBe(extra);
    expect(await allowedOrigin('https://app.clients.test')).toBe('https://app.clients.test');
    expect(await allowedOrigin('https://evil.example')).toBeNull();
  });
});

describe('POST /clients/:client_id/secret', () => {
  it('without a grace period: the new secret works and the old one stops', async () => {
    const { client, secret: old } = await machine('rotate now');
    await tokenStatusBecomes(acme, client.client_id, old!, 200);
    // No body at all: the default grace of 0 days.
    const answer = await callAdmin(acme, `/clients/${client.client_id}/secret`, writer, { method: 'POST' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const fresh = answer.body.client_secret as string;
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fresh).not.toBe(old);
    expect(answer.body.client).toMatchObject({ client_id: client.client_id, previous_secret_expires_at: null });
    await tokenStatusBecomes(acme, client.client_id, fresh, 200);
    await tokenStatusBecomes(acme, client.client_id, old!, 401);

    const row = await acme.db.selectFrom('clients').selectAll().where('client_id', '=', client.client_id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ secret_hash: hashClientSecret(fresh), previous_secret_hash: null, previous_secret_expires_at: null });
    const [event] = await auditOf(acme, 'client.secret_rotated', client.client_id);
    expect(event).toMatchObject({ actor: `client:${acmeOps.clientId}`, details: { grace_days: 0, previous_secret_expires_at: null } });
  });

  it('with a grace period both secrets work until it ends; then only the new one', async () => {
    const { client, secret: old } = await machine('rotate gently');
    const answer = await callAdmin(acme, `/clients/${client.client_id}/secret`, writer, { method: 'POST', body: { grace_days: 2 } });
    expect(answer.status).toBe(200);
    const fresh = answer.body.client_secret as string;
    const until = Date.parse((answer.body.client as Client).previous_secret_expires_at as string);
    expect(until - Date.now()).toBeGreaterThan(2 * 86_400_000 - 10 * 60_000);
    expect(until - Date.now()).toBeLessThanOrEqual(2 * 86_400_000);
    await tokenStatusBecomes(acme, client.client_id, fresh, 200);
    expect((await clientCredentials(acme, { clientId: client.client_id, secret: old! }, {})).status).toBe(200);

    const row = await acme.db.selectFrom('clients').selectAll().where('client_id', '=', client.client_id).executeTakeFirstOrThrow();
    expect(row.previous_secret_hash).toBe(hashClientSecret(old!));
    const [event] = await auditOf(acme, 'client.secret_rotated', client.client_id);
    expect(event!.details).toMatchObject({ grace_days: 2 });
    for (const secretText of [old!, fresh, row.secret_hash!, row.previous_secret_hash!]) expect(JSON.stringify(event!.details)).not.toContain(secretText);

    // The grace period ends (set in the database rather than waited for), and the provider learns of it.
    await acme.db.updateTable('clients').set({ previous_secret_expires_at: sql<Date>`now() - interval '1 second'` }).where('client_id', '=', client.client_id).execute();
    await acme.announce('clients');
    await tokenStatusBecomes(acme, client.client_id, old!, 401);
    expect((await clientCredentials(acme, { clientId: client.client_id, secret: fresh }, {})).status).toBe(200);
  });

  it('stops accepting the old secret when its grace ends, even on a provider that kept the client', async () => {
    const { client, secret: old } = await machine('rotate, cached');
    const answer = await callAdmin(acme, `/clients/${client.client_id}/secret`, writer, { method: 'POST', body: { grace_days: 1 } });
    const fresh = answer.body.client_secret as string;
    await tokenStatusBecomes(acme, client.client_id, fresh, 200);
    expect((await clientCredentials(acme, { clientId: client.client_id, secret: old! }, {})).status).toBe(200);
    // The provider holds the client with its grace end; a clock past that end refuses the old secret without a reload.
    // The server runs in this process: only its Date moves, no timer does.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 86_400_000 + 60_000);
      expect((await clientCredentials(acme, { clientId: client.client_id, secret: old! }, {})).status).toBe(401);
    } finally {
      vi.useRealTimers();
    }
    expect((await clientCredentials(acme, { clientId: client.client_id, secret: old! }, {})).status).toBe(200);
  });

  it('refuses a client without a secret, an out-of-range grace, and a stale If-Match', async () => {
    const { client: spa } = await create({ name: 'No secret', type: 'public', redirect_uris: [SPA_REDIRECT] });
    expect(await callAdmin(acme, `/clients/${spa.client_id}/secret`, writer, { method: 'POST', body: {} })).toMatchObject({ status: 409, body: { error: 'client_secret_not_used' } });
    const { client, etag } = await machine('rotate refused');
    for (const body of [{ grace_days: 8 }, { grace_days: -1 }, { grace_days: 1.5 }, { grace_days: '1' }, { grace: 1 }]) {
      expect((await callAdmin(acme, `/clients/${client.client_id}/secret`, writer, { method: 'POST', body })).body.error, JSON.stringify(body)).toBe('invalid_request');
    }
    await callAdmin(acme, `/clients/${client.client_id}`, writer, { method: 'PATCH', body: { name: 'renamed' } });
    const stale = await callAdmin(acme, `/clients/${client.client_id}/secret`, writer, { method: 'POST', headers: { 'if-match': etag! }, body: {} });
    expect(stale.status).toBe(412);
    expect(await auditOf(acme, 'client.secret_rotated', client.client_id)).toEqual([]);
  });
});

describe('DELETE /clients/:client_id', () => {
  it('honours If-Match, deletes the client with what the provider stored for it, and audits it', async () => {
    const { client, secret, etag } = await machine('doomed');
    // An opaque client-credentials token (no API named, none is the default), stored by the provider.
    await tokenStatusBecomes(acme, client.client_id, secret!, 200);
    const stored = () => acme.db.selectFrom('oidc_payloads').select('id').where(sql<boolean>`payload->>'clientId' = ${client.client_id}`).execute();
    expect((await stored()).length).toBeGreaterThan(0);

    await callAdmin(acme, `/clients/${client.client_id}`, writer, { method: 'PATCH', body: { name: 'doomed, renamed' } });
    expect(await callAdmin(acme, `/clients/${client.client_id}`, writer, { method: 'DELETE', headers: { 'if-match': etag! } })).toMatchObject({ status: 412 });
    const current = (await callAdmin(acme, `/clients/${client.client_id}`, reader)).headers.get('etag')!;
    const deleted = await callAdmin(acme, `/clients/${client.client_id}`, writer, { method: 'DELETE', headers: { 'if-match': current } });
    expect(deleted.status).toBe(204);

    expect(await stored()).toEqual([]);
    expect((await callAdmin(acme, `/clients/${client.client_id}`, reader)).status).toBe(404);
    await tokenStatusBecomes(acme, client.client_id, secret!, 401);
    expect((await callAdmin(acme, `/clients/${client.client_id}`, writer, { method: 'DELETE' })).body.error).toBe('client_not_found');
    const [event] = await auditOf(acme, 'client.deleted', client.client_id);
    expect(event).toMatchObject({ actor: `client:${acmeOps.clientId}`, ip: '127.0.0.1', details: { before: { name: 'doomed, renamed' } } });
    expect(JSON.stringify(event!.details)).not.toContain(secret);
  });
});

describe('PUT and DELETE /clients/:client_id/apis/:api_id', () => {
  it('grants a machine client an API by id, which then gets tokens for it, and revokes it', async () => {
    const api = await createApi(acme, { identifier: 'https://grants.clients.test', scopes: ['g:read'] }, TEST_ACTOR);
    const { client, secret } = await machine('grantee');
    const path = `/clients/${client.client_id}/apis/${api.id}`;
    const forApi = { resource: api.identifier };
    expect((await clientCredentials(acme, { clientId: client.client_id, secret: secret! }, forApi)).status).toBe(400);

    const granted = await callAdmin(acme, path, writer, { method: 'PUT' });
    expect(granted).toMatchObject({ status: 200, body: { client_id: client.client_id, api_id: api.id, api: api.identifier, changed: true } });
    expect((await callAdmin(acme, path, writer, { method: 'PUT' })).body.changed).toBe(false);
    await tokenStatusBecomes(acme, client.client_id, secret!, 200, forApi);
    expect((await callAdmin(acme, `/clients/${client.client_id}`, reader)).body.granted_apis).toEqual([api.identifier]);

    expect((await callAdmin(acme, path, writer, { method: 'DELETE' })).status).toBe(204);
    await tokenStatusBecomes(acme, client.client_id, secret!, 400, forApi);
    expect(await callAdmin(acme, path, writer, { method: 'DELETE' })).toMatchObject({ status: 404, body: { error: 'api_grant_not_found' } });

    expect((await auditOf(acme, 'client.api_granted', client.client_id)).map((event) => event.details)).toEqual([{ api: api.identifier }]);
    expect((await auditOf(acme, 'client.api_revoked', client.client_id)).map((event) => event.details)).toEqual([{ api: api.identifier }]);
  });

  it('refuses a client without client credentials, unknown ids, a malformed id and a stale If-Match', async () => {
    const api = await createApi(acme, { identifier: 'https://refused.clients.test' }, TEST_ACTOR);
    const { client: spa } = await create({ name: 'SPA again', type: 'public', redirect_uris: [SPA_REDIRECT] });
    expect((await callAdmin(acme, `/clients/${spa.client_id}/apis/${api.id}`, writer, { method: 'PUT' })).body.error).toBe('client_credentials_not_enabled');
    const { client, etag } = await machine('grants refused');
    expect((await callAdmin(acme, `/clients/${client.client_id}/apis/00000000-0000-4000-8000-000000000000`, writer, { method: 'PUT' })).body.error).toBe('api_not_found');
    expect((await callAdmin(acme, `/clients/NoSuchClient/apis/${api.id}`, writer, { method: 'PUT' })).body.error).toBe('client_not_found');
    expect(await callAdmin(acme, `/clients/${client.client_id}/apis/not-a-uuid`, writer, { method: 'PUT' })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    await callAdmin(acme, `/clients/${client.client_id}`, writer, { method: 'PATCH', body: { name: 'moved on' } });
    expect((await callAdmin(acme, `/clients/${client.client_id}/apis/${api.id}`, writer, { method: 'PUT', headers: { 'if-match': etag! } })).status).toBe(412);
    expect((await callAdmin(acme, `/clients/${client.client_id}`, reader)).body.granted_apis).toEqual([]);
  });
});

describe('scopes', () => {
  it('needs clients:write to change anything and clients:read to read', async () => {
    const { client } = await machine('scoped');
    const api = await createApi(acme, { identifier: 'https://scoped.clients.test' }, TEST_ACTOR);
    for (const [method, path, body] of [
      ['POST', '/clients', { name: 'x', type: 'confidential' }],
      ['PATCH', `/clients/${client.client_id}`, { name: 'y' }],
      ['DELETE', `/clients/${client.client_id}`, undefined],
      ['POST', `/clients/${client.client_id}/secret`, {}],
      ['PUT', `/clients/${client.client_id}/apis/${api.id}`, undefined],
      ['DELETE', `/clients/${client.client_id}/apis/${api.id}`, undefined],
    ] as const) {
      const answer = await callAdmin(acme, path, reader, { method, body });
      expect({ status: answer.status, error: answer.body.error }, `${method} ${path}`).toEqual({ status: 403, error: 'insufficient_scope' });
      expect(answer.headers.get('www-authenticate')).toContain('scope="clients:write"');
    }
    const usersOnly = await adminToken(acme, acmeOps, 'users:read');
    for (const path of ['/clients', `/clients/${client.client_id}`]) {
      expect((await callAdmin(acme, path, usersOnly)).status).toBe(403);
    }
    expect((await callAdmin(acme, `/clients/${client.client_id}`, reader)).body.name).toBe('scoped');
  });
});

describe('isolation', () => {
  it("refuses tenant A's token at tenant B with 401 on every route", async () => {
    const { client } = await create({ name: 'globex app', type: 'confidential', grant_types: ['client_credentials'] }, globex, globexWriter);
    const api = await createApi(globex, { identifier: 'https://iso.clients.test' }, TEST_ACTOR);
    for (const [method, path, body] of [
      ['GET', '/clients', undefined],
      ['POST', '/clients', { name: 'x', type: 'confidential' }],
      ['GET', `/clients/${client.client_id}`, undefined],
      ['PATCH', `/clients/${client.client_id}`, { name: 'hijacked' }],
      ['POST', `/clients/${client.client_id}/secret`, {}],
      ['DELETE', `/clients/${client.client_id}`, undefined],
      ['PUT', `/clients/${client.client_id}/apis/${api.id}`, undefined],
      ['DELETE', `/clients/${client.client_id}/apis/${api.id}`, undefined],
    ] as const) {
      const answer = await callAdmin(globex, path, writer, { method, body });
      expect({ status: answer.status, error: answer.body.error }, `${method} ${path}`).toEqual({ status: 401, error: 'invalid_token' });
    }
    expect((await callAdmin(globex, `/clients/${client.client_id}`, globexWriter)).body.name).toBe('globex app');
  });

  it("answers 404 for tenant A's client id at tenant B, with B's token, and leaves A's client alone", async () => {
    const { client, secret } = await machine('acme only');
    const api = await createApi(globex, { identifier: 'https://iso2.clients.test' }, TEST_ACTOR);
    for (const [method, path, body] of [
      ['GET', `/clients/${client.client_id}`, undefined],
      ['PATCH', `/clients/${client.client_id}`, { name: 'hijacked' }],
      ['POST', `/clients/${client.client_id}/secret`, {}],
      ['DELETE', `/clients/${client.client_id}`, undefined],
      ['PUT', `/clients/${client.client_id}/apis/${api.id}`, undefined],
    ] as const) {
      const answer = await callAdmin(globex, path, globexWriter, { method, body });
      expect({ status: answer.status, error: answer.body.error }, `${method} ${path}`).toEqual({ status: 404, error: 'client_not_found' });
    }
    const listed = await callAdmin(globex, '/clients?limit=200', globexWriter);
    expect((listed.body.items as Client[]).map((item) => item.client_id)).not.toContain(client.client_id);
    expect((await callAdmin(acme, `/clients/${client.client_id}`, reader)).body.name).toBe('acme only');
    await tokenStatusBecomes(acme, client.client_id, secret!, 200);
  });

  it("answers 404 for tenant A's API id in a grant at tenant B", async () => {
    const api = await createApi(acme, { identifier: 'https://iso3.clients.test' }, TEST_ACTOR);
    const { client } = await create({ name: 'globex machine', type: 'confidential', grant_types: ['client_credentials'] }, globex, globexWriter);
    const answer = await callAdmin(globex, `/clients/${client.client_id}/apis/${api.id}`, globexWriter, { method: 'PUT' });
    expect(answer).toMatchObject({ status: 404, body: { error: 'api_not_found' } });
  });
});
