import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { signIn, startAuthorization, TestBrowser } from '../support/browser.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { TEST_ACTOR } from '../support/scope.ts';
import { ACR } from '../../src/oidc/sign-in.ts';

/**
 * What a password sign-in claims (src/oidc/sign-in.ts), read from real, signature-checked ID
 * tokens: the login page (through finishSignIn) and the password grant say the same `amr` and
 * `acr`, and a refreshed ID token keeps them.
 */
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

let bed: OidcTestBed;
let tenant: TestTenant;
let spa: oidc.Configuration;
let legacy: oidc.Configuration;
let jwks: ReturnType<typeof createRemoteJWKSet>;

beforeAll(async () => {
  bed = await startOidcTestBed();
  tenant = await createTestTenant(bed, uniqueTenantId('signin'));
  const discover = (clientId: string, auth: oidc.ClientAuth) =>
    oidc.discovery(new URL(tenant.issuer), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
  const app = await createClient(tenant, { name: 'Sign-in SPA', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, TEST_ACTOR);
  spa = await discover(app.client.client_id, oidc.None());
  const server = await createClient(tenant, { name: 'Legacy app', type: 'confidential', grantTypes: ['password', 'refresh_token'] }, TEST_ACTOR);
  legacy = await discover(server.client.client_id, oidc.ClientSecretBasic(server.clientSecret!));
  jwks = createRemoteJWKSet(new URL(spa.serverMetadata().jwks_uri!));
});
afterAll(async () => {
  await bed?.close();
});

async function verifiedIdToken(idToken: string | undefined, audience: string): Promise<JWTPayload> {
  expect(idToken).toEqual(expect.any(String));
  const { payload } = await jwtVerify(idToken!, jwks, { issuer: tenant.issuer, audience });
  return payload;
}

function expectPasswordSignIn(payload: JWTPayload): void {
  expect(payload.amr).toEqual(['pwd']);
  // One factor: the class published beside the MFA one.
  expect(payload.acr).toBe(ACR.singleFactor);
  expect(spa.serverMetadata().acr_values_supported).toEqual([ACR.singleFactor, ACR.multiFactor]);
}

describe('a finished password sign-in', () => {
  it('puts amr ["pwd"] in the ID token of the code flow (login page), and again after a refresh', async () => {
    const browser = new TestBrowser();
    // offline_access needs prompt=consent (OIDC Core §11); a first-party app gets it without a page.
    const started = await startAuthorization(spa, { redirect_uri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent' });
    const trace = await signIn(browser, started.url, { email: tenant.adminEmail, password: tenant.adminPassword, redirectUri: REDIRECT_URI });
    expect(trace.sawLoginPage).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(spa, trace.callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
    const clientId = spa.clientMetadata().client_id;
    expectPasswordSignIn(await verifiedIdToken(tokens.id_token, clientId));

    expect(tokens.refresh_token).toEqual(expect.any(String));
    const refreshed = await oidc.refreshTokenGrant(spa, tokens.refresh_token!);
    expectPasswordSignIn(await verifiedIdToken(refreshed.id_token, clientId));
  });

  it('puts amr ["pwd"] in the ID token of the password grant, and again after a refresh', async () => {
    const tokens = await oidc.genericGrantRequest(legacy, 'password', {
      username: tenant.adminEmail,
      password: tenant.adminPassword,
      scope: 'openid offline_access',
    });
    const clientId = legacy.clientMetadata().client_id;
    expectPasswordSignIn(await verifiedIdToken(tokens.id_token, clientId));

    expect(tokens.refresh_token).toEqual(expect.any(String));
    const refreshed = await oidc.refreshTokenGrant(legacy, tokens.refresh_token!);
    expectPasswordSignIn(await verifiedIdToken(refreshed.id_token, clientId));
  });
});
