import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { TEST_ACTOR } from '../support/scope.ts';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** Starts an authorization request at the node and returns the redirect and the interaction cookie. */
async function startAuthorization(bed: OidcTestBed, tenant: TestTenant, clientId: string, headers: Record<string, string>) {
  const url = new URL(`${bed.nodes[0]!.url}/t/${tenant.id}/auth`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString();
  const response = await fetch(url, { redirect: 'manual', headers });
  expect(response.status).toBe(303);
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith(`tansu.${tenant.id}.interaction=`))!;
  expect(cookie).toBeDefined();
  return { location: response.headers.get('location')!, cookie };
}

const isSecure = (cookie: string) => /;\s*secure/i.test(cookie);

interface ProxyCase {
  name: string;
  env: Record<string, string>;
  /** Whether the test's own peer address (127.0.0.1) is a trusted proxy. */
  peerTrusted: boolean;
}

// The tests connect from 127.0.0.1: trusted in the first case, an unknown peer in the others.
const cases: ProxyCase[] = [
  { name: 'the peer is a trusted proxy', env: { TRUSTED_PROXIES: '127.0.0.1' }, peerTrusted: true },
  { name: 'no proxy is trusted', env: {}, peerTrusted: false },
  { name: 'only another address is trusted', env: { TRUSTED_PROXIES: '10.9.9.9' }, peerTrusted: false },
];

describe.each(cases)('forwarded headers when $name', ({ env, peerTrusted }) => {
  let bed: OidcTestBed;
  let tenant: TestTenant;
  let clientId: string;

  beforeAll(async () => {
    bed = await startOidcTestBed(1, { env });
    tenant = await createTestTenant(bed, uniqueTenantId('proxy'));
    clientId = (await createClient(tenant, { name: 'app', type: 'public', redirectUris: [REDIRECT_URI] }, TEST_ACTOR)).client.client_id;
  });
  afterAll(async () => {
    await bed?.close();
  });

  it(`${peerTrusted ? 'believes' : 'ignores'} X-Forwarded-Proto for the cookies' Secure flag`, async () => {
    const { cookie } = await startAuthorization(bed, tenant, clientId, { 'x-forwarded-proto': 'https' });
    expect(isSecure(cookie)).toBe(peerTrusted);
    expect(cookie).toMatch(new RegExp(`path=/t/${tenant.id}/interaction/`));
    expect(cookie).toMatch(/httponly/i);
    expect(cookie).toMatch(/samesite=lax/i);
    // A plain request is plain http, trusted peer or not.
    expect(isSecure((await startAuthorization(bed, tenant, clientId, {})).cookie)).toBe(false);
  });

  it('never lets X-Forwarded-Host change the issuer-derived URLs', async () => {
    const forged = { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', forwarded: 'host=evil.example;proto=https' };
    const { location } = await startAuthorization(bed, tenant, clientId, forged);
    expect(location).not.toContain('evil.example');
    expect(new URL(location, tenant.issuer).href).toMatch(new RegExp(`^${tenant.issuer}/interaction/`));

    const discovery = (await (await fetch(`${tenant.issuer}/.well-known/openid-configuration?fresh=1`, { headers: forged })).json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(tenant.issuer);
    for (const key of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'end_session_endpoint']) {
      expect(String(discovery[key])).toMatch(new RegExp(`^${tenant.issuer}/`));
    }
  });
});

describe('with an https PUBLIC_URL', () => {
  let bed: OidcTestBed;
  let tenant: TestTenant;
  let clientId: string;

  beforeAll(async () => {
    // TLS ends at a proxy this node does not know: the browser still speaks https to PUBLIC_URL.
    bed = await startOidcTestBed(1, { env: { PUBLIC_URL: 'https://id.example.test' } });
    tenant = await createTestTenant(bed, uniqueTenantId('https'));
    clientId = (await createClient(tenant, { name: 'app', type: 'public', redirectUris: [REDIRECT_URI] }, TEST_ACTOR)).client.client_id;
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('marks the provider cookies Secure without any forwarded header, and with a forged http one', async () => {
    expect(tenant.issuer).toBe(`https://id.example.test/t/${tenant.id}`);
    expect(isSecure((await startAuthorization(bed, tenant, clientId, {})).cookie)).toBe(true);
    expect(isSecure((await startAuthorization(bed, tenant, clientId, { 'x-forwarded-proto': 'http' })).cookie)).toBe(true);
  });
});
