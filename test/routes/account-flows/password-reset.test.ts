import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { sql } from 'kysely';
import { formsOf, signIn, startAuthorization, TestBrowser } from '../../support/browser.ts';
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
import { authenticatePassword } from '../../../src/modules/users/authenticate.ts';
import { loginKeysFor } from '../../../src/modules/users/login-keys.ts';
import { MAIL_THROTTLE } from '../../../src/modules/users/mail-throttle.ts';

let bed: AccountFlowBed;
let acme: FlowTenant;

beforeAll(async () => {
  bed = await startAccountFlowBed();
  acme = await bed.tenant('reset');
});
afterAll(async () => {
  await bed?.close();
});

let nextIp = 1;
const passwordWorks = async (tenant: FlowTenant, email: string, password: string) =>
  (await authenticatePassword(tenant.db, loginKeysFor(bed.oidc.platform.config, tenant.id), { email, password, ip: `203.0.113.${nextIp++}` })).ok;

/** Signs in through the login page with a refresh token (offline_access needs prompt=consent; first-party: no page). */
async function signedIn(tenant: FlowTenant, email: string, password: string) {
  const browser = new TestBrowser();
  const started = await startAuthorization(tenant.spa, { redirect_uri: REDIRECT_URI, scope: 'openid email offline_access', prompt: 'consent' });
  const trace = await signIn(browser, started.url, { email, password, redirectUri: REDIRECT_URI });
  const tokens = await oidc.authorizationCodeGrant(tenant.spa, trace.callback, {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
    expectedNonce: started.nonce,
  });
  expect(tokens.refresh_token).toBeTruthy();
  return { browser, tokens };
}

/** Asks for a reset link on the page and returns it from the mail that arrives. */
async function resetLinkFor(tenant: FlowTenant, email: string): Promise<URL> {
  const before = mailsTo(bed.smtp, email).length;
  const asked = await fillIn(new TestBrowser(), `${tenant.issuer}/forgot-password`, { email });
  expect(asked.status).toBe(200);
  return linkIn(await nthMailTo(bed.smtp, email, before + 1), '/reset-password');
}

const sessionRows = (tenant: FlowTenant, userId: string) =>
  tenant.db
    .selectFrom('oidc_payloads')
    .select(['model'])
    .where(sql<boolean>`payload->>'accountId' = ${userId}`)
    .execute()
    .then((rows) => rows.map((row) => row.model).sort());

