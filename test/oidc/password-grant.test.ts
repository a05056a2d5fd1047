import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { TenantDb } from '../../src/db/tenant-database.ts';
import { insertClient } from '../../src/modules/clients/clients.repository.ts';
import { insertApi } from '../../src/modules/apis/apis.repository.ts';
import { generateClientSecret, hashClientSecret } from '../../src/modules/clients/client-secret.ts';
import { createUser } from '../../src/modules/users/users.service.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { THROTTLE } from '../../src/modules/users/login-throttle.ts';
import { updateTenantSettings } from '../../src/modules/settings/settings.service.ts';
import { startUsersTestBed, type UsersTestBed } from '../support/users.ts';
import { TEST_ACTOR } from '../support/scope.ts';
import type { TenantScope } from '../../src/platform/tenant-scope.ts';

let bed: UsersTestBed;
let acme: TenantScope;
let globex: TenantScope;

interface TestClient {
  id: string;
  secret: string;
}

/** Straight into the clients table: the legacy grant is an explicit, per-client opt-in. */
async function addClient(db: TenantDb, name: string, grantTypes: string[]): Promise<TestClient> {
  const secret = generateClientSecret();
  const id = `${name}-${Math.random().toString(36).slice(2, 10)}`;
  await insertClient(db, {
    client_id: id,
    name,
    type: 'confidential',
    secret_hash: hashClientSecret(secret),
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: grantTypes,
  });
  return { id, secret };
}

let legacy: TestClient;
let plain: TestClient;
let globexLegacy: TestClient;
let aliceId: string;

beforeAll(async () => {
  bed = await startUsersTestBed();
  [acme, globex] = await Promise.all([bed.tenant('pwacme'), bed.tenant('pwglobex')]);
  // Before the provider first loads the tenant's APIs (it caches them for its life).
  await insertApi(acme.db, { identifier: 'https://api.acme.test', name: 'Acme API', scopes: ['orders:read', 'orders:write'], is_default: true });
  legacy = await addClient(acme.db, 'legacy', ['password', 'refresh_token']);
  plain = await addClient(acme.db, 'plain', ['client_credentials']);
  globexLegacy = await addClient(globex.db, 'legacy', ['password', 'refresh_token']);
  aliceId = (await createUser(acme, { email: 'alice@example.test', password: 'alice password 1', name: 'Alice' }, TEST_ACTOR)).user.id;
  await createUser(acme, { email: 'locked@example.test', password: 'locked password 1' }, TEST_ACTOR);
});
afterAll(async () => {
  await bed?.close();
});

let nextIp = 1;
const freshIp = () => `203.0.113.${nextIp++}`;

