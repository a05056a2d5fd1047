import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { sql } from 'kysely';
import { formsOf, signIn, startAuthorization, TestBrowser, type FormOnPage } from '../../support/browser.ts';
import {
  BROWSER_ACCEPT,
  linkIn,
  mailsTo,
  nthMailTo,
  REDIRECT_URI,
  startAccountFlowBed,
  submit,
  type AccountFlowBed,
  type FlowTenant,
} from '../../support/account-flows.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { disableUser } from '../../../src/modules/users/user-account.service.ts';
import { revokeUserSession } from '../../../src/modules/users/user-sessions.service.ts';
import { authenticatePassword } from '../../../src/modules/users/authenticate.ts';
import { loginKeysFor } from '../../../src/modules/users/login-keys.ts';

/**
 * The account page end to end over real HTTP: a browser with a cookie jar signs in through the
 * tenant's own login page with the built-in `tansu-account` client, then uses each section; mail
 * goes through the real SMTP server of the bed.
 */
let bed: AccountFlowBed;
let acme: FlowTenant;
let other: FlowTenant;

beforeAll(async () => {
  bed = await startAccountFlowBed();
  acme = await bed.tenant('acct');
  other = await bed.tenant('acct-b');
});
afterAll(async () => {
  await bed?.close();
});

const home = (tenant: FlowTenant) => `${tenant.issuer}/account`;

let nextIp = 1;
const passwordWorks = async (tenant: FlowTenant, email: string, password: string) =>
  (await authenticatePassword(tenant.db, loginKeysFor(bed.oidc.platform.config, tenant.id), { email, password, ip: `198.51.100.${nextIp++}` })).ok;

async function newUser(tenant: FlowTenant, email: string, password: string, name?: string) {
  return (await createUser(tenant, { email, password, name, emailVerified: true }, TEST_ACTOR)).user;
}

/** Signs in to the account page as a person would: the page sends the browser to the login page and back. */
async function accountBrowser(tenant: FlowTenant, email: string, password: string): Promise<TestBrowser> {
  const browser = new TestBrowser();
  const trace = await signIn(browser, home(tenant), { email, password, redirectUri: `${home(tenant)}/callback` });
  expect(trace.sawLoginPage).toBe(true);
  expect(trace.sawConsentPage).toBe(false);
  const back = await browser.request(trace.callback);
  expect(back.status).toBe(303);
  expect(back.headers.get('location')).toBe(`${new URL(tenant.issuer).pathname}/account/profile`);
  return browser;
}

async function openSection(browser: TestBrowser, tenant: FlowTenant, path: string): Promise<string> {
  const response = await browser.request(`${home(tenant)}/${path}`, { headers: BROWSER_ACCEPT });
  expect(response.status, `GET account/${path}`).toBe(200);
  return response.text();
}

/** The form on the page that posts to `…/account/<action>` (the sign-out form comes first on every section). */
function formTo(html: string, tenant: FlowTenant, action: string, matching: (form: FormOnPage) => boolean = () => true): FormOnPage {
  const form = formsOf(html, tenant.issuer).find((f) => f.action === `${home(tenant)}/${action}` && matching(f));
  expect(form, `a form posting to account/${action}`).toBeDefined();
  return form!;
}

