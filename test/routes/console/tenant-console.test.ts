import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import zlib from 'node:zlib';
import { uniqueTenantId } from '../../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { chromiumForThisFile, openPage, screenshot, watchPage } from '../../support/chromium.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createUser, updateUser } from '../../../src/modules/users/users.service.ts';
import { hashClientSecret } from '../../../src/modules/clients/client-secret.ts';
import { readTenantSettings } from '../../../src/modules/settings/settings.service.ts';
import { createClient } from '../../../src/modules/clients/clients.service.ts';
import * as oidc from 'openid-client';
import { signIn as signInWithoutJavaScript, startAuthorization, TestBrowser } from '../../support/browser.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../../support/smtp.ts';
import { BROWSER_ACCEPT, linkIn, nthMailTo } from '../../support/account-flows.ts';
import { generate } from 'otplib';
import { confirmTotpEnrolment, startTotpEnrolment } from '../../../src/modules/mfa/enrolment.service.ts';
import { insertIdentity } from '../../../src/modules/connections/identities.repository.ts';
import { readMailTemplate, saveMailTemplate } from '../../../src/modules/mail/mail-templates.service.ts';
import { readBranding, updateBranding } from '../../../src/modules/branding/branding.service.ts';

/**
 * The tenant console in a real browser: an administrator signs in through the tenant's own
 * login page and works every page against the tenant admin API. Screenshots of each page land
 * in test-results/screenshots/tenant-console/.
 */
const browser = chromiumForThisFile();
const SHOTS = 'tenant-console';

let bed: OidcTestBed;
let smtp: TestSmtpServer;
let acme: TestTenant;
let admin: Page;
let adminProblems: string[];

const consoleUrl = (tenant: TestTenant, path = '') => `${tenant.issuer}/console/${path}`;

/** Signs in at the tenant's login page, where the console sent the browser. */
async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

beforeAll(async () => {
  // A real SMTP server and a mail sender that delivers every second: invitations are mailed.
  smtp = await startTestSmtpServer();
  bed = await startOidcTestBed(1, { env: { SMTP_URL: smtp.url, MAIL_FROM: 'no-reply@console.test', MAIL_SEND_INTERVAL_SECONDS: '1' } });
  acme = await createTestTenant(bed, uniqueTenantId('console-acme'));
  ({ page: admin } = await openPage(browser(), { clipboard: true }));
  adminProblems = watchPage(admin);
  await admin.goto(consoleUrl(acme));
  await signIn(admin, acme.adminEmail, acme.adminPassword);
  await admin.getByRole('heading', { level: 1, name: /^Overview of/ }).waitFor();
});
afterAll(async () => {
  await bed?.close();
  await smtp?.stop();
});

describe('the console page', () => {
  it('is served with a strict Content-Security-Policy, its assets cacheable for good under the build', async () => {
    const response = await fetch(consoleUrl(acme));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self' blob:; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const page = await response.text();
    const entry = /<script type="module" src="([^"]+)"/.exec(page)![1]!;
    expect(entry).toMatch(/^\/console-assets\/[0-9a-f]{16}\/tenant\/main\.js$/);
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|\sstyle=/);

    const vendor = await fetch(new URL(entry.replace('tenant/main.js', 'vendor/preact-htm.js'), bed.publicUrl));
    expect(vendor.status).toBe(200);
    expect(vendor.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(vendor.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await vendor.text()).toContain('export{');

    expect((await fetch(new URL(entry.replace(/[0-9a-f]{16}/, '0000000000000000'), bed.publicUrl))).status).toBe(404);
    // Files come from the build's table, never from a path: an encoded way out of the folder is just no such file.
    const outside = await fetch(`${bed.publicUrl}${entry.replace('tenant/main.js', '..%2F..%2Fpackage.json')}`);
    expect(outside.status).toBe(404);
    expect(await outside.text()).not.toContain('"dependencies"');
  });

  it('answers /console with a redirect to /console/, and an unknown tenant with 404', async () => {
    const redirect = await fetch(`${acme.issuer}/console?state=x`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe(`${new URL(acme.issuer).pathname}/console/?state=x`);
    expect((await fetch(`${bed.publicUrl}/t/no-such-tenant/console/`)).status).toBe(404);
  });
});

describe('an administrator', () => {
  it('signs in and sees the overview: counts and the sign-ins chart', async () => {
    await admin.getByRole('list', { name: 'Counts' }).waitFor();
    await expect(admin.getByRole('img', { name: /Sign-ins and failures per hour/ }).count()).resolves.toBe(1);
    await screenshot(admin, SHOTS, 'overview');
    expect(adminProblems).toEqual([]);
  });

  it('reaches every page from the navigation, the focus on its heading', async () => {
    const pages: [string, string][] = [
      ['Users', 'Users'],
      ['Invitations', 'Invitations'],
      ['Clients', 'Clients'],
      ['APIs', 'APIs'],
      ['Connections', 'Connections'],
      ['Signing keys', 'Signing keys'],
      ['Settings', 'Settings'],
      ['Branding', 'Branding'],
      ['Audit log', 'Audit log'],
      ['Sign-in activity', 'Sign-in activity'],
      ['Mail', 'Mail'],
      ['Mail templates', 'Mail templates'],
    ];
    for (const [link, heading] of pages) {
      await admin.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: link, exact: true }).click();
      const h1 = admin.getByRole('heading', { level: 1, name: heading, exact: true });
      await h1.waitFor();
      await expect(h1.evaluate((element) => element === document.activeElement)).resolves.toBe(true);
      // Drawn once nothing says "Loading…" any more (every list and form shows one until its answer is in).
      await expect.poll(() => admin.locator('p.loading').count()).toBe(0);
      await screenshot(admin, SHOTS, link.toLowerCase().replaceAll(' ', '-'));
    }
    expect(adminProblems).toEqual([]);
  });
});

