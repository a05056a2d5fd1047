import * as oidc from 'openid-client';
import { expect } from 'vitest';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from './oidc.ts';
import { startTestSmtpServer, type ReceivedMail, type TestSmtpServer } from './smtp.ts';
import { formsOf, startAuthorization, TestBrowser, type FormOnPage } from './browser.ts';
import { pollUntil } from './eventually.ts';
import { uniqueTenantId } from './platform.ts';
import { TEST_ACTOR } from './scope.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { updateTenantSettings, type TenantSettingsChanges } from '../../src/modules/settings/settings.service.ts';

export const REDIRECT_URI = 'http://127.0.0.1:9/callback';
/** What a browser sends: error answers come as pages. */
export const BROWSER_ACCEPT = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

export interface FlowTenant extends TestTenant {
  /** A first-party public client that may refresh, discovered with openid-client. */
  spa: oidc.Configuration;
}

/**
 * The account flows end to end: one node over real HTTP whose mail sender delivers to a real
 * SMTP server started here (the sender wakes on every announcement, and polls every second).
 */
export interface AccountFlowBed {
  oidc: OidcTestBed;
  smtp: TestSmtpServer;
  tenant(prefix: string, settings?: TenantSettingsChanges): Promise<FlowTenant>;
  close(): Promise<void>;
}

export async function startAccountFlowBed(): Promise<AccountFlowBed> {
  const smtp = await startTestSmtpServer();
  const bed = await startOidcTestBed(1, { env: { SMTP_URL: smtp.url, MAIL_FROM: 'no-reply@flows.test', MAIL_SEND_INTERVAL_SECONDS: '1' } });
  return {
    oidc: bed,
    smtp,
    async tenant(prefix, settings) {
      const tenant = await createTestTenant(bed, uniqueTenantId(prefix));
      if (settings) await updateTenantSettings(tenant, settings, TEST_ACTOR);
      const { client } = await createClient(tenant, {
        name: 'Flows SPA',
        type: 'public',
        redirectUris: [REDIRECT_URI],
        grantTypes: ['authorization_code', 'refresh_token'],
        firstParty: true,
      }, TEST_ACTOR);
      const spa = await oidc.discovery(new URL(tenant.issuer), client.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
      return Object.assign(tenant, { spa });
    },
    async close() {
      await bed.close();
      await smtp.stop();
    },
  };
}

/** The mails `to` has received so far. */
export const mailsTo = (smtp: TestSmtpServer, to: string): ReceivedMail[] => smtp.received.filter((r) => r.envelopeTo.includes(to));

/** Waits for the `count`-th mail to `to` (1-based) and returns it. */
export async function nthMailTo(smtp: TestSmtpServer, to: string, count = 1): Promise<ReceivedMail> {
  const mails = await pollUntil(async () => mailsTo(smtp, to), (list) => list.length >= count);
  expect(mails.length, `mails to ${to}`).toBeGreaterThanOrEqual(count);
  return mails[count - 1]!;
}

/** The one link of a mail's text part that leads to `path` (e.g. `/verify-email`). */
export function linkIn(received: ReceivedMail, path: string): URL {
  const links = [...(received.mail.text ?? '').matchAll(/https?:\/\/\S+/g)].map((m) => new URL(m[0]));
  const matching = links.filter((link) => link.pathname.endsWith(path));
  expect(matching, `a ${path} link in "${received.mail.text}"`).toHaveLength(1);
  expect(received.mail.html || '').toContain(`href="${matching[0]!.href.replaceAll('&', '&amp;')}"`);
  return matching[0]!;
}

/** Opens the login page of a fresh authorization request; returns the page and its URL. */
export async function openLoginPage(browser: TestBrowser, tenant: FlowTenant, extra: Record<string, string> = {}) {
  const started = await startAuthorization(tenant.spa, { redirect_uri: REDIRECT_URI, scope: 'openid email', ...extra });
  const redirect = await browser.request(started.url);
  expect(redirect.status).toBe(303);
  const url = new URL(redirect.headers.get('location')!, started.url);
  const response = await browser.request(url);
  expect(response.status).toBe(200);
  return { started, url, html: await response.text() };
}

/** The href of the link labelled `label` on a page, resolved against `base`. */
export function linkOnPage(html: string, label: string, base: string | URL): URL {
  const match = new RegExp(`<a href="([^"]+)">${label}</a>`).exec(html);
  expect(match, `a link "${label}"`).not.toBeNull();
  return new URL(match![1]!.replaceAll('&amp;', '&'), base);
}

/** Fetches a page with a form and posts that form with `fields` added: what a person filling it in does. */
export async function fillIn(browser: TestBrowser, url: string | URL, fields: Record<string, string>, formIndex = 0): Promise<Response> {
  const page = await browser.request(url, { headers: BROWSER_ACCEPT });
  expect(page.status, `GET ${url}`).toBe(200);
  const form = formsOf(await page.text(), String(url))[formIndex]!;
  return submit(browser, form, fields);
}

export function submit(browser: TestBrowser, form: FormOnPage, fields: Record<string, string>): Promise<Response> {
  return browser.request(form.action, { form: { ...form.fields, ...fields }, headers: BROWSER_ACCEPT });
}
