import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { formsOf, signIn, TestBrowser } from '../../support/browser.ts';
import {
  BROWSER_ACCEPT,
  fillIn,
  linkIn,
  linkOnPage,
  mailsTo,
  nthMailTo,
  openLoginPage,
  REDIRECT_URI,
  startAccountFlowBed,
  submit,
  type AccountFlowBed,
  type FlowTenant,
} from '../../support/account-flows.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { createInvitation } from '../../../src/modules/users/invitations.service.ts';
import { accountMailOf } from '../../../src/modules/users/account-mail.ts';
import { MAIL_THROTTLE } from '../../../src/modules/users/mail-throttle.ts';
import { readTenantSettings } from '../../../src/modules/settings/settings.service.ts';

let bed: AccountFlowBed;
let open: FlowTenant;
let other: FlowTenant;

beforeAll(async () => {
  bed = await startAccountFlowBed();
  [open, other] = await Promise.all([bed.tenant('signup', { signup: 'open' }), bed.tenant('other', { signup: 'open' })]);
});
afterAll(async () => {
  await bed?.close();
});

const userRow = (tenant: FlowTenant, email: string) => tenant.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();

/** The page a browser sees must not be framed or scripted, like the login page. */
async function protectedPage(response: Response): Promise<string> {
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(response.headers.get('content-security-policy')).toContain("script-src 'none'");
  expect(response.headers.get('cache-control')).toBe('no-store');
  const html = await response.text();
  expect(html).not.toMatch(/<script|\son\w+=/i);
  return html;
}