describe('a user without TenantAdmin', () => {
  it('is told they are not an administrator of this tenant', async () => {
    await createUser(acme, { email: 'plain@acme.test', password: 'plain user pw 123' }, TEST_ACTOR);
    const { context, page } = await openPage(browser());
    const problems = watchPage(page);
    await page.goto(consoleUrl(acme, 'users'));
    await signIn(page, 'plain@acme.test', 'plain user pw 123');
    await page.getByRole('heading', { level: 1, name: 'You are not an administrator of this tenant' }).waitFor();
    await screenshot(page, SHOTS, 'not-an-administrator');
    expect(problems).toEqual([]);
    await context.close();
  });
});

/** Goes to a console page through the navigation, as a person would. */
async function open(page: Page, link: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: link, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: link, exact: true }).waitFor();
}

const readTenantName = async () => (await bed.platform.db.selectFrom('tenants').select('display_name').where('id', '=', acme.id).executeTakeFirst())?.display_name;
const userRow = (tenant: TestTenant, email: string) => tenant.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
const rolesOf = async (tenant: TestTenant, userId: string) =>
  (
    await tenant.db.selectFrom('user_roles').innerJoin('roles', 'roles.id', 'user_roles.role_id').select('roles.name').where('user_roles.user_id', '=', userId).execute()
  ).map((row) => row.name).sort();

