import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, importJWK, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../../support/platform.ts';
import { pollUntil, SERVER_START_MS } from '../../support/eventually.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { startSecondCluster, type SecondCluster } from '../../support/second-cluster.ts';
import { signIn, startAuthorization, TestBrowser } from '../../support/browser.ts';
import { testScope, TEST_ACTOR } from '../../support/scope.ts';
import { buildApp } from '../../../src/app.ts';
import { databaseUrl } from '../../../src/db/postgres.ts';
import { openTenantDatabase } from '../../../src/db/tenant-database.ts';
import type { TenantScope } from '../../../src/platform/tenant-scope.ts';
import { createClient, grantClientApi, revokeClientApi } from '../../../src/modules/clients/clients.service.ts';
import { createApi } from '../../../src/modules/apis/apis.service.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { openPrivateJwk } from '../../../src/modules/keys/signing-keys.ts';

/**
 * Operators sign in to the platform admin API through the platform's own admin tenant: its
 * tokens for `<admin issuer>/platform` with `platform:admin` open the API, as the bootstrap token
 * does. The admin tenant lives on a second cluster of this file's own: its database name is
 * fixed, and the suite's main cluster is shared with files that must never see it.
 */
const TOKEN = crypto.randomBytes(32).toString('base64url');
const bootstrap = { authorization: `Bearer ${TOKEN}` };
const REDIRECT_URI = 'http://127.0.0.1:9/ops-console/callback';
const OPS_EMAIL = 'ops@platform.test';
const OPS_PASSWORD = 'a platform admin password 1';

let second: SecondCluster;
let bed: OidcTestBed;
let acme: TestTenant;
let admin: TenantScope & { issuer: string };
let platformApi: string;

interface MachineClient {
  clientId: string;
  secret: string;
}
let ops: MachineClient;
let userToken: string;

beforeAll(async () => {
  second = await startSecondCluster();
  bed = await startOidcTestBed(1, { env: { TANSU_ADMIN_TOKEN: TOKEN } });
  acme = await createTestTenant(bed, uniqueTenantId('pa-acme'));
  await bed.platform.clusters.add('c2', databaseUrl(second.url, 'postgres'));
});
afterAll(async () => {
  await bed?.close();
  await second?.stop();
});