describe('the signup page', () => {
  it('is linked from the login page with the sign-in; its account confirms its address by the mailed link and then signs in', async () => {
    expect((await readTenantSettings(open)).verifiedEmailRequired).toBe(true);
    const browser = new TestBrowser();
    const login = await openLoginPage(browser, open);
    const uid = login.url.pathname.split('/').pop()!;
    const signupUrl = linkOnPage(login.html, 'Create one', login.url);
    expect(signupUrl.pathname).toBe(`/t/${open.id}/signup`);
    expect(signupUrl.searchParams.get('interaction')).toBe(uid);
    expect(linkOnPage(login.html, 'Forgot password\\?', login.url).searchParams.get('interaction')).toBe(uid);

    const signupPage = await browser.request(signupUrl, { headers: BROWSER_ACCEPT });
    expect(signupPage.status).toBe(200);
    const signupHtml = await protectedPage(signupPage);
    expect(signupHtml).toMatch(/<label for="email">Email<\/label>\s*<input id="email" name="email" type="email" autocomplete="email" required/);
    expect(signupHtml).toContain('autocomplete="new-password"');
    expect(signupHtml).toContain('aria-describedby="password-rules"');
    const [form] = formsOf(signupHtml, signupUrl.href);
    expect(form!.fields).toMatchObject({ csrf: expect.any(String), interaction: uid });

    const email = 'newcomer@signup.test';
    const done = await submit(browser, form!, { email, password: 'newcomer password 1', name: 'New Comer' });
    expect(done.status).toBe(200);
    const doneHtml = await protectedPage(done);
    expect(doneHtml).toContain('Check your mail');
    expect(doneHtml).toContain('Open the link before you sign in.');
    const continueUrl = linkOnPage(doneHtml, 'Continue signing in', signupUrl);
    expect(continueUrl.href).toBe(login.url.href);
    expect(await userRow(open, email)).toMatchObject({ name: 'New Comer', email_verified: false });

    // Not yet confirmed: the right password leads to a page that offers a new link, not into the app.
    const loginAgain = await browser.request(continueUrl);
    const [loginForm] = formsOf(await loginAgain.text(), continueUrl.href);
    const blocked = await submit(browser, loginForm!, { email, password: 'newcomer password 1' });
    expect(blocked.status).toBe(403);
    const blockedHtml = await protectedPage(blocked);
    expect(blockedHtml).toContain('Confirm your email address first');
    expect(formsOf(blockedHtml, continueUrl.href)[0]!.action).toBe(new URL(`/t/${open.id}/resend-verification`, continueUrl).href);

    const mail = await nthMailTo(bed.smtp, email);
    expect(mail.mail.subject).toBe(`Confirm your email address for ${open.id}`);
    const link = linkIn(mail, '/verify-email');
    expect(link.origin + link.pathname).toBe(`${open.issuer}/verify-email`);

    // The mail is read elsewhere; following the link (as a scanner would) uses nothing.
    const reader = new TestBrowser();
    for (let i = 0; i < 2; i++) {
      const confirmPage = await reader.request(link, { headers: BROWSER_ACCEPT });
      expect(confirmPage.status).toBe(200);
      expect(await protectedPage(confirmPage)).toContain(`Confirm that ${email} is your address`);
    }
    expect((await userRow(open, email))!.email_verified).toBe(false);
    const [confirmForm] = formsOf(await (await reader.request(link)).text(), link.href);
    expect(Object.keys(confirmForm!.fields).sort()).toEqual(['csrf', 'token']);
    const confirmed = await submit(reader, confirmForm!, {});
    expect(confirmed.status).toBe(200);
    expect(await protectedPage(confirmed)).toContain('Address confirmed');
    expect((await userRow(open, email))!.email_verified).toBe(true);

    // Back in the first browser, the sign-in it left goes on to the application.
    const trace = await signIn(browser, continueUrl, { email, password: 'newcomer password 1', redirectUri: REDIRECT_URI });
    const tokens = await oidc.authorizationCodeGrant(open.spa, trace.callback, {
      pkceCodeVerifier: login.started.verifier,
      expectedState: login.started.state,
      expectedNonce: login.started.nonce,
    });
    expect(tokens.claims()).toMatchObject({ email, email_verified: true });

    // Used once: the same form posted again, and the link itself, now say so.
    const again = await submit(reader, confirmForm!, {});
    expect(again.status).toBe(400);
    expect(await protectedPage(again)).toContain('This link cannot be used');
    const reused = await reader.request(link, { headers: BROWSER_ACCEPT });
    expect(reused.status).toBe(400);
    expect(await protectedPage(reused)).toContain('This link cannot be used');
  });

  it('answers a taken address with the same page, mails nothing and leaves the account as it was', async () => {
    const email = 'taken@signup.test';
    await createUser(open, { email, password: 'the owner password' }, TEST_ACTOR);
    const before = await userRow(open, email);
    const signup = async (address: string) => {
      const response = await fillIn(new TestBrowser(), `${open.issuer}/signup`, { email: address, password: 'someone else 123' });
      expect(response.status).toBe(200);
      return (await response.text()).replaceAll(address, '<address>');
    };
    expect(await signup(email)).toBe(await signup('fresh@signup.test'));
    await nthMailTo(bed.smtp, 'fresh@signup.test');
    expect(mailsTo(bed.smtp, email)).toEqual([]);
    expect(await userRow(open, email)).toEqual(before);
  });

  it('shows what to correct, as a page, and keeps what was typed', async () => {
    const weak = await fillIn(new TestBrowser(), `${open.issuer}/signup`, { email: 'weak@signup.test', password: 'short', name: 'Weak <b>' });
    expect(weak.status).toBe(400);
    const html = await protectedPage(weak);
    expect(html).toMatch(/<p class="error" role="alert" id="form-error">The password must be/);
    expect(html).toContain('value="weak@signup.test"');
    expect(html).toContain('value="Weak &#60;b&#62;"');
    expect(html).toContain('aria-invalid="true"');
    const badEmail = await fillIn(new TestBrowser(), `${open.issuer}/signup`, { email: 'not-an-address', password: 'long enough 123' });
    expect(badEmail.status).toBe(400);
    expect(await badEmail.text()).toContain('Enter a valid email address.');
  });

  it('is refused without the form token of this browser: a 403 page, and no account', async () => {
    const browser = new TestBrowser();
    const page = await browser.request(`${open.issuer}/signup`, { headers: BROWSER_ACCEPT });
    const [form] = formsOf(await page.text(), `${open.issuer}/signup`);
    const fields = { email: 'forged@signup.test', password: 'forged password 1' };

    const missing = await browser.request(form!.action, { form: fields, headers: BROWSER_ACCEPT });
    expect(missing.status).toBe(403);
    const html = await protectedPage(missing);
    expect(html).toContain('invalid_form');
    // Another browser's token with this browser's cookie (or none) does not pass either.
    const stranger = new TestBrowser();
    await stranger.request(`${open.issuer}/signup`);
    expect((await stranger.request(form!.action, { form: { ...form!.fields, ...fields }, headers: BROWSER_ACCEPT })).status).toBe(403);
    const json = await new TestBrowser().request(form!.action, { form: { ...form!.fields, ...fields } });
    expect(json.status).toBe(403);
    expect(await json.json()).toEqual({ error: 'invalid_form', error_description: expect.any(String) });
    expect(await userRow(open, 'forged@signup.test')).toBeUndefined();
  });

  it('is not offered where signup is disabled, and asks for the invitation where signup needs one', async () => {
    const closed = await bed.tenant('closed');
    const login = await openLoginPage(new TestBrowser(), closed);
    expect(login.html).not.toContain('/signup');
    expect(login.html).toContain('Forgot password?');
    const refused = await new TestBrowser().request(`${closed.issuer}/signup`, { headers: BROWSER_ACCEPT });
    expect(refused.status).toBe(403);
    expect(await protectedPage(refused)).toContain('Signing up is not available');

    const invited = await bed.tenant('invited', { signup: 'invite' });
    const page = await new TestBrowser().request(`${invited.issuer}/signup?invitation=abc`, { headers: BROWSER_ACCEPT });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<input id="invitation" name="invitation" type="text" autocomplete="off" required value="abc"/);
    const withoutCode = await fillIn(new TestBrowser(), `${invited.issuer}/signup`, { email: 'i@invited.test', password: 'invited password', invitation: '' });
    expect(withoutCode.status).toBe(400);
    expect(await withoutCode.text()).toContain('Signing up at this tenant needs an invitation.');

    // An invitation proves the address: the account is ready and confirmed, and no verification mail is sent.
    await createInvitation(invited, { email: 'guest@invited.test', roles: ['viewer'], mail: await accountMailOf(bed.oidc.platform, invited.id) }, TEST_ACTOR);
    const token = linkIn(await nthMailTo(bed.smtp, 'guest@invited.test'), '/accept-invitation').searchParams.get('token')!;
    // The code is prefilled in a visible field (above), which the browser submits with the rest.
    const accepted = await fillIn(new TestBrowser(), `${invited.issuer}/signup?invitation=${token}`, {
      email: 'guest@invited.test',
      password: 'guest password 1',
      invitation: token,
    });
    expect(accepted.status).toBe(200);
    expect(await accepted.text()).toMatch(/Account ready[\s\S]*<a href="\/t\/[a-z0-9-]+\/account">Go to your account page<\/a>/);
    expect(await userRow(invited, 'guest@invited.test')).toMatchObject({ email_verified: true });
    const mailed = await invited.db.selectFrom('mail_outbox').select('template').where('to_address', '=', 'guest@invited.test').execute();
    expect(mailed).toEqual([{ template: 'invitation' }]);
  });
});

