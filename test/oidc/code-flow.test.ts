import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { signIn, startAuthorization, TestBrowser, formsOf } from '../support/browser.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { createApi } from '../../src/modules/apis/apis.service.ts';
import { TEST_ACTOR } from '../support/scope.ts';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const POST_LOGOUT_URI = 'http://127.0.0.1:9/signed-out';

let bed: OidcTestBed;
let acme: TestTenant;
let spa: oidc.Configuration;
let resourceServer: oidc.Configuration;
let other: oidc.Configuration;

beforeAll(async () => {
  bed = await startOidcTestBed();
  acme = await createTestTenant(bed, uniqueTenantId('code'));
  await createApi(acme, { identifier: 'https://api.code.test', scopes: ['notes:read'] }, TEST_ACTOR);
  const { client } = await createClient(acme, {
    name: 'Notes SPA',
    type: 'public',
    redirectUris: [REDIRECT_URI],
    postLogoutRedirectUris: [POST_LOGOUT_URI],
  }, TEST_ACTOR);
  const rs = await createClient(acme, { name: 'notes-api', type: 'confidential', grantTypes: ['client_credentials'] }, TEST_ACTOR);
  spa = await discover(client.client_id, oidc.None());
  resourceServer = await discover(rs.client.client_id, oidc.ClientSecretBasic(rs.clientSecret!));
  const otherApp = await createClient(acme, { name: 'Other SPA', type: 'public', redirectUris: [REDIRECT_URI] }, TEST_ACTOR);
  other = await discover(otherApp.client.client_id, oidc.None());
});
afterAll(async () => {
  await bed?.close();
});

