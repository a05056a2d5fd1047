import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumForThisFile, openPage, watchPage } from '../support/chromium.ts';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { hostRequest } from '../support/host-request.ts';
import { pollUntil } from '../support/eventually.ts';
import { TEST_ACTOR } from '../support/scope.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { setIssuerForm } from '../../src/modules/domains/domains.service.ts';

/**
 * A tenant whose issuer is on its subdomain, in a real browser (Debian's Chromium, test/support/chromium.ts).
 *
 * CORS: a browser app on another origin signs in with the code flow and PKCE through
 * oauth4webapi in the page, redeems the code at the tenant's token endpoint and calls the tenant's
 * admin and signup APIs, all cross-origin. The tenant's issuer is on its subdomain, so the sign-in
 * also runs on host-only cookies. A page on an origin no client registered is refused by the
 * browser itself: no CORS header, nothing readable.
 *
 * Everything lives on `*.localhost` (BASE_DOMAIN=localhost: the tenant on `<id>.localhost`, the
 * apps on `app.localhost` and `stranger.localhost`), which a browser counts as a secure context,
 * as it would an https site: PKCE needs WebCrypto. Each name is an origin of its own.
 */
const OAUTH4WEBAPI = path.resolve(import.meta.dirname, '../../node_modules/oauth4webapi/build/index.js');

let bed: OidcTestBed;
let tenant: TestTenant;
let issuer: string;
let clientId: string;
let appServer: http.Server;
let appPort: number;
// Every *.localhost name to this machine's IPv4 loopback, where the test servers listen.
const browser = chromiumForThisFile({ args: ['--host-resolver-rules=MAP *.localhost 127.0.0.1'] });
const logLines: string[] = [];

/** The app: the same page is its start and its callback. ISSUER and CLIENT_ID are filled in when served. */
const APP_PAGE = `<!doctype html><meta charset="utf-8"><title>app</title><pre id="out"></pre>
<script type="module">
import * as oauth from '/oauth4webapi.js';
const issuer = new URL('ISSUER');
const client = { client_id: 'CLIENT_ID' };
const redirectUri = location.origin + '/callback';
const insecure = { [oauth.allowInsecureRequests]: true };
const done = (result) => { document.getElementById('out').textContent = JSON.stringify(result); document.title = 'done'; };
try {
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
  if (location.pathname !== '/callback') {
    const verifier = oauth.generateRandomCodeVerifier();
    sessionStorage.setItem('verifier', verifier);
    const url = new URL(as.authorization_endpoint);
    url.search = new URLSearchParams({ client_id: client.client_id, redirect_uri: redirectUri, response_type: 'code', scope: 'openid email',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    location.assign(url);
  } else {
    const params = oauth.validateAuthResponse(as, client, new URL(location.href), oauth.expectNoState);
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, sessionStorage.getItem('verifier'), insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    const me = await fetch(issuer.origin + '/admin/v1/me', { headers: { authorization: 'Bearer ' + tokens.access_token } });
    const signup = await fetch(issuer.origin + '/api/auth/signup', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'browser@cors.test', password: 'a long enough password 1' }) });
    done({ iss: oauth.getValidatedIdTokenClaims(tokens).iss, me: { status: me.status, body: await me.json() }, signup: { status: signup.status, body: await signup.json() } });
  }
} catch (error) {
  done({ error: String(error) });
}
</script>`;

/** A page on an origin no client registered, trying the same calls. */
const STRANGER_PAGE = `<!doctype html><meta charset="utf-8"><title>stranger</title><pre id="out"></pre>
<script type="module">
const issuer = 'ISSUER';
const attempt = (url, init) => fetch(url, init).then((r) => 'read ' + r.status, () => 'blocked');
const result = {
  token: await attempt(issuer + '/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: 'CLIENT_ID', redirect_uri: location.origin + '/callback', code_verifier: 'x'.repeat(43) }) }),
  admin: await attempt(issuer + '/admin/v1/me', { headers: { authorization: 'Bearer x' } }),
  signup: await attempt(issuer + '/api/auth/signup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
};
document.getElementById('out').textContent = JSON.stringify(result);
document.title = 'done';
</script>`;

