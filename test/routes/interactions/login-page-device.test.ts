import { afterAll, beforeAll, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { formsOf, signIn, TestBrowser } from '../../support/browser.ts';
import { createClient } from '../../../src/modules/clients/clients.service.ts';
import { authenticatePassword } from '../../../src/modules/users/authenticate.ts';
import { loginKeysFor } from '../../../src/modules/users/login-keys.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { slowAccountDown } from '../../support/users.ts';
import { TEST_ACTOR } from '../../support/scope.ts';

/**
 * The login page over real HTTP: a successful sign-in leaves a device cookie for the tenant,
 * that browser keeps signing in while strangers slow the account down, and the cookie means
 * nothing at another tenant. The browsers here all come from 127.0.0.1; the strangers' failures
 * come from elsewhere, straight through authenticatePassword.
 */
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const EMAIL = 'pat@device.test';
const OTHER_EMAIL = 'sam@device.test';
const PASSWORD = 'pat device password';

let bed: OidcTestBed;
let a: TestTenant;
let b: TestTenant;
const clients = new Map<string, string>();

beforeAll(async () => {
  bed = await startOidcTestBed();
  [a, b] = await Promise.all([createTestTenant(bed, uniqueTenantId('dev-a')), createTestTenant(bed, uniqueTenantId('dev-b'))]);
  for (const tenant of [a, b]) {
    await createUser(tenant, { email: EMAIL, password: PASSWORD }, TEST_ACTOR);
    await createUser(tenant, { email: OTHER_EMAIL, password: PASSWORD }, TEST_ACTOR);
    const { client } = await createClient(tenant, { name: 'app', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, TEST_ACTOR);
    clients.set(tenant.id, client.client_id);
  }
});
afterAll(async () => {
  await bed?.close();
});

async function authorizationUrl(tenant: TestTenant): Promise<URL> {
  const config = await oidc.discovery(new URL(tenant.issuer), clients.get(tenant.id)!, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  return oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    // Always the login page, even for a browser with a session.
    prompt: 'login',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  });
}

/** Posts the login form once and answers its status. */
async function tryLogin(browser: TestBrowser, tenant: TestTenant, email = EMAIL): Promise<number> {
  const start = await authorizationUrl(tenant);
  const toInteraction = await browser.request(start);
  const interactionUrl = new URL(toInteraction.headers.get('location')!, start).href;
  const [form] = formsOf(await (await browser.request(interactionUrl)).text(), interactionUrl);
  const response = await browser.request(form!.action, { form: { ...form!.fields, email, password: PASSWORD } });
  await response.arrayBuffer();
  return response.status;
}

let nextIp = 1;
async function strangersFail(tenant: TestTenant, email = EMAIL): Promise<void> {
  const keys = loginKeysFor(bed.platform.config, tenant.id);
  await slowAccountDown(tenant.db, (i) => authenticatePassword(tenant.db, keys, { email, password: `botnet ${i}`, ip: `198.18.${nextIp >> 8}.${nextIp++ & 255}` }));
}

const deviceCookieOf = (browser: TestBrowser, tenant: TestTenant) =>
  browser
    .cookieHeader(new URL(`${tenant.issuer}/interaction/x`))
    .split('; ')
    .find((pair) => pair.startsWith(`tansu.${tenant.id}.device=`));

/** A browser that also sends one cookie it never received, as a copied cookie would be sent. */
class BrowserWithCookie extends TestBrowser {
  readonly #extra: string;
  constructor(extra: string) {
    super();
    this.#extra = extra;
  }
  override cookieHeader(url: URL): string {
    return [super.cookieHeader(url), this.#extra].filter(Boolean).join('; ');
  }
}

it('sets a device cookie on sign-in that keeps the browser signing in while strangers slow the account', async () => {
  const owner = new TestBrowser();
  await signIn(owner, await authorizationUrl(a), { email: EMAIL, password: PASSWORD, redirectUri: REDIRECT_URI });
  expect(deviceCookieOf(owner, a)).toMatch(/^tansu\.[^=]+\.device=v1\./);

  await strangersFail(a);
  expect(await tryLogin(new TestBrowser(), a)).toBe(429);
  expect(await tryLogin(owner, a)).toBe(303);
});

it('gives a device cookie of one tenant no weight at another', async () => {
  const fromA = new TestBrowser();
  const ownerAtB = new TestBrowser();
  await signIn(fromA, await authorizationUrl(a), { email: OTHER_EMAIL, password: PASSWORD, redirectUri: REDIRECT_URI });
  await signIn(ownerAtB, await authorizationUrl(b), { email: OTHER_EMAIL, password: PASSWORD, redirectUri: REDIRECT_URI });
  const value = deviceCookieOf(fromA, a)!.split('=')[1]!;

  await strangersFail(b, OTHER_EMAIL);
  // A's cookie under B's cookie name, for the same email at B: just another stranger there.
  expect(await tryLogin(new BrowserWithCookie(`tansu.${b.id}.device=${value}`), b, OTHER_EMAIL)).toBe(429);
  expect(await tryLogin(ownerAtB, b, OTHER_EMAIL)).toBe(303);
});

it('answers an email with a NUL byte or a bidi override with the login page, not a server error', async () => {
  for (const email of [`pat\u0000@device.test`, `pat@device.test\u202e`]) {
    const browser = new TestBrowser();
    const start = await authorizationUrl(a);
    const interactionUrl = new URL((await browser.request(start)).headers.get('location')!, start).href;
    const [form] = formsOf(await (await browser.request(interactionUrl)).text(), interactionUrl);
    const response = await browser.request(form!.action, { form: { ...form!.fields, email, password: PASSWORD } });
    expect(response.status, JSON.stringify(email)).toBe(401);
    expect(await response.text()).toContain('The email or password is not correct.');
  }
});