describe('managing users', () => {
  it('creates a user with a generated password, gives roles, disables, enables and deletes them', async () => {
    await open(admin, 'Users');
    await admin.getByRole('button', { name: 'Create user' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Create a user' });
    await dialog.getByLabel('Email', { exact: true }).fill('carol@acme.test');
    await dialog.getByLabel('Name', { exact: true }).fill('Carol');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await dialog.getByText('Generated password', { exact: true }).waitFor();
    await screenshot(admin, SHOTS, 'user-created');
    const generated = await dialog.locator('code.secret').textContent();
    expect(generated?.length).toBeGreaterThanOrEqual(10);
    await dialog.getByRole('link', { name: 'Open carol@acme.test' }).click();
    await admin.getByRole('heading', { level: 1, name: 'carol@acme.test' }).waitFor();
    const carol = (await userRow(acme, 'carol@acme.test'))!;

    await admin.getByLabel('Roles', { exact: true }).fill('Editor\nViewer');
    await admin.getByRole('button', { name: 'Save', exact: true }).click();
    await admin.getByRole('status').getByText('Saved.').waitFor();
    expect(await rolesOf(acme, carol.id)).toEqual(['Editor', 'Viewer']);

    await admin.getByRole('button', { name: 'Disable user' }).click();
    await admin.getByRole('dialog', { name: 'Disable user' }).getByRole('button', { name: 'Disable user' }).click();
    await admin.getByText('carol@acme.test is disabled.').waitFor();
    expect((await userRow(acme, 'carol@acme.test'))!.status).toBe('disabled');
    await screenshot(admin, SHOTS, 'user-disabled');

    await admin.getByRole('button', { name: 'Enable user' }).click();
    await admin.getByText('carol@acme.test is enabled again.').waitFor();
    expect((await userRow(acme, 'carol@acme.test'))!.status).toBe('active');

    await admin.getByRole('button', { name: 'Mail a reset link' }).click();
    await admin.getByText('A password-reset link is on its way to carol@acme.test.').waitFor();
    linkIn(await nthMailTo(smtp, 'carol@acme.test'), '/reset-password');

    await admin.getByRole('button', { name: 'Delete user' }).click();
    await admin.getByRole('dialog', { name: 'Delete user' }).getByRole('button', { name: 'Delete user' }).click();
    await admin.getByRole('heading', { level: 1, name: 'Users', exact: true }).waitFor();
    expect(await userRow(acme, 'carol@acme.test')).toBeUndefined();
  });

  it("keeps an admin from overwriting a change made meanwhile, in the API's own words (If-Match)", async () => {
    const dave = await createUser(acme, { email: 'dave@acme.test', password: 'dave password 123' }, TEST_ACTOR);
    await admin.goto(consoleUrl(acme, `users/${dave.user.id}`));
    await admin.getByRole('heading', { level: 1, name: 'dave@acme.test' }).waitFor();
    await updateUser(acme, { userId: dave.user.id, name: 'Dave (changed elsewhere)' }, TEST_ACTOR);

    await admin.getByLabel('Display name').fill('Dave');
    await admin.getByRole('button', { name: 'Save', exact: true }).click();
    await admin.getByRole('alert').getByText(/the resource changed since you read it/).waitFor();
    await screenshot(admin, SHOTS, 'user-precondition-failed');
    expect((await userRow(acme, 'dave@acme.test'))!.name).toBe('Dave (changed elsewhere)');

    // The browser reports the refused request itself; that one is expected here.
    expect(adminProblems.splice(0)).toEqual([expect.stringContaining('412 (Precondition Failed)')]);

    await admin.getByRole('button', { name: 'Load the current version' }).click();
    await expect.poll(() => admin.getByLabel('Display name').inputValue()).toBe('Dave (changed elsewhere)');
  });

  it('can be worked with the keyboard alone: a dialog takes the focus, Escape closes it and gives the focus back', async () => {
    await open(admin, 'Users');
    const opener = admin.getByRole('button', { name: 'Create user' });
    await opener.focus();
    await admin.keyboard.press('Enter');
    const dialog = admin.getByRole('dialog', { name: 'Create a user' });
    await dialog.waitFor();
    await expect(dialog.evaluate((element) => element.contains(document.activeElement))).resolves.toBe(true);
    await admin.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await expect(opener.evaluate((element) => element === document.activeElement)).resolves.toBe(true);
  });
});

describe('managing clients', () => {
  it('shows a new secret once with a copy button, edits URIs and CORS origins, and rotates the secret with grace', async () => {
    await open(admin, 'Clients');
    await admin.getByRole('link', { name: 'Create client' }).click();
    await admin.getByLabel('Name', { exact: true }).fill('Shop');
    await admin.getByLabel('Kind of app').selectOption('web');
    await admin.getByLabel('Redirect URIs', { exact: true }).fill('https://shop.example.test/callback');
    await screenshot(admin, SHOTS, 'client-new');
    await admin.getByRole('button', { name: 'Create client' }).click();
    await admin.getByRole('heading', { level: 1, name: 'Shop is registered' }).waitFor();
    const secret = (await admin.locator('.once', { hasText: 'Client secret' }).locator('code.secret').textContent())!;
    const clientId = (await admin.locator('.once', { hasText: 'Client id' }).locator('code.secret').textContent())!;
    const row = await acme.db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(hashClientSecret(secret));
    await admin.getByRole('button', { name: 'Copy client secret' }).click();
    await admin.getByText('Copied').first().waitFor();
    await expect(admin.evaluate(() => navigator.clipboard.readText())).resolves.toBe(secret);
    await expect(admin.locator('pre.snippet').textContent()).resolves.toContain(clientId);
    await screenshot(admin, SHOTS, 'client-created');

    await admin.getByRole('link', { name: 'Open Shop' }).click();
    await admin.getByRole('heading', { level: 1, name: 'Shop' }).waitFor();
    await screenshot(admin, SHOTS, 'client');
    await admin.getByLabel('CORS origins').fill('https://shop.example.test');
    await admin.getByLabel('Post-logout redirect URIs').fill('https://shop.example.test/');
    await admin.getByRole('button', { name: 'Save', exact: true }).click();
    await admin.getByRole('status').getByText('Saved.').waitFor();
    const edited = await acme.db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirstOrThrow();
    expect(edited.cors_origins).toEqual(['https://shop.example.test']);
    expect(edited.post_logout_redirect_uris).toEqual(['https://shop.example.test/']);

    await admin.getByRole('button', { name: 'Rotate secret' }).click();
    const rotate = admin.getByRole('dialog', { name: 'Give the client a new secret' });
    await rotate.getByLabel('Days the old secret keeps working').fill('2');
    await rotate.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = (await rotate.locator('code.secret').textContent())!;
    await screenshot(admin, SHOTS, 'client-secret-rotated');
    await rotate.getByRole('button', { name: 'Done' }).click();
    const after = await acme.db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirstOrThrow();
    expect(after.secret_hash).toBe(hashClientSecret(rotated));
    expect(after.previous_secret_hash).toBe(hashClientSecret(secret));
    expect(after.previous_secret_expires_at!.getTime()).toBeGreaterThan(Date.now() + 86_400_000);
    await admin.getByText('Previous secret accepted until').waitFor();
    expect(adminProblems).toEqual([]);
  });
});

describe('APIs, keys, settings and the audit log', () => {
  it('registers an API, rotates the keys, saves a setting and finds these changes in the audit log', async () => {
    await open(admin, 'APIs');
    await admin.getByRole('button', { name: 'Register API' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Register an API' });
    await dialog.getByLabel('Identifier').fill('https://orders.acme.test');
    await dialog.getByLabel('Scopes').fill('orders:read\norders:write');
    await dialog.getByRole('button', { name: 'Register API' }).click();
    await admin.getByRole('heading', { level: 1, name: 'https://orders.acme.test' }).waitFor();
    await screenshot(admin, SHOTS, 'api');
    expect((await acme.db.selectFrom('api_resources').select('scopes').where('identifier', '=', 'https://orders.acme.test').executeTakeFirstOrThrow()).scopes).toEqual([
      'orders:read',
      'orders:write',
    ]);

    await open(admin, 'Signing keys');
    const activeBefore = await acme.db.selectFrom('signing_keys').select('kid').where('state', '=', 'active').executeTakeFirstOrThrow();
    await admin.getByRole('button', { name: 'Rotate now' }).click();
    await admin.getByRole('dialog', { name: 'Rotate the signing keys now' }).getByRole('button', { name: 'Rotate now' }).click();
    await admin.getByText(/^Rotated: /).waitFor();
    const activeAfter = await acme.db.selectFrom('signing_keys').select('kid').where('state', '=', 'active').executeTakeFirstOrThrow();
    expect(activeAfter.kid).not.toBe(activeBefore.kid);
    await screenshot(admin, SHOTS, 'signing-keys-rotated');

    await open(admin, 'Settings');
    await admin.getByLabel('Who may create an account').selectOption('invite');
    await admin.getByRole('button', { name: 'Save settings' }).click();
    await admin.getByText(/^Saved\. New token lifetimes/).waitFor();
    expect((await readTenantSettings(acme)).signup).toBe('invite');

    await open(admin, 'Audit log');
    await admin.getByLabel('Action', { exact: true }).fill('signing_keys.rotated');
    await admin.getByRole('button', { name: 'Filter' }).click();
    const rows = admin.getByRole('region', { name: 'Audit events' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    await expect(rows.first().textContent()).resolves.toContain('signing_keys.rotated');
    await screenshot(admin, SHOTS, 'audit-log-filtered');
    expect(adminProblems).toEqual([]);
  });
});

describe('the session', () => {
  it('renews an expired access token with the refresh token, without asking the admin again', async () => {
    await admin.evaluate(() => {
      for (const key of Object.keys(sessionStorage)) {
        if (!key.startsWith('tansu.console:') || key.endsWith(':pending')) continue;
        const tokens = JSON.parse(sessionStorage.getItem(key)!);
        sessionStorage.setItem(key, JSON.stringify({ ...tokens, expires_at: 0 }));
      }
    });
    const renewal = admin.waitForRequest((request) => request.url().endsWith('/token') && request.postData()?.includes('grant_type=refresh_token') === true);
    await admin.reload();
    await renewal;
    await admin.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await admin.getByRole('region', { name: 'Audit events' }).locator('tbody tr').first().waitFor();
    expect(adminProblems).toEqual([]);
  });
});

describe('connections', () => {
  it('adds an OpenID Connect provider with a write-only secret, shows the redirect URI to register, disables, edits and removes it', async () => {
    const secret = 'upstream-client-secret-9f3k';
    await open(admin, 'Connections');
    await admin.getByRole('link', { name: 'Add connection' }).click();
    await admin.getByRole('heading', { level: 1, name: 'Add a connection' }).waitFor();
    // The redirect URI to register comes first: the provider gives the client id and secret only for a registered one.
    const toRegister = await admin.locator('.once').locator('code.secret').textContent();
    await admin.getByLabel('Provider', { exact: true }).selectOption('oidc');
    await admin.getByLabel('Name', { exact: true }).fill('okta');
    await admin.getByLabel('Issuer').fill('https://login.okta.example.test');
    await admin.getByLabel('Client id').fill('tansu-at-okta');
    await admin.getByLabel('Client secret').fill(secret);
    await admin.getByLabel('Email domains').fill('okta-people.test');
    await screenshot(admin, SHOTS, 'connection-new');
    await admin.getByRole('button', { name: 'Add connection' }).click();
    const heading = admin.getByRole('heading', { level: 1, name: 'Connection okta' });
    await heading.waitFor();
    // The page the console went to by itself has the focus on its heading too, kept while it loaded.
    await expect(heading.evaluate((element) => element === document.activeElement)).resolves.toBe(true);
    await admin.getByText('Added. Register its redirect URI at the provider, as below.').waitFor();
    const row = await acme.db.selectFrom('identity_providers').selectAll().where('name', '=', 'okta').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ kind: 'oidc', issuer: 'https://login.okta.example.test', client_id: 'tansu-at-okta', domains: ['okta-people.test'], enabled: true });
    // Stored sealed, and never sent back: the page knows only that there is one.
    expect(row.client_secret_encrypted).not.toContain(secret);
    const redirectUri = (await admin.locator('.once').locator('code.secret').textContent())!;
    expect(redirectUri).toBe(toRegister);
    expect(redirectUri.startsWith(`${acme.issuer}/`)).toBe(true);
    await admin.getByText('stored (never shown)').waitFor();
    await expect(admin.content()).resolves.not.toContain(secret);
    await expect(admin.getByLabel('New client secret').inputValue()).resolves.toBe('');
    await screenshot(admin, SHOTS, 'connection');

    await admin.getByRole('button', { name: 'Disable', exact: true }).click();
    await admin.getByRole('dialog', { name: 'Disable okta' }).getByRole('button', { name: 'Disable' }).click();
    await admin.getByText('okta is disabled.').waitFor();
    expect((await acme.db.selectFrom('identity_providers').select('enabled').where('name', '=', 'okta').executeTakeFirstOrThrow()).enabled).toBe(false);
    await admin.getByRole('button', { name: 'Enable', exact: true }).click();
    await admin.getByText('okta is enabled.').waitFor();

    // An edit without a new secret keeps the stored one.
    await admin.getByLabel('Button text').fill('Okta workforce');
    await admin.getByRole('button', { name: 'Save', exact: true }).click();
    await admin.getByRole('status').getByText('Saved.').waitFor();
    const edited = await acme.db.selectFrom('identity_providers').selectAll().where('name', '=', 'okta').executeTakeFirstOrThrow();
    expect(edited).toMatchObject({ display_name: 'Okta workforce', enabled: true, client_secret_encrypted: row.client_secret_encrypted });

    await open(admin, 'Connections');
    await admin.getByRole('region', { name: 'Connections' }).getByRole('cell', { name: redirectUri }).waitFor();
    await screenshot(admin, SHOTS, 'connections');
    expect(adminProblems).toEqual([]);
  });
});

describe('a plain OAuth 2.0 connection', () => {
  it("is added with its endpoints and the user endpoint's field names", async () => {
    await open(admin, 'Connections');
    await admin.getByRole('link', { name: 'Add connection' }).click();
    await admin.getByLabel('Provider', { exact: true }).selectOption('oauth2');
    await admin.getByLabel('Name', { exact: true }).fill('intranet');
    await admin.getByLabel('Authorization endpoint').fill('https://intranet.example.test/oauth/authorize');
    await admin.getByLabel('Token endpoint').fill('https://intranet.example.test/oauth/token');
    await admin.getByLabel('User endpoint').fill('https://intranet.example.test/api/me');
    await admin.getByLabel('Their id (sub)').fill('data.id');
    await admin.getByLabel('Email (email)').fill('data.mail');
    await admin.getByLabel('Client id').fill('tansu');
    await admin.getByLabel('Client secret').fill('intranet secret');
    await screenshot(admin, SHOTS, 'connection-new-oauth2');
    await admin.getByRole('button', { name: 'Add connection' }).click();
    await admin.getByRole('heading', { level: 1, name: 'Connection intranet' }).waitFor();
    const row = await acme.db.selectFrom('identity_providers').selectAll().where('name', '=', 'intranet').executeTakeFirstOrThrow();
    expect(row.settings).toMatchObject({
      userinfo_endpoint: 'https://intranet.example.test/api/me',
      claim_mapping: { subject: 'data.id', email: 'data.mail', name: 'name' },
    });
    await expect(admin.getByLabel('Their id (sub)').inputValue()).resolves.toBe('data.id');
    expect(adminProblems).toEqual([]);
  });
});

describe("a user's second factors and linked identities", () => {
  it('lists their factors and resets them after a confirmation; lists their upstream identities and unlinks one', async () => {
    const { user: frank } = await createUser(acme, { email: 'frank@acme.test', password: 'frank password 123' }, TEST_ACTOR);
    const enrolment = await startTotpEnrolment(acme, { userId: frank.id, issuerName: 'Acme', accountName: 'frank@acme.test' });
    await confirmTotpEnrolment(acme, { userId: frank.id, factorId: enrolment.factorId, code: await generate({ secret: enrolment.secret }) }, TEST_ACTOR);
    const okta = await acme.db.selectFrom('identity_providers').select('id').where('name', '=', 'okta').executeTakeFirstOrThrow();
    await insertIdentity(acme.db, { providerId: okta.id, subject: 'okta-0042', userId: frank.id, email: 'frank@okta-people.test' });

    await admin.goto(consoleUrl(acme, `users/${frank.id}`));
    await admin.getByRole('heading', { level: 1, name: 'frank@acme.test' }).waitFor();
    const factors = admin.getByRole('region', { name: 'Second factors' });
    await factors.getByRole('cell', { name: 'Authenticator app' }).first().waitFor();
    const identities = admin.getByRole('region', { name: 'Linked identities' });
    await identities.getByRole('cell', { name: 'okta-0042' }).waitFor();
    await expect.poll(() => admin.locator('p.loading').count()).toBe(0);
    await screenshot(admin, SHOTS, 'user-factors-and-identities');

    await admin.getByRole('button', { name: 'Reset MFA' }).click();
    const confirm = admin.getByRole('dialog', { name: 'Reset the second factors of frank@acme.test' });
    await confirm.getByText(/Every second factor and recovery code of frank@acme.test is removed/).waitFor();
    await screenshot(admin, SHOTS, 'user-reset-mfa-confirmation');
    await confirm.getByRole('button', { name: 'Reset their second factors' }).click();
    await admin.getByText(/^frank@acme.test's second factors are reset: 1 factor\(s\) and \d+ recovery code\(s\) removed\.$/).waitFor();
    await factors.getByText(/^No second factor/).waitFor();
    expect(await acme.db.selectFrom('mfa_factors').select('id').where('user_id', '=', frank.id).execute()).toEqual([]);

    await identities.getByRole('button', { name: 'Unlink' }).click();
    await admin.getByRole('dialog', { name: 'Unlink the okta account' }).getByRole('button', { name: 'Unlink' }).click();
    await admin.getByText('The okta account is unlinked from frank@acme.test.').waitFor();
    await identities.getByText(/^No upstream account is linked/).waitFor();
    expect(await acme.db.selectFrom('user_identities').select('id').where('user_id', '=', frank.id).execute()).toEqual([]);
    expect(adminProblems).toEqual([]);
  });

  it('removes the connection after a confirmation', async () => {
    await open(admin, 'Connections');
    await admin.getByRole('link', { name: 'okta', exact: true }).click();
    await admin.getByRole('heading', { level: 1, name: 'Connection okta' }).waitFor();
    await admin.getByRole('button', { name: 'Remove connection' }).click();
    await admin.getByRole('dialog', { name: 'Remove the connection okta' }).getByRole('button', { name: 'Remove it' }).click();
    await admin.getByRole('heading', { level: 1, name: 'Connections', exact: true }).waitFor();
    expect(await acme.db.selectFrom('identity_providers').select('id').where('name', '=', 'okta').executeTakeFirst()).toBeUndefined();
    expect(adminProblems).toEqual([]);
  });
});

describe('mail templates and the outbox', () => {
  it("edits a template with its placeholders and a live preview, and shows a change made meanwhile as a conflict (412) instead of overwriting it", async () => {
    await open(admin, 'Mail templates');
    await admin.getByRole('link', { name: 'Invitation', exact: true }).click();
    await admin.getByRole('heading', { level: 1, name: 'Invitation' }).waitFor();
    await admin.getByRole('region', { name: 'Placeholders' }).getByText('{{expires_in}}').waitFor();
    // The preview fills the placeholders with example values as it is typed.
    await admin.getByLabel('Subject').fill('Join {{tenant_name}} today');
    const tenantName = (await readTenantName())!;
    await admin.getByRole('region', { name: 'Preview of the text' }).getByText(`Join ${tenantName} today`).waitFor();
    await screenshot(admin, SHOTS, 'mail-template');

    // Another admin saves the template meanwhile: this page's ETag is stale now.
    await saveMailTemplate(acme, { name: 'invitation', parts: { subject: 'Changed elsewhere for {{tenant_name}}' } }, TEST_ACTOR);
    await admin.getByRole('button', { name: 'Save template' }).click();
    await admin.getByText('Someone changed this template after you opened it.').waitFor();
    await admin.getByRole('alert').getByText(/the resource changed since you read it/).waitFor();
    await screenshot(admin, SHOTS, 'mail-template-conflict');
    expect((await readMailTemplate(acme, 'invitation')).subject).toBe('Changed elsewhere for {{tenant_name}}');
    expect(adminProblems.splice(0)).toEqual([expect.stringContaining('412 (Precondition Failed)')]);

    await admin.getByRole('button', { name: 'Load the current version' }).click();
    await expect.poll(() => admin.getByLabel('Subject').inputValue()).toBe('Changed elsewhere for {{tenant_name}}');
    await admin.getByLabel('Subject').fill('Join {{tenant_name}} today');
    await admin.getByRole('button', { name: 'Save template' }).click();
    await admin.getByText('Saved: the next mail of this kind uses it.').waitFor();
    const saved = await readMailTemplate(acme, 'invitation');
    expect(saved.subject).toBe('Join {{tenant_name}} today');
    // Only the part changed is the tenant's own: the text stays the built-in one.
    expect(saved.overridden).toEqual(['subject']);

    await admin.getByRole('button', { name: 'Use the built-in wording' }).click();
    await admin.getByRole('dialog', { name: 'Go back to the built-in wording' }).getByRole('button', { name: 'Use the built-in wording' }).click();
    await admin.getByText('The built-in wording applies again.').waitFor();
    expect((await readMailTemplate(acme, 'invitation')).overridden).toEqual([]);
    expect(adminProblems).toEqual([]);
  });

  it('retries a failed mail from the outbox', async () => {
    const mail = await acme.db.selectFrom('mail_outbox').select(['id', 'to_address']).orderBy('created_at').executeTakeFirstOrThrow();
    await acme.db.updateTable('mail_outbox').set({ state: 'failed', attempts: 8, last_error: '550 mailbox unavailable' }).where('id', '=', mail.id).execute();
    await open(admin, 'Mail');
    await admin.getByLabel('State').selectOption('failed');
    await admin.getByRole('button', { name: 'Filter' }).click();
    const failed = admin.getByRole('region', { name: 'Mail' }).locator('tbody tr', { hasText: '550 mailbox unavailable' });
    await failed.waitFor();
    await screenshot(admin, SHOTS, 'mail-failed');
    await failed.getByRole('button', { name: 'Retry' }).click();
    await admin.getByText(`The mail to ${mail.to_address} is queued again.`).waitFor();
    const after = await acme.db.selectFrom('mail_outbox').select(['state', 'attempts']).where('id', '=', mail.id).executeTakeFirstOrThrow();
    expect(after.attempts).toBe(0);
    expect(['queued', 'sending', 'sent']).toContain(after.state);
    expect(adminProblems).toEqual([]);
  });
});

describe('on a phone', () => {
  it('fits the screen: the navigation behind a menu button, nothing wider than the viewport', async () => {
    await admin.setViewportSize({ width: 390, height: 844 });
    try {
      await admin.goto(consoleUrl(acme));
      await admin.getByRole('heading', { level: 1, name: /^Overview of/ }).waitFor();
      const nav = admin.getByRole('navigation', { name: 'Console' });
      await expect(nav.isVisible()).resolves.toBe(false);
      await screenshot(admin, SHOTS, 'phone-overview');
      const fits = () => admin.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
      await expect(fits()).resolves.toBe(true);

      await admin.getByRole('button', { name: 'Menu' }).click();
      await expect(admin.getByRole('button', { name: 'Menu' }).getAttribute('aria-expanded')).resolves.toBe('true');
      await screenshot(admin, SHOTS, 'phone-menu');
      await nav.getByRole('link', { name: 'Users', exact: true }).click();
      await admin.getByRole('heading', { level: 1, name: 'Users', exact: true }).waitFor();
      await expect(nav.isVisible()).resolves.toBe(false);
      await admin.getByRole('region', { name: 'Users' }).locator('tbody tr').first().waitFor();
      await expect(fits()).resolves.toBe(true);
      await screenshot(admin, SHOTS, 'phone-users');
    } finally {
      await admin.setViewportSize({ width: 1280, height: 860 });
    }
    expect(adminProblems).toEqual([]);
  });
});

describe('the new pages on a 375 px phone', () => {
  it('fit the screen, every control labelled: connections, a new connection, the mail templates and one template, a user with factors and identities', async () => {
    await admin.setViewportSize({ width: 375, height: 812 });
    const fits = () => admin.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    // Every control has a label a screen reader reads out (a <label>, or aria-label where there is no visible one).
    const unlabelled = () =>
      admin.evaluate(() =>
        [...document.querySelectorAll('input, select, textarea')]
          .filter((control) => (control as HTMLInputElement).labels?.length === 0 && !control.getAttribute('aria-label'))
          .map((control) => control.outerHTML),
      );
    try {
      const pages: [string, string | RegExp, string][] = [
        ['connections', 'Connections', 'phone-connections'],
        ['connections/new', 'Add a connection', 'phone-connection-new'],
        ['mail/templates', 'Mail templates', 'phone-mail-templates'],
        ['mail/templates/reset_password', 'Reset the password', 'phone-mail-template'],
      ];
      for (const [path, heading, shot] of pages) {
        await admin.goto(consoleUrl(acme, path));
        await admin.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
        await expect.poll(() => admin.locator('p.loading').count()).toBe(0);
        await expect(fits()).resolves.toBe(true);
        await expect(unlabelled()).resolves.toEqual([]);
        await screenshot(admin, SHOTS, shot);
      }
      const frank = (await userRow(acme, 'frank@acme.test'))!;
      await admin.goto(consoleUrl(acme, `users/${frank.id}`));
      await admin.getByRole('heading', { level: 1, name: 'frank@acme.test' }).waitFor();
      await expect.poll(() => admin.locator('p.loading').count()).toBe(0);
      await expect(fits()).resolves.toBe(true);
      await expect(unlabelled()).resolves.toEqual([]);
      await screenshot(admin, SHOTS, 'phone-user');
    } finally {
      await admin.setViewportSize({ width: 1280, height: 860 });
    }
    expect(adminProblems).toEqual([]);
  });
});

/** A PNG of red and dark stripes, big enough to be seen as a logo in the screenshot. */
function stripedPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rows.set(Math.floor(x / 12) % 2 === 0 ? [176, 16, 48] : [40, 40, 60], y * (width * 3 + 1) + 1 + x * 3);
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

describe('branding', () => {
  it('draws the login page live from the draft in a sandboxed frame, saves with If-Match, and the real login page shows it', async () => {
    await open(admin, 'Branding');
    const preview = admin.frameLocator('iframe[title="Preview of the login page"]');
    await preview.getByRole('button', { name: 'Sign in', exact: true }).waitFor();

    await admin.getByLabel('Display name', { exact: true }).fill('Acme Rot');
    await admin.getByLabel('Primary colour', { exact: true }).fill('#b01030');
    // The logo is read in the browser as a data: URL.
    await admin.getByLabel('Logo', { exact: true }).setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: stripedPng(120, 36) });
    await preview.getByRole('img', { name: 'Acme Rot' }).waitFor();
    // The frame is drawn again from the draft: the new name, and the new colour on its button.
    await preview.getByText('Acme Rot').first().waitFor();
    await expect
      .poll(() => preview.getByRole('button', { name: 'Sign in', exact: true }).evaluate((button) => getComputedStyle(button).backgroundColor))
      .toBe('rgb(176, 16, 48)');
    // A sandbox without scripts, forms or navigation, its page under the console's own policy.
    await expect(admin.locator('iframe[title="Preview of the login page"]').getAttribute('sandbox')).resolves.toBe('allow-same-origin');
    await screenshot(admin, SHOTS, 'branding');

    await admin.getByRole('button', { name: 'Save branding' }).click();
    await admin.getByText('Saved: every page and mail of the tenant shows it from now on.').waitFor();

    // The tenant's real login page, as a browser reaches it from an authorization request.
    const login = new TestBrowser();
    const authorize = new URL(`${acme.issuer}/auth`);
    authorize.search = new URLSearchParams({
      client_id: 'tansu-console',
      redirect_uri: `${acme.issuer}/console/callback`,
      response_type: 'code',
      scope: 'openid',
      code_challenge: oidc.randomPKCECodeVerifier(),
      code_challenge_method: 'S256',
    }).toString();
    const redirect = await login.request(authorize);
    expect(redirect.status).toBe(303);
    const page = await login.request(new URL(redirect.headers.get('location')!, authorize), { headers: BROWSER_ACCEPT });
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('Acme Rot');
    expect(body).toContain(`${new URL(acme.issuer).pathname}/branding/logo?v=`);
    const stylesheet = /<link rel="stylesheet" href="([^"]+)">/.exec(body)![1]!;
    expect(await (await fetch(new URL(stylesheet, acme.issuer))).text()).toContain('--tansu-primary:#b01030');

    // Another admin changes the branding meanwhile: this page's ETag is stale, its save refused (412), theirs kept.
    await updateBranding(acme, { accentColor: '#123456' }, TEST_ACTOR);
    await admin.getByLabel('Display name', { exact: true }).fill('Acme Grün');
    await admin.getByRole('button', { name: 'Save branding' }).click();
    await admin.getByText('Someone changed the branding after you opened it.').waitFor();
    expect((await readBranding(acme.db)).displayName).toBe('Acme Rot');
    expect(adminProblems.splice(0)).toEqual([expect.stringContaining('412 (Precondition Failed)')]);
    await admin.getByRole('button', { name: 'Load the current version' }).click();
    await expect.poll(() => admin.getByLabel('Accent colour', { exact: true }).inputValue()).toBe('#123456');
    expect(adminProblems).toEqual([]);
  });
});

describe("the issue's journey", () => {
  it('an admin invites a user in the console, the user accepts the mailed link and signs in to an app, the admin disables them and their next refresh fails', async () => {
    const redirectUri = 'http://127.0.0.1:9/notes/callback';
    const notes = await createClient(acme, { name: 'Notes', type: 'public', redirectUris: [redirectUri] }, TEST_ACTOR);

    await open(admin, 'Users');
    await admin.getByRole('button', { name: 'Invite user' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Invite a user' });
    await dialog.getByLabel('Email', { exact: true }).fill('erin@acme.test');
    await dialog.getByLabel('Roles', { exact: true }).fill('Editor');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await dialog.getByText('An invitation is on its way to erin@acme.test.').waitFor();
    await screenshot(admin, SHOTS, 'user-invited');
    await dialog.getByRole('button', { name: 'Done' }).click();

    // The invitee opens the mailed link in a browser of their own and chooses a name and a password.
    const link = linkIn(await nthMailTo(smtp, 'erin@acme.test'), '/accept-invitation');
    await open(admin, 'Mail');
    await admin.getByLabel('To', { exact: true }).fill('erin@acme.test');
    await admin.getByRole('button', { name: 'Filter' }).click();
    // One row once the filter applies: the invitation to erin, delivered.
    const mailRows = admin.getByRole('region', { name: 'Mail' }).locator('tbody tr');
    const cells = async () => Promise.all((await mailRows.all()).map((row) => row.locator('td').allTextContents()));
    await expect.poll(async () => (await cells()).map((row) => [row[1], row[3]])).toEqual([['erin@acme.test', 'sent']]);
    await screenshot(admin, SHOTS, 'mail');
    const { context: invitee, page: accept } = await openPage(browser());
    await accept.goto(link.href);
    await accept.getByLabel('Name (optional)').fill('Erin');
    await accept.getByLabel('Password', { exact: true }).fill('erin password 123');
    await screenshot(accept, SHOTS, 'invitation-accept-page');
    await accept.getByRole('button', { name: 'Create account' }).click();
    await accept.getByRole('heading', { name: 'Your account is ready' }).waitFor();
    await invitee.close();

    // And signs in to an app that keeps a refresh token.
    const config = await oidc.discovery(new URL(acme.issuer), notes.client.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const started = await startAuthorization(config, { redirect_uri: redirectUri, scope: 'openid email offline_access', prompt: 'consent' });
    const trace = await signInWithoutJavaScript(new TestBrowser(), started.url, { email: 'erin@acme.test', password: 'erin password 123', redirectUri });
    const tokens = await oidc.authorizationCodeGrant(config, trace.callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
    const renewed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(renewed.refresh_token).toBeDefined();

    // The admin finds them in the console, signed in to the app, and disables them.
    await open(admin, 'Users');
    await admin.getByLabel('Email contains').fill('erin@');
    await admin.getByRole('button', { name: 'Search' }).click();
    await admin.getByRole('link', { name: 'erin@acme.test' }).click();
    await admin.getByRole('heading', { level: 1, name: 'erin@acme.test' }).waitFor();
    await admin.getByRole('region', { name: 'Sessions' }).locator('tbody tr', { hasText: notes.client.client_id }).waitFor();
    await screenshot(admin, SHOTS, 'user-signed-in-to-an-app');
    await admin.getByRole('button', { name: 'Disable user' }).click();
    await admin.getByRole('dialog', { name: 'Disable user' }).getByRole('button', { name: 'Disable user' }).click();
    await admin.getByText('erin@acme.test is disabled.').waitFor();

    await expect(oidc.refreshTokenGrant(config, renewed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(adminProblems).toEqual([]);
  });
});

describe('signing out', () => {
  it('revokes the refresh token, ends the session at the provider and comes back to the console', async () => {
    await admin.getByRole('button', { name: 'Sign out' }).click();
    await admin.getByRole('button', { name: 'Yes, sign me out' }).click();
    await admin.getByRole('heading', { level: 1, name: 'You have signed out' }).waitFor();
    await screenshot(admin, SHOTS, 'signed-out');
    await expect(admin.evaluate(() => Object.keys(sessionStorage).filter((key) => key.startsWith('tansu.console:')))).resolves.toEqual([]);
    const adminId = (await userRow(acme, acme.adminEmail))!.id;
    const live = await acme.db
      .selectFrom('oidc_payloads')
      .select('id')
      .where('model', 'in', ['RefreshToken', 'Session'])
      .where(({ eb, ref }) => eb(eb.fn('jsonb_extract_path_text', [ref('payload'), eb.val('accountId')]), '=', adminId))
      .execute();
    expect(live).toEqual([]);
  });
});
