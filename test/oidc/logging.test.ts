import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { signIn, startAuthorization, TestBrowser } from '../support/browser.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { createApi } from '../../src/modules/apis/apis.service.ts';
import { TEST_ACTOR } from '../support/scope.ts';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const logLines: string[] = [];
let bed: OidcTestBed;
let tenant: TestTenant;

beforeAll(async () => {
  bed = await startOidcTestBed(1, { logLines });
  tenant = await createTestTenant(bed, uniqueTenantId('logs'));
});
afterAll(async () => {
  await bed?.close();
});

describe('logs', () => {
  it('carry no password, client secret, code or token, even at trace level', async () => {
    await createApi(tenant, { identifier: 'https://api.logs.test', scopes: ['x'] }, TEST_ACTOR);
    const machine = await createClient(tenant, { name: 'm', type: 'confidential', authMethod: 'client_secret_post', resources: ['https://api.logs.test'] }, TEST_ACTOR);
    const app = await createClient(tenant, { name: 'app', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, TEST_ACTOR);
    const secrets: string[] = [machine.clientSecret!, tenant.adminPassword];

    const machineConfig = await oidc.discovery(new URL(tenant.issuer), machine.client.client_id, undefined, oidc.ClientSecretPost(machine.clientSecret!), {
      execute: [oidc.allowInsecureRequests],
    });
    secrets.push((await oidc.clientCredentialsGrant(machineConfig, { resource: 'https://api.logs.test' })).access_token);

    const config = await oidc.discovery(new URL(tenant.issuer), app.client.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const { url, verifier, state, nonce } = await startAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent' });
    const { callback } = await signIn(new TestBrowser(), url, { email: tenant.adminEmail, password: tenant.adminPassword, redirectUri: REDIRECT_URI });
    secrets.push(callback.searchParams.get('code')!);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    secrets.push(tokens.access_token, tokens.refresh_token!, tokens.id_token!);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    secrets.push(refreshed.refresh_token!);
    // RP-initiated logout carries the ID token in its query string.
    const logout = await fetch(oidc.buildEndSessionUrl(config, { id_token_hint: refreshed.id_token! }), { redirect: 'manual' });
    expect(logout.status).toBe(200);
    secrets.push(refreshed.id_token!);

    expect(logLines.length).toBeGreaterThan(10);
    const all = logLines.join('\n');
    expect(all).toContain('/session/end');
    for (const secret of secrets) expect(all).not.toContain(secret);
  });
});