function serveApps(): Promise<http.Server> {
  const fill = (page: string) => page.replaceAll('ISSUER', issuer).replaceAll('CLIENT_ID', clientId);
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://app');
    if (pathname === '/oauth4webapi.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(fs.readFileSync(OAUTH4WEBAPI));
      return;
    }
    const page = req.headers.host?.startsWith('app.') ? APP_PAGE : STRANGER_PAGE;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(fill(page));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  bed = await startOidcTestBed(1, { env: { BASE_DOMAIN: 'localhost' }, logLines });
  const port = new URL(bed.nodes[0]!.url).port;
  tenant = await createTestTenant(bed, uniqueTenantId('browser'));
  await setIssuerForm(bed.platform, tenant, 'subdomain', TEST_ACTOR);
  issuer = `http://${tenant.id}.localhost:${port}`;
  await pollUntil(
    () => hostRequest(`${bed.nodes[0]!.url}/.well-known/openid-configuration`, { host: `${tenant.id}.localhost:${port}` }),
    (answer) => answer.status === 200 && answer.json().issuer === issuer,
  );
  appServer = await serveApps();
  appPort = (appServer.address() as AddressInfo).port;
  const { client } = await createClient(
    { ...tenant, issuer },
    { name: 'Browser app', type: 'public', redirectUris: [`http://app.localhost:${appPort}/callback`], firstParty: true },
    TEST_ACTOR,
  );
  clientId = client.client_id;
});
afterAll(async () => {
  await new Promise((resolve) => appServer?.close(resolve));
  await bed?.close();
});

async function resultOf(page: Page): Promise<Record<string, any>> {
  await page.waitForFunction(() => document.title === 'done', undefined, { timeout: 60_000 });
  return JSON.parse((await page.textContent('#out')) ?? '{}');
}

describe('a browser app on another origin', () => {
  it('signs in with PKCE, redeems the code at the token endpoint, and reads the answers of the tenant APIs it calls', async () => {
    const { context, page } = await openPage(browser());
    await page.goto(`http://app.localhost:${appPort}/`);
    await page.waitForURL(`${issuer}/interaction/**`, { timeout: 60_000 });
    await page.fill('#email', tenant.adminEmail);
    await page.fill('#password', tenant.adminPassword);
    await Promise.all([page.waitForURL(`http://app.localhost:${appPort}/callback?**`, { timeout: 60_000 }), page.click('button[type="submit"]')]);
    const result = await resultOf(page);
    expect(result.error).toBeUndefined();
    expect(result.iss).toBe(issuer);
    // Read through CORS: the admin API refuses a sign-in token that is not one of its own, and says why.
    expect(result.me).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(result.signup.status).toBeGreaterThanOrEqual(200);
    expect(result.signup.body).toHaveProperty(result.signup.status === 202 ? 'status' : 'error');

    // Both API calls were preflighted (Authorization; a JSON body) and answered with the app's origin.
    const preflights = logLines
      .map((line) => JSON.parse(line) as { req?: { method: string; url: string }; res?: { statusCode: number } })
      .filter((entry) => entry.req?.method === 'OPTIONS')
      .map((entry) => `${entry.req!.url} ${entry.res!.statusCode}`);
    expect(preflights).toEqual(expect.arrayContaining([`/t/${tenant.id}/admin/v1/me 204`, `/t/${tenant.id}/api/auth/signup 204`]));

    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === `tansu.${tenant.id}.session`);
    expect(session).toMatchObject({ domain: `${tenant.id}.localhost`, path: '/' });
    await context.close();
  });

  it('on an origin no client registered can read nothing: the browser blocks every answer', async () => {
    const { context, page } = await openPage(browser());
    await page.goto(`http://stranger.localhost:${appPort}/`);
    expect(await resultOf(page)).toEqual({ token: 'blocked', admin: 'blocked', signup: 'blocked' });
    await context.close();
  });
});

describe("the tenant console on the tenant's own host", () => {
  it('loads its page and the shared assets there, signs in there and shows the tenant', async () => {
    const { context, page } = await openPage(browser());
    const problems = watchPage(page);
    await page.goto(`${issuer}/console`);
    await page.waitForURL(`${issuer}/interaction/**`);
    await page.getByLabel('Email').fill(tenant.adminEmail);
    await page.getByLabel('Password').fill(tenant.adminPassword);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: /^Overview of/ }).waitFor();
    expect(new URL(page.url()).origin).toBe(issuer);
    expect(new URL(page.url()).pathname.startsWith('/console/')).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });
});