describe('forgot password → reset', () => {
  it('mails a link from the login page; the new password works, the old one and every session and refresh token from before do not', async () => {
    const email = 'ada@reset.test';
    const { user } = await createUser(acme, { email, password: 'the old password' }, TEST_ACTOR);
    const before = await signedIn(acme, email, 'the old password');
    expect(await sessionRows(acme, user.id)).toEqual(expect.arrayContaining(['AccessToken', 'Grant', 'RefreshToken', 'Session']));

    const browser = new TestBrowser();
    const login = await openLoginPage(browser, acme);
    const forgotUrl = linkOnPage(login.html, 'Forgot password\\?', login.url);
    const forgotPage = await browser.request(forgotUrl, { headers: BROWSER_ACCEPT });
    expect(forgotPage.status).toBe(200);
    expect(forgotPage.headers.get('x-frame-options')).toBe('DENY');
    const forgotHtml = await forgotPage.text();
    expect(forgotHtml).toContain('<label for="email">Email</label>');
    const sent = await submit(browser, formsOf(forgotHtml, forgotUrl.href)[0]!, { email });
    expect(sent.status).toBe(200);
    const sentHtml = await sent.text();
    expect(sentHtml).toContain(`If ${email} has an account`);
    expect(linkOnPage(sentHtml, 'Back to sign in', forgotUrl).href).toBe(login.url.href);

    const mail = await nthMailTo(bed.smtp, email);
    expect(mail.mail.subject).toBe(`Reset your ${acme.id} password`);
    expect(mail.mail.text).toContain('30 minutes');
    const link = linkIn(mail, '/reset-password');
    expect(link.href.startsWith(`${acme.issuer}/reset-password?token=`)).toBe(true);
    // Only a digest of the token is stored.
    const stored = await acme.db.selectFrom('email_tokens').selectAll().where('user_id', '=', user.id).execute();
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(link.searchParams.get('token'));
    // Both from the database's clock, in one statement.
    expect(stored[0]!.expires_at.getTime() - stored[0]!.created_at.getTime()).toBe(30 * 60 * 1000);

    const reader = new TestBrowser();
    const resetPage = await reader.request(link, { headers: BROWSER_ACCEPT });
    expect(resetPage.status).toBe(200);
    expect(resetPage.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const resetHtml = await resetPage.text();
    expect(resetHtml).toContain(`for ${email}`);
    expect(resetHtml).toContain('autocomplete="new-password"');
    const [form] = formsOf(resetHtml, link.href);

    const weak = await submit(reader, form!, { password: 'short' });
    expect(weak.status).toBe(400);
    expect(await weak.text()).toMatch(/role="alert"[^>]*>The password must be/);
    expect(await passwordWorks(acme, email, 'the old password')).toBe(true);

    const done = await submit(reader, form!, { password: 'a brand new password' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('every session of the account has been signed out');

    expect(await passwordWorks(acme, email, 'the old password')).toBe(false);
    expect(await passwordWorks(acme, email, 'a brand new password')).toBe(true);
    await expect(oidc.refreshTokenGrant(acme.spa, before.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(acme.spa, before.tokens.access_token, user.id)).rejects.toBeDefined();
    expect(await sessionRows(acme, user.id)).toEqual([]);
    // The browser signed in before has no session any more: it meets the login page again.
    const again = await startAuthorization(acme.spa, { redirect_uri: REDIRECT_URI, scope: 'openid' });
    const trace = await signIn(before.browser, again.url, { email, password: 'a brand new password', redirectUri: REDIRECT_URI });
    expect(trace.sawLoginPage).toBe(true);

    // The link worked once.
    const reused = await submit(reader, form!, { password: 'yet another password' });
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain('This link cannot be used');
    expect(await passwordWorks(acme, email, 'yet another password')).toBe(false);
    const audit = await acme.db.selectFrom('audit_events').select(['action', 'target', 'ip']).where('action', '=', 'user.password_reset').execute();
    expect(audit).toEqual([{ action: 'user.password_reset', target: user.id, ip: '127.0.0.1' }]);
  });

  it('gives an unknown address the same page, and mails nothing', async () => {
    const known = 'known@reset.test';
    await createUser(acme, { email: known, password: 'known password 1' }, TEST_ACTOR);
    const ask = async (email: string) => {
      const response = await fillIn(new TestBrowser(), `${acme.issuer}/forgot-password`, { email });
      expect(response.status).toBe(200);
      return (await response.text()).replaceAll(email, '<address>');
    };
    expect(await ask('nobody@reset.test')).toBe(await ask(known));
    await nthMailTo(bed.smtp, known);
    expect(mailsTo(bed.smtp, 'nobody@reset.test')).toEqual([]);
    const outbox = await acme.db.selectFrom('mail_outbox').select('to_address').where('to_address', '=', 'nobody@reset.test').execute();
    expect(outbox).toEqual([]);
  });

  it('lets exactly one of two parallel posts with one link through', async () => {
    const email = 'race@reset.test';
    await createUser(acme, { email, password: 'race password 1' }, TEST_ACTOR);
    const link = await resetLinkFor(acme, email);
    const browser = new TestBrowser();
    const [form] = formsOf(await (await browser.request(link)).text(), link.href);
    const answers = await Promise.all(['first racer password', 'second racer password'].map((password) => submit(browser, form!, { password })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400]);
    const winner = answers[0]!.status === 200 ? 'first racer password' : 'second racer password';
    const loser = winner === 'first racer password' ? 'second racer password' : 'first racer password';
    expect(await passwordWorks(acme, email, winner)).toBe(true);
    expect(await passwordWorks(acme, email, loser)).toBe(false);
  });

  it('refuses an expired link; using one link kills the other reset links of the account', async () => {
    const email = 'expiring@reset.test';
    await createUser(acme, { email, password: 'expiring password' }, TEST_ACTOR);
    const first = await resetLinkFor(acme, email);
    const second = await resetLinkFor(acme, email);
    await acme.db.updateTable('email_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('email', '=', email).where('token_hash', 'in', (eb) =>
      eb.selectFrom('email_tokens').select('token_hash').where('email', '=', email).orderBy('created_at').limit(1),
    ).execute();
    const expired = await new TestBrowser().request(first, { headers: BROWSER_ACCEPT });
    expect(expired.status).toBe(400);
    const expiredHtml = await expired.text();
    expect(expiredHtml).toContain('This link cannot be used');
    expect(linkOnPage(expiredHtml, 'Get a new link', first).pathname).toBe(`/t/${acme.id}/forgot-password`);

    const third = await resetLinkFor(acme, email);
    expect((await fillIn(new TestBrowser(), second, { password: 'second link password' })).status).toBe(200);
    expect((await new TestBrowser().request(third)).status).toBe(400);
    expect(await passwordWorks(acme, email, 'second link password')).toBe(true);
  });

  it("refuses tenant A's link at tenant B, where the same address has an account", async () => {
    const beta = await bed.tenant('resetb');
    const email = 'both@reset.test';
    await createUser(acme, { email, password: 'password at acme' }, TEST_ACTOR);
    await createUser(beta, { email, password: 'password at beta' }, TEST_ACTOR);
    const link = await resetLinkFor(acme, email);
    const atBeta = new URL(`${beta.issuer}/reset-password${link.search}`);
    expect((await new TestBrowser().request(atBeta)).status).toBe(400);
    const browser = new TestBrowser();
    const [betaForm] = formsOf(await (await browser.request(`${beta.issuer}/forgot-password`)).text(), `${beta.issuer}/forgot-password`);
    const posted = await browser.request(atBeta, { form: { csrf: betaForm!.fields.csrf!, token: link.searchParams.get('token')!, password: 'hijacked password' } });
    expect(posted.status).toBe(400);
    expect(await passwordWorks(beta, email, 'password at beta')).toBe(true);
    expect(await passwordWorks(beta, email, 'hijacked password')).toBe(false);
  });

  it('refuses a form without its token with a 403 page, and mails nothing', async () => {
    const email = 'csrf@reset.test';
    await createUser(acme, { email, password: 'csrf password 1' }, TEST_ACTOR);
    const refused = await new TestBrowser().request(`${acme.issuer}/forgot-password`, { form: { email }, headers: BROWSER_ACCEPT });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-frame-options')).toBe('DENY');
    expect(await refused.text()).toContain('invalid_form');
    const queued = await acme.db.selectFrom('mail_outbox').select('id').where('to_address', '=', email).execute();
    expect(queued).toEqual([]);
  });
});

describe('limits of the reset form', () => {
  it('answer 429 with Retry-After past the requests for one address, known or not', async () => {
    const tenant = await bed.tenant('limitaddr');
    for (const email of ['limited@reset.test', 'unknown-limited@reset.test']) {
      if (email === 'limited@reset.test') await createUser(tenant, { email, password: 'limited password' }, TEST_ACTOR);
      for (let i = 0; i < MAIL_THROTTLE.maxPerAddress; i++) {
        expect((await fillIn(new TestBrowser(), `${tenant.issuer}/forgot-password`, { email })).status).toBe(200);
      }
      const limited = await fillIn(new TestBrowser(), `${tenant.issuer}/forgot-password`, { email });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(MAIL_THROTTLE.windowSeconds - 600);
      expect(limited.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await limited.text()).toMatch(/Too many requests\. Try again in \d+ minutes\./);
    }
    // Another address from the same network is still served.
    expect((await fillIn(new TestBrowser(), `${tenant.issuer}/forgot-password`, { email: 'someone-else@reset.test' })).status).toBe(200);
    await nthMailTo(bed.smtp, 'limited@reset.test', MAIL_THROTTLE.maxPerAddress);
    expect(mailsTo(bed.smtp, 'limited@reset.test')).toHaveLength(MAIL_THROTTLE.maxPerAddress);
  });

  it('answer 429 past the requests from one IP, whatever the addresses', async () => {
    const tenant = await bed.tenant('limitip');
    for (let i = 0; i < MAIL_THROTTLE.maxPerIp; i++) {
      expect((await fillIn(new TestBrowser(), `${tenant.issuer}/forgot-password`, { email: `visitor-${i}@reset.test` })).status).toBe(200);
    }
    const limited = await fillIn(new TestBrowser(), `${tenant.issuer}/forgot-password`, { email: 'one-more@reset.test' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The same from a client that is not a browser: JSON is not what these forms answer; the page is.
    const resend = await fillIn(new TestBrowser(), `${tenant.issuer}/resend-verification`, { email: 'one-more@reset.test' });
    expect(resend.status).toBe(429);
  });
});
