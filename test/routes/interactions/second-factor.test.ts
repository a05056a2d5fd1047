import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import * as oidc from 'openid-client';
import { generate } from 'otplib';
import { uniqueTenantId } from '../../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { formsOf, startAuthorization, TestBrowser, type StartedAuthorization } from '../../support/browser.ts';
import { adminToken, callAdmin, machineClient } from '../../support/admin-api.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createClient } from '../../../src/modules/clients/clients.service.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { updateTenantSettings } from '../../../src/modules/settings/settings.service.ts';
import { setUserPassword } from '../../../src/modules/users/user-account.service.ts';
import { confirmTotpEnrolment, startTotpEnrolment } from '../../../src/modules/mfa/enrolment.service.ts';
import { ACR } from '../../../src/oidc/sign-in.ts';

/**
 * The second step of a sign-in over real HTTP (routes/interactions/second-factor*.ts,
 * modules/mfa/): codes are computed here from the secret the setup page shows, as an
 * authenticator app would. Tenant A requires a factor and remembers browsers; tenant B leaves
 * factors optional, so only an application's demand (step-up) asks for one there.
 */
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const PASSWORD = 'second factor password';

let bed: OidcTestBed;
let a: TestTenant;
let b: TestTenant;
const apps = new Map<string, oidc.Configuration>();
const legacyApps = new Map<string, oidc.Configuration>();
/** What alice's setup at tenant A showed: her secret and her recovery codes. */
let aliceSecret: string;
let aliceRecoveryCodes: string[];
/** A browser that passed alice's second factor with "remember this browser". */
let rememberedBrowser: TestBrowser;

beforeAll(async () => {
  bed = await startOidcTestBed();
  [a, b] = await Promise.all([createTestTenant(bed, uniqueTenantId('mfa-a')), createTestTenant(bed, uniqueTenantId('mfa-b'))]);
  await updateTenantSettings(a, { mfa: { policy: 'required', rememberBrowserDays: 30 } }, TEST_ACTOR);
  for (const tenant of [a, b]) {
    const discover = (clientId: string, auth: oidc.ClientAuth) =>
      oidc.discovery(new URL(tenant.issuer), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
    const { client } = await createClient(tenant, { name: 'MFA app', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, TEST_ACTOR);
    apps.set(tenant.id, await discover(client.client_id, oidc.None()));
    const legacy = await createClient(tenant, { name: 'Legacy app', type: 'confidential', grantTypes: ['password'] }, TEST_ACTOR);
    legacyApps.set(tenant.id, await discover(legacy.client.client_id, oidc.ClientSecretBasic(legacy.clientSecret!)));
  }
  for (const email of ['alice@mfa.test', 'bob@mfa.test', 'carol@mfa.test']) await createUser(a, { email, password: PASSWORD }, TEST_ACTOR);
  // At B, one address like alice's at A, with a factor of its own.
  for (const email of ['alice@mfa.test', 'dave@mfa.test', 'frank@mfa.test', 'gina@mfa.test', 'hal@mfa.test']) await createUser(b, { email, password: PASSWORD }, TEST_ACTOR);
}, 120_000);
afterAll(async () => {
  await bed?.close();
});

interface Stop {
  /** The client's callback, when the flow got there. */
  callback?: URL;
  status: number;
  html: string;
  url: string;
  headers: Headers;
}

/** Follows redirects from `url` (posting `form` first) until a page, or the client's callback. */
async function go(browser: TestBrowser, url: string, form?: Record<string, string>): Promise<Stop> {
  let next: { url: string; form?: Record<string, string> } = { url, form };
  for (let hop = 0; hop < 20; hop++) {
    const response = await browser.request(next.url, next.form ? { form: next.form } : {});
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location')!, next.url);
      await response.arrayBuffer();
      if (location.href.startsWith(REDIRECT_URI)) return { callback: location, status: response.status, html: '', url: next.url, headers: response.headers };
      next = { url: location.href };
      continue;
    }
    return { status: response.status, html: await response.text(), url: next.url, headers: response.headers };
  }
  throw new Error('too many redirects');
}

/** Posts the page's first form with these fields added. */
function submit(browser: TestBrowser, stop: Stop, fields: Record<string, string> = {}): Promise<Stop> {
  const [form] = formsOf(stop.html, stop.url);
  return go(browser, form!.action, { ...form!.fields, ...fields });
}

/** An authorization request, up to the login page, and the password posted: the page after it. */
async function afterPassword(browser: TestBrowser, tenant: TestTenant, email: string, params: Record<string, string> = {}) {
  const started = await startAuthorization(apps.get(tenant.id)!, { redirect_uri: REDIRECT_URI, scope: 'openid', ...params });
  const login = await go(browser, started.url.href);
  expect(login.html).toContain('name="password"');
  return { started, stop: await submit(browser, login, { email, password: PASSWORD }) };
}

async function idTokenClaims(tenant: TestTenant, started: StartedAuthorization, callback: URL) {
  const tokens = await oidc.authorizationCodeGrant(apps.get(tenant.id)!, callback, {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
    expectedNonce: started.nonce,
  });
  return tokens.claims()!;
}

const secretOnPage = (html: string) => /<code id="totp-secret">([A-Z2-7 ]+)<\/code>/.exec(html)![1]!.replaceAll(' ', '');
const recoveryCodesOnPage = (html: string) => [...html.matchAll(/<li><code>([0-9a-z-]+)<\/code><\/li>/g)].map((match) => match[1]!);
/** A code for the step after the current one: still in the window, and newer than any code used so far. */
const nextCode = (secret: string) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });

