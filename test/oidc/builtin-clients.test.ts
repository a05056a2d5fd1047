import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../support/platform.ts';
import { adminApiOf, callAdmin } from '../support/admin-api.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { signIn, startAuthorization, TestBrowser } from '../support/browser.ts';
import { ACCOUNT_CLIENT_ID, CONSOLE_CLIENT_ID } from '../../src/modules/clients/builtin-clients.ts';

let bed: OidcTestBed;
let acme: TestTenant;
let globex: TestTenant;

beforeAll(async () => {
  bed = await startOidcTestBed();
  acme = await createTestTenant(bed, uniqueTenantId('builtin-acme'));
  globex = await createTestTenant(bed, uniqueTenantId('builtin-globex'));
});
afterAll(async () => {
  await bed?.close();
});

const discover = (tenant: TestTenant, clientId: string) =>
  oidc.discovery(new URL(tenant.issuer), clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });

/** Where the provider sends the browser for an authorization request, without following it. */
async function firstHop(url: URL): Promise<{ status: number; location?: URL; body: string }> {
  const response = await fetch(url, { redirect: 'manual' });
  const location = response.headers.get('location');
  return { status: response.status, location: location ? new URL(location, url) : undefined, body: await response.text() };
}

describe('the built-in console client', () => {
  it('signs a tenant admin in with PKCE at <issuer>/console/callback, without a consent page, for the admin API', async () => {
    const config = await discover(acme, CONSOLE_CLIENT_ID);
    const redirectUri = `${acme.issuer}/console/callback`;
    const started = await startAuthorization(config, { redirect_uri: redirectUri, scope: 'openid users:read', resource: adminApiOf(acme) });
    const trace = await signIn(new TestBrowser(), started.url, { email: acme.adminEmail, password: acme.adminPassword, redirectUri });
    expect(trace.sawConsentPage).toBe(false);
    const tokens = await oidc.authorizationCodeGrant(config, trace.callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
    expect(tokens.scope).toBe('users:read');
    const me = await callAdmin(acme, '/me', tokens.access_token);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ type: 'user', client_id: CONSOLE_CLIENT_ID });
  });

  it('refuses any other redirect URI, another tenant\'s console among them', async () => {
    const config = await discover(globex, CONSOLE_CLIENT_ID);
    for (const redirectUri of [`${acme.issuer}/console/callback`, 'https://evil.test/console/callback', `${globex.issuer}/account/callback`]) {
      const started = await startAuthorization(config, { redirect_uri: redirectUri, scope: 'openid' });
      const answer = await firstHop(started.url);
      // A redirect URI the client does not have is never redirected to: the error is shown on a page.
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
      expect(answer.body).toContain('redirect_uri');
    }
  });

  it('is only the platform console\'s client in the admin tenant', async () => {
    const config = await discover(acme, CONSOLE_CLIENT_ID);
    const platformCallback = `${new URL(acme.issuer).origin}/admin/console/callback`;
    const answer = await firstHop((await startAuthorization(config, { redirect_uri: platformCallback, scope: 'openid' })).url);
    expect(answer.status).toBe(400);
  });

  it('is no row of the tenant\'s clients: the admin API cannot list, change or delete it', async () => {
    const token = await (async () => {
      const config = await discover(acme, CONSOLE_CLIENT_ID);
      const redirectUri = `${acme.issuer}/console/callback`;
      const started = await startAuthorization(config, { redirect_uri: redirectUri, scope: 'openid clients:read clients:write', resource: adminApiOf(acme) });
      const trace = await signIn(new TestBrowser(), started.url, { email: acme.adminEmail, password: acme.adminPassword, redirectUri });
      return (await oidc.authorizationCodeGrant(config, trace.callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce })).access_token;
    })();
    const listed = await callAdmin(acme, '/clients?limit=200', token);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(CONSOLE_CLIENT_ID);
    expect((await callAdmin(acme, `/clients/${CONSOLE_CLIENT_ID}`, token)).status).toBe(404);
  });
});

describe('the built-in account client', () => {
  it('signs a user in at <issuer>/account/callback but never gets admin tokens', async () => {
    const config = await discover(acme, ACCOUNT_CLIENT_ID);
    const redirectUri = `${acme.issuer}/account/callback`;
    const refused = await firstHop((await startAuthorization(config, { redirect_uri: redirectUri, scope: 'openid users:read', resource: adminApiOf(acme) })).url);
    expect(refused.location?.searchParams.get('error')).toBe('invalid_target');

    const started = await startAuthorization(config, { redirect_uri: redirectUri, scope: 'openid email' });
    const trace = await signIn(new TestBrowser(), started.url, { email: acme.adminEmail, password: acme.adminPassword, redirectUri });
    expect(trace.sawConsentPage).toBe(false);
    const tokens = await oidc.authorizationCodeGrant(config, trace.callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
    expect(tokens.claims()).toMatchObject({ iss: acme.issuer, aud: ACCOUNT_CLIENT_ID, email: acme.adminEmail });
  });
});
