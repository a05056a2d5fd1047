import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../support/platform.ts';
import { SLOW_MACHINE_MS } from '../support/eventually.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { formsOf, signIn, TestBrowser } from '../support/browser.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { createApi } from '../../src/modules/apis/apis.service.ts';
import { hashPassword } from '../../src/crypto/passwords.ts';
import { insertUser } from '../../src/modules/users/users.repository.ts';
import { setTenantSuspended } from '../../src/provisioning/tenants.service.ts';
import { TEST_ACTOR } from '../support/scope.ts';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const SHARED_EMAIL = 'pat@shared.test';

let bed: OidcTestBed;
let a: TestTenant;
let b: TestTenant;
let clientA: string;
let clientB: string;
let introspectorB: oidc.Configuration;
/** A's app: introspection answers a client about its own tokens only. */
let appA: oidc.Configuration;

beforeAll(async () => {
  bed = await startOidcTestBed(2);
  [a, b] = await Promise.all([createTestTenant(bed, uniqueTenantId('iso-a')), createTestTenant(bed, uniqueTenantId('iso-b'))]);
  // The same email in both tenants: two unrelated accounts with their own passwords.
  await insertUser(a.db, { email: SHARED_EMAIL, passwordHash: await hashPassword('password-at-a-1'), name: 'Pat at A' });
  await insertUser(b.db, { email: SHARED_EMAIL, passwordHash: await hashPassword('password-at-b-2'), name: 'Pat at B' });
  clientA = (await createClient(a, { name: 'app', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, TEST_ACTOR)).client.client_id;
  clientB = (await createClient(b, { name: 'app', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, TEST_ACTOR)).client.client_id;
  const rsB = await createClient(b, { name: 'rs', type: 'confidential' }, TEST_ACTOR);
  appA = await discover(a, clientA);
  introspectorB = await discover(b, rsB.client.client_id, oidc.ClientSecretBasic(rsB.clientSecret!));
});
afterAll(async () => {
  await bed?.close();
});

function discover(tenant: TestTenant, clientId: string, auth: oidc.ClientAuth = oidc.None()) {
  return oidc.discovery(new URL(tenant.issuer), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
}

async function authorizationUrl(tenant: TestTenant, clientId: string, params: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = new URL(`${tenant.issuer}/auth`);
  const query: Record<string, string> = {
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...params,
  };
  for (const [key, value] of Object.entries(query)) if (value !== '') url.searchParams.set(key, value);
  return { url, verifier };
}

async function codeFor(tenant: TestTenant, clientId: string, email: string, password: string) {
  const { url, verifier } = await authorizationUrl(tenant, clientId);
  const { callback } = await signIn(new TestBrowser(), url, { email, password, redirectUri: REDIRECT_URI });
  return { code: callback.searchParams.get('code')!, verifier, callback };
}

function redeem(baseUrl: string, tenant: TestTenant, clientId: string, code: string, verifier?: string) {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId });
  if (verifier) body.set('code_verifier', verifier);
  return fetch(`${baseUrl}/t/${tenant.id}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
}

async function tokensFor(tenant: TestTenant, clientId: string, email: string, password: string) {
  const { code, verifier } = await codeFor(tenant, clientId, email, password);
  const response = await redeem(bed.publicUrl, tenant, clientId, code, verifier);
  expect(response.status).toBe(200);
  return (await response.json()) as { access_token: string; id_token: string };
}

/** The login page's answer to one password attempt (status and the page's alert). */
async function attemptLogin(tenant: TestTenant, clientId: string, email: string, password: string) {
  const browser = new TestBrowser();
  const { url } = await authorizationUrl(tenant, clientId, { prompt: 'login' });
  let response = await browser.request(url);
  while (response.status === 303) response = await browser.request(new URL(response.headers.get('location')!, url));
  const [login] = formsOf(await response.text(), response.url || url.href);
  const answer = await browser.request(login!.action, { form: { ...login!.fields, email, password } });
  const html = answer.status === 200 ? '' : await answer.text();
  return { status: answer.status, alert: /role="alert"[^>]*>([^<]*)</.exec(html)?.[1] };
}

describe('tenant isolation', () => {
  it('a user of A cannot sign in at B, and the same email is two unrelated accounts', async () => {
    expect((await attemptLogin(b, clientB, a.adminEmail, a.adminPassword)).status).toBe(401);
    expect((await attemptLogin(b, clientB, SHARED_EMAIL, 'password-at-a-1')).status).toBe(401);

    const atA = await tokensFor(a, clientA, SHARED_EMAIL, 'password-at-a-1');
    const atB = await tokensFor(b, clientB, SHARED_EMAIL, 'password-at-b-2');
    const idA = await jwtVerify(atA.id_token, createRemoteJWKSet(new URL(`${a.issuer}/jwks`)), { issuer: a.issuer });
    const idB = await jwtVerify(atB.id_token, createRemoteJWKSet(new URL(`${b.issuer}/jwks`)), { issuer: b.issuer });
    expect(idA.payload.sub).not.toBe(idB.payload.sub);
    expect(idA.payload.email).toBe(SHARED_EMAIL);
    expect(idB.payload.email).toBe(SHARED_EMAIL);
  });

  it("a token of A fails with B's keys and is rejected by B's userinfo and introspection", async () => {
    const tokens = await tokensFor(a, clientA, a.adminEmail, a.adminPassword);
    await expect(jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(`${b.issuer}/.well-known/jwks.json`)))).rejects.toThrow();

    const userinfoAtB = await fetch(`${b.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfoAtB.status).toBe(401);
    const userinfoAtA = await fetch(`${a.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfoAtA.status).toBe(200);

    expect((await oidc.tokenIntrospection(introspectorB, tokens.access_token)).active).toBe(false);
    expect((await oidc.tokenIntrospection(appA, tokens.access_token)).active).toBe(true);
  });

  it("an authorization code of A cannot be redeemed at B", async () => {
    const { code, verifier } = await codeFor(a, clientA, a.adminEmail, a.adminPassword);
    const atB = await redeem(bed.publicUrl, b, clientA, code, verifier);
    expect(atB.status).toBe(401);
    expect(((await atB.json()) as { error: string }).error).toBe('invalid_client');
    // Even with B's own client id the code means nothing there.
    const withClientB = await redeem(bed.publicUrl, b, clientB, code, verifier);
    expect(((await withClientB.json()) as { error: string }).error).toBe('invalid_grant');
    // The code is still good where it was issued.
    expect((await redeem(bed.publicUrl, a, clientA, code, verifier)).status).toBe(200);
  });

  it('keeps sessions apart: signing in at B does not replace the session at A', async () => {
    const browser = new TestBrowser();
    const atA = await authorizationUrl(a, clientA);
    await signIn(browser, atA.url, { email: a.adminEmail, password: a.adminPassword, redirectUri: REDIRECT_URI });
    const atB = await authorizationUrl(b, clientB);
    await signIn(browser, atB.url, { email: b.adminEmail, password: b.adminPassword, redirectUri: REDIRECT_URI });
    const again = await authorizationUrl(a, clientA);
    const trace = await signIn(browser, again.url, { email: 'unused@x.test', password: 'unused', redirectUri: REDIRECT_URI });
    expect(trace.sawLoginPage).toBe(false);
  });
});

describe('two nodes on one database', () => {
  it('redeems at node 2 a code issued by node 1', async () => {
    const { code, verifier } = await codeFor(a, clientA, a.adminEmail, a.adminPassword);
    const response = await redeem(bed.nodes[1]!.url, a, clientA, code, verifier);
    expect(response.status).toBe(200);
    const { id_token } = (await response.json()) as { id_token: string };
    const { payload } = await jwtVerify(id_token, createRemoteJWKSet(new URL(`${bed.nodes[0]!.url}/t/${a.id}/jwks`)), { issuer: a.issuer });
    expect(payload.email).toBe(a.adminEmail);
  });
});

describe('authorization request and code rules', () => {
  it('matches redirect URIs exactly', async () => {
    for (const redirect of [`${REDIRECT_URI}/`, `${REDIRECT_URI}?x=1`, 'http://127.0.0.1:9/CALLBACK', 'http://localhost:9/callback']) {
      const { url } = await authorizationUrl(a, clientA, { redirect_uri: redirect });
      const response = await fetch(url, { redirect: 'manual' });
      // An unregistered redirect URI is never redirected to: the error is shown here.
      expect(response.status, redirect).toBe(400);
      expect(await response.text()).toContain('redirect_uri did not match any of the client');
    }
  });

  it('refuses requests without PKCE, with the plain method, and a token request without the verifier', async () => {
    const withoutPkce = await authorizationUrl(a, clientA, { code_challenge: '', code_challenge_method: '' });
    const refused = await fetch(withoutPkce.url, { redirect: 'manual' });
    expect(refused.status).toBe(303);
    const error = new URL(refused.headers.get('location')!);
    expect(error.searchParams.get('error')).toBe('invalid_request');
    expect(error.searchParams.get('error_description')).toMatch(/PKCE/);

    const plain = await authorizationUrl(a, clientA, { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' });
    const plainRefused = new URL((await fetch(plain.url, { redirect: 'manual' })).headers.get('location')!);
    expect(plainRefused.searchParams.get('error')).toBe('invalid_request');

    const { code } = await codeFor(a, clientA, a.adminEmail, a.adminPassword);
    const noVerifier = await redeem(bed.publicUrl, a, clientA, code);
    expect(((await noVerifier.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('refuses a reused code and revokes the tokens issued with it', async () => {
    const { code, verifier } = await codeFor(a, clientA, a.adminEmail, a.adminPassword);
    const first = await redeem(bed.publicUrl, a, clientA, code, verifier);
    expect(first.status).toBe(200);
    const { access_token } = (await first.json()) as { access_token: string };
    expect((await oidc.tokenIntrospection(appA, access_token)).active).toBe(true);

    const second = await redeem(bed.publicUrl, a, clientA, code, verifier);
    expect(second.status).toBe(400);
    expect(((await second.json()) as { error: string }).error).toBe('invalid_grant');
    expect((await oidc.tokenIntrospection(appA, access_token)).active).toBe(false);
  });
});

describe('login form', () => {
  it('refuses a post without the CSRF token', async () => {
    const browser = new TestBrowser();
    const { url } = await authorizationUrl(a, clientA, { prompt: 'login' });
    let response = await browser.request(url);
    while (response.status === 303) response = await browser.request(new URL(response.headers.get('location')!, url));
    const [login] = formsOf(await response.text(), url.href);
    const forged = await browser.request(login!.action, { form: { email: a.adminEmail, password: a.adminPassword, csrf: 'forged' } });
    expect(forged.status).toBe(403);
    const missing = await browser.request(login!.action, { form: { email: a.adminEmail, password: a.adminPassword } });
    expect(missing.status).toBe(403);
    // Without the interaction cookie (another browser) even the right token is useless.
    const stranger = await new TestBrowser().request(login!.action, { form: { ...login!.fields, email: a.adminEmail, password: a.adminPassword } });
    expect(stranger.status).toBe(400);
  });

  it('answers the same for an unknown email and a wrong password, then throttles', async () => {
    const unknown = await attemptLogin(a, clientA, 'nobody@nowhere.test', 'whatever-pass');
    const wrong = await attemptLogin(a, clientA, a.adminEmail, 'wrong-password');
    expect(unknown).toEqual(wrong);
    expect(wrong.status).toBe(401);
    for (let i = 0; i < 5; i++) await attemptLogin(a, clientA, SHARED_EMAIL, 'wrong-password');
    const throttled = await attemptLogin(a, clientA, SHARED_EMAIL, 'password-at-a-1');
    expect(throttled.status).toBe(429);
    expect(throttled.alert).toMatch(/Too many attempts/);
  });
});

describe('confidential clients', () => {
  it('authenticate with private_key_jwt; HS256 client assertions are refused', async () => {
    await createApi(a, { identifier: 'https://api.iso-a.test', scopes: ['read'] }, TEST_ACTOR);
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const { client } = await createClient(a, { name: 'signer', type: 'confidential', grantTypes: ['client_credentials'], resources: ['https://api.iso-a.test'], jwks: { keys: [jwk] } }, TEST_ACTOR);
    expect(client.token_endpoint_auth_method).toBe('private_key_jwt');
    expect(client.secret_hash).toBeNull();
    const config = await discover(a, client.client_id, oidc.PrivateKeyJwt({ key: privateKey, kid: 'k1' }));
    const tokens = await oidc.clientCredentialsGrant(config, { resource: 'https://api.iso-a.test' });
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${a.issuer}/jwks`)), { audience: 'https://api.iso-a.test' });
    expect(payload.client_id).toBe(client.client_id);

    const hsConfig = await discover(a, client.client_id, oidc.ClientSecretJwt(crypto.randomBytes(32).toString('base64url')));
    await expect(oidc.clientCredentialsGrant(hsConfig, { resource: 'https://api.iso-a.test' })).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('refuses client_secret_jwt registration and private keys in a client JWKS', async () => {
    await expect(createClient(a, { name: 'x', type: 'confidential', authMethod: 'client_secret_jwt' as never }, TEST_ACTOR)).rejects.toMatchObject({ code: 'invalid_client_metadata' });
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    await expect(createClient(a, { name: 'x', type: 'confidential', jwks: { keys: [await exportJWK(privateKey)] as never } }, TEST_ACTOR)).rejects.toMatchObject({ code: 'invalid_client_metadata' });
  });

  it('stores only a SHA-256 of the secret', async () => {
    const { client, clientSecret } = await createClient(a, { name: 'hashed', type: 'confidential' }, TEST_ACTOR);
    expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(client.secret_hash).toBe(crypto.createHash('sha256').update(clientSecret!).digest('hex'));
    const stored = await a.db.selectFrom('clients').select('secret_hash').where('client_id', '=', client.client_id).executeTakeFirstOrThrow();
    expect(stored.secret_hash).not.toContain(clientSecret!);
  });
});

describe('tenant status', () => {
  it('answers 403 JSON for a suspended tenant on every provider route', async () => {
    const tenant = await createTestTenant(bed, uniqueTenantId('susp'));
    expect((await fetch(`${tenant.issuer}/.well-known/openid-configuration`)).status).toBe(200);
    await setTenantSuspended(bed.platform, tenant.id, true);
    // The suspension reaches each node's cache through NOTIFY.
    for (const node of bed.nodes) {
      await expect
        .poll(async () => (await fetch(`${node.url}/t/${tenant.id}/.well-known/openid-configuration`)).status, { timeout: SLOW_MACHINE_MS })
        .toBe(403);
    }
    const token = await fetch(`${tenant.issuer}/token`, { method: 'POST', body: 'grant_type=client_credentials', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(token.status).toBe(403);
    expect(await token.json()).toMatchObject({ error: 'tenant_suspended' });
  });
});