function discover(clientId: string, auth: oidc.ClientAuth) {
  return oidc.discovery(new URL(acme.issuer), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
}

function startSpaAuthorization(config: oidc.Configuration, extra: Record<string, string> = {}) {
  return startAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid email profile roles offline_access', ...extra });
}

async function completeFlow(browser: TestBrowser, config: oidc.Configuration, extra: Record<string, string> = {}) {
  const started = await startSpaAuthorization(config, extra);
  const trace = await signIn(browser, started.url, { email: acme.adminEmail, password: acme.adminPassword, redirectUri: REDIRECT_URI });
  const tokens = await oidc.authorizationCodeGrant(config, trace.callback, {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
    expectedNonce: started.nonce,
  });
  return { tokens, trace };
}

describe('authorization code flow with PKCE through the login page', () => {
  const browser = new TestBrowser();
  let tokens: Awaited<ReturnType<typeof completeFlow>>['tokens'];

  it('signs in, asks consent for a third-party client, and returns ID token claims and roles', async () => {
    // OIDC Core §11: offline_access (a refresh token) is only granted with prompt=consent.
    const result = await completeFlow(browser, spa, { prompt: 'consent' });
    tokens = result.tokens;
    expect(result.trace.sawLoginPage).toBe(true);
    expect(result.trace.sawConsentPage).toBe(true);
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(acme.issuer);
    expect(claims).toMatchObject({ email: acme.adminEmail, email_verified: true, name: 'Tenant admin', roles: ['TenantAdmin'] });
    expect(tokens.refresh_token).toBeTruthy();

    const userinfo = await oidc.fetchUserInfo(spa, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ sub: claims.sub, email: acme.adminEmail, roles: ['TenantAdmin'] });
  });

  it('keeps the session: a second authorization needs neither login nor consent', async () => {
    const again = await completeFlow(browser, spa);
    expect(again.trace.sawLoginPage).toBe(false);
    expect(again.trace.sawConsentPage).toBe(false);
    expect(again.tokens.refresh_token).toBeUndefined();
  });

  it('asks for the password again with prompt=login and with max_age=0', async () => {
    expect((await completeFlow(browser, spa, { prompt: 'login' })).trace.sawLoginPage).toBe(true);
    expect((await completeFlow(browser, spa, { max_age: '0' })).trace.sawLoginPage).toBe(true);
  });

  it('keeps a session younger than max_age and reports when the user signed in (auth_time)', async () => {
    const fresh = await completeFlow(browser, spa, { prompt: 'login' });
    const signedInAt = fresh.tokens.claims()!.auth_time!;
    expect(Math.abs(signedInAt - Date.now() / 1000)).toBeLessThan(30);
    const again = await completeFlow(browser, spa, { max_age: '3600' });
    expect(again.trace.sawLoginPage).toBe(false);
    expect(again.tokens.claims()!.auth_time).toBe(signedInAt);
  });

  it('refuses a consent decision without the CSRF token of this interaction', async () => {
    const consentBrowser = new TestBrowser();
    const started = await startSpaAuthorization(spa, { prompt: 'consent' });
    let url = started.url.href;
    let response = await consentBrowser.request(url);
    let consentForm: ReturnType<typeof formsOf>[number] | undefined;
    for (let step = 0; step < 10 && !consentForm; step++) {
      if (response.status === 302 || response.status === 303) {
        url = new URL(response.headers.get('location')!, url).href;
        response = await consentBrowser.request(url);
        continue;
      }
      const html = await response.text();
      const [form] = formsOf(html, url);
      if (html.includes('name="decision"')) consentForm = form;
      else {
        response = await consentBrowser.request(form!.action, { form: { ...form!.fields, email: acme.adminEmail, password: acme.adminPassword } });
        url = form!.action;
      }
    }
    expect(consentForm).toBeDefined();
    const forged = await consentBrowser.request(consentForm!.action, { form: { decision: 'allow', csrf: 'forged' } });
    expect(forged.status).toBe(403);
    const missing = await consentBrowser.request(consentForm!.action, { form: { decision: 'allow' } });
    expect(missing.status).toBe(403);
    // The genuine form still works afterwards: the refusals changed nothing.
    const allowed = await consentBrowser.request(consentForm!.action, { form: { ...consentForm!.fields, decision: 'allow' } });
    expect(allowed.status).toBe(303);
  });

  it('prefills the email from login_hint', async () => {
    const started = await startSpaAuthorization(spa, { login_hint: 'someone@example.test', prompt: 'login' });
    let response = await browser.request(started.url);
    while (response.status === 303 || response.status === 302) response = await browser.request(new URL(response.headers.get('location')!, started.url));
    const html = await response.text();
    expect(html).toContain('value="someone@example.test"');
    expect(html).toContain('<label for="password">');
  });

  it('rotates refresh tokens and revokes the grant when a rotated one is replayed', async () => {
    const { tokens: fresh } = await completeFlow(browser, spa, { prompt: 'consent' });
    const first = fresh.refresh_token!;
    const rotated = await oidc.refreshTokenGrant(spa, first);
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(first);
    expect(rotated.claims()?.sub).toBe(fresh.claims()?.sub);

    await expect(oidc.refreshTokenGrant(spa, first)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The replay revoked the whole grant: the newest refresh token and its access token are dead too.
    await expect(oidc.refreshTokenGrant(spa, rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(spa, rotated.access_token)).active).toBe(false);
  });

  it('revokes an access token; introspection then reports it inactive', async () => {
    const { tokens: fresh } = await completeFlow(browser, spa);
    const before = await oidc.tokenIntrospection(spa, fresh.access_token);
    expect(before).toMatchObject({ active: true, client_id: spa.clientMetadata().client_id, sub: fresh.claims()?.sub });
    await oidc.tokenRevocation(spa, fresh.access_token);
    expect((await oidc.tokenIntrospection(spa, fresh.access_token)).active).toBe(false);
    await expect(oidc.fetchUserInfo(spa, fresh.access_token, fresh.claims()!.sub)).rejects.toThrow();
  });

  it("answers introspection for the asking client's own tokens only", async () => {
    const { tokens: fresh } = await completeFlow(browser, spa, { prompt: 'consent' });
    expect(fresh.refresh_token).toBeTruthy();
    for (const token of [fresh.access_token, fresh.refresh_token!]) {
      expect((await oidc.tokenIntrospection(spa, token)).active).toBe(true);
      // Another client of the tenant, confidential or not, learns nothing about them.
      expect(await oidc.tokenIntrospection(resourceServer, token)).toEqual({ active: false });
      expect(await oidc.tokenIntrospection(other, token)).toEqual({ active: false });
    }
    // API access tokens are JWTs for the API to verify itself; the endpoint refuses them for everyone.
    const { tokens: apiTokens } = await completeFlow(browser, spa, { scope: 'openid notes:read', resource: 'https://api.code.test' });
    await expect(oidc.tokenIntrospection(resourceServer, apiTokens.access_token)).rejects.toMatchObject({ error: 'unsupported_token_type' });
  });

  it('issues a JWT access token for an API when its scopes are requested', async () => {
    const { tokens: apiTokens } = await completeFlow(browser, spa, { scope: 'openid notes:read', resource: 'https://api.code.test' });
    const { payload } = await jwtVerify(apiTokens.access_token, createRemoteJWKSet(new URL(`${acme.issuer}/jwks`)), {
      issuer: acme.issuer,
      audience: 'https://api.code.test',
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({ scope: 'notes:read', sub: apiTokens.claims()?.sub, client_id: spa.clientMetadata().client_id });
  });

  it('signs out through end_session to a registered post-logout URI, ending the session', async () => {
    const { tokens: fresh } = await completeFlow(browser, spa);
    const state = oidc.randomState();
    const logoutUrl = oidc.buildEndSessionUrl(spa, { id_token_hint: fresh.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state });
    const confirm = await browser.request(logoutUrl);
    expect(confirm.status).toBe(200);
    const [form] = formsOf(await confirm.text(), logoutUrl.href);
    const done = await browser.request(form!.action, { form: { ...form!.fields, logout: 'yes' } });
    expect(done.status).toBe(303);
    const back = new URL(done.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(POST_LOGOUT_URI);
    expect(back.searchParams.get('state')).toBe(state);

    const afterLogout = await completeFlow(browser, spa);
    expect(afterLogout.trace.sawLoginPage).toBe(true);
  });

  it('refuses an unregistered post-logout redirect URI', async () => {
    const { tokens: fresh } = await completeFlow(browser, spa);
    const logoutUrl = oidc.buildEndSessionUrl(spa, { id_token_hint: fresh.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9/elsewhere' });
    const response = await browser.request(logoutUrl);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('post_logout_redirect_uri not registered');
  });
});

describe('consent and CORS', () => {
  it('returns access_denied to the client when the user denies consent', async () => {
    const started = await startSpaAuthorization(spa);
    const { callback, sawConsentPage } = await signIn(new TestBrowser(), started.url, {
      email: acme.adminEmail,
      password: acme.adminPassword,
      redirectUri: REDIRECT_URI,
      consent: 'deny',
    });
    expect(sawConsentPage).toBe(true);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(started.state);
    expect(callback.searchParams.get('code')).toBeNull();
  });

  it('allows the token endpoint from a public client redirect origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${acme.issuer}/token`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    const body = new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: spa.clientMetadata().client_id, redirect_uri: REDIRECT_URI, code_verifier: 'x'.repeat(43) });
    const from = (origin: string) => fetch(`${acme.issuer}/token`, { method: 'POST', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect((await preflight('http://127.0.0.1:9')).status).toBe(204);
    expect((await from('http://127.0.0.1:9')).headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:9');
    expect((await from('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('first-party clients', () => {
  it('skip the consent page', async () => {
    const { client } = await createClient(acme, { name: 'Acme Portal', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, TEST_ACTOR);
    const portal = await discover(client.client_id, oidc.None());
    const { tokens, trace } = await completeFlow(new TestBrowser(), portal, { prompt: 'consent' });
    expect(trace.sawLoginPage).toBe(true);
    expect(trace.sawConsentPage).toBe(false);
    expect(tokens.claims()?.email).toBe(acme.adminEmail);
    expect(tokens.refresh_token).toBeTruthy();
  });
});