describe('a tenant that requires a second factor', () => {
  it('sets up an authenticator app inside the sign-in: QR code and key on the page, a confirming code, recovery codes once, then amr otp/mfa and the MFA acr', async () => {
    const browser = new TestBrowser();
    const { started, stop: setup } = await afterPassword(browser, a, 'alice@mfa.test');
    expect(setup.status).toBe(200);
    expect(setup.headers.get('x-frame-options')).toBe('DENY');
    expect(setup.headers.get('content-security-policy')).toContain("script-src 'none'");
    expect(setup.html).not.toMatch(/<script|\son\w+=/i);
    expect(setup.html).toMatch(/<svg role="img" aria-label="[^"]+"[^>]*>[\s\S]*<path/);
    expect(setup.html).toContain('<label for="code">');
    expect(setup.html).toMatch(/<input id="code" name="code"[^>]*autocomplete="one-time-code"/);
    expect(formsOf(setup.html, setup.url)[0]!.fields.csrf).toEqual(expect.any(String));
    aliceSecret = secretOnPage(setup.html);

    // The secret is stored sealed, never as shown.
    const stored = await a.db.selectFrom('mfa_factors').select('secret_encrypted').execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.secret_encrypted).not.toContain(aliceSecret);

    const current = await generate({ secret: aliceSecret });
    const wrong = await submit(browser, setup, { code: current === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(secretOnPage(wrong.html)).toBe(aliceSecret);

    const codes = await submit(browser, wrong, { code: await generate({ secret: aliceSecret }) });
    expect(codes.status).toBe(200);
    aliceRecoveryCodes = recoveryCodesOnPage(codes.html);
    expect(aliceRecoveryCodes).toHaveLength(10);
    expect(new Set(aliceRecoveryCodes).size).toBe(10);
    // Shown once: the page again (a reload of the interaction) lists none.
    const reloaded = await go(browser, codes.url.replace(/\/mfa\/enrol$/, ''));
    expect(recoveryCodesOnPage(reloaded.html)).toEqual([]);

    const done = await submit(browser, codes);
    expect(done.callback).toBeDefined();
    const claims = await idTokenClaims(a, started, done.callback!);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe(ACR.multiFactor);
  });

  it('asks for a code next time; a code is accepted once, and the same code again is refused', async () => {
    rememberedBrowser = new TestBrowser();
    const { started, stop: ask } = await afterPassword(rememberedBrowser, a, 'alice@mfa.test');
    expect(ask.status).toBe(200);
    expect(ask.html).toMatch(/<input id="code" name="code"[^>]*autocomplete="one-time-code"/);
    expect(ask.html).toContain('Remember this browser for 30 days');
    const code = await nextCode(aliceSecret);
    const done = await submit(rememberedBrowser, ask, { code, remember: 'yes' });
    expect(done.callback).toBeDefined();
    expect((await idTokenClaims(a, started, done.callback!)).amr).toEqual(['pwd', 'otp', 'mfa']);

    const other = new TestBrowser();
    const { stop: again } = await afterPassword(other, a, 'alice@mfa.test');
    const replayed = await submit(other, again, { code });
    expect(replayed.status).toBe(401);
    expect(replayed.callback).toBeUndefined();
    expect(replayed.html).toContain('not correct, or was already used');
  });

  it('skips the code in a remembered browser, with the one-factor acr, but not when the application demands MFA', async () => {
    const { started, stop: done } = await afterPassword(rememberedBrowser, a, 'alice@mfa.test', { prompt: 'login' });
    expect(done.callback).toBeDefined();
    const claims = await idTokenClaims(a, started, done.callback!);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.acr).toBe(ACR.singleFactor);

    const { stop: demanded } = await afterPassword(rememberedBrowser, a, 'alice@mfa.test', { prompt: 'login', acr_values: ACR.multiFactor });
    expect(demanded.status).toBe(200);
    expect(demanded.html).toContain('name="code"');
  });

  it('takes a recovery code once (in any case, without dashes)', async () => {
    const [first] = aliceRecoveryCodes;
    const browser = new TestBrowser();
    const { started, stop: ask } = await afterPassword(browser, a, 'alice@mfa.test');
    const done = await submit(browser, ask, { code: first!.replaceAll('-', '').toUpperCase() });
    expect(done.callback).toBeDefined();
    expect((await idTokenClaims(a, started, done.callback!)).acr).toBe(ACR.multiFactor);

    const other = new TestBrowser();
    const { stop: again } = await afterPassword(other, a, 'alice@mfa.test');
    expect((await submit(other, again, { code: first! })).status).toBe(401);
    const used = await a.db.selectFrom('audit_events').select('details').where('action', '=', 'user.recovery_code_used').execute();
    expect(used.map((event) => event.details)).toEqual([{ recovery_codes_left: 9 }]);
  });

  it('throttles wrong codes per account: after five, even the right code waits (429, Retry-After)', async () => {
    const browser = new TestBrowser();
    const { stop: setup } = await afterPassword(browser, a, 'bob@mfa.test');
    const secret = secretOnPage(setup.html);
    const codes = await submit(browser, setup, { code: await generate({ secret }) });
    expect((await submit(browser, codes)).callback).toBeDefined();

    const guesser = new TestBrowser();
    let { stop: page } = await afterPassword(guesser, a, 'bob@mfa.test');
    const right = await nextCode(secret);
    const wrong = right === '123456' ? '654321' : '123456';
    for (let i = 0; i < 5; i++) {
      page = await submit(guesser, page, { code: wrong });
      expect(page.status).toBe(401);
    }
    const refused = await submit(guesser, page, { code: right });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.html).toContain('Too many wrong codes');
  });

  it('refuses the password grant to an account with a factor, and to one the policy requires a factor of', async () => {
    for (const email of ['alice@mfa.test', 'carol@mfa.test']) {
      const refusal = await oidc.genericGrantRequest(legacyApps.get(a.id)!, 'password', { username: email, password: PASSWORD, scope: 'openid' }).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(oidc.ResponseBodyError);
      expect((refusal as oidc.ResponseBodyError).error).toBe('invalid_grant');
      expect((refusal as oidc.ResponseBodyError).error_description).toMatch(/second factor.*browser/);
    }
    // Where nothing asks for a factor, the same grant works.
    const tokens = await oidc.genericGrantRequest(legacyApps.get(b.id)!, 'password', { username: 'hal@mfa.test', password: PASSWORD, scope: 'openid' });
    expect(tokens.claims()?.acr).toBe(ACR.singleFactor);
  });

  it("tenant A's codes and recovery codes are useless at tenant B, for an account of the same address", async () => {
    const [twin] = await b.db.selectFrom('users').select('id').where('email', '=', 'alice@mfa.test').execute();
    const enrolment = await startTotpEnrolment(b, { userId: twin!.id, issuerName: 'B', accountName: 'alice@mfa.test' });
    expect((await confirmTotpEnrolment(b, { userId: twin!.id, factorId: enrolment.factorId, code: await generate({ secret: enrolment.secret }) }, TEST_ACTOR)).ok).toBe(true);

    const browser = new TestBrowser();
    let { stop: page } = await afterPassword(browser, b, 'alice@mfa.test');
    expect(page.html).toContain('name="code"');
    for (const code of [await nextCode(aliceSecret), aliceRecoveryCodes[1]!]) {
      page = await submit(browser, page, { code });
      expect(page.status).toBe(401);
    }
  });

  it('an admin reset removes the factors and recovery codes (audited); the next sign-in sets up a new app, and remembered browsers are forgotten', async () => {
    const client = await machineClient(a, 'mfa admin', true);
    const token = await adminToken(a, client, 'users:read users:write');
    const [alice] = await a.db.selectFrom('users').select('id').where('email', '=', 'alice@mfa.test').execute();
    const listed = await callAdmin(a, `/users/${alice!.id}/factors`, token);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      user_id: alice!.id,
      factors: [expect.objectContaining({ kind: 'totp', label: 'Authenticator app', confirmed_at: expect.any(String) })],
      recovery_codes_left: 9,
    });
    expect(JSON.stringify(listed.body)).not.toContain('secret');

    const reset = await callAdmin(a, `/users/${alice!.id}/factors`, token, { method: 'DELETE' });
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual({ user_id: alice!.id, factors_removed: 1, recovery_codes_removed: 10 });
    const audited = await a.db.selectFrom('audit_events').select(['actor', 'target']).where('action', '=', 'user.mfa_reset').execute();
    expect(audited).toEqual([{ actor: `client:${client.clientId}`, target: alice!.id }]);

    const { stop: setup } = await afterPassword(rememberedBrowser, a, 'alice@mfa.test', { prompt: 'login' });
    expect(setup.status).toBe(200);
    aliceSecret = secretOnPage(setup.html);
    const codes = await submit(rememberedBrowser, setup, { code: await generate({ secret: aliceSecret }) });
    expect((await submit(rememberedBrowser, codes)).callback).toBeDefined();
    // The browser's cookie from before the reset no longer skips the code of the new app.
    const { stop: asked } = await afterPassword(rememberedBrowser, a, 'alice@mfa.test', { prompt: 'login' });
    expect(asked.html).toContain('name="code"');
  });

  it('a new password forgets the remembered browsers too', async () => {
    const browser = new TestBrowser();
    const { stop: ask } = await afterPassword(browser, a, 'alice@mfa.test');
    expect((await submit(browser, ask, { code: await nextCode(aliceSecret), remember: 'yes' })).callback).toBeDefined();
    expect((await afterPassword(browser, a, 'alice@mfa.test', { prompt: 'login' })).stop.callback).toBeDefined();

    const [alice] = await a.db.selectFrom('users').select('id').where('email', '=', 'alice@mfa.test').execute();
    await setUserPassword(a, { userId: alice!.id, password: PASSWORD }, TEST_ACTOR);
    const { stop: asked } = await afterPassword(browser, a, 'alice@mfa.test', { prompt: 'login' });
    expect(asked.callback).toBeUndefined();
    expect(asked.html).toContain('name="code"');
  });
});