function token(tenantId: string, client: TestClient, form: Record<string, string>, ip = freshIp()) {
  return bed.app.inject({
    method: 'POST',
    url: `/t/${tenantId}/token`,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`,
    },
    payload: new URLSearchParams(form).toString(),
    remoteAddress: ip,
  });
}

async function jwksOf(tenantId: string) {
  const response = await bed.app.inject({ method: 'GET', url: `/t/${tenantId}/jwks` });
  return createLocalJWKSet(response.json());
}

describe('grant_type=password (legacy, opt-in)', () => {
  it('issues an access token, an ID token and a refresh token like the code flow', async () => {
    const response = await token(acme.id, legacy, {
      grant_type: 'password',
      username: 'Alice@Example.test',
      password: 'alice password 1',
      scope: 'openid email profile offline_access',
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['cache-control']).toContain('no-store');
    const body = response.json();
    expect(body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String), refresh_token: expect.any(String), id_token: expect.any(String) });
    expect(body.scope.split(' ').sort()).toEqual(['email', 'offline_access', 'openid', 'profile']);

    const issuer = `${bed.platform.config.publicUrl}/t/${acme.id}`;
    const { payload } = await jwtVerify(body.id_token, await jwksOf(acme.id), { issuer, audience: legacy.id });
    expect(payload).toMatchObject({ sub: aliceId, email: 'alice@example.test', name: 'Alice', amr: ['pwd'] });

    const userinfo = await bed.app.inject({ method: 'GET', url: `/t/${acme.id}/me`, headers: { authorization: `Bearer ${body.access_token}` } });
    expect(userinfo.statusCode, userinfo.body).toBe(200);
    expect(userinfo.json()).toMatchObject({ sub: aliceId, email: 'alice@example.test' });

    const refreshed = await token(acme.id, legacy, { grant_type: 'refresh_token', refresh_token: body.refresh_token });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    expect(refreshed.json()).toMatchObject({ access_token: expect.any(String), id_token: expect.any(String) });
    expect(refreshed.json().refresh_token).not.toBe(body.refresh_token);
  });

  it('issues a JWT for the API (RFC 9068) when API scopes are asked for, and keeps it across refresh', async () => {
    const response = await token(acme.id, legacy, {
      grant_type: 'password',
      username: 'alice@example.test',
      password: 'alice password 1',
      scope: 'openid orders:read offline_access',
      resource: 'https://api.acme.test',
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    const issuer = `${bed.platform.config.publicUrl}/t/${acme.id}`;
    const jwks = await jwksOf(acme.id);
    const { payload, protectedHeader } = await jwtVerify(body.access_token, jwks, { issuer, audience: 'https://api.acme.test' });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ sub: aliceId, client_id: legacy.id, scope: 'orders:read' });
    expect(body.id_token).toEqual(expect.any(String));

    const refreshed = await token(acme.id, legacy, { grant_type: 'refresh_token', refresh_token: body.refresh_token });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    const again = await jwtVerify(refreshed.json().access_token, jwks, { issuer, audience: 'https://api.acme.test' });
    expect(again.payload.scope).toBe('orders:read');

    // The default API applies without `resource` too, as in the code flow.
    const byDefault = await token(acme.id, legacy, { grant_type: 'password', username: 'alice@example.test', password: 'alice password 1', scope: 'orders:write' });
    expect(byDefault.statusCode, byDefault.body).toBe(200);
    expect((await jwtVerify(byDefault.json().access_token, jwks, { issuer, audience: 'https://api.acme.test' })).payload.scope).toBe('orders:write');

    const unknownApi = await token(acme.id, legacy, { grant_type: 'password', username: 'alice@example.test', password: 'alice password 1', resource: 'https://api.other.test' });
    expect(unknownApi.json().error).toBe('invalid_target');
  });

  it('refuses a public client (no client authentication) with unauthorized_client, even one that enabled it', async () => {
    const id = `mobile-${Math.random().toString(36).slice(2, 10)}`;
    // Straight into the table: createClient refuses to register such a client at all.
    await insertClient(acme.db, { client_id: id, name: 'mobile', type: 'public', secret_hash: null, token_endpoint_auth_method: 'none', grant_types: ['password'] });
    const response = await bed.app.inject({
      method: 'POST',
      url: `/t/${acme.id}/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'password', client_id: id, username: 'alice@example.test', password: 'alice password 1', scope: 'openid' }).toString(),
      remoteAddress: freshIp(),
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toEqual({ error: 'unauthorized_client', error_description: 'the password grant needs a confidential client' });
    await expect(createClient(acme, { name: 'mobile', type: 'public', grantTypes: ['password'] }, TEST_ACTOR)).rejects.toMatchObject({ code: 'invalid_client_metadata' });
  });

  it('issues no ID token without openid and no refresh token without offline_access', async () => {
    const response = await token(acme.id, legacy, { grant_type: 'password', username: 'alice@example.test', password: 'alice password 1', scope: 'email' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().id_token).toBeUndefined();
    expect(response.json().refresh_token).toBeUndefined();
  });

  it('answers invalid_grant with the same words for a wrong password and an unknown email', async () => {
    const wrong = await token(acme.id, legacy, { grant_type: 'password', username: 'alice@example.test', password: 'not it at all' });
    const unknown = await token(acme.id, legacy, { grant_type: 'password', username: 'nobody@example.test', password: 'not it at all' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toEqual({ error: 'invalid_grant', error_description: 'the username or password is not correct' });
    expect(unknown.statusCode).toBe(wrong.statusCode);
    expect(unknown.body).toBe(wrong.body);
  });

  it('is throttled like the login page: an address refused for the account even with the right password, with Retry-After', async () => {
    const attacker = freshIp();
    for (let i = 0; i < THROTTLE.maxFailuresPerAccountAndIp; i++) {
      await token(acme.id, legacy, { grant_type: 'password', username: 'locked@example.test', password: `wrong ${i}` }, attacker);
    }
    // The owner, from another address, is not locked out by them.
    const owner = await token(acme.id, legacy, { grant_type: 'password', username: 'locked@example.test', password: 'locked password 1' });
    expect(owner.statusCode, owner.body).toBe(200);
    const refused = await token(acme.id, legacy, { grant_type: 'password', username: 'locked@example.test', password: 'locked password 1' }, attacker);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({ error: 'invalid_grant', error_description: expect.stringMatching(/^too many failed sign-in attempts; retry in \d+ seconds$/) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('answers invalid_grant, not a server error, for a username with a NUL byte or a bidi override', async () => {
    for (const username of ['alice\u0000@example.test', 'alice@example.test\u0000', 'ecila\u202e@example.test']) {
      const response = await token(acme.id, legacy, { grant_type: 'password', username, password: 'alice password 1' });
      expect(response.statusCode, JSON.stringify(username)).toBe(400);
      expect(response.json().error).toBe('invalid_grant');
    }
  });

  it('finds the account under a full-width spelling of its email', async () => {
    const response = await token(acme.id, legacy, { grant_type: 'password', username: 'ＡＬＩＣＥ@example.test', password: 'alice password 1' });
    expect(response.statusCode, response.body).toBe(200);
  });

  it('answers unauthorized_client for a client that has not enabled the grant', async () => {
    const response = await token(acme.id, plain, { grant_type: 'password', username: 'alice@example.test', password: 'alice password 1' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('unauthorized_client');
  });

  it('asks for username and password', async () => {
    const response = await token(acme.id, legacy, { grant_type: 'password', username: 'alice@example.test' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_request');
  });

  it('refuses an unconfirmed address where the tenant requires a confirmed one, and lets it in once confirmed', async () => {
    const email = 'unconfirmed@example.test';
    await createUser(acme, { email, password: 'unconfirmed pw 1' }, TEST_ACTOR);
    const form = { grant_type: 'password', username: email, password: 'unconfirmed pw 1', scope: 'openid' };
    expect((await token(acme.id, legacy, form)).statusCode).toBe(200);

    await updateTenantSettings(acme, { verifiedEmailRequired: true }, TEST_ACTOR);
    try {
      const refused = await token(acme.id, legacy, form);
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toEqual({ error: 'invalid_grant', error_description: 'the email address of this account is not confirmed yet' });
      // Only the password's owner learns it: a wrong password is answered as always.
      expect((await token(acme.id, legacy, { ...form, password: 'wrong password' })).json().error_description).toBe('the username or password is not correct');
      await acme.db.updateTable('users').set({ email_verified: true }).where('email', '=', email).execute();
      expect((await token(acme.id, legacy, form)).statusCode).toBe(200);
    } finally {
      await updateTenantSettings(acme, { verifiedEmailRequired: null }, TEST_ACTOR);
    }
  });

  it('does not sign a user of one tenant in at another', async () => {
    const response = await token(globex.id, globexLegacy, { grant_type: 'password', username: 'alice@example.test', password: 'alice password 1' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_grant');
    // Nor does a client of one tenant exist at the other.
    const crossClient = await token(globex.id, legacy, { grant_type: 'password', username: 'alice@example.test', password: 'alice password 1' });
    expect(crossClient.statusCode).toBe(401);
    expect(crossClient.json().error).toBe('invalid_client');
  });
});