describe('a verified address required to sign in', () => {
  it('blocks an unconfirmed account until it follows a new link it asked for; the resend is limited per address', async () => {
    const email = 'unconfirmed@signup.test';
    await createUser(open, { email, password: 'unconfirmed password' }, TEST_ACTOR);
    const browser = new TestBrowser();
    const login = await openLoginPage(browser, open);
    const blocked = await submit(browser, formsOf(login.html, login.url.href)[0]!, { email, password: 'unconfirmed password' });
    expect(blocked.status).toBe(403);
    const blockedHtml = await blocked.text();
    const resend = await submit(browser, formsOf(blockedHtml, login.url.href)[0]!, {});
    expect(resend.status).toBe(200);
    const resendHtml = await protectedPage(resend);
    expect(resendHtml).toContain('Check your mail');
    expect(linkOnPage(resendHtml, 'Back to sign in', login.url).href).toBe(login.url.href);

    const link = linkIn(await nthMailTo(bed.smtp, email), '/verify-email');
    expect((await fillIn(new TestBrowser(), link, {})).status).toBe(200);
    const trace = await signIn(browser, login.url, { email, password: 'unconfirmed password', redirectUri: REDIRECT_URI });
    expect(trace.callback.searchParams.get('code')).toBeTruthy();

    // A verified account asks in vain, with the same answer; past the limit, 429 with Retry-After.
    const page = `${open.issuer}/resend-verification`;
    for (let i = 1; i < MAIL_THROTTLE.maxPerAddress; i++) expect((await fillIn(new TestBrowser(), page, { email })).status).toBe(200);
    const limited = await fillIn(new TestBrowser(), page, { email });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const limitedHtml = await protectedPage(limited);
    expect(limitedHtml).toMatch(/role="alert"[^>]*>Too many requests\. Try again in \d+ minutes?\./);
    expect(limitedHtml).toContain(`value="${email}"`);
    expect(mailsTo(bed.smtp, email)).toHaveLength(1);
  });

  it('lets an unconfirmed account sign in where the tenant does not require it', async () => {
    const relaxed = await bed.tenant('relaxed', { signup: 'open', verifiedEmailRequired: false });
    const email = 'relaxed@signup.test';
    await createUser(relaxed, { email, password: 'relaxed password' }, TEST_ACTOR);
    const browser = new TestBrowser();
    const login = await openLoginPage(browser, relaxed);
    const trace = await signIn(browser, login.url, { email, password: 'relaxed password', redirectUri: REDIRECT_URI });
    expect(trace.callback.searchParams.get('code')).toBeTruthy();
  });
});

