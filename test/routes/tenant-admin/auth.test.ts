import { TEST_ACTOR } from '../../support/scope.ts';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../../support/platform.ts';
import { pollUntil } from '../../support/eventually.ts';
import { adminApiOf, adminToken, callAdmin, clientCredentials, machineClient, type MachineClient } from '../../support/admin-api.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { signIn, startAuthorization, TestBrowser } from '../../support/browser.ts';
import { createClient, deleteTenantClient, grantClientApi, revokeClientApi } from '../../../src/modules/clients/clients.service.ts';
import { createApi } from '../../../src/modules/apis/apis.service.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { openPrivateJwk } from '../../../src/modules/keys/signing-keys.ts';
import { ADMIN_API_SCOPES } from '../../../src/modules/apis/admin-api.ts';
import { createFastify } from '../../../src/app.ts';
import { tenancyPlugin } from '../../../src/tenancy/tenancy.plugin.ts';
import { requireScope, tenantAdminAuth } from '../../../src/routes/tenant-admin/auth.ts';

const REDIRECT_URI = 'http://127.0.0.1:9/console/callback';

let bed: OidcTestBed;
let acme: TestTenant;
let globex: TestTenant;

let acmeOps: MachineClient;
let globexOps: MachineClient;
let consoleApp: oidc.Configuration;

const adminApi = adminApiOf;

/** Signs a token with one of the tenant's real private keys: to vary one property of an otherwise valid token. */
async function signAsTenant(tenant: TestTenant, claims: JWTPayload, header: { typ?: string } = {}): Promise<string> {
  const row = await tenant.db.selectFrom('signing_keys').selectAll().where('state', '=', 'active').executeTakeFirstOrThrow();
  const jwk = openPrivateJwk(tenant.id, row, bed.platform.secrets);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: tenant.issuer, aud: adminApi(tenant), iat: now, exp: now + 600, jti: crypto.randomUUID(), ...claims })
    .setProtectedHeader({ alg: row.alg, kid: row.kid, typ: header.typ ?? 'at+jwt' })
    .sign(await importJWK(jwk, row.alg));
}

beforeAll(async () => {
  bed = await startOidcTestBed();
  acme = await createTestTenant(bed, uniqueTenantId('adm-acme'));
  globex = await createTestTenant(bed, uniqueTenantId('adm-globex'));
  acmeOps = await machineClient(acme, 'ops automation', true);
  globexOps = await machineClient(globex, 'globex automation', true);
  const { client } = await createClient(acme, { name: 'Admin console', type: 'public', firstParty: true, redirectUris: [REDIRECT_URI] }, TEST_ACTOR);
  consoleApp = await discover(acme, client.client_id);
});
afterAll(async () => {
  await bed?.close();
});

