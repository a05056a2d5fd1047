import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { formsOf, TestBrowser } from '../support/browser.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { DEVICE_CODE_GRANT } from '../../src/modules/clients/client-profile.ts';
import { TEST_ACTOR } from '../support/scope.ts';

/**
 * The device authorization grant (RFC 8628) over real HTTP: a device asks for codes, a browser
 * enters the user code on the tenant's page, signs in and consents, and the device's poll gets
 * tokens. One server for the file; each case starts its own device authorization, so no case
 * waits out another's polling interval.
 */

let bed: OidcTestBed;
let tv: TestTenant;
let other: TestTenant;
let tvApp: { clientId: string; config: oidc.Configuration };
let otherApp: { clientId: string };

beforeAll(async () => {
  bed = await startOidcTestBed();
  tv = await createTestTenant(bed, uniqueTenantId('tv'));
  other = await createTestTenant(bed, uniqueTenantId('tvother'));
  // A public client with the device grant only: no redirect URI, no secret.
  const { client } = await createClient(tv, { name: 'Living Room TV', type: 'public', grantTypes: [DEVICE_CODE_GRANT, 'refresh_token'] }, TEST_ACTOR);
  tvApp = { clientId: client.client_id, config: await discover(tv, client.client_id) };
  const elsewhere = await createClient(other, { name: 'Other TV', type: 'public', grantTypes: [DEVICE_CODE_GRANT] }, TEST_ACTOR);
  otherApp = { clientId: elsewhere.client.client_id };
});
afterAll(async () => {
  await bed?.close();
});

