import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { uniqueTenantId } from '../../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { chromiumForThisFile, openPage, screenshot, watchPage } from '../../support/chromium.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';

/**
 * The tenant console in a real browser: an administrator signs in through the tenant's own
 * login page and works every page against the tenant admin API. Screenshots of each page land
 * in test-results/screenshots/tenant-console/.
 */
const browser = chromiumForThisFile();
const SHOTS = 'tenant-console';

let bed: OidcTestBed;
let acme: TestTenant;
let admin: Page;
let adminProblems: string[];

const consoleUrl = (tenant: TestTenant, path = '') => `${tenant.issuer}/console/${path}`;

/** Signs in at the tenant's login page, where the console sent the browser. */
async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

beforeAll(async () => {
  bed = await startOidcTestBed();
  acme = await createTestTenant(bed, uniqueTenantId('console-acme'));
  ({ page: admin } = await openPage(browser()));
  adminProblems = watchPage(admin);
  await admin.goto(consoleUrl(acme));
  try { await signIn(admin, acme.adminEmail, acme.adminPassword); } catch (e) { console.log('DEBUG', admin.url(), adminProblems, (await admin.content()).slice(0, 2000)); throw e; }
  await admin.getByRole('heading', { level: 1, name: /^Overview of/ }).waitFor();
});
afterAll(async () => {
  await bed?.close();
});

describe('the console page', () => {
  it('is served with a strict Content-Security-Policy, its assets cacheable for good under the build', async () => {
    const response = await fetch(consoleUrl(acme));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
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
    expect((await fetch(new URL(entry.replace('main.js', '../../../package.json'), bed.publicUrl))).status).toBe(404);
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
      ['Signing keys', 'Signing keys'],
      ['Settings', 'Settings'],
      ['Audit log', 'Audit log'],
      ['Sign-in activity', 'Sign-in activity'],
    ];
    for (const [link, heading] of pages) {
      await admin.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: link, exact: true }).click();
      const h1 = admin.getByRole('heading', { level: 1, name: heading, exact: true });
      await h1.waitFor();
      await expect(h1.evaluate((element) => element === document.activeElement)).resolves.toBe(true);
      await admin.waitForLoadState('networkidle');
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
