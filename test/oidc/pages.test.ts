import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { formsOf, signIn, startAuthorization, TestBrowser } from '../support/browser.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { TEST_ACTOR } from '../support/scope.ts';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';

let bed: OidcTestBed;
let tenant: TestTenant;
let spa: oidc.Configuration;

beforeAll(async () => {
  bed = await startOidcTestBed();
  tenant = await createTestTenant(bed, uniqueTenantId('pages'));
  const { client } = await createClient(tenant, { name: 'Pages SPA', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, TEST_ACTOR);
  spa = await oidc.discovery(new URL(tenant.issuer), client.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
});
afterAll(async () => {
  await bed?.close();
});

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

/**
 * What every HTML page must carry: no framing, and no script except one the policy names by
 * its hash (the provider's self-submitting forms).
 */
async function expectProtectedPage(response: Response): Promise<string> {
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  const policy = directives(response.headers.get('content-security-policy') ?? '');
  expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
  expect(policy.get('default-src')).toEqual(["'none'"]);
  const scriptSources = policy.get('script-src') ?? [];
  expect(scriptSources).not.toContain("'unsafe-inline'");
  expect(scriptSources.filter((source) => !source.startsWith("'sha256-"))).toEqual(["'none'"]);
  const html = await response.text();
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1]!);
  const allowed = scripts.map((script) => `'sha256-${crypto.createHash('sha256').update(script).digest('base64')}'`);
  expect(scriptSources.filter((source) => source.startsWith("'sha256-")).sort()).toEqual(allowed.sort());
  expect(html).not.toMatch(/<script[^>]*src=|\son\w+=/i);
  return html;
}

async function signedInBrowser(): Promise<{ browser: TestBrowser; idToken: string }> {
  const browser = new TestBrowser();
  const started = await startAuthorization(spa, { redirect_uri: REDIRECT_URI, scope: 'openid' });
  const trace = await signIn(browser, started.url, { email: tenant.adminEmail, password: tenant.adminPassword, redirectUri: REDIRECT_URI });
  const tokens = await oidc.authorizationCodeGrant(spa, trace.callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
  return { browser, idToken: tokens.id_token! };
}

describe('HTML pages the provider renders', () => {
  it('an error page (unknown client) is neither frameable nor scripted', async () => {
    const response = await fetch(`${tenant.issuer}/auth?client_id=nobody&response_type=code&scope=openid`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(400);
    const html = await expectProtectedPage(response);
    expect(html).toContain('invalid_client');
  });

  it('the sign-out confirmation is a plain form whose button signs out, without any script', async () => {
    const { browser, idToken } = await signedInBrowser();
    const logoutUrl = oidc.buildEndSessionUrl(spa, { id_token_hint: idToken });
    const confirm = await browser.request(logoutUrl);
    expect(confirm.status).toBe(200);
    const html = await expectProtectedPage(confirm);
    expect(html).not.toContain('<script');
    const [form] = formsOf(html, logoutUrl.href);
    expect(Object.keys(form!.fields)).toEqual(['xsrf']);
    // What a browser without JavaScript posts when the "Yes" button is pressed.
    const button = /<button[^>]*name="(\w+)"[^>]*value="(\w+)"|<button[^>]*value="(\w+)"[^>]*name="(\w+)"/.exec(html)!;
    const [name, value] = button[1] ? [button[1], button[2]!] : [button[4]!, button[3]!];
    const done = await browser.request(form!.action, { form: { ...form!.fields, [name]: value } });
    expect(done.status).toBe(303);
    const success = await browser.request(new URL(done.headers.get('location')!, form!.action));
    expect(success.status).toBe(200);
    const signedOut = await expectProtectedPage(success);
    expect(signedOut).toContain('signed out');
    expect(signedOut).toContain(`<a href="/t/${tenant.id}/account">Manage your account</a>`);
    expect(browser.cookieNames()).not.toContain(`tansu.${tenant.id}.session`);
  });

  it('a sign-out form without the xsrf token of the session is refused', async () => {
    const { browser, idToken } = await signedInBrowser();
    const logoutUrl = oidc.buildEndSessionUrl(spa, { id_token_hint: idToken });
    const [form] = formsOf(await (await browser.request(logoutUrl)).text(), logoutUrl.href);
    const forged = await browser.request(form!.action, { form: { xsrf: 'forged', logout: 'yes' } });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('invalid_request');
    expect(browser.cookieNames()).toContain(`tansu.${tenant.id}.session`);
  });

  it("the provider's self-submitting sign-out form (no session) runs only its own hashed script", async () => {
    const response = await fetch(`${tenant.issuer}/session/end`);
    expect(response.status).toBe(200);
    const html = await expectProtectedPage(response);
    expect(html).toContain('<script>');
  });

  it('the account pages (signup, forgot password, reset, verification and address-change links) carry the same headers, without any script', async () => {
    for (const [path, status] of [
      ['signup', 403], // signup is disabled at this tenant: a page says so
      ['forgot-password', 200],
      ['resend-verification', 200],
      ['reset-password?token=unknown', 400],
      ['verify-email?token=unknown', 400],
      ['account/confirm-email?token=unknown', 400],
    ] as const) {
      const response = await fetch(`${tenant.issuer}/${path}`, { headers: { accept: 'text/html' } });
      expect(response.status, path).toBe(status);
      expect(response.headers.get('cache-control'), path).toBe('no-store');
      expect(await expectProtectedPage(response), path).not.toContain('<script');
    }
  });

  it("our own sign-in page carries the same headers; its one script is the passkey module, from this origin (no inline script)", async () => {
    const browser = new TestBrowser();
    const started = await startAuthorization(spa, { redirect_uri: REDIRECT_URI, scope: 'openid' });
    const redirect = await browser.request(started.url);
    const login = await browser.request(new URL(redirect.headers.get('location')!, started.url));
    expect(login.status).toBe(200);
    expect(login.headers.get('x-frame-options')).toBe('DENY');
    const policy = directives(login.headers.get('content-security-policy') ?? '');
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    const html = await login.text();
    expect(html).toContain('name="password"');
    expect(html).not.toMatch(/<script>|\son\w+=/i);
    const sources = [...html.matchAll(/<script[^>]*src="([^"]+)"/g)].map((match) => match[1]!);
    expect(sources).toEqual([expect.stringMatching(new RegExp(`^/t/${tenant.id}/passkey-assets/[0-9a-f]{16}/passkeys\\.js$`))]);
    const script = await fetch(new URL(sources[0]!, tenant.issuer));
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain("from './vendor/simplewebauthn/index.js'");
  });
});