describe('an application demanding MFA where factors are optional (step-up)', () => {
  it('signs in with a password alone until acr_values asks for MFA; then the signed-in browser signs in again and sets up a factor', async () => {
    const browser = new TestBrowser();
    const { started, stop: plain } = await afterPassword(browser, b, 'dave@mfa.test');
    expect(plain.callback).toBeDefined();
    expect((await idTokenClaims(b, started, plain.callback!)).acr).toBe(ACR.singleFactor);

    const stepUp = await startAuthorization(apps.get(b.id)!, { redirect_uri: REDIRECT_URI, scope: 'openid', acr_values: ACR.multiFactor });
    const login = await go(browser, stepUp.url.href);
    expect(login.html).toContain('name="password"');
    const setup = await submit(browser, login, { email: 'dave@mfa.test', password: PASSWORD });
    expect(setup.html).toContain('The application you are signing in to requires a second step');
    const codes = await submit(browser, setup, { code: await generate({ secret: secretOnPage(setup.html) }) });
    const done = await submit(browser, codes);
    const claims = await idTokenClaims(b, stepUp, done.callback!);
    expect(claims.acr).toBe(ACR.multiFactor);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('asks again for an essential acr claim too, and max_age sends a signed-in browser back to the password', async () => {
    const browser = new TestBrowser();
    expect((await afterPassword(browser, b, 'frank@mfa.test')).stop.callback).toBeDefined();
    const essential = JSON.stringify({ id_token: { acr: { essential: true, value: ACR.multiFactor } } });
    const demanded = await startAuthorization(apps.get(b.id)!, { redirect_uri: REDIRECT_URI, scope: 'openid', claims: essential });
    const login = await go(browser, demanded.url.href);
    expect(login.html).toContain('name="password"');
    expect((await submit(browser, login, { email: 'frank@mfa.test', password: PASSWORD })).html).toContain('id="totp-secret"');

    // A second sign-in within the hour rides on the session; its age beyond max_age does not.
    const fresh = new TestBrowser();
    expect((await afterPassword(fresh, b, 'gina@mfa.test')).stop.callback).toBeDefined();
    const again = await startAuthorization(apps.get(b.id)!, { redirect_uri: REDIRECT_URI, scope: 'openid', max_age: '3600' });
    expect((await go(fresh, again.url.href)).callback).toBeDefined();
    await sql`UPDATE oidc_payloads SET payload = jsonb_set(payload, '{loginTs}', to_jsonb((payload->>'loginTs')::bigint - 7200))
      WHERE model = 'Session' AND payload->>'accountId' = (SELECT id::text FROM users WHERE email = 'gina@mfa.test')`.execute(b.db);
    const aged = await startAuthorization(apps.get(b.id)!, { redirect_uri: REDIRECT_URI, scope: 'openid', max_age: '3600' });
    expect((await go(fresh, aged.url.href)).html).toContain('name="password"');
  });

  it('requires a factor of TenantAdmins alone where the tenant says so, in the browser and in the password grant', async () => {
    await updateTenantSettings(b, { mfa: { requiredForTenantAdmins: true } }, TEST_ACTOR);
    try {
      const browser = new TestBrowser();
      const started = await startAuthorization(apps.get(b.id)!, { redirect_uri: REDIRECT_URI, scope: 'openid' });
      const setup = await submit(browser, await go(browser, started.url.href), { email: b.adminEmail, password: b.adminPassword });
      expect(setup.html).toContain('id="totp-secret"');
      expect(setup.html).toContain('Your organisation requires a second step');
      const refusal = await oidc.genericGrantRequest(legacyApps.get(b.id)!, 'password', { username: b.adminEmail, password: b.adminPassword }).catch((error: unknown) => error);
      expect((refusal as oidc.ResponseBodyError).error).toBe('invalid_grant');
      // Not a TenantAdmin: one factor still does.
      expect((await afterPassword(new TestBrowser(), b, 'hal@mfa.test')).stop.callback).toBeDefined();
    } finally {
      await updateTenantSettings(b, { mfa: { requiredForTenantAdmins: false } }, TEST_ACTOR);
    }
  });

  it("refuses where the tenant offers no factors (policy off): the application hears access_denied", async () => {
    await updateTenantSettings(b, { mfa: { policy: 'off' } }, TEST_ACTOR);
    try {
      const { stop } = await afterPassword(new TestBrowser(), b, 'hal@mfa.test', { acr_values: ACR.multiFactor });
      expect(stop.callback?.searchParams.get('error')).toBe('access_denied');
    } finally {
      await updateTenantSettings(b, { mfa: { policy: 'optional' } }, TEST_ACTOR);
    }
  });
});