function discover(tenant: TestTenant, clientId: string) {
  return oidc.discovery(new URL(tenant.issuer), clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
}

describe('machine clients (client credentials)', () => {
  it('a client granted the admin API gets a short-lived RFC 9068 token with the admin scopes it asked for that exist, and calls /me', async () => {
    const answer = await pollUntil(
      () => clientCredentials(acme, acmeOps, { resource: adminApi(acme), scope: 'users:read clients:write users:delete openid' }),
      (a) => a.status === 200,
    );
    expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'users:read clients:write' });
    const token = answer.body.access_token as string;

    const active = await acme.db.selectFrom('signing_keys').select(['kid', 'alg']).where('state', '=', 'active').executeTakeFirstOrThrow();
    expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'at+jwt', kid: active.kid, alg: active.alg });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${acme.issuer}/jwks`)), { issuer: acme.issuer, audience: adminApi(acme) });
    expect(payload).toMatchObject({ sub: acmeOps.clientId, client_id: acmeOps.clientId, scope: 'users:read clients:write' });
    expect(payload.exp! - payload.iat!).toBe(600);

    const me = await callAdmin(acme, '/me', token);
    expect(me.status).toBe(200);
    expect(me.headers.get('cache-control')).toBe('no-store');
    expect(me.body).toEqual({ subject: acmeOps.clientId, type: 'client', scopes: ['clients:write', 'users:read'], client_id: acmeOps.clientId });
  });

  it('a client may ask for every admin scope at once', async () => {
    const me = await callAdmin(acme, '/me', await adminToken(acme, acmeOps, ADMIN_API_SCOPES.join(' ')));
    expect(me.body.scopes).toEqual([...ADMIN_API_SCOPES].sort());
  });

  it('a client without the grant gets no admin token', async () => {
    const stranger = await machineClient(acme, 'no admin grant', false);
    const answer = await clientCredentials(acme, stranger, { resource: adminApi(acme), scope: 'users:read' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_target');
  });

  it("withdrawing the grant or deleting the client refuses new tokens and stops issued ones at once", async () => {
    const revoked = await machineClient(acme, 'revoked later', true);
    const revokedToken = await adminToken(acme, revoked, 'users:read');
    expect((await callAdmin(acme, '/me', revokedToken)).status).toBe(200);
    expect(await revokeClientApi(acme, revoked.clientId, { identifier: adminApi(acme) }, TEST_ACTOR)).toEqual({ client_id: revoked.clientId, api: adminApi(acme), changed: true });
    const refused = await callAdmin(acme, '/me', revokedToken);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_token');
    await pollUntil(() => clientCredentials(acme, revoked, { resource: adminApi(acme), scope: 'users:read' }), (a) => a.status === 400);

    const deleted = await machineClient(acme, 'deleted later', true);
    const deletedToken = await adminToken(acme, deleted, 'users:read');
    expect((await callAdmin(acme, '/me', deletedToken)).status).toBe(200);
    await deleteTenantClient(acme, deleted.clientId, TEST_ACTOR);
    expect((await callAdmin(acme, '/me', deletedToken)).status).toBe(401);
  });

  it('reports a repeated grant as unchanged, and an admin API grant to a client without client credentials as an error', async () => {
    expect(await grantClientApi(acme, acmeOps.clientId, { identifier: adminApi(acme) }, TEST_ACTOR)).toEqual({ client_id: acmeOps.clientId, api: adminApi(acme), changed: false });
    const spa = await createClient(acme, { name: 'spa', type: 'public', redirectUris: [REDIRECT_URI] }, TEST_ACTOR);
    await expect(grantClientApi(acme, spa.client.client_id, { identifier: adminApi(acme) }, TEST_ACTOR)).rejects.toMatchObject({ code: 'client_credentials_not_enabled' });
    // Another tenant's admin API is no API of this tenant.
    await expect(grantClientApi(acme, acmeOps.clientId, { identifier: adminApi(globex) }, TEST_ACTOR)).rejects.toMatchObject({ code: 'api_not_found' });
  });

  it('the admin API cannot be created, or shadowed, as a tenant API', async () => {
    await expect(createApi(acme, { identifier: adminApi(acme), scopes: ['users:read'] }, TEST_ACTOR)).rejects.toMatchObject({ code: 'api_reserved', status: 409 });
  });
});

describe('signed-in users (code flow with PKCE)', () => {
  const SCOPE = 'openid users:read audit:read';

  async function signInToConsole(email: string, password: string, config = consoleApp) {
    const browser = new TestBrowser();
    const started = await startAuthorization(config, { redirect_uri: REDIRECT_URI, scope: SCOPE, resource: adminApi(acme) });
    const trace = await signIn(browser, started.url, { email, password, redirectUri: REDIRECT_URI });
    return oidc.authorizationCodeGrant(config, trace.callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
  }

  it('a TenantAdmin gets the admin scopes asked for and calls /me as a user', async () => {
    const tokens = await signInToConsole(acme.adminEmail, acme.adminPassword);
    expect(tokens.scope).toBe('users:read audit:read');
    const sub = tokens.claims()!.sub;
    const payload = decodeJwt(tokens.access_token);
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt');
    expect(payload).toMatchObject({ iss: acme.issuer, aud: adminApi(acme), sub, scope: 'users:read audit:read' });
    expect(payload.exp! - payload.iat!).toBe(600);

    const me = await callAdmin(acme, '/me', tokens.access_token);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ subject: sub, type: 'user', scopes: ['audit:read', 'users:read'], client_id: consoleApp.clientMetadata().client_id });
  });

  it('a user without the TenantAdmin role gets a token without admin scopes, which the admin API refuses', async () => {
    const password = 'viewer-Password-123';
    await createUser(acme, { email: 'viewer@adm.test', password, emailVerified: true, roles: ['Viewer'] }, TEST_ACTOR);
    const tokens = await signInToConsole('viewer@adm.test', password);
    // The sign-in itself succeeds (ID token); the scopes are dropped (RFC 6749 §3.3).
    expect(tokens.claims()!.sub).toBeTruthy();
    expect(tokens.scope ?? '').toBe('');
    expect(decodeJwt(tokens.access_token).scope).toBeUndefined();
    const me = await callAdmin(acme, '/me', tokens.access_token);
    expect(me.status).toBe(401);
    expect(me.body.error).toBe('invalid_token');
  });

  it('a tenant admin who is disabled or loses the role is refused at once, with a token issued before', async () => {
    const password = 'second-Admin-Password-1';
    const { user } = await createUser(acme, { email: 'second-admin@adm.test', password, emailVerified: true, roles: ['TenantAdmin'] }, TEST_ACTOR);
    const tokens = await signInToConsole('second-admin@adm.test', password);
    expect((await callAdmin(acme, '/me', tokens.access_token)).status).toBe(200);

    await sql`UPDATE users SET status = 'disabled' WHERE id = ${user.id}`.execute(acme.db);
    expect((await callAdmin(acme, '/me', tokens.access_token)).status).toBe(401);
    await sql`UPDATE users SET status = 'active' WHERE id = ${user.id}`.execute(acme.db);
    expect((await callAdmin(acme, '/me', tokens.access_token)).status).toBe(200);

    await sql`DELETE FROM user_roles WHERE user_id = ${user.id}`.execute(acme.db);
    const refused = await callAdmin(acme, '/me', tokens.access_token);
    expect(refused.status).toBe(401);
    expect(refused.body.error_description).toMatch(/not an active tenant admin/);
  });

  it("a third-party client cannot ask for the admin API for a user", async () => {
    const { client } = await createClient(acme, { name: 'Third party', type: 'public', redirectUris: [REDIRECT_URI] }, TEST_ACTOR);
    const started = await startAuthorization(await discover(acme, client.client_id), { redirect_uri: REDIRECT_URI, scope: SCOPE, resource: adminApi(acme) });
    const response = await fetch(started.url, { redirect: 'manual' });
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('invalid_target');
  });

  it('the password grant cannot get admin tokens, even for a tenant admin', async () => {
    const { client, clientSecret } = await createClient(acme, {
      name: 'legacy first-party', type: 'confidential', firstParty: true, grantTypes: ['password'],
    }, TEST_ACTOR);
    const response = await fetch(`${acme.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.client_id}:${clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'password', username: acme.adminEmail, password: acme.adminPassword, scope: 'users:read', resource: adminApi(acme) }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_target');
  });
});

