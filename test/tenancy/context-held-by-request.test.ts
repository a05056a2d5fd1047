import { afterAll, beforeAll, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../support/platform.ts';
import { eventually } from '../support/eventually.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { formsOf, signIn, startAuthorization, TestBrowser } from '../support/browser.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { TEST_ACTOR } from '../support/scope.ts';

/**
 * A tenant's context may be dropped at any moment (a change notification, an LRU eviction). A
 * request already using it must finish on it: its pool is closed only once the response is done.
 */
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
let bed: OidcTestBed;
let tenant: TestTenant;

beforeAll(async () => {
  bed = await startOidcTestBed();
  tenant = await createTestTenant(bed, uniqueTenantId('held'));
});
afterAll(async () => {
  await bed?.close();
});

async function pendingAttempt(): Promise<boolean> {
  const row = await tenant.db.selectFrom('login_attempts').select('id').where('reason', '=', 'pending').executeTakeFirst();
  return row !== undefined;
}

it('finishes a password sign-in whose tenant context is dropped while the password is checked', async () => {
  const { client } = await createClient(tenant, { name: 'web', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, TEST_ACTOR);
  const config = await oidc.discovery(new URL(tenant.issuer), client.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  const { url: authorization } = await startAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid' });
  const browser = new TestBrowser();
  const toInteraction = await browser.request(authorization);
  const interactionUrl = new URL(toInteraction.headers.get('location')!, authorization).href;
  const page = await browser.request(interactionUrl);
  const [login] = formsOf(await page.text(), interactionUrl);

  const node = bed.nodes[0]!.app;
  const posted = browser.request(login!.action, { form: { ...login!.fields, email: tenant.adminEmail, password: tenant.adminPassword } });
  // The attempt row is written before argon2 runs: drop the context in the middle of the sign-in.
  await eventually(pendingAttempt, 'the sign-in starting');
  node.tenants.invalidate(tenant.id);
  expect(node.tenants.has(tenant.id)).toBe(false);

  const response = await posted;
  expect(response.status).toBe(303);
  const attempts = await tenant.db.selectFrom('login_attempts').select('reason').execute();
  expect(attempts.map((a) => a.reason)).toEqual(['signed_in']);

  // The rest of the flow runs on a fresh context: redirects only, ending with a code for the client.
  const rest = await signIn(browser, new URL(response.headers.get('location')!, login!.action), {
    email: tenant.adminEmail,
    password: tenant.adminPassword,
    redirectUri: REDIRECT_URI,
  });
  expect(rest).toMatchObject({ sawLoginPage: false, sawConsentPage: false });
  expect(rest.callback.searchParams.get('code')).toBeTruthy();
});
