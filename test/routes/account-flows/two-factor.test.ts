import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { generate } from 'otplib';
import { formsOf, TestBrowser, type FormOnPage } from '../../support/browser.ts';
import { BROWSER_ACCEPT, startAccountFlowBed, type AccountFlowBed, type FlowTenant } from '../../support/account-flows.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { updateTenantSettings } from '../../../src/modules/settings/settings.service.ts';
import { confirmTotpEnrolment, startTotpEnrolment } from '../../../src/modules/mfa/enrolment.service.ts';

/**
 * The account page's two-factor section over real HTTP (routes/account/manage/two-factor-section.ts):
 * a browser with a cookie jar signs in through the tenant's login page (and its second step when
 * the account has a factor); codes are computed here from the key the page shows, as an app would.
 * Tenant A leaves factors optional; tenant B requires one.
 */
const PASSWORD = 'two factor password';

let bed: AccountFlowBed;
let a: FlowTenant;
let b: FlowTenant;
/** What ana's setup at A showed, and the recovery codes she holds now. */
let anaSecret: string;
let anaCodes: string[];

beforeAll(async () => {
  bed = await startAccountFlowBed();
  [a, b] = await Promise.all([bed.tenant('acct-2fa-a'), bed.tenant('acct-2fa-b', { mfa: { policy: 'required' } })]);
  await createUser(a, { email: 'ana@2fa.test', password: PASSWORD, emailVerified: true }, TEST_ACTOR);
  await createUser(a, { email: 'ben@2fa.test', password: PASSWORD, emailVerified: true }, TEST_ACTOR);
  await createUser(a, { email: 'dee@2fa.test', password: PASSWORD, emailVerified: true }, TEST_ACTOR);
  await createUser(b, { email: 'cy@2fa.test', password: PASSWORD, emailVerified: true }, TEST_ACTOR);
}, 120_000);
afterAll(async () => {
  await bed?.close();
});

const section = (tenant: FlowTenant) => `${tenant.issuer}/account/two-factor`;

interface Stop {
  url: string;
  status: number;
  html: string;
  headers: Headers;
}

/** Requests `url` (posting `form`) and follows redirects to the page they end at. */
async function go(browser: TestBrowser, url: string, form?: Record<string, string>): Promise<Stop> {
  let next: { url: string; form?: Record<string, string> } = { url, form };
  for (let hop = 0; hop < 20; hop++) {
    const response = await browser.request(next.url, { ...(next.form ? { form: next.form } : {}), headers: BROWSER_ACCEPT });
    if (response.status >= 300 && response.status < 400) {
      await response.arrayBuffer();
      next = { url: new URL(response.headers.get('location')!, next.url).href };
      continue;
    }
    return { url: next.url, status: response.status, html: await response.text(), headers: response.headers };
  }
  throw new Error('too many redirects');
}

/** The form of the page posting to `<section>/<action>`, and it posted with `fields`. */
function formTo(stop: Stop, tenant: FlowTenant, action: string): FormOnPage {
  const form = formsOf(stop.html, stop.url).find((f) => f.action === `${section(tenant)}/${action}`);
  expect(form, `a form posting to two-factor/${action}`).toBeDefined();
  return form!;
}
const post = (browser: TestBrowser, stop: Stop, tenant: FlowTenant, action: string, fields: Record<string, string> = {}) => {
  const form = formTo(stop, tenant, action);
  return go(browser, form.action, { ...form.fields, ...fields });
};

/**
 * Opens the section in a new browser: the login page, then (for an account with a factor) the
 * page asking for a code, where `code` is typed, then the section.
 */
async function signedIn(tenant: FlowTenant, email: string, code?: string): Promise<{ browser: TestBrowser; stop: Stop; askedForCode: boolean }> {
  const browser = new TestBrowser();
  const login = await go(browser, section(tenant));
  expect(login.html).toContain('name="password"');
  let stop = await go(browser, formsOf(login.html, login.url)[0]!.action, { ...formsOf(login.html, login.url)[0]!.fields, email, password: PASSWORD });
  const askedForCode = stop.url.includes('/interaction/') && stop.html.includes('name="code"');
  if (askedForCode && code !== undefined) stop = await go(browser, formsOf(stop.html, stop.url)[0]!.action, { ...formsOf(stop.html, stop.url)[0]!.fields, code });
  return { browser, stop, askedForCode };
}

