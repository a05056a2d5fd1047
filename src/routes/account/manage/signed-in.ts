import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../../platform/tenant-scope.ts';
import { signedInUser } from '../../../modules/users/user-sessions.service.ts';
import type { UserSummary } from '../../../modules/users/user-summary.ts';
import { accountFramePage } from '../../../oidc/pages/account-frame.ts';
import { formTokenOf, loadAccountForm, loadAccountPage, showPage, type AccountPage } from '../account-page.ts';
import { clearAccountSession, hasAccountSessionCookie, nowInSeconds, readAccountSession, writeAccountSession, type AccountSession } from './account-cookies.ts';
import { accountCookies, accountHome, startSignIn } from './account-sign-in.ts';
import type { AccountSite } from './account-section.ts';

/** A sign-in this recent proves the person as well as the password would (changing the address). */
export const RECENT_SIGN_IN_SECONDS = 5 * 60;

/** An account page with someone signed in: whose, in which provider session, since when. */
export interface SignedInPage extends AccountPage {
  site: AccountSite;
  /** `/t/<id>/account` under the public URL. */
  home: string;
  /** The section this request belongs to (its path). */
  section: string;
  session: AccountSession;
  user: UserSummary;
  /** The provider session's last sign-in. */
  signedInAt: Date | null;
  /** The user acting on their own account: the audit log names them. */
  actor: Actor & { ip: string };
  /** This browser's form token (one per response: each call may set the form cookie anew). */
  csrfToken: string;
}

/**
 * Every request of a section: the tenant (and for a post, the form's CSRF token) first, then the
 * account session. It must open under this tenant's key, be within its idle and absolute
 * lifetimes, and still stand for an active user in a live provider session, asked of the
 * database each time: a disabled user, a revoked session, a password reset or a sign-out
 * elsewhere ends it at the next request. Without one the browser is sent to sign in, and comes
 * back to this section. Each request renews the idle time.
 */
export async function loadSignedIn(
  site: AccountSite,
  request: FastifyRequest,
  reply: FastifyReply,
  section: string,
  options: { form: boolean },
): Promise<SignedInPage | undefined> {
  const page = options.form ? await loadAccountForm(site.app, request, reply) : await loadAccountPage(site.app, request, reply);
  return signedInOf(site, page, section);
}

/** The same for a page already loaded: the signed-in page, or undefined once the browser was sent to sign in. */
export async function signedInOf(site: AccountSite, page: AccountPage, section: string): Promise<SignedInPage | undefined> {
  const { request, reply } = page;
  const cookies = accountCookies(site, page);
  const session = readAccountSession(request, cookies);
  const signedIn = session && (await signedInUser(page.tenant.scope, session.userId, session.sessionId));
  if (!session || !signedIn) {
    if (hasAccountSessionCookie(request, cookies)) clearAccountSession(request, reply, cookies);
    startSignIn(site, page, { section });
    return undefined;
  }
  const renewed = { ...session, seenAt: nowInSeconds() };
  writeAccountSession(request, reply, cookies, renewed);
  return {
    ...page,
    site,
    home: accountHome(page),
    section,
    session: renewed,
    user: signedIn.user,
    signedInAt: signedIn.signedInAt,
    actor: { type: 'user', id: signedIn.user.id, ip: request.ip },
    csrfToken: formTokenOf(page),
  };
}

export function signedInRecently(page: SignedInPage): boolean {
  return page.signedInAt !== null && Date.now() - page.signedInAt.getTime() <= RECENT_SIGN_IN_SECONDS * 1000;
}

export interface SectionContent {
  title: string;
  body: string;
  notice?: string;
  error?: string;
  /** Replacements of the page's security headers (a section page with the passkey script). */
  headers?: Readonly<Record<string, string>>;
}

/** A section inside the account page's frame. */
export function showSection(page: SignedInPage, status: number, { headers, ...content }: SectionContent) {
  return showPage(
    page,
    status,
    accountFramePage({
      tenantName: page.tenant.row.display_name,
      home: page.home,
      email: page.user.email,
      nav: page.site.nav,
      current: page.section,
      csrfToken: page.csrfToken,
      ...content,
    }),
    headers,
  );
}
