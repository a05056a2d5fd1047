import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { formsOf, TestBrowser } from '../../support/browser.ts';
import {
  BROWSER_ACCEPT,
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
import { MAIL_THROTTLE } from '../../../src/modules/users/mail-throttle.ts';

/**
 * Sign-in by a mailed link, end to end: the login page of a real authorization request, the mail
 * through a real SMTP server, the link followed over HTTP with cookie jars, the code exchanged.
 * The link only works in the browser (cookie jar) and the interaction that asked for it.
 */
let bed: AccountFlowBed;
let acme: FlowTenant;

beforeAll(async () => {
  bed = await startAccountFlowBed();
  // Confirmed addresses required, so the first test also shows that a used link confirms one.
  acme = await bed.tenant('magic', { magicLinks: true, verifiedEmailRequired: true });
});
afterAll(async () => {
  await bed?.close();
});

/** Opens a login page in `browser` and asks for a link for `email`; returns the sign-in and the answer. */
async function askForLink(browser: TestBrowser, tenant: FlowTenant, email: string) {
  const login = await openLoginPage(browser, tenant);
  const formUrl = linkOnPage(login.html, 'Email me a sign-in link', login.url);
  expect(formUrl.pathname).toBe(`${login.url.pathname}/magic-link`);
  const page = await browser.request(formUrl, { headers: BROWSER_ACCEPT });
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('<label for="email">Email</label>');
  const answer = await submit(browser, formsOf(html, formUrl.href)[0]!, { email });
  return { login, answer, uid: login.url.pathname.split('/').at(-1)! };
}

/** Follows redirects from `url` to the client's callback. */
async function followToCallback(browser: TestBrowser, url: URL): Promise<URL> {
  let next = url;
  for (let step = 0; step < 10; step++) {
    const response = await browser.request(next);
    expect(response.status, `${next} answered ${response.status}: ${await response.clone().text()}`).toBe(303);
    next = new URL(response.headers.get('location')!, next);
    if (next.href.startsWith(REDIRECT_URI)) return next;
  }
  throw new Error('no callback');
}

const tokenRow = (tenant: FlowTenant, email: string) =>
  tenant.db.selectFrom('email_tokens').select(['consumed_at']).where('email', '=', email).where('purpose', '=', 'magic_link').execute();

describe('sign-in links', () => {
  it('signs in only in the browser that asked, once, with amr ["otp"], recorded like a password sign-in', async () => {
    const email = 'ada@magic.test';
    const { user } = await createUser(acme, { email, password: 'ada password 1' }, TEST_ACTOR);
    const browser = new TestBrowser();
    const { login, answer } = await askForLink(browser, acme, email);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain(`If ${email} has an account`);

    const mail = await nthMailTo(bed.smtp, email);
    expect(mail.mail.subject).toBe(`Your sign-in link for ${acme.id}`);
    expect(mail.mail.text).toContain('15 minutes');
    const link = linkIn(mail, '/magic-link/sign-in');
    expect(link.pathname).toBe(`${login.url.pathname}/magic-link/sign-in`);

    // Another browser: told where the link works, and the link is not used up.
    const elsewhere = await new TestBrowser().request(link, { headers: BROWSER_ACCEPT });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers.get('x-frame-options')).toBe('DENY');
    expect(await elsewhere.text()).toContain('only works in the browser where you asked for it');
    expect(await tokenRow(acme, email)).toEqual([{ consumed_at: null }]);

    const callback = await followToCallback(browser, link);
    const tokens = await oidc.authorizationCodeGrant(acme.spa, callback, {
      pkceCodeVerifier: login.started.verifier,
      expectedState: login.started.state,
      expectedNonce: login.started.nonce,
    });
    expect(tokens.claims()).toMatchObject({ sub: user.id, email, email_verified: true, amr: ['otp'] });

    // Used: neither this browser nor another gets in with it again.
    for (const again of [browser, new TestBrowser()]) {
      const replay = await again.request(link, { headers: BROWSER_ACCEPT });
      expect(replay.status).toBe(400);
      expect(await replay.text()).toContain('This link cannot be used');
    }
    const account = await acme.db.selectFrom('users').select(['email_verified', 'last_login_at']).where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(account).toEqual({ email_verified: true, last_login_at: expect.any(Date) });
    const activity = await acme.db.selectFrom('login_attempts').select(['reason', 'succeeded']).where('user_id', '=', user.id).execute();
    expect(activity).toEqual([{ reason: 'signed_in', succeeded: true }]);
    const audit = await acme.db.selectFrom('audit_events').select(['action', 'target', 'details']).where('target', '=', user.id).where('action', 'like', 'user.magic_link%').orderBy('id').execute();
    expect(audit).toEqual([
      { action: 'user.magic_link_requested', target: user.id, details: {} },
      { action: 'user.magic_link_used', target: user.id, details: { email_verified: true } },
    ]);
  });

  it('answers an unknown address with the same page, and mails nothing', async () => {
    const known = 'known@magic.test';
    await createUser(acme, { email: known, password: 'known password 1' }, TEST_ACTOR);
    const ask = async (email: string) => {
      const { answer, uid } = await askForLink(new TestBrowser(), acme, email);
      expect(answer.status).toBe(200);
      return (await answer.text()).replaceAll(email, '<address>').replaceAll(uid, '<uid>');
    };
    expect(await ask('nobody@magic.test')).toBe(await ask(known));
    await nthMailTo(bed.smtp, known);
    expect(mailsTo(bed.smtp, 'nobody@magic.test')).toEqual([]);
    expect(await acme.db.selectFrom('mail_outbox').select('id').where('to_address', '=', 'nobody@magic.test').execute()).toEqual([]);
  });

  it('is refused for an account disabled since, and useless in another interaction and at another tenant', async () => {
    const beta = await bed.tenant('magicb', { magicLinks: true });
    const email = 'both@magic.test';
    const { user } = await createUser(acme, { email, password: 'both password 1' }, TEST_ACTOR);
    await createUser(beta, { email, password: 'both password 2' }, TEST_ACTOR);
    const browser = new TestBrowser();
    const { uid } = await askForLink(browser, acme, email);
    const link = linkIn(await nthMailTo(bed.smtp, email), '/magic-link/sign-in');

    await acme.db.updateTable('users').set({ status: 'disabled' }).where('id', '=', user.id).execute();
    const disabled = await browser.request(link, { headers: BROWSER_ACCEPT });
    expect(disabled.status).toBe(403);
    expect(await disabled.text()).toContain('This account is disabled');

    // The same browser in a second sign-in at acme (TestBrowser then forgets the first one's
    // cookie, which has the same name), and in one at beta: each has its own interaction cookie.
    const second = await openLoginPage(browser, acme);
    const atBeta = await openLoginPage(browser, beta);
    for (const other of [second.url, atBeta.url]) {
      const moved = await browser.request(`${other.href}/magic-link/sign-in${link.search}`, { headers: BROWSER_ACCEPT });
      expect(moved.status).toBe(400);
      expect(await moved.text()).toContain('This link cannot be used');
    }
    // Beta has no such link even under acme's interaction uid ("used or expired", not "another browser").
    expect((await browser.request(`${beta.issuer}/interaction/${uid}/magic-link/sign-in${link.search}`)).status).toBe(400);
    expect(await tokenRow(acme, email)).toEqual([{ consumed_at: null }]);
  });

  it('refuses more requests for one address than the mail limits allow, with Retry-After', async () => {
    const browser = new TestBrowser();
    const email = 'flood@magic.test';
    let last: Response | undefined;
    for (let i = 0; i <= MAIL_THROTTLE.maxPerAddress; i++) last = (await askForLink(browser, acme, email)).answer;
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(MAIL_THROTTLE.windowSeconds - 600);
    expect(await last!.text()).toMatch(/Too many requests\. Try again in \d+ minutes\./);
  });

  it('is not offered, and its form and post are refused, while the tenant has it off (the default)', async () => {
    const plain = await bed.tenant('magicoff');
    const email = 'off@magic.test';
    await createUser(plain, { email, password: 'off password 1' }, TEST_ACTOR);
    const browser = new TestBrowser();
    const login = await openLoginPage(browser, plain);
    expect(login.html).not.toContain('sign-in link');
    const formUrl = `${login.url.href}/magic-link`;
    expect((await browser.request(formUrl, { headers: BROWSER_ACCEPT })).status).toBe(403);
    const csrf = formsOf(login.html, login.url.href)[0]!.fields.csrf!;
    const posted = await browser.request(formUrl, { form: { csrf, email }, headers: BROWSER_ACCEPT });
    expect(posted.status).toBe(403);
    expect(await posted.text()).toContain('does not offer links by email');
    expect(await plain.db.selectFrom('email_tokens').select('token_hash').execute()).toEqual([]);
    expect(await plain.db.selectFrom('mail_outbox').select('id').execute()).toEqual([]);
  });
});
