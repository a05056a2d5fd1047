import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { signIn, startAuthorization, TestBrowser } from '../support/browser.ts';
import { createClient, updateClient } from '../../src/modules/clients/clients.service.ts';
import { createApi } from '../../src/modules/apis/apis.service.ts';
import { TOKEN_EXCHANGE_GRANT } from '../../src/modules/clients/client-profile.ts';
import { TEST_ACTOR } from '../support/scope.ts';
import { pollUntil } from '../support/eventually.ts';

/**
 * Pushed authorization requests (RFC 9126) and DPoP (RFC 9449), both oidc-provider's own (on by
 * its defaults), over real HTTP: what a client sees, and the per-client switches that require them.
 */

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const API = 'https://api.par-dpop.test';

let bed: OidcTestBed;
let acme: TestTenant;
let globex: TestTenant;
let spa: oidc.Configuration;
let globexSpa: oidc.Configuration;

const discover = (tenant: TestTenant, clientId: string, auth: oidc.ClientAuth = oidc.None()) =>
  oidc.discovery(new URL(tenant.issuer), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });

beforeAll(async () => {
  bed = await startOidcTestBed();
  acme = await createTestTenant(bed, uniqueTenantId('pardpop'));
  globex = await createTestTenant(bed, uniqueTenantId('pardpopother'));
  await createApi(acme, { identifier: API, scopes: ['things:read'] }, TEST_ACTOR);
  const app = await createClient(acme, { name: 'SPA', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, TEST_ACTOR);
  spa = await discover(acme, app.client.client_id);
  const other = await createClient(globex, { name: 'SPA', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, TEST_ACTOR);
  globexSpa = await discover(globex, other.client.client_id);
});
afterAll(async () => {
  await bed?.close();
});

/** Signs in through the login page from `url`; the tokens for the code that comes back. */
async function signInFrom(config: oidc.Configuration, url: URL, checks: { verifier: string; state: string; nonce: string }, options?: oidc.DPoPOptions) {
  const trace = await signIn(new TestBrowser(), url, { email: acme.adminEmail, password: acme.adminPassword, redirectUri: REDIRECT_URI });
  return oidc.authorizationCodeGrant(config, trace.callback, { pkceCodeVerifier: checks.verifier, expectedState: checks.state, expectedNonce: checks.nonce }, undefined, options);
}

async function pkceParams() {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const params = { redirect_uri: REDIRECT_URI, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce };
  return { params, checks: { verifier, state, nonce } };
}

/**
 * Where an authorization request that fails is sent, and the error. The client has one redirect
 * URI, so the provider may send the error there even without a usable request.
 */
async function refusal(url: URL): Promise<{ redirectedTo: string; error: string | null }> {
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get('location')!);
  return { redirectedTo: `${location.origin}${location.pathname}`, error: location.searchParams.get('error') };
}

describe('pushed authorization requests (RFC 9126)', () => {
  it('signs in with a pushed request: the authorization request carries only client_id and request_uri', async () => {
    const { params, checks } = await pkceParams();
    const url = await oidc.buildAuthorizationUrlWithPAR(spa, params);
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const tokens = await signInFrom(spa, url, checks);
    expect(tokens.claims()).toMatchObject({ iss: acme.issuer, email: acme.adminEmail });

    // A request_uri is good for one authorization only.
    expect(await refusal(url)).toEqual({ redirectedTo: REDIRECT_URI, error: 'invalid_request_uri' });
  });

  it("keeps tenants apart: one tenant's request_uri is unknown at another", async () => {
    const { params } = await pkceParams();
    const url = await oidc.buildAuthorizationUrlWithPAR(spa, params);
    const elsewhere = new URL(`${globex.issuer}/auth`);
    elsewhere.search = new URLSearchParams({ client_id: globexSpa.clientMetadata().client_id, request_uri: url.searchParams.get('request_uri')! }).toString();
    expect(await refusal(elsewhere)).toEqual({ redirectedTo: REDIRECT_URI, error: 'invalid_request_uri' });
  });

  it('refuses a plain authorization request from a client that requires PAR, and takes its pushed one', async () => {
    const { client } = await createClient(acme, { name: 'PAR only', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true, requirePushedAuthorizationRequests: true }, TEST_ACTOR);
    expect(client.metadata).toMatchObject({ require_pushed_authorization_requests: true });
    const config = await discover(acme, client.client_id);
    const started = await startAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid' });
    const plain = await fetch(started.url, { redirect: 'manual' });
    expect(plain.status).toBe(303);
    const refused = new URL(plain.headers.get('location')!);
    expect(refused.searchParams.get('error')).toBe('invalid_request');
    expect(refused.searchParams.get('error_description')).toBe('Pushed Authorization Request must be used');

    const { params, checks } = await pkceParams();
    const tokens = await signInFrom(config, await oidc.buildAuthorizationUrlWithPAR(config, params), checks);
    expect(tokens.access_token).toBeTruthy();
  });
});

/** A DPoP proof (RFC 9449 §4.2) for one request, made by hand so a test can reuse or mis-sign it. */
async function proof(keys: { privateKey: CryptoKey; jwk: JWK }, method: string, url: string, accessToken?: string): Promise<string> {
  return new SignJWT({
    jti: crypto.randomUUID(),
    htm: method,
    htu: url,
    iat: Math.floor(Date.now() / 1000),
    ...(accessToken ? { ath: crypto.createHash('sha256').update(accessToken).digest('base64url') } : {}),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: keys.jwk })
    .sign(keys.privateKey);
}

async function dpopKeys() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, publicKey, jwk: await exportJWK(publicKey) };
}

