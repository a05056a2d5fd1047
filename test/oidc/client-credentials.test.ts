import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, jwtVerify, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../support/platform.ts';
import { SLOW_MACHINE_MS } from '../support/eventually.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { createClient, grantClientApi, revokeClientApi, type ClientAuthMethod } from '../../src/modules/clients/clients.service.ts';
import { createApi } from '../../src/modules/apis/apis.service.ts';
import { TEST_ACTOR } from '../support/scope.ts';

let bed: OidcTestBed;
let acme: TestTenant;
let globex: TestTenant;

beforeAll(async () => {
  bed = await startOidcTestBed();
  acme = await createTestTenant(bed, uniqueTenantId('acme'));
  globex = await createTestTenant(bed, uniqueTenantId('globex'));
});
afterAll(async () => {
  await bed?.close();
});

const discover = (tenant: TestTenant, clientId: string, auth?: oidc.ClientAuth, metadata?: Partial<oidc.ClientMetadata>) =>
  oidc.discovery(new URL(tenant.issuer), clientId, metadata, auth, { execute: [oidc.allowInsecureRequests] });

describe('discovery and keys', () => {
  it('serves discovery with tenant-scoped endpoints and cache headers', async () => {
    const response = await fetch(`${acme.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata.issuer).toBe(acme.issuer);
    expect(metadata.token_endpoint).toBe(`${acme.issuer}/token`);
    expect(metadata.jwks_uri).toBe(`${acme.issuer}/jwks`);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.token_endpoint_auth_methods_supported).not.toContain('client_secret_jwt');
  });

  it('advertises only response types, grant types and auth methods a client can be registered for and use', async () => {
    const metadata = (await (await fetch(`${acme.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string[]>;
    expect(metadata.response_types_supported).toEqual(['code']);
    expect([...metadata.grant_types_supported!].sort()).toEqual([
      'authorization_code',
      'client_credentials',
      'password',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
      'urn:ietf:params:oauth:grant-type:token-exchange',
    ]);
    expect([...metadata.token_endpoint_auth_methods_supported!].sort()).toEqual(['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt']);

    const redirectUri = 'http://127.0.0.1:9/discovered';
    for (const grant of metadata.grant_types_supported!) {
      await createClient(acme, { name: `grant ${grant}`, type: 'confidential', grantTypes: [grant], redirectUris: [redirectUri] }, TEST_ACTOR);
    }
    const { publicKey } = await generateKeyPair('ES256');
    for (const authMethod of metadata.token_endpoint_auth_methods_supported!) {
      const jwks = authMethod === 'private_key_jwt' ? { keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' }] } : undefined;
      await createClient(acme, { name: `auth ${authMethod}`, type: authMethod === 'none' ? 'public' : 'confidential', authMethod: authMethod as ClientAuthMethod, jwks, redirectUris: [redirectUri] }, TEST_ACTOR);
    }
    const { client } = await createClient(acme, { name: 'discovered', type: 'public', redirectUris: [redirectUri] }, TEST_ACTOR);
    for (const responseType of metadata.response_types_supported!) {
      const url = new URL(metadata.authorization_endpoint as unknown as string);
      url.search = new URLSearchParams({
        client_id: client.client_id,
        response_type: responseType,
        redirect_uri: redirectUri,
        scope: 'openid',
        nonce: 'n',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      }).toString();
      const response = await fetch(url, { redirect: 'manual' });
      // Accepted: on to the login interaction, not back to the client with an error.
      expect(response.status, responseType).toBe(303);
      expect(response.headers.get('location'), responseType).toMatch(/\/interaction\//);
    }
  });

  it('serves RFC 8414 metadata at both addresses, the same document as discovery, and the jwks.json alias', async () => {
    const openid = await (await fetch(`${acme.issuer}/.well-known/openid-configuration`)).json();
    // RFC 8414 §3's place for an issuer with a path, and the suffix form under the issuer.
    for (const url of [`${bed.publicUrl}/.well-known/oauth-authorization-server/t/${acme.id}`, `${acme.issuer}/.well-known/oauth-authorization-server`]) {
      const rfc8414 = await fetch(url);
      expect(rfc8414.status, url).toBe(200);
      expect(rfc8414.headers.get('cache-control'), url).toBe('public, max-age=300');
      const metadata = (await rfc8414.json()) as Record<string, unknown>;
      expect(metadata, url).toEqual(openid);
      expect(metadata, url).toMatchObject({
        issuer: acme.issuer,
        pushed_authorization_request_endpoint: `${acme.issuer}/request`,
        device_authorization_endpoint: `${acme.issuer}/device/auth`,
        dpop_signing_alg_values_supported: expect.arrayContaining(['ES256']),
      });
    }
    const globexMetadata = (await (await fetch(`${bed.publicUrl}/.well-known/oauth-authorization-server/t/${globex.id}`)).json()) as { issuer: string };
    expect(globexMetadata.issuer).toBe(globex.issuer);

    const [jwks, alias] = await Promise.all([fetch(`${acme.issuer}/jwks`), fetch(`${acme.issuer}/.well-known/jwks.json`)]);
    expect(alias.status).toBe(200);
    expect(alias.headers.get('cache-control')).toBe('public, max-age=300');
    const keys = ((await alias.json()) as { keys: Record<string, unknown>[] }).keys;
    expect(keys).toEqual(((await jwks.json()) as { keys: unknown[] }).keys);
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      for (const privateMember of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(privateMember);
    }
  });

  it('answers 404 tenant_not_found JSON for unknown tenants, discovery included', async () => {
    for (const path of ['/t/nosuch-tenant/.well-known/openid-configuration', '/t/nosuch-tenant/token', '/.well-known/oauth-authorization-server/t/nosuch-tenant', '/t/BAD_ID/jwks']) {
      const response = await fetch(`${bed.publicUrl}${path}`, { method: path.endsWith('token') ? 'POST' : 'GET' });
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as { error: string }).error).toBe('tenant_not_found');
    }
  });
});

describe('client credentials with API resources', () => {
  it('issues RFC 9068 JWT access tokens for an API, verifiable with the tenant JWKS only', async () => {
    await createApi(acme, { identifier: 'https://api.acme.test', scopes: ['orders:read', 'orders:write'] }, TEST_ACTOR);
    const { client, clientSecret } = await createClient(acme, { name: 'backend', type: 'confidential', grantTypes: ['client_credentials'], resources: ['https://api.acme.test'] }, TEST_ACTOR);
    const config = await discover(acme, client.client_id, oidc.ClientSecretBasic(clientSecret!));
    const tokens = await oidc.clientCredentialsGrant(config, { resource: 'https://api.acme.test', scope: 'orders:read' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.scope).toBe('orders:read');

    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${acme.issuer}/.well-known/jwks.json`)), {
      issuer: acme.issuer,
      audience: 'https://api.acme.test',
      typ: 'at+jwt',
    });
    expect(protectedHeader.alg).toBe('RS256');
    // Signed with the active key, which the provider lists first.
    const published = ((await (await fetch(`${acme.issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys;
    expect(protectedHeader.kid).toBe(published[0]!.kid);
    expect(payload).toMatchObject({ client_id: client.client_id, sub: client.client_id, scope: 'orders:read' });

    // Tenant isolation: globex's keys do not verify acme's token.
    await expect(jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${globex.issuer}/jwks`)))).rejects.toThrow();
  });

  it('accepts client_secret_post and refuses a wrong secret with 401 invalid_client', async () => {
    const { client, clientSecret } = await createClient(acme, { name: 'poster', type: 'confidential', authMethod: 'client_secret_post', grantTypes: ['client_credentials'], resources: ['https://api.acme.test'] }, TEST_ACTOR);
    const config = await discover(acme, client.client_id, oidc.ClientSecretPost(clientSecret!));
    const tokens = await oidc.clientCredentialsGrant(config, { resource: 'https://api.acme.test' });
    expect(decodeJwt(tokens.access_token).aud).toBe('https://api.acme.test');

    const wrong = await fetch(`${acme.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: `${clientSecret!.slice(0, -1)}x` }),
    });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('uses the default API when the client names no resource, if it is granted', async () => {
    const tenant = await createTestTenant(bed, uniqueTenantId('dflt'));
    await createApi(tenant, { identifier: 'https://api.default.test', scopes: ['read'], isDefault: true }, TEST_ACTOR);
    const { client, clientSecret } = await createClient(tenant, { name: 'svc', type: 'confidential', resources: ['https://api.default.test'] }, TEST_ACTOR);
    const config = await discover(tenant, client.client_id, oidc.ClientSecretBasic(clientSecret!));
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'read' });
    const header = decodeProtectedHeader(tokens.access_token);
    expect(header.typ).toBe('at+jwt');
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: 'https://api.default.test', scope: 'read', iss: tenant.issuer });
  });

  it('knows a client of one tenant nowhere else', async () => {
    const { client, clientSecret } = await createClient(acme, { name: 'acme-only', type: 'confidential', grantTypes: ['client_credentials'] }, TEST_ACTOR);
    const response = await fetch(`${globex.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.client_id}:${clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
  });
});

describe('client credentials need an explicit grant per API', () => {
  const ordersApi = 'https://orders.grants.test';
  const billingApi = 'https://billing.grants.test';
  let tenant: TestTenant;

  beforeAll(async () => {
    tenant = await createTestTenant(bed, uniqueTenantId('grants'));
    await createApi(tenant, { identifier: ordersApi, scopes: ['orders:read'], isDefault: true }, TEST_ACTOR);
    await createApi(tenant, { identifier: billingApi, scopes: ['billing:read'] }, TEST_ACTOR);
  });

  function tokenRequest(clientId: string, secret: string, form: Record<string, string>) {
    return fetch(`${tenant.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...form }),
    });
  }

  it('gives a client without a grant no API token, and exactly the granted APIs once granted', async () => {
    const { client, clientSecret } = await createClient(tenant, { name: 'machine', type: 'confidential' }, TEST_ACTOR);
    const request = (form: Record<string, string>) => tokenRequest(client.client_id, clientSecret!, form);
    const errorOf = async (response: Response) => ({ status: response.status, ...((await response.json()) as object) });

    for (const resource of [ordersApi, billingApi]) {
      expect(await errorOf(await request({ resource }))).toMatchObject({ status: 400, error: 'invalid_target' });
    }
    // Not even the tenant's default API: without a resource the token is an opaque one for no API.
    const unnamed = (await (await request({})).json()) as { access_token: string };
    expect(unnamed.access_token.split('.')).toHaveLength(1);

    expect(await grantClientApi(tenant, client.client_id, { identifier: ordersApi }, TEST_ACTOR)).toEqual({ client_id: client.client_id, api: ordersApi, changed: true });
    expect((await grantClientApi(tenant, client.client_id, { identifier: ordersApi }, TEST_ACTOR)).changed).toBe(false);
    // The grant reaches the running provider through the tenant's change notification.
    await expect.poll(async () => (await request({ resource: ordersApi })).status, { timeout: SLOW_MACHINE_MS }).toBe(200);
    const granted = (await (await request({ resource: ordersApi, scope: 'orders:read' })).json()) as { access_token: string };
    expect(decodeJwt(granted.access_token)).toMatchObject({ aud: ordersApi, scope: 'orders:read', client_id: client.client_id });
    const byDefault = (await (await request({})).json()) as { access_token: string };
    expect(decodeJwt(byDefault.access_token).aud).toBe(ordersApi);
    expect(await errorOf(await request({ resource: billingApi }))).toMatchObject({ status: 400, error: 'invalid_target' });

    await revokeClientApi(tenant, client.client_id, { identifier: ordersApi }, TEST_ACTOR);
    await expect.poll(async () => (await request({ resource: ordersApi })).status, { timeout: SLOW_MACHINE_MS }).toBe(400);
    await expect(revokeClientApi(tenant, client.client_id, { identifier: ordersApi }, TEST_ACTOR)).rejects.toMatchObject({ code: 'api_grant_not_found' });
  });

  it('refuses grants for unknown clients and APIs and for clients that do not use client credentials', async () => {
    const { client } = await createClient(tenant, { name: 'spa', type: 'public', redirectUris: ['http://127.0.0.1:9/cb'] }, TEST_ACTOR);
    await expect(grantClientApi(tenant, client.client_id, { identifier: ordersApi }, TEST_ACTOR)).rejects.toMatchObject({ code: 'client_credentials_not_enabled', status: 400 });
    await expect(grantClientApi(tenant, 'no-such-client', { identifier: ordersApi }, TEST_ACTOR)).rejects.toMatchObject({ code: 'client_not_found' });
    const machine = await createClient(tenant, { name: 'm2', type: 'confidential' }, TEST_ACTOR);
    await expect(grantClientApi(tenant, machine.client.client_id, { identifier: 'https://nope.grants.test' }, TEST_ACTOR)).rejects.toMatchObject({ code: 'api_not_found' });
    // A grant at one tenant means nothing at another, where the client does not exist.
    await expect(grantClientApi(acme, machine.client.client_id, { identifier: 'https://api.acme.test' }, TEST_ACTOR)).rejects.toMatchObject({ code: 'client_not_found' });
  });

  it('drops the grant with the API: an API created again under the same identifier is not granted', async () => {
    const { deleteTenantApi } = await import('../../src/modules/apis/apis.service.ts');
    const api = 'https://temp.grants.test';
    await createApi(tenant, { identifier: api, scopes: ['x'] }, TEST_ACTOR);
    const { client, clientSecret } = await createClient(tenant, { name: 'm3', type: 'confidential', resources: [api] }, TEST_ACTOR);
    await expect.poll(async () => (await tokenRequest(client.client_id, clientSecret!, { resource: api })).status, { timeout: SLOW_MACHINE_MS }).toBe(200);
    await deleteTenantApi(tenant, { identifier: api }, TEST_ACTOR);
    await createApi(tenant, { identifier: api, scopes: ['x'] }, TEST_ACTOR);
    await expect.poll(async () => (await tokenRequest(client.client_id, clientSecret!, { resource: api })).status, { timeout: SLOW_MACHINE_MS }).toBe(400);
  });
});