const api = (path: string) => `${bed.publicUrl}/admin/v1${path}`;
async function call(path: string, authorization?: string, init: RequestInit = {}) {
  const response = await fetch(api(path), { ...init, headers: { ...(authorization && { authorization }), ...(init.headers as Record<string, string>) } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}
const bearer = (token: string) => `Bearer ${token}`;

async function machineClient(scope: TenantScope, name: string): Promise<MachineClient> {
  const { client, clientSecret } = await createClient(scope, { name, type: 'confidential', grantTypes: ['client_credentials'] }, TEST_ACTOR);
  return { clientId: client.client_id, secret: clientSecret! };
}

/** A client-credentials token; polls, since a grant reaches a cached provider by notification. */
async function clientToken(issuer: string, client: MachineClient, params: Record<string, string>): Promise<string> {
  const answer = await pollUntil(
    async () => {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', ...params }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    },
    (a) => a.status === 200,
  );
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.access_token!;
}

describe('the admin tenant', () => {
  it('before it exists, a token of another tenant is refused', async () => {
    const row = await acme.db.selectFrom('signing_keys').selectAll().where('state', '=', 'active').executeTakeFirstOrThrow();
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ iss: acme.issuer, aud: `${bed.publicUrl}/t/admin/platform`, sub: 'x', client_id: 'x', scope: 'platform:admin', iat: now, exp: now + 600 })
      .setProtectedHeader({ alg: row.alg, kid: row.kid, typ: 'at+jwt' })
      .sign(await importJWK(openPrivateJwk(acme.id, row, bed.platform.secrets), row.alg));
    const refused = await call('/tenants', bearer(forged));
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_token');
  });

  it('is created once, with the bootstrap token, seeded with the platform API; `admin` is refused to an ordinary create', async () => {
    const created = await call('/admin-tenant', bootstrap.authorization, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cluster: 'c2', admin_email: OPS_EMAIL, admin_password: OPS_PASSWORD }),
    });
    expect(created.status).toBe(201);
    platformApi = `${bed.publicUrl}/t/admin/platform`;
    expect(created.body).toMatchObject({
      tenant: { id: 'admin', name: 'Platform administration', status: 'active', cluster: 'c2', issuer: `${bed.publicUrl}/t/admin` },
      admin: { email: OPS_EMAIL },
      platform_api: { identifier: platformApi, scope: 'platform:admin' },
    });
    expect(created.body.admin.password).toBeUndefined();

    const again = await call('/admin-tenant', bootstrap.authorization, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('tenant_exists');
    const ordinary = await call('/tenants', bootstrap.authorization, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"admin"}' });
    expect(ordinary.status).toBe(400);
    expect(ordinary.body).toMatchObject({ error: 'invalid_tenant_id', error_description: expect.stringContaining('reserved') });

    const discovery = await fetch(`${bed.publicUrl}/t/admin/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);

    const db = openTenantDatabase(second.url, created.body.tenant.database, 2);
    bed.tenantDbs.push(db);
    admin = { ...testScope(bed.platform, 'admin', db), issuer: created.body.tenant.issuer };
    const roles = await db.selectFrom('users').innerJoin('user_roles', 'user_roles.user_id', 'users.id').innerJoin('roles', 'roles.id', 'user_roles.role_id')
      .select('roles.name').where('users.email', '=', OPS_EMAIL).orderBy('roles.name').execute();
    expect(roles.map((role) => role.name)).toEqual(['PlatformAdmin', 'TenantAdmin']);
  });
});

describe('machine clients of the admin tenant', () => {
  it('a client granted the platform API gets a token with platform:admin and calls the API; its jobs name it', async () => {
    ops = await machineClient(admin, 'platform automation');
    await grantClientApi(admin, ops.clientId, { identifier: platformApi }, TEST_ACTOR);
    const token = await clientToken(admin.issuer, ops, { resource: platformApi, scope: 'platform:admin' });
    expect(decodeJwt(token)).toMatchObject({ iss: admin.issuer, aud: platformApi, sub: ops.clientId, scope: 'platform:admin' });

    const listed = await call('/tenants', bearer(token));
    expect(listed.status).toBe(200);
    expect(listed.body.tenants.map((tenant: { id: string }) => tenant.id)).toEqual(expect.arrayContaining(['admin', acme.id]));

    const accepted = await call(`/tenants/${acme.id}/restore`, bearer(token), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: crypto.randomBytes(64),
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body.job.created_by).toBe(`client:${ops.clientId}`);
    const job = await pollUntil(async () => (await call(`/jobs/${accepted.body.job.id}`, bearer(token))).body.job, (j) => j.status === 'failed', SERVER_START_MS);
    expect(job.error.code).toBe('backup_invalid');
  });

  it('a token of the platform API without platform:admin is 403 insufficient_scope', async () => {
    const token = await clientToken(admin.issuer, ops, { resource: platformApi });
    expect(decodeJwt(token).scope).toBeUndefined();
    const refused = await call('/tenants', bearer(token));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('insufficient_scope');
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="tansu-admin", error="insufficient_scope", scope="platform:admin"');
  });

  it("refuses another tenant's token, even for an API it named like the platform API with the same scope", async () => {
    await createApi(acme, { identifier: platformApi, scopes: ['platform:admin'] }, TEST_ACTOR);
    const impostor = await machineClient(acme, 'impostor');
    await grantClientApi(acme, impostor.clientId, { identifier: platformApi }, TEST_ACTOR);
    const token = await clientToken(acme.issuer, impostor, { resource: platformApi, scope: 'platform:admin' });
    expect(decodeJwt(token)).toMatchObject({ iss: acme.issuer, aud: platformApi, scope: 'platform:admin' });
    const refused = await call('/tenants', bearer(token));
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_token');
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer realm="tansu-admin", error="invalid_token"/);
  });

  it('withdrawing the grant stops the tokens already issued', async () => {
    const token = await clientToken(admin.issuer, ops, { resource: platformApi, scope: 'platform:admin' });
    expect((await call('/clusters', bearer(token))).status).toBe(200);
    await revokeClientApi(admin, ops.clientId, { identifier: platformApi }, TEST_ACTOR);
    const refused = await call('/clusters', bearer(token));
    expect(refused.status).toBe(401);
    expect(refused.body.error_description).toContain('withdrawn');
  });
});

describe('operators signing in', () => {
  let console_: oidc.Configuration;

  async function signInToConsole(email: string, password: string): Promise<string> {
    const browser = new TestBrowser();
    const started = await startAuthorization(console_, { redirect_uri: REDIRECT_URI, scope: 'openid platform:admin', resource: platformApi });
    const trace = await signIn(browser, started.url, { email, password, redirectUri: REDIRECT_URI });
    const tokens = await oidc.authorizationCodeGrant(console_, trace.callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
    return tokens.access_token;
  }

  it('a PlatformAdmin signs in through the admin tenant (code flow with PKCE) and calls the API; a user without the role cannot', async () => {
    const { client } = await createClient(admin, { name: 'Ops console', type: 'public', firstParty: true, redirectUris: [REDIRECT_URI] }, TEST_ACTOR);
    console_ = await oidc.discovery(new URL(admin.issuer), client.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });

    userToken = await signInToConsole(OPS_EMAIL, OPS_PASSWORD);
    expect(decodeJwt(userToken)).toMatchObject({ iss: admin.issuer, aud: platformApi, scope: expect.stringContaining('platform:admin') });
    const allowed = await call('/clusters', bearer(userToken));
    expect(allowed.status).toBe(200);
    expect(allowed.body.clusters.map((cluster: { name: string }) => cluster.name)).toEqual(['c2', 'main']);

    await createUser(admin, { email: 'viewer@platform.test', password: 'a viewer password 123', emailVerified: true }, TEST_ACTOR);
    const viewerToken = await signInToConsole('viewer@platform.test', 'a viewer password 123');
    const refused = await call('/clusters', bearer(viewerToken));
    expect(refused.status).toBe(401);
    expect(refused.body.error_description).toContain('PlatformAdmin');
  });

  it('keeps working without the static token once the admin tenant exists, which then no longer opens it', async () => {
    const withoutToken = await buildApp({ platform: { ...bed.platform, config: { ...bed.platform.config, adminToken: undefined } } });
    try {
      await withoutToken.ready();
      const get = (headers: Record<string, string>) => withoutToken.inject({ method: 'GET', url: '/admin/v1/tenants', headers });
      expect((await get({ authorization: bearer(userToken) })).statusCode).toBe(200);
      const none = await get({});
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="tansu-admin"');
      expect((await get(bootstrap)).statusCode).toBe(401);
      // Its document and reference page are published where it answers, by the same rule.
      const document = await withoutToken.inject({ method: 'GET', url: '/admin/v1/openapi.json' });
      expect(document.statusCode, document.body).toBe(200);
      expect(document.json()).toMatchObject({ openapi: '3.1.0', paths: { '/admin/v1/tenants': expect.any(Object) } });
      expect((await withoutToken.inject({ method: 'GET', url: '/admin/v1/docs' })).statusCode).toBe(200);
    } finally {
      await withoutToken.close();
    }
  });

  it("refuses the admin tenant's tokens while it is suspended; the bootstrap token still works", async () => {
    expect((await call('/tenants/admin/suspend', bootstrap.authorization, { method: 'POST' })).status).toBe(200);
    const refused = await pollUntil(() => call('/clusters', bearer(userToken)), (answer) => answer.status === 401);
    expect(refused.body).toMatchObject({ error: 'invalid_token', error_description: expect.stringContaining('suspended') });
    expect((await call('/tenants/admin/resume', bootstrap.authorization, { method: 'POST' })).status).toBe(200);
    expect((await pollUntil(() => call('/clusters', bearer(userToken)), (answer) => answer.status === 200)).status).toBe(200);
  });
});