const secretOnPage = (html: string) => /<code id="totp-secret">([A-Z2-7 ]+)<\/code>/.exec(html)![1]!.replaceAll(' ', '');
const recoveryCodesOnPage = (html: string) => [...html.matchAll(/<li><code>([0-9a-z-]+)<\/code><\/li>/g)].map((match) => match[1]!);
/** A code of the next time step: in the window, and newer than the one the setup used up. */
const nextCode = (secret: string) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
const factorCount = async (tenant: FlowTenant, email: string) =>
  Number(
    (await sql<{ n: string }>`SELECT count(*) AS n FROM mfa_factors f JOIN users u ON u.id = f.user_id WHERE u.email = ${email}`.execute(tenant.db)).rows[0]!.n,
  );

describe('the two-factor section', () => {
  it('sets up an authenticator app: QR code and key, a confirming code (a wrong one refused), then ten recovery codes once; the list shows no secret, and the app can be renamed', async () => {
    const { browser, stop: overview, askedForCode } = await signedIn(a, 'ana@2fa.test');
    expect(askedForCode).toBe(false);
    expect(overview.status).toBe(200);
    expect(overview.url).toBe(section(a));
    expect(overview.headers.get('x-frame-options')).toBe('DENY');
    expect(overview.headers.get('content-security-policy')).toContain("script-src 'none'");
    expect(overview.html).not.toMatch(/<script|\son\w+=|\sstyle=/i);
    expect(overview.html).toContain('aria-current="page">Two-factor authentication</a>');
    expect(overview.html).toContain('You sign in with your password only');

    const setup = await post(browser, overview, a, 'setup');
    expect(setup.status).toBe(200);
    expect(setup.html).toMatch(/<svg role="img" aria-label="[^"]+"[^>]*>[\s\S]*<path/);
    expect(setup.html).toContain('<label for="code">');
    expect(setup.html).toContain('autocomplete="one-time-code"');
    anaSecret = secretOnPage(setup.html);

    const right = await generate({ secret: anaSecret });
    const wrong = `${(Number(right[0]) + 1) % 10}${right.slice(1)}`;
    const again = await post(browser, setup, a, 'confirm', { code: wrong });
    expect(again.status).toBe(400);
    expect(again.html).toContain('That code is not right');
    expect(secretOnPage(again.html)).toBe(anaSecret);

    const done = await post(browser, again, a, 'confirm', { code: right });
    expect(done.status).toBe(200);
    anaCodes = recoveryCodesOnPage(done.html);
    expect(anaCodes).toHaveLength(10);

    const listed = await go(browser, section(a));
    expect(listed.html).toContain('<h3 id="factor-0">Authenticator app</h3>');
    expect(listed.html).toContain('10 of your recovery codes are left');
    expect(listed.html).not.toContain(anaSecret);
    expect(listed.html).not.toContain(anaCodes[0]);

    const blank = await post(browser, listed, a, 'rename', { label: '  ' });
    expect(blank.status).toBe(400);
    const renamed = await post(browser, blank, a, 'rename', { label: 'Phone <b>' });
    expect(renamed.status).toBe(200);
    expect(renamed.html).toContain('<h3 id="factor-0">Phone &#60;b&#62;</h3>');
  });

  it('the next sign-in asks for a code; new recovery codes (after a recent sign-in) void the old ones', async () => {
    const { browser, stop, askedForCode } = await signedIn(a, 'ana@2fa.test', await nextCode(anaSecret));
    expect(askedForCode).toBe(true);
    expect(stop.url).toBe(section(a));

    const wrongPassword = await post(browser, stop, a, 'recovery-codes', { current_password: 'not the password' });
    expect(wrongPassword.status).toBe(400);
    expect(wrongPassword.html).toContain('The current password is not right.');

    // Signed in moments ago: the password may stay empty.
    const fresh = await post(browser, wrongPassword, a, 'recovery-codes');
    expect(fresh.status).toBe(200);
    const newCodes = recoveryCodesOnPage(fresh.html);
    expect(newCodes).toHaveLength(10);
    expect(newCodes).not.toContain(anaCodes[0]);

    const old = await signedIn(a, 'ana@2fa.test', anaCodes[0]);
    expect(old.stop.status).toBe(401);
    expect(old.stop.url).toContain('/interaction/');
    const retry = await go(old.browser, formsOf(old.stop.html, old.stop.url)[0]!.action, { ...formsOf(old.stop.html, old.stop.url)[0]!.fields, code: newCodes[0]! });
    expect(retry.status).toBe(200);
    expect(retry.url).toBe(section(a));
    expect(retry.html).toContain('9 of your recovery codes are left');
    anaCodes = newCodes.slice(1);
  });

  it('removes the factor with the password (its recovery codes go with it); the next sign-in asks for none', async () => {
    const { browser, stop } = await signedIn(a, 'ana@2fa.test', anaCodes[0]);
    expect(stop.url).toBe(section(a));
    const refused = await post(browser, stop, a, 'remove', { current_password: 'not the password' });
    expect(refused.status).toBe(400);
    expect(await factorCount(a, 'ana@2fa.test')).toBe(1);

    const removed = await post(browser, refused, a, 'remove', { current_password: PASSWORD });
    expect(removed.status).toBe(200);
    expect(removed.html).toContain('The factor is removed.');
    expect(removed.html).toContain('You sign in with your password only');
    expect(await factorCount(a, 'ana@2fa.test')).toBe(0);
    const codes = await sql<{ n: string }>`SELECT count(*) AS n FROM mfa_recovery_codes c JOIN users u ON u.id = c.user_id WHERE u.email = 'ana@2fa.test'`.execute(a.db);
    expect(Number(codes.rows[0]!.n)).toBe(0);
    const audit = await sql<{ action: string }>`SELECT action FROM audit_events WHERE action = 'user.mfa_factor_removed'`.execute(a.db);
    expect(audit.rows).toHaveLength(1);

    const next = await signedIn(a, 'ana@2fa.test');
    expect(next.askedForCode).toBe(false);
    expect(next.stop.url).toBe(section(a));

    // Under the policy `off` no new factor is set up here, as at sign-in.
    await updateTenantSettings(a, { mfa: { policy: 'off' } }, TEST_ACTOR);
    try {
      const off = await go(next.browser, section(a));
      expect(off.html).toContain('New authenticator apps and passkeys are not offered here.');
      const csrf = formsOf(off.html, off.url)[0]!.fields.csrf!;
      const setup = await go(next.browser, `${section(a)}/setup`, { csrf });
      expect(setup.status).toBe(409);
      expect(await factorCount(a, 'ana@2fa.test')).toBe(0);
    } finally {
      await updateTenantSettings(a, { mfa: { policy: 'optional' } }, TEST_ACTOR);
    }
  });

  it('keeps the last factor where the tenant requires one, refuses a form without its CSRF token, and cannot touch another tenant\'s factor', async () => {
    const enrol = async (tenant: FlowTenant, email: string) => {
      const user = (await sql<{ id: string }>`SELECT id FROM users WHERE email = ${email}`.execute(tenant.db)).rows[0]!;
      const enrolment = await startTotpEnrolment(tenant, { userId: user.id, issuerName: 'test', accountName: email });
      expect(await confirmTotpEnrolment(tenant, { userId: user.id, factorId: enrolment.factorId, code: await generate({ secret: enrolment.secret }) }, TEST_ACTOR)).toMatchObject({ ok: true });
      return enrolment;
    };
    const cy = await enrol(b, 'cy@2fa.test');
    const ben = await enrol(a, 'ben@2fa.test');

    const { browser, stop } = await signedIn(b, 'cy@2fa.test', await nextCode(cy.secret));
    expect(stop.url).toBe(section(b));

    const form = formTo(stop, b, 'remove');
    const noToken = await browser.request(form.action, { form: { factor: form.fields.factor!, current_password: PASSWORD }, headers: BROWSER_ACCEPT });
    expect(noToken.status).toBe(403);

    const kept = await post(browser, stop, b, 'remove', { current_password: PASSWORD });
    expect(kept.status).toBe(409);
    expect(kept.html).toContain('This account must keep a second factor');
    expect(await factorCount(b, 'cy@2fa.test')).toBe(1);

    const elsewhere = await go(browser, form.action, { ...form.fields, factor: ben.factorId, current_password: PASSWORD });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.html).toContain('That factor was already removed.');
    expect(await factorCount(a, 'ben@2fa.test')).toBe(1);
  });
  it('setting up an authenticator app needs the password, or a sign-in of the last five minutes', async () => {
    const { browser, stop } = await signedIn(a, 'dee@2fa.test');
    expect(stop.url).toBe(section(a));
    // The sign-in behind this account session is ten minutes old now.
    await sql`UPDATE oidc_payloads SET payload = jsonb_set(payload, '{loginTs}', to_jsonb((payload->>'loginTs')::bigint - 600))
              WHERE model = 'Session' AND payload->>'accountId' = (SELECT id::text FROM users WHERE email = 'dee@2fa.test')`.execute(a.db);
    const overview = await go(browser, section(a));
    expect(overview.html).toContain('<label for="setup-password">Current password</label>');

    const without = await post(browser, overview, a, 'setup');
    expect(without.status).toBe(400);
    expect(without.html).toContain('The current password is not right.');
    expect(without.html).not.toContain('id="totp-secret"');
    const wrong = await post(browser, without, a, 'setup', { current_password: 'not the password' });
    expect(wrong.status).toBe(400);
    expect(await factorCount(a, 'dee@2fa.test')).toBe(0);

    const setup = await post(browser, wrong, a, 'setup', { current_password: PASSWORD });
    expect(setup.status).toBe(200);
    expect(setup.html).toContain('id="totp-secret"');
  });
});