describe('verification links', () => {
  it("are bound to their tenant: tenant A's link is refused at tenant B and still works at A", async () => {
    const email = 'bound@signup.test';
    await fillIn(new TestBrowser(), `${open.issuer}/signup`, { email, password: 'bound password 1' });
    const link = linkIn(await nthMailTo(bed.smtp, email), '/verify-email');
    const token = link.searchParams.get('token')!;
    // The same address has an account at B too.
    await createUser(other, { email, password: 'bound password 1' }, TEST_ACTOR);

    const atOther = new URL(`${other.issuer}/verify-email?token=${token}`);
    const shown = await new TestBrowser().request(atOther, { headers: BROWSER_ACCEPT });
    expect(shown.status).toBe(400);
    expect(await shown.text()).toContain('This link cannot be used');
    // Posted at B with B's own form token: refused all the same.
    const browser = new TestBrowser();
    const resendPage = await browser.request(`${other.issuer}/resend-verification`);
    const [form] = formsOf(await resendPage.text(), `${other.issuer}/resend-verification`);
    const posted = await browser.request(atOther, { form: { csrf: form!.fields.csrf!, token }, headers: BROWSER_ACCEPT });
    expect(posted.status).toBe(400);
    expect((await userRow(other, email))!.email_verified).toBe(false);

    expect((await fillIn(new TestBrowser(), link, {})).status).toBe(200);
    expect((await userRow(open, email))!.email_verified).toBe(true);
  });

  it('expire: an old link is refused and confirms nothing', async () => {
    const email = 'late@signup.test';
    await fillIn(new TestBrowser(), `${open.issuer}/signup`, { email, password: 'late password 12' });
    const link = linkIn(await nthMailTo(bed.smtp, email), '/verify-email');
    const browser = new TestBrowser();
    const confirmPage = await browser.request(link, { headers: BROWSER_ACCEPT });
    const [form] = formsOf(await confirmPage.text(), link.href);
    await open.db.updateTable('email_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('email', '=', email).execute();
    expect((await browser.request(link, { headers: BROWSER_ACCEPT })).status).toBe(400);
    const posted = await submit(browser, form!, {});
    expect(posted.status).toBe(400);
    expect(await posted.text()).toContain('This link cannot be used');
    expect((await userRow(open, email))!.email_verified).toBe(false);
  });

  it('refuse a token that is no token, without a 500', async () => {
    for (const token of ['', 'short', crypto.randomBytes(32).toString('base64url'), 'x'.repeat(200)]) {
      const response = await new TestBrowser().request(`${open.issuer}/verify-email?token=${token}`, { headers: BROWSER_ACCEPT });
      expect(response.status, token).toBe(400);
    }
    const tooLong = await new TestBrowser().request(`${open.issuer}/verify-email?token=${'x'.repeat(201)}`);
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({ error: 'invalid_request' });
  });
});