const userinfo = (tenant: TestTenant, accessToken: string, headers: Record<string, string>) =>
  fetch(`${tenant.issuer}/me`, { headers: { authorization: `DPoP ${accessToken}`, ...headers } });

describe('DPoP (RFC 9449)', () => {
  let accessToken: string;
  let keys: Awaited<ReturnType<typeof dpopKeys>>;

  beforeAll(async () => {
    keys = await dpopKeys();
    const { params, checks } = await pkceParams();
    const url = await oidc.buildAuthorizationUrlWithPAR(spa, params);
    const tokens = await signInFrom(spa, url, checks, { DPoP: oidc.getDPoPHandle(spa, { privateKey: keys.privateKey, publicKey: keys.publicKey }) });
    expect(tokens.token_type).toBe('dpop');
    accessToken = tokens.access_token;
  });

  it('binds the code flow\'s access token to the key, and userinfo accepts it only with a proof of that key', async () => {
    const bound = await userinfo(acme, accessToken, { dpop: await proof(keys, 'GET', `${acme.issuer}/me`, accessToken) });
    expect(bound.status).toBe(200);
    expect(((await bound.json()) as { email: string }).email).toBe(acme.adminEmail);

    // As a bearer token, or with a proof of another key: refused.
    const bearer = await fetch(`${acme.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(bearer.status).toBe(401);
    const stranger = await dpopKeys();
    const wrongKey = await userinfo(acme, accessToken, { dpop: await proof(stranger, 'GET', `${acme.issuer}/me`, accessToken) });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.headers.get('www-authenticate')).toMatch(/^DPoP /);
  });

  it('refuses a replayed proof', async () => {
    const once = await proof(keys, 'GET', `${acme.issuer}/me`, accessToken);
    expect((await userinfo(acme, accessToken, { dpop: once })).status).toBe(200);
    // The same request again, only its proof seen before.
    expect((await userinfo(acme, accessToken, { dpop: once })).status).toBe(401);
  });

  it('lets exactly one of many concurrent uses of one proof (or client assertion) jti through', async () => {
    // The provider's replay check itself, called as its DPoP and private_key_jwt checks call it.
    const firsts = await bed.nodes[0]!.app.tenants.use(acme.id, (tenant) => {
      const { ReplayDetection } = tenant.provider as unknown as { ReplayDetection: { unique(iss: string, jti: string, exp: number): Promise<boolean> } };
      const exp = Math.floor(Date.now() / 1000) + 60;
      return Promise.all(Array.from({ length: 8 }, () => ReplayDetection.unique('some-client', 'one-jti', exp)));
    });
    expect(firsts.filter(Boolean)).toHaveLength(1);
  });

  it("puts the key's thumbprint in an API token's cnf.jkt", async () => {
    const { client, clientSecret } = await createClient(acme, { name: 'worker', type: 'confidential', grantTypes: ['client_credentials'], resources: [API] }, TEST_ACTOR);
    const config = await discover(acme, client.client_id, oidc.ClientSecretBasic(clientSecret!));
    const workerKeys = await dpopKeys();
    const tokens = await oidc.clientCredentialsGrant(config, { resource: API }, { DPoP: oidc.getDPoPHandle(config, { privateKey: workerKeys.privateKey, publicKey: workerKeys.publicKey }) });
    expect(tokens.token_type).toBe('dpop');
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: API, cnf: { jkt: await calculateJwkThumbprint(workerKeys.jwk) } });
  });

  it('gives a client that requires DPoP no token without a proof, in any grant', async () => {
    const machine = await createClient(acme, { name: 'bound worker', type: 'confidential', grantTypes: ['client_credentials', 'password', TOKEN_EXCHANGE_GRANT], resources: [API], dpopBoundAccessTokens: true }, TEST_ACTOR);
    expect(machine.client.metadata).toMatchObject({ dpop_bound_access_tokens: true });
    const basic = `Basic ${btoa(`${machine.client.client_id}:${machine.clientSecret!}`)}`;
    const post = (params: Record<string, string>) =>
      fetch(`${acme.issuer}/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) });
    const requests: [Record<string, string>, string][] = [
      // oidc-provider's own grants answer invalid_grant; ours, which cannot bind, invalid_request.
      [{ grant_type: 'client_credentials', resource: API }, 'invalid_grant'],
      [{ grant_type: 'password', username: acme.adminEmail, password: acme.adminPassword }, 'invalid_request'],
      [{ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: 'x', subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', resource: API }, 'invalid_request'],
    ];
    for (const [params, error] of requests) {
      const response = await post(params);
      expect(response.status, params.grant_type).toBe(400);
      expect(((await response.json()) as { error: string }).error, params.grant_type).toBe(error);
    }
    // Switched off again by an update: a bearer token as before.
    await updateClient(acme, machine.client.client_id, { dpopBoundAccessTokens: false }, TEST_ACTOR);
    // Every node drops the provider that kept the old client once the change is announced.
    expect(await pollUntil(async () => (await post({ grant_type: 'client_credentials', resource: API })).status, (status) => status === 200)).toBe(200);
  });
});