describe('advertised URLs', () => {
  it('come from PUBLIC_URL, never from the Host header', async () => {
    const { request } = await import('node:http');
    const body = await new Promise<string>((resolve, reject) => {
      const url = new URL(`${acme.issuer}/.well-known/openid-configuration`);
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers: { host: 'evil.example' } }, (res) => {
        let data = '';
        res.on('data', (chunk) => (data += chunk));
        res.on('end', () => resolve(data));
      });
      req.on('error', reject);
      req.end();
    });
    const metadata = JSON.parse(body) as Record<string, string>;
    expect(metadata.token_endpoint).toBe(`${acme.issuer}/token`);
    expect(metadata.authorization_endpoint).toBe(`${acme.issuer}/auth`);
  });
});

describe('client changes reach running providers', () => {
  it('serves a client created after the provider was built and forgets a deleted one', async () => {
    const { deleteTenantClient } = await import('../../src/modules/clients/clients.service.ts');
    const tenant = await createTestTenant(bed, uniqueTenantId('chg'));
    await createApi(tenant, { identifier: 'https://api.chg.test', scopes: ['x'] }, TEST_ACTOR);
    // Build (and cache) the tenant's provider first.
    expect((await fetch(`${tenant.issuer}/jwks`)).status).toBe(200);
    const { client, clientSecret } = await createClient(tenant, { name: 'late', type: 'confidential', resources: ['https://api.chg.test'] }, TEST_ACTOR);
    const grant = () =>
      fetch(`${tenant.issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client.client_id}:${clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: 'https://api.chg.test' }),
      });
    expect((await grant()).status).toBe(200);
    await deleteTenantClient(tenant, client.client_id, TEST_ACTOR);
    await expect.poll(async () => (await grant()).status, { timeout: SLOW_MACHINE_MS }).toBe(401);
  });
});

describe('malformed token requests', () => {
  it('answer RFC 6749 errors, never a 5xx', async () => {
    const { request } = await import('node:http');
    const post = (headers: Record<string, string>, body: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(`${acme.issuer}/token`);
        const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers }, (res) => {
          let data = '';
          res.on('data', (chunk) => (data += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body: data }));
        });
        req.on('error', reject);
        req.end(body);
      });
    for (const [headers, body] of [
      [{}, 'grant_type=client_credentials'],
      [{ 'content-type': 'application/json' }, '{"grant_type":"client_credentials"}'],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, '%%%'],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'grant_type=unknown_grant&client_id=x'],
    ] as const) {
      const response = await post(headers, body);
      expect(response.status, JSON.stringify(headers) + body).toBeGreaterThanOrEqual(400);
      expect(response.status, JSON.stringify(headers) + body).toBeLessThan(500);
      expect(JSON.parse(response.body)).toHaveProperty('error');
    }
  });
});