function discover(tenant: TestTenant, clientId: string, auth: oidc.ClientAuth = oidc.None()) {
  return oidc.discovery(new URL(tenant.issuer), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
}

/** One poll of the token endpoint, as a device makes it; the JSON answer with its status. */
async function poll(tenant: TestTenant, clientId: string, deviceCode: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${tenant.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: DEVICE_CODE_GRANT, device_code: deviceCode, client_id: clientId }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The code form's page in `browser`, and its one form. */
async function openCodePage(browser: TestBrowser, url: string) {
  const response = await browser.request(url);
  expect(response.status).toBe(200);
  const html = await response.text();
  return { response, html, form: formsOf(html, url)[0]! };
}

/** Types `userCode` into the code page and posts it; the page that answers. */
async function enterCode(browser: TestBrowser, tenant: TestTenant, userCode: string) {
  const { form } = await openCodePage(browser, `${tenant.issuer}/device`);
  const response = await browser.request(form.action, { form: { ...form.fields, user_code: userCode } });
  return { status: response.status, html: await response.text(), url: form.action };
}

/**
 * From the confirmation page on: Continue, then the login page, the consent page, and the
 * redirects between them, until a page that is none of those (the success page).
 */
async function confirmAndSignIn(browser: TestBrowser, confirmation: { html: string; url: string }, tenant: TestTenant) {
  const [confirm] = formsOf(confirmation.html, confirmation.url);
  let next: { url: string; form?: Record<string, string> } = { url: confirm!.action, form: confirm!.fields };
  const seen = { login: false, consent: false };
  for (let step = 0; step < 20; step++) {
    const response = await browser.request(next.url, next.form ? { form: next.form } : {});
    if (response.status >= 300 && response.status < 400) {
      next = { url: new URL(response.headers.get('location')!, next.url).href };
      await response.arrayBuffer();
      continue;
    }
    const html = await response.text();
    const [form] = formsOf(html, next.url);
    if (html.includes('name="password"')) {
      seen.login = true;
      next = { url: form!.action, form: { ...form!.fields, email: tenant.adminEmail, password: tenant.adminPassword } };
    } else if (html.includes('name="decision"')) {
      seen.consent = true;
      next = { url: form!.action, form: { ...form!.fields, decision: 'allow' } };
    } else {
      return { status: response.status, html, headers: response.headers, ...seen };
    }
  }
  throw new Error('too many steps after the confirmation');
}

/** Makes a device code and its user code expire now, as ten minutes would. */
async function expireDeviceCode(tenant: TestTenant, deviceCode: string): Promise<void> {
  await sql`
    UPDATE oidc_payloads
    SET payload = jsonb_set(payload, '{exp}', to_jsonb(extract(epoch FROM now())::int - 1)), expires_at = now() - interval '1 second'
    WHERE model = 'DeviceCode' AND id = ${deviceCode}
  `.execute(tenant.db);
}

describe('device authorization grant (RFC 8628)', () => {
  it('is advertised in discovery, with its endpoint', async () => {
    const metadata = tvApp.config.serverMetadata();
    expect(metadata.device_authorization_endpoint).toBe(`${tv.issuer}/device/auth`);
    expect(metadata.grant_types_supported).toContain(DEVICE_CODE_GRANT);
  });

  it('connects a device: code page, confirmation, sign-in and consent, then the poll gets tokens', async () => {
    const started = await oidc.initiateDeviceAuthorization(tvApp.config, { scope: 'openid email' });
    expect(started.verification_uri).toBe(`${tv.issuer}/device`);
    expect(started.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(started.verification_uri_complete).toBe(`${tv.issuer}/device?user_code=${started.user_code}`);
    expect(started.interval).toBe(5);
    expect(started.expires_in).toBeGreaterThan(500);
    expect(started.expires_in).toBeLessThanOrEqual(600);

    const browser = new TestBrowser();
    const page = await openCodePage(browser, started.verification_uri);
    // The hosted page: labelled field, the provider's CSRF field, not frameable, no script at all.
    expect(page.html).toMatch(/<label for="user_code">[^<]+<\/label>\s*<input id="user_code" name="user_code"/);
    expect(page.form.fields.xsrf).toMatch(/^[0-9a-f]{48}$/);
    expect(page.response.headers.get('x-frame-options')).toBe('DENY');
    expect(page.response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.response.headers.get('content-security-policy')).toContain("script-src 'none'");
    expect(page.response.headers.get('cache-control')).toBe('no-store');
    expect(page.html).not.toMatch(/<script|\son\w+=/i);

    // Typed in lower case without the dash: the same code.
    const typed = started.user_code.toLowerCase().replace('-', '');
    const confirmation = await enterCode(browser, tv, typed);
    expect(confirmation.status).toBe(200);
    expect(confirmation.html).toContain('Connect Living Room TV?');
    expect(confirmation.html).toContain(`<code>${started.user_code}</code>`);
    expect(confirmation.html).not.toMatch(/<script|\son\w+=/i);

    const done = await confirmAndSignIn(browser, confirmation, tv);
    expect(done).toMatchObject({ status: 200, login: true, consent: true });
    expect(done.html).toContain('Device connected');
    expect(done.headers.get('x-frame-options')).toBe('DENY');

    const tokens = await poll(tv, tvApp.clientId, started.device_code);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', scope: 'openid email' });
    const idToken = decodeJwt(tokens.body.id_token as string);
    expect(idToken).toMatchObject({ iss: tv.issuer, aud: tvApp.clientId, email: tv.adminEmail });
    const userinfo = await oidc.fetchUserInfo(tvApp.config, tokens.body.access_token as string, idToken.sub!);
    expect(userinfo.email).toBe(tv.adminEmail);

    // The device code is single-use: a second poll (once the interval has passed) is refused.
    await sql`UPDATE oidc_payloads SET expires_at = now() WHERE model = 'DevicePoll' AND id = ${started.device_code}`.execute(tv.db);
    const again = await poll(tv, tvApp.clientId, started.device_code);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
  });

  it('answers authorization_pending while the person has not confirmed, and slow_down to a device that polls too fast', async () => {
    const started = await oidc.initiateDeviceAuthorization(tvApp.config, { scope: 'openid' });
    const first = await poll(tv, tvApp.clientId, started.device_code);
    expect(first).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });
    // The poll is remembered for at most the interval, on the database's clock.
    const { rows } = await sql<{ within: boolean }>`
      SELECT expires_at <= now() + interval '5 seconds' AS within FROM oidc_payloads WHERE model = 'DevicePoll' AND id = ${started.device_code}
    `.execute(tv.db);
    expect(rows).toEqual([{ within: true }]);
    // However slow this machine: as if the last poll had just happened, then as if the interval had passed.
    const lastPollEnds = (when: string) =>
      sql`UPDATE oidc_payloads SET expires_at = now() + ${when}::interval WHERE model = 'DevicePoll' AND id = ${started.device_code}`.execute(tv.db);
    await lastPollEnds('1 hour');
    expect(await poll(tv, tvApp.clientId, started.device_code)).toMatchObject({ status: 400, body: { error: 'slow_down' } });
    await lastPollEnds('-1 second');
    expect(await poll(tv, tvApp.clientId, started.device_code)).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });
  });

  it('tells the device access_denied when the person cancels on the confirmation page', async () => {
    const started = await oidc.initiateDeviceAuthorization(tvApp.config, { scope: 'openid' });
    const browser = new TestBrowser();
    const confirmation = await enterCode(browser, tv, started.user_code);
    const [form] = formsOf(confirmation.html, confirmation.url);
    const cancelled = await browser.request(form!.action, { form: { ...form!.fields, abort: 'yes' } });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.text()).toContain('Cancelled: the device was not connected.');
    expect(await poll(tv, tvApp.clientId, started.device_code)).toMatchObject({ status: 400, body: { error: 'access_denied' } });
  });

  it("tells the device access_denied when the person cancels on the login page, and says so on the tenant's page", async () => {
    const started = await oidc.initiateDeviceAuthorization(tvApp.config, { scope: 'openid' });
    const browser = new TestBrowser();
    const confirmation = await enterCode(browser, tv, started.user_code);
    const [confirm] = formsOf(confirmation.html, confirmation.url);
    let response = await browser.request(confirm!.action, { form: confirm!.fields });
    let url = confirm!.action;
    while (response.status === 303 || response.status === 302) {
      url = new URL(response.headers.get('location')!, url).href;
      response = await browser.request(url);
    }
    const login = await response.text();
    expect(login).toContain('name="password"');
    // The login page's Cancel, which posts to the interaction's abort.
    const cancel = formsOf(login, url).find((form) => form.action.endsWith('/abort'))!;
    response = await browser.request(cancel.action, { form: cancel.fields });
    url = cancel.action;
    while (response.status === 303 || response.status === 302) {
      url = new URL(response.headers.get('location')!, url).href;
      response = await browser.request(url);
    }
    expect(await response.text()).toContain('Cancelled: the device was not connected.');
    expect(await poll(tv, tvApp.clientId, started.device_code)).toMatchObject({ status: 400, body: { error: 'access_denied' } });
  });

  it('refuses a wrong code, and an expired one both on the page and at the token endpoint (expired_token)', async () => {
    const browser = new TestBrowser();
    const wrong = await enterCode(browser, tv, 'BBBB-BBBB');
    expect(wrong.html).toContain('That code is not correct.');
    expect(wrong.html).toMatch(/role="alert"/);
    expect(wrong.html).toMatch(/id="user_code"[^>]*aria-invalid="true"/);

    const started = await oidc.initiateDeviceAuthorization(tvApp.config, { scope: 'openid' });
    await expireDeviceCode(tv, started.device_code);
    const expired = await enterCode(browser, tv, started.user_code);
    expect(expired.html).toContain('That code has expired.');
    expect(await poll(tv, tvApp.clientId, started.device_code)).toMatchObject({ status: 400, body: { error: 'expired_token' } });
  });

  it('refuses a code post without the form token (xsrf) of this browser', async () => {
    const started = await oidc.initiateDeviceAuthorization(tvApp.config, { scope: 'openid' });
    const browser = new TestBrowser();
    const { form } = await openCodePage(browser, `${tv.issuer}/device`);
    const forged = await browser.request(form.action, { form: { xsrf: 'f'.repeat(48), user_code: started.user_code } });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('The form expired.');
    // Nothing was confirmed: the device still waits.
    expect(await poll(tv, tvApp.clientId, started.device_code)).toMatchObject({ body: { error: 'authorization_pending' } });
  });

  it('is only for clients registered with the grant', async () => {
    const { client } = await createClient(tv, { name: 'Web app', type: 'public', redirectUris: ['http://127.0.0.1:9/cb'] }, TEST_ACTOR);
    const response = await fetch(`${tv.issuer}/device/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: client.client_id, scope: 'openid' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('unauthorized_client');
    // A confidential client may have it too (RFC 8628 §3.1: authenticated like at the token endpoint).
    const server = await createClient(tv, { name: 'Kiosk', type: 'confidential', grantTypes: [DEVICE_CODE_GRANT] }, TEST_ACTOR);
    const kiosk = await discover(tv, server.client.client_id, oidc.ClientSecretBasic(server.clientSecret!));
    expect((await oidc.initiateDeviceAuthorization(kiosk, { scope: 'openid' })).device_code).toBeTruthy();
  });

  it("keeps tenants apart: one tenant's user code and device code mean nothing at another", async () => {
    const started = await oidc.initiateDeviceAuthorization(tvApp.config, { scope: 'openid' });
    const elsewhere = await enterCode(new TestBrowser(), other, started.user_code);
    expect(elsewhere.html).toContain('That code is not correct.');
    const stolen = await poll(other, otherApp.clientId, started.device_code);
    expect(stolen).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // And the device at its own tenant is still waiting, its code untouched.
    expect(await poll(tv, tvApp.clientId, started.device_code)).toMatchObject({ body: { error: 'authorization_pending' } });
  });
});