/** A relying party's sign-in in its own browser, with a refresh token. */
async function appSession(tenant: FlowTenant, email: string, password: string) {
  const browser = new TestBrowser();
  const started = await startAuthorization(tenant.spa, { redirect_uri: REDIRECT_URI, scope: 'openid email offline_access', prompt: 'consent' });
  const trace = await signIn(browser, started.url, { email, password, redirectUri: REDIRECT_URI });
  const tokens = await oidc.authorizationCodeGrant(tenant.spa, trace.callback, {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
    expectedNonce: started.nonce,
  });
  let refreshToken = tokens.refresh_token!;
  expect(refreshToken).toBeTruthy();
  return {
    browser,
    /** Whether the refresh token still works (it rotates: the new one is kept). */
    async refreshes(): Promise<boolean> {
      try {
        refreshToken = (await oidc.refreshTokenGrant(tenant.spa, refreshToken)).refresh_token!;
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** The uids of the user's provider sessions. */
const sessionIdsOf = async (tenant: FlowTenant, userId: string) =>
  (await sql<{ uid: string }>`SELECT payload->>'uid' AS uid FROM oidc_payloads WHERE model = 'Session' AND payload->>'accountId' = ${userId}`.execute(tenant.db)).rows.map(
    (row) => row.uid,
  );

/** The uid of the provider session a browser is signed in with (its session cookie holds the row id). */
async function sessionIdOfBrowser(tenant: FlowTenant, browser: TestBrowser): Promise<string> {
  const rowId = cookieValue(browser, `${tenant.issuer}/`, `tansu.${tenant.id}.session`);
  const { rows } = await sql<{ uid: string }>`SELECT payload->>'uid' AS uid FROM oidc_payloads WHERE model = 'Session' AND id = ${rowId ?? ''}`.execute(tenant.db);
  expect(rows, 'the browser has a provider session').toHaveLength(1);
  return rows[0]!.uid;
}

/** The value of one cookie the browser would send to `url`. */
function cookieValue(browser: TestBrowser, url: string, name: string): string | undefined {
  return browser
    .cookieHeader(new URL(url))
    .split('; ')
    .find((pair) => pair.startsWith(`${name}=`))
    ?.slice(name.length + 1);
}

async function expectSentToSignIn(response: Response, tenant: FlowTenant) {
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(`${tenant.issuer}/auth`);
  return location;
}

describe('signing in', () => {
  it('goes through the tenant login page with the built-in client (PKCE, state, nonce, no consent) and opens the profile', async () => {
    await newUser(acme, 'ada@acct.test', 'ada password 1', 'Ada');
    const started = await expectSentToSignIn(await new TestBrowser().request(`${home(acme)}/sessions`), acme);
    expect(Object.fromEntries(started.searchParams)).toMatchObject({
      client_id: 'tansu-account',
      response_type: 'code',
      redirect_uri: `${home(acme)}/callback`,
      code_challenge_method: 'S256',
      scope: 'openid profile email',
    });
    expect(started.searchParams.get('state')).toBeTruthy();
    expect(started.searchParams.get('nonce')).toBeTruthy();
    expect(started.searchParams.get('prompt')).toBeNull();
    // "Sign in again" (instead of typing the password to change the address) asks for the login page.
    const fresh = await expectSentToSignIn(await new TestBrowser().request(`${home(acme)}/sign-in?section=email&fresh=1`), acme);
    expect(fresh.searchParams.get('prompt')).toBe('login');

    const browser = await accountBrowser(acme, 'ada@acct.test', 'ada password 1');
    const opened = await browser.request(home(acme));
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe(`${new URL(acme.issuer).pathname}/account/profile`);
    const response = await browser.request(`${home(acme)}/profile`, { headers: BROWSER_ACCEPT });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('ada@acct.test');
    expect(html).not.toMatch(/<script|\sstyle="/);
    for (const [id, label] of [['name', 'Name'], ['given_name', 'Given name'], ['family_name', 'Family name']]) {
      expect(html).toContain(`<label for="${id}">${label}</label>`);
    }
    expect(html).toContain('aria-current="page"');
  });

  it('refuses a callback whose state is not the one this browser started', async () => {
    const browser = new TestBrowser();
    await browser.request(`${home(acme)}/profile`);
    const response = await browser.request(`${home(acme)}/callback?code=abc&state=forged`, { headers: BROWSER_ACCEPT });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Sign-in not finished');
    expect(cookieValue(browser, `${home(acme)}/profile`, `tansu.${acme.id}.account`)).toBeUndefined();
  });
});

describe('profile', () => {
  it('saves the names with the user as actor; a form without its CSRF token gets 403 and changes nothing', async () => {
    const user = await newUser(acme, 'bea@acct.test', 'bea password 1', 'Bea');
    const browser = await accountBrowser(acme, 'bea@acct.test', 'bea password 1');
    const form = formTo(await openSection(browser, acme, 'profile'), acme, 'profile');

    const { csrf: _csrf, ...withoutToken } = form.fields;
    const forged = await browser.request(form.action, { form: { ...withoutToken, name: 'Mallory' }, headers: BROWSER_ACCEPT });
    expect(forged.status).toBe(403);

    const saved = await submit(browser, form, { name: 'Beatrice Example', given_name: 'Beatrice', family_name: '' });
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain('Your profile is saved.');
    const row = await acme.db.selectFrom('users').select(['name', 'given_name', 'family_name']).where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ name: 'Beatrice Example', given_name: 'Beatrice', family_name: null });
    const audit = await acme.db.selectFrom('audit_events').select(['actor', 'details']).where('target', '=', user.id).where('action', '=', 'user.updated').execute();
    expect(audit).toEqual([{ actor: `user:${user.id}`, details: { before: { name: 'Bea', given_name: null }, after: { name: 'Beatrice Example', given_name: 'Beatrice' } } }]);
  });
});

describe('password', () => {
  it('needs the current one; the new one works, the old one not, other sessions and refresh tokens die, this page stays signed in', async () => {
    const user = await newUser(acme, 'cleo@acct.test', 'cleo password 1');
    const app = await appSession(acme, 'cleo@acct.test', 'cleo password 1');
    const browser = await accountBrowser(acme, 'cleo@acct.test', 'cleo password 1');
    const form = formTo(await openSection(browser, acme, 'password'), acme, 'password');

    const wrong = await submit(browser, form, { current_password: 'not it at all', password: 'cleo password 2' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('The current password is not right.');
    const weak = await submit(browser, form, { current_password: 'cleo password 1', password: 'short' });
    expect(weak.status).toBe(400);
    expect(await app.refreshes()).toBe(true);

    const changed = await submit(browser, form, { current_password: 'cleo password 1', password: 'cleo password 2' });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toContain('Your password is changed.');
    expect(await passwordWorks(acme, 'cleo@acct.test', 'cleo password 1')).toBe(false);
    expect(await passwordWorks(acme, 'cleo@acct.test', 'cleo password 2')).toBe(true);
    expect(await app.refreshes()).toBe(false);
    expect(await sessionIdsOf(acme, user.id)).toHaveLength(1);
    await openSection(browser, acme, 'sessions');
  });
});

describe('email address', () => {
  it('mails a link to the new address; the address changes (verified) only when it is used, and the old one is told', async () => {
    const user = await newUser(acme, 'dora@acct.test', 'dora password 1');
    const browser = await accountBrowser(acme, 'dora@acct.test', 'dora password 1');
    const form = formTo(await openSection(browser, acme, 'email'), acme, 'email');

    const wrong = await submit(browser, form, { email: 'dora.new@acct.test', current_password: 'wrong password' });
    expect(wrong.status).toBe(400);
    // Just signed in: the password may stay empty.
    const asked = await submit(browser, form, { email: 'Dora.New@acct.test', current_password: '' });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('a link to confirm it is on its way');
    expect((await acme.db.selectFrom('users').select('email').where('id', '=', user.id).executeTakeFirstOrThrow()).email).toBe('dora@acct.test');

    const link = linkIn(await nthMailTo(bed.smtp, 'dora.new@acct.test'), '/account/confirm-email');
    // A link of tenant A means nothing at tenant B.
    const elsewhere = await new TestBrowser().request(`${other.issuer}/account/confirm-email${link.search}`, { headers: BROWSER_ACCEPT });
    expect(elsewhere.status).toBe(400);

    const confirmer = new TestBrowser();
    const page = await confirmer.request(link, { headers: BROWSER_ACCEPT });
    expect(page.status).toBe(200);
    const button = formsOf(await page.text(), link.href)[0]!;
    const confirmed = await submit(confirmer, button, {});
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Address changed');
    const row = await acme.db.selectFrom('users').select(['email', 'email_verified']).where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ email: 'dora.new@acct.test', email_verified: true });
    expect(await passwordWorks(acme, 'dora.new@acct.test', 'dora password 1')).toBe(true);
    expect(await passwordWorks(acme, 'dora@acct.test', 'dora password 1')).toBe(false);
    const notice = await nthMailTo(bed.smtp, 'dora@acct.test');
    expect(notice.mail.subject).toContain('was changed');

    const again = await submit(confirmer, button, {});
    expect(again.status).toBe(400);
  });

  it('answers an address another account has like any other, and stores and sends nothing for it', async () => {
    await newUser(acme, 'taken@acct.test', 'taken password 1');
    const user = await newUser(acme, 'eve@acct.test', 'eve password 1');
    const browser = await accountBrowser(acme, 'eve@acct.test', 'eve password 1');
    const form = formTo(await openSection(browser, acme, 'email'), acme, 'email');
    const asked = await submit(browser, form, { email: 'taken@acct.test', current_password: 'eve password 1' });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('If taken@acct.test can be used, a link to confirm it is on its way');
    const tokens = await acme.db.selectFrom('email_tokens').select('email').where('user_id', '=', user.id).where('purpose', '=', 'change_email').execute();
    expect(tokens).toEqual([]);
    const outbox = await acme.db.selectFrom('mail_outbox').select('id').where('to_address', '=', 'taken@acct.test').execute();
    expect(outbox).toEqual([]);
    expect(mailsTo(bed.smtp, 'taken@acct.test')).toEqual([]);
  });
});

describe('sessions and connected apps', () => {
  it('lists the sessions, signs out one (its refresh token dies) and then all others, keeping this one', async () => {
    await newUser(acme, 'finn@acct.test', 'finn password 1');
    const first = await appSession(acme, 'finn@acct.test', 'finn password 1');
    const second = await appSession(acme, 'finn@acct.test', 'finn password 1');
    const browser = await accountBrowser(acme, 'finn@acct.test', 'finn password 1');

    const html = await openSection(browser, acme, 'sessions');
    expect(html.match(/<li>\n<h3/g)).toHaveLength(3);
    expect(html).toContain('(this browser)');
    expect(html).toContain('Flows SPA');
    const revokeForms = formsOf(html, acme.issuer).filter((f) => f.action === `${home(acme)}/sessions/revoke`);
    expect(revokeForms).toHaveLength(2);
    const secondSession = await sessionIdOfBrowser(acme, second.browser);
    const revoked = await submit(browser, revokeForms.find((f) => f.fields.session === secondSession)!, {});
    expect(revoked.status).toBe(200);
    expect(await second.refreshes()).toBe(false);
    expect(await first.refreshes()).toBe(true);

    const rest = await submit(browser, formTo(await revoked.text(), acme, 'sessions/revoke-others'), {});
    expect(rest.status).toBe(200);
    expect(await rest.text()).toContain('1 other session is signed out.');
    expect(await first.refreshes()).toBe(false);
    expect((await openSection(browser, acme, 'sessions')).match(/<li>\n<h3/g)).toHaveLength(1);
  });

  it("lists the apps the user allowed (not the account page's own) and disconnects one: its refresh token fails", async () => {
    await newUser(acme, 'gus@acct.test', 'gus password 1');
    const app = await appSession(acme, 'gus@acct.test', 'gus password 1');
    const browser = await accountBrowser(acme, 'gus@acct.test', 'gus password 1');
    const html = await openSection(browser, acme, 'apps');
    expect(html).toContain('Flows SPA');
    expect(html).not.toContain('Tansu account');
    const disconnected = await submit(browser, formTo(html, acme, 'apps/revoke'), {});
    expect(disconnected.status).toBe(200);
    const after = await disconnected.text();
    expect(after).toContain('The app is disconnected.');
    expect(after).not.toContain('Flows SPA');
    expect(await app.refreshes()).toBe(false);
  });
});

describe('the account session', () => {
  it('ends when an admin revokes its provider session or disables the user', async () => {
    const user = await newUser(acme, 'hal@acct.test', 'hal password 1');
    const browser = await accountBrowser(acme, 'hal@acct.test', 'hal password 1');
    await openSection(browser, acme, 'profile');
    const [sessionId] = await sessionIdsOf(acme, user.id);
    await revokeUserSession(acme, { userId: user.id, sessionId: sessionId! }, TEST_ACTOR);
    await expectSentToSignIn(await browser.request(`${home(acme)}/profile`), acme);

    // The user's status is asked on every request, whatever else a disabled account leaves behind.
    const again = await accountBrowser(acme, 'hal@acct.test', 'hal password 1');
    await acme.db.updateTable('users').set({ status: 'disabled' }).where('id', '=', user.id).execute();
    await expectSentToSignIn(await again.request(`${home(acme)}/profile`), acme);
    await acme.db.updateTable('users').set({ status: 'active' }).where('id', '=', user.id).execute();
    expect(cookieValue(again, `${home(acme)}/profile`, `tansu.${acme.id}.account`)).toBeUndefined();

    const third = await accountBrowser(acme, 'hal@acct.test', 'hal password 1');
    await openSection(third, acme, 'profile');
    await disableUser(acme, { userId: user.id }, TEST_ACTOR);
    await expectSentToSignIn(await third.request(`${home(acme)}/profile`), acme);
  });

  it("is tenant A's only: its cookie presented at tenant B opens nothing there", async () => {
    await newUser(acme, 'ivy@acct.test', 'ivy password 1');
    await newUser(other, 'ivy@acct.test', 'ivy password 1');
    const browser = await accountBrowser(acme, 'ivy@acct.test', 'ivy password 1');
    const sealed = cookieValue(browser, `${home(acme)}/profile`, `tansu.${acme.id}.account`);
    expect(sealed).toBeTruthy();
    const atB = await fetch(`${home(other)}/profile`, { headers: { cookie: `tansu.${other.id}.account=${sealed}` }, redirect: 'manual' });
    await expectSentToSignIn(atB, other);
  });

  it('signs out: the page forgets the user, and the tenant session ends through RP-initiated logout back to the page', async () => {
    await newUser(acme, 'jo@acct.test', 'jo password 1');
    const browser = await accountBrowser(acme, 'jo@acct.test', 'jo password 1');
    const out = await submit(browser, formTo(await openSection(browser, acme, 'profile'), acme, 'sign-out'), {});
    expect(out.status).toBe(303);
    const endSession = new URL(out.headers.get('location')!);
    expect(`${endSession.origin}${endSession.pathname}`).toBe(`${acme.issuer}/session/end`);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${home(acme)}/`);
    expect(cookieValue(browser, `${home(acme)}/profile`, `tansu.${acme.id}.account`)).toBeUndefined();

    const confirm = await browser.request(endSession, { headers: BROWSER_ACCEPT });
    expect(confirm.status).toBe(200);
    const logout = formsOf(await confirm.text(), endSession.href)[0]!;
    const done = await browser.request(logout.action, { form: { ...logout.fields, logout: 'yes' } });
    expect(done.status).toBe(303);
    const back = new URL(done.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(`${home(acme)}/`);
    const signedOut = await browser.request(back, { headers: BROWSER_ACCEPT });
    expect(signedOut.status).toBe(200);
    expect(await signedOut.text()).toContain('You are signed out');

    // The provider session is gone too: signing in again shows the login page.
    const trace = await signIn(browser, home(acme), { email: 'jo@acct.test', password: 'jo password 1', redirectUri: `${home(acme)}/callback` });
    expect(trace.sawLoginPage).toBe(true);
  });
});