describe('tokens the admin API refuses', () => {
  const expectInvalidToken = (answer: Awaited<ReturnType<typeof callAdmin>>) => {
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('invalid_token');
    expect(typeof answer.body.error_description).toBe('string');
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
  };

  it("refuses tenant A's token at tenant B, and B's own token works there", async () => {
    const acmeToken = await adminToken(acme, acmeOps, 'users:read');
    expectInvalidToken(await callAdmin(globex, '/me', acmeToken));
    const globexToken = await adminToken(globex, globexOps, 'users:read');
    expect((await callAdmin(globex, '/me', globexToken)).status).toBe(200);
    expectInvalidToken(await callAdmin(acme, '/me', globexToken));
  });

  it("refuses a token signed with another tenant's key even when it names this tenant's issuer", async () => {
    const claims = { sub: acmeOps.clientId, client_id: acmeOps.clientId, scope: 'users:read' };
    // The control: the same claims signed with acme's own key pass.
    expect((await callAdmin(acme, '/me', await signAsTenant(acme, claims))).status).toBe(200);
    const row = await globex.db.selectFrom('signing_keys').selectAll().where('state', '=', 'active').executeTakeFirstOrThrow();
    const globexKey = await importJWK(openPrivateJwk(globex.id, row, bed.platform.secrets), row.alg);
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ ...claims, iss: acme.issuer, aud: adminApi(acme), iat: now, exp: now + 600 })
      .setProtectedHeader({ alg: row.alg, kid: row.kid, typ: 'at+jwt' })
      .sign(globexKey);
    expectInvalidToken(await callAdmin(acme, '/me', forged));
  });

  it('refuses expired, wrongly typed, wrongly addressed, garbage, alg none and HS256 tokens', async () => {
    const claims = { sub: acmeOps.clientId, client_id: acmeOps.clientId, scope: 'users:read' };
    const now = Math.floor(Date.now() / 1000);

    const expired = await callAdmin(acme, '/me', await signAsTenant(acme, { ...claims, iat: now - 1200, exp: now - 600 }));
    expectInvalidToken(expired);
    expect(expired.body.error_description).toMatch(/expired/);
    expectInvalidToken(await callAdmin(acme, '/me', await signAsTenant(acme, claims, { typ: 'JWT' })));
    expectInvalidToken(await callAdmin(acme, '/me', await signAsTenant(acme, { ...claims, aud: 'https://api.example.test' })));
    expectInvalidToken(await callAdmin(acme, '/me', await signAsTenant(acme, { ...claims, iss: globex.issuer })));
    expectInvalidToken(await callAdmin(acme, '/me', 'garbage'));
    expectInvalidToken(await callAdmin(acme, '/me', 'a.b.c'));

    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const payload = { ...claims, iss: acme.issuer, aud: adminApi(acme), iat: now, exp: now + 600 };
    expectInvalidToken(await callAdmin(acme, '/me', `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(payload)}.`));

    // HS256 keyed with the tenant's public key: the algorithm-confusion forgery.
    const published = (await (await fetch(`${acme.issuer}/jwks`)).json()) as { keys: crypto.JsonWebKey[] };
    const pem = crypto.createPublicKey({ key: published.keys[0]!, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const hs256 = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: published.keys[0]!.kid as string }).sign(Buffer.from(pem));
    expectInvalidToken(await callAdmin(acme, '/me', hs256));
  });

  it("refuses the tenant's own tokens meant for something else: an ID token, an API token of another audience", async () => {
    const browser = new TestBrowser();
    const started = await startAuthorization(consoleApp, { redirect_uri: REDIRECT_URI, scope: 'openid' });
    const trace = await signIn(browser, started.url, { email: acme.adminEmail, password: acme.adminPassword, redirectUri: REDIRECT_URI });
    const tokens = await oidc.authorizationCodeGrant(consoleApp, trace.callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
    expectInvalidToken(await callAdmin(acme, '/me', tokens.id_token!));
    // The opaque userinfo access token is no JWT at all.
    expectInvalidToken(await callAdmin(acme, '/me', tokens.access_token));

    await createApi(acme, { identifier: 'https://orders.adm.test', scopes: ['users:read'] }, TEST_ACTOR);
    await grantClientApi(acme, acmeOps.clientId, { identifier: 'https://orders.adm.test' }, TEST_ACTOR);
    const other = await pollUntil(() => clientCredentials(acme, acmeOps, { resource: 'https://orders.adm.test', scope: 'users:read' }), (a) => a.status === 200);
    expect(decodeProtectedHeader(other.body.access_token as string).typ).toBe('at+jwt');
    expectInvalidToken(await callAdmin(acme, '/me', other.body.access_token as string));
  });

  it('answers a request without a token with the bare Bearer challenge, and unknown admin paths only after authentication', async () => {
    const bare = await callAdmin(acme, '/me');
    expect(bare.status).toBe(401);
    expect(bare.body.error).toBe('invalid_token');
    expect(bare.headers.get('www-authenticate')).toBe('Bearer');
    const basic = await callAdmin(acme, '/me', undefined, { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    expect(basic.status).toBe(401);
    expect(basic.headers.get('www-authenticate')).toBe('Bearer');

    expect((await callAdmin(acme, '/no-such-resource')).status).toBe(401);
    const unknown = await callAdmin(acme, '/no-such-resource', await adminToken(acme, acmeOps, 'users:read'));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('not_found');
    expect((await callAdmin({ ...acme, issuer: `${bed.publicUrl}/t/no-such-tenant` }, '/me')).status).toBe(404);
  });
});

describe('requireScope', () => {
  let probe: FastifyInstance;
  let probeUrl: string;

  beforeAll(async () => {
    // A route that needs a scope, served by a node of its own on the same platform: the tokens
    // still come from the tenant's real token endpoint.
    probe = createFastify(bed.platform);
    await probe.register(tenancyPlugin, { platform: bed.platform });
    await probe.register(async (scope) => {
      await scope.register(tenantAdminAuth);
      scope.get('/t/:tenant/admin/v1/probe', { preHandler: requireScope('users:write') }, async (request) => ({ caller: request.adminCaller!.id }));
    });
    await probe.listen({ port: 0, host: '127.0.0.1' });
    probeUrl = `http://127.0.0.1:${(probe.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await probe?.close();
  });

  it('answers 403 insufficient_scope naming the missing scope, and lets a token with it through', async () => {
    const call = async (token: string) => {
      const response = await fetch(`${probeUrl}/t/${acme.id}/admin/v1/probe`, { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, string> };
    };
    const reader = await call(await adminToken(acme, acmeOps, 'users:read'));
    expect(reader.status).toBe(403);
    expect(reader.body).toEqual({ error: 'insufficient_scope', error_description: 'this request needs the "users:write" scope' });
    expect(reader.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="users:write"');

    const writer = await call(await adminToken(acme, acmeOps, 'users:write'));
    expect(writer.status).toBe(200);
    expect(writer.body).toEqual({ caller: acmeOps.clientId });
  });
});

describe('what the tenant publishes', () => {
  it('keeps discovery and the JWKS as they were: no admin scopes advertised, the same published keys', async () => {
    const discovery = (await (await fetch(`${acme.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.scopes_supported).toEqual(['openid', 'offline_access', 'profile', 'email', 'roles']);
    const text = JSON.stringify(discovery);
    expect(text).not.toContain('/admin');
    for (const scope of ADMIN_API_SCOPES) expect(text).not.toContain(scope);

    const jwks = (await (await fetch(`${acme.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
    const rows = await acme.db.selectFrom('signing_keys').select('kid').execute();
    expect(jwks.keys.map((key) => key.kid).sort()).toEqual(rows.map((row) => row.kid).sort());
    expect(Object.keys(jwks)).toEqual(['keys']);
  });
});
