import crypto from 'node:crypto';
import { ACCOUNT_CLIENT_ID } from '../../../modules/clients/builtin-clients.ts';
import { noticePage } from '../../../oidc/pages/notice.ts';
import { showPage, type AccountPage } from '../account-page.ts';
import {
  clearAccountSession,
  clearPendingSignIn,
  nowInSeconds,
  readPendingSignIn,
  writeAccountSession,
  writePendingSignIn,
  type AccountCookieContext,
} from './account-cookies.ts';
import { redeemAccountCode } from './code-redemption.ts';
import type { AccountSite } from './account-section.ts';
import { t } from '../../../oidc/pages/i18n/translate.ts';

/**
 * The account page signs people in as any relying party of the tenant would: the built-in public
 * client `tansu-account` (modules/clients/builtin-clients.ts) with the code flow, PKCE (S256),
 * state and nonce, through the tenant's own authorization endpoint and login page. Being
 * first-party it gets no consent page, and a browser already signed in at the tenant goes
 * straight through. Sign-out ends the page's session and then the provider's, by RP-initiated
 * logout back to the page.
 */

/** oidc-provider's default routes under the issuer (the providers do not change them). */
const AUTHORIZATION_PATH = '/auth';
const END_SESSION_PATH = '/session/end';
const SCOPE = 'openid profile email';
/** The `state` of the sign-out's return, so the page says "signed out" instead of signing in again. */
export const SIGNED_OUT_STATE = 'signed-out';

export const accountHome = (page: AccountPage) => `${page.tenantPath}/account`;
export const accountCookies = (site: AccountSite, page: AccountPage): AccountCookieContext => ({
  config: site.app.platform.config,
  tenantId: page.tenant.id,
  tenantPath: page.tenantPath,
});

const redirectUriOf = (page: AccountPage) => `${page.tenant.issuer}/account/callback`;
const random = () => crypto.randomBytes(32).toString('base64url');

/**
 * Sends the browser to the tenant's authorization endpoint, keeping what the callback needs in
 * the sealed sign-in cookie. `fresh`: the login page is shown even to a signed-in browser (a
 * recent sign-in stands in for the password when changing the address).
 */
export function startSignIn(site: AccountSite, page: AccountPage, options: { section: string; fresh?: boolean }) {
  const section = site.nav.some((link) => link.path === options.section) ? options.section : site.nav[0]!.path;
  const pending = { state: random(), nonce: random(), verifier: random(), section, createdAt: nowInSeconds() };
  writePendingSignIn(page.request, page.reply, accountCookies(site, page), pending);
  const url = new URL(`${page.tenant.issuer}${AUTHORIZATION_PATH}`);
  url.search = new URLSearchParams({
    client_id: ACCOUNT_CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUriOf(page),
    scope: SCOPE,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: crypto.createHash('sha256').update(pending.verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...(options.fresh ? { prompt: 'login' } : {}),
  }).toString();
  return page.reply.header('cache-control', 'no-store').redirect(url.href, 303);
}

function cannotFinish(page: AccountPage, paragraphs: string[]) {
  return showPage(
    page,
    400,
    noticePage({ title: t('account.signIn.notFinished'), paragraphs, link: { href: `${accountHome(page)}/sign-in`, label: t('account.signInAgain') }, alert: true }),
  );
}

const sameText = (a: string, b: string) => a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));

interface CallbackQuery {
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
}

/**
 * `GET /t/<id>/account/callback`: the sign-in comes back. Its state must be the one this browser's
 * sign-in cookie holds (used once: the cookie is cleared whatever happens), the issuer this
 * tenant (RFC 9207); the code is redeemed in process and the ID token checked
 * (code-redemption.ts); then the account session starts and the section asked for opens.
 */
export async function finishAccountSignIn(site: AccountSite, page: AccountPage) {
  const query = page.request.query as CallbackQuery;
  const cookies = accountCookies(site, page);
  const pending = readPendingSignIn(page.request, cookies);
  clearPendingSignIn(page.request, page.reply, cookies);
  if (!pending || !query.state || !sameText(query.state, pending.state) || (query.iss !== undefined && query.iss !== page.tenant.issuer)) {
    return cannotFinish(page, [t('account.signIn.expired')]);
  }
  if (query.error || !query.code) {
    return cannotFinish(page, [query.error === 'access_denied' ? t('account.signIn.cancelled') : t('account.signIn.failed')]);
  }
  let signedIn;
  try {
    signedIn = await redeemAccountCode(site.app, page.tenant, {
      code: query.code,
      verifier: pending.verifier,
      nonce: pending.nonce,
      redirectUri: redirectUriOf(page),
      ip: page.request.ip,
    });
  } catch (error) {
    page.request.log.warn({ err: (error as Error).message, tenant: page.tenant.id }, 'account page sign-in refused');
    return cannotFinish(page, [t('account.signIn.failed')]);
  }
  const now = nowInSeconds();
  writeAccountSession(page.request, page.reply, cookies, { ...signedIn, startedAt: now, seenAt: now });
  return page.reply.header('cache-control', 'no-store').redirect(`${accountHome(page)}/${pending.section}`, 303);
}

/**
 * `POST /t/<id>/account/sign-out`: the page's session ends here, then the browser goes to the
 * tenant's end-session endpoint, which asks to confirm and signs the browser out of the tenant,
 * and returns to the account page saying so.
 */
export function signOut(site: AccountSite, page: AccountPage) {
  clearAccountSession(page.request, page.reply, accountCookies(site, page));
  const url = new URL(`${page.tenant.issuer}${END_SESSION_PATH}`);
  url.search = new URLSearchParams({
    client_id: ACCOUNT_CLIENT_ID,
    post_logout_redirect_uri: `${page.tenant.issuer}/account/`,
    state: SIGNED_OUT_STATE,
  }).toString();
  return page.reply.header('cache-control', 'no-store').redirect(url.href, 303);
}
