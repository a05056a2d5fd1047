import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { hostRequest, type HostAnswer, type HostRequest } from '../support/host-request.ts';
import { pollUntil } from '../support/eventually.ts';
import { TEST_ACTOR } from '../support/scope.ts';
import { createClient, updateClient } from '../../src/modules/clients/clients.service.ts';

/**
 * CORS of the tenants' JSON APIs (routes/tenant-api-cors.ts) over real HTTP: the signup API and
 * the admin API answer browsers on the origins the tenant's clients registered (a redirect URI's
 * origin, a CORS origin), preflight included; any other origin, and the same origin at another
 * tenant, gets no CORS header at all. The browser's side of it is cors-browser.test.ts.
 */
const APP = 'https://app.acme.test';
const SPA = 'https://spa.acme.test';
const STRANGER = 'https://evil.test';

let bed: OidcTestBed;
let node: string;
let acme: TestTenant;
let globex: TestTenant;
let spaClientId: string;

const at = (path: string, request: HostRequest = {}) => hostRequest(`${node}${path}`, request);

function preflight(path: string, origin: string, method: string, headers?: string, request: HostRequest = {}): Promise<HostAnswer> {
  return at(path, {
    ...request,
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, ...(headers && { 'access-control-request-headers': headers }) },
  });
}

const corsHeadersOf = (answer: HostAnswer) => Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'));

beforeAll(async () => {
  bed = await startOidcTestBed(1, { env: { BASE_DOMAIN: 'example.test' } });
  node = bed.nodes[0]!.url;
  [acme, globex] = await Promise.all([createTestTenant(bed, uniqueTenantId('cors-acme')), createTestTenant(bed, uniqueTenantId('cors-globex'))]);
  const { client } = await createClient(acme, { name: 'Acme app', type: 'public', redirectUris: [`${APP}/callback`], corsOrigins: [SPA] }, TEST_ACTOR);
  spaClientId = client.client_id;
});
afterAll(async () => {
  await bed?.close();
});

describe("a tenant's JSON APIs", () => {
  it('answer the preflight of an origin its clients registered, for the signup API and the admin API', async () => {
    for (const origin of [APP, SPA]) {
      const signup = await preflight(`/t/${acme.id}/api/auth/signup`, origin, 'POST', 'content-type');
      expect(signup.status).toBe(204);
      expect(signup.headers).toMatchObject({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '600',
      });
      expect(signup.headers.vary).toContain('Origin');
      expect(signup.headers['access-control-allow-credentials']).toBeUndefined();
      const adminApi = await preflight(`/t/${acme.id}/admin/v1/users`, origin, 'PATCH', 'Authorization, Content-Type, If-Match');
      expect(adminApi.status).toBe(204);
      expect(adminApi.headers).toMatchObject({ 'access-control-allow-origin': origin, 'access-control-allow-headers': 'authorization, content-type, if-match' });
    }
    // On the tenant's subdomain too: tenancy routes it as /t/<id> first.
    const onHost = await preflight('/api/auth/signup', APP, 'POST', 'content-type', { host: `${acme.id}.example.test` });
    expect(onHost.headers['access-control-allow-origin']).toBe(APP);
  });

  it('let a registered page read their answers, errors included, and the headers it needs', async () => {
    const signup = await at(`/t/${acme.id}/api/auth/signup`, {
      method: 'POST',
      headers: { origin: SPA, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'new@cors.test', password: 'long enough password 1' }),
    });
    expect(signup.status).toBeGreaterThanOrEqual(200);
    expect(signup.headers['access-control-allow-origin']).toBe(SPA);
    const noToken = await at(`/t/${acme.id}/admin/v1/me`, { headers: { origin: APP } });
    expect(noToken.status).toBe(401);
    expect(noToken.headers).toMatchObject({ 'access-control-allow-origin': APP, 'access-control-expose-headers': 'WWW-Authenticate, Retry-After, ETag' });
    expect(noToken.headers.vary).toContain('Origin');
  });

  it('give any other origin, the same origin at another tenant, or an unknown tenant no CORS header at all', async () => {
    const refused = [
      await preflight(`/t/${acme.id}/api/auth/signup`, STRANGER, 'POST', 'content-type'),
      await preflight(`/t/${acme.id}/admin/v1/me`, `${APP}:8443`, 'GET', 'authorization'),
      await preflight(`/t/${globex.id}/api/auth/signup`, APP, 'POST', 'content-type'),
      await preflight(`/t/${globex.id}/admin/v1/me`, SPA, 'GET', 'authorization'),
      await preflight('/t/no-such-tenant/admin/v1/me', APP, 'GET', 'authorization'),
      // A registered origin asking for a header the APIs do not take, or a method they do not have.
      await preflight(`/t/${acme.id}/admin/v1/me`, APP, 'GET', 'x-debug'),
      await preflight(`/t/${acme.id}/admin/v1/me`, APP, 'TRACE'),
    ];
    for (const answer of refused) {
      expect(answer.status).toBe(204);
      expect(corsHeadersOf(answer)).toEqual([]);
    }
    const actual = await at(`/t/${acme.id}/admin/v1/me`, { headers: { origin: STRANGER } });
    expect(actual.status).toBe(401);
    expect(corsHeadersOf(actual)).toEqual([]);
    const atGlobex = await at(`/t/${globex.id}/admin/v1/me`, { headers: { origin: APP } });
    expect(corsHeadersOf(atGlobex)).toEqual([]);
  });

  it('follow the clients: an origin registered later is let through once every node heard of the change', async () => {
    const later = 'https://later.acme.test';
    expect(corsHeadersOf(await preflight(`/t/${acme.id}/api/auth/signup`, later, 'POST', 'content-type'))).toEqual([]);
    await updateClient(acme, spaClientId, { corsOrigins: [SPA, later] }, TEST_ACTOR);
    const allowed = await pollUntil(
      () => preflight(`/t/${acme.id}/api/auth/signup`, later, 'POST', 'content-type'),
      (answer) => answer.headers['access-control-allow-origin'] === later,
    );
    expect(allowed.headers['access-control-allow-origin']).toBe(later);
  });

  it('add nothing to a request without an Origin, and leave the provider its own CORS', async () => {
    const plain = await at(`/t/${acme.id}/admin/v1/me`);
    expect(corsHeadersOf(plain)).toEqual([]);
    expect(plain.headers.vary).toBeUndefined();
    // The token endpoint answers CORS itself (oidc/configuration.ts clientBasedCORS), per client.
    const token = await at(`/t/${acme.id}/token`, {
      method: 'POST',
      headers: { origin: APP, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'nope', client_id: spaClientId, redirect_uri: `${APP}/callback`, code_verifier: 'x'.repeat(43) }).toString(),
    });
    expect(token.json().error).toBe('invalid_grant');
    expect(token.headers['access-control-allow-origin']).toBe(APP);
  });
});
