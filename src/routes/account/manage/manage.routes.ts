import type { FastifyInstance } from 'fastify';
import { noticePage } from '../../../oidc/pages/notice.ts';
import { loadAccountForm, loadAccountPage, showPage } from '../account-page.ts';
import type { AccountSection, AccountSite } from './account-section.ts';
import { accountCookies, accountHome, finishAccountSignIn, SIGNED_OUT_STATE, signOut, startSignIn } from './account-sign-in.ts';
import { hasAccountSessionCookie } from './account-cookies.ts';
import { signedInOf } from './signed-in.ts';
import { profileSection } from './profile-section.ts';
import { emailSection } from './email-section.ts';
import { passwordSection } from './password-section.ts';
import { sessionsSection } from './sessions-section.ts';
import { appsSection } from './apps-section.ts';
import { twoFactorSection } from './two-factor-section.ts';
import { identitiesSection } from './identities-section.ts';
import { callbackSchema, homeSchema, signInSchema, signOutSchema } from './manage.schemas.ts';
import { t } from '../../../oidc/pages/i18n/translate.ts';

/** The sections, in the order the navigation lists them; the first is where the page opens. */
const SECTIONS: readonly AccountSection[] = [profileSection, emailSection, passwordSection, twoFactorSection, identitiesSection, sessionsSection, appsSection];

/**
 * The account page `/t/<id>/account`: a person signs in with the tenant's own OIDC
 * (account-sign-in.ts) and manages their account in sections. Registered inside the account
 * pages' scope, so forms are parsed as theirs are.
 */
export function manageAccountRoutes(scope: FastifyInstance, app: FastifyInstance): void {
  const site: AccountSite = { app, nav: SECTIONS.map(({ path, label }) => ({ path, label })) };
  const firstSection = site.nav[0]!.path;

  // The post-logout redirect URI ends in a slash; a typed address may not.
  for (const url of ['/t/:tenant/account', '/t/:tenant/account/']) {
    scope.get(url, { schema: homeSchema }, async (request, reply) => {
      const { state } = request.query as { state?: string };
      const page = await loadAccountPage(app, request, reply);
      if (state === SIGNED_OUT_STATE && !hasAccountSessionCookie(request, accountCookies(site, page))) {
        return showPage(
          page,
          200,
          noticePage({
            title: t('account.signedOut.title'),
            paragraphs: [t('account.signedOut.text', { tenant: page.tenant.row.display_name })],
            link: { href: `${accountHome(page)}/sign-in`, label: t('account.signInAgain') },
          }),
        );
      }
      const signedIn = await signedInOf(site, page, firstSection);
      return signedIn ? reply.redirect(`${signedIn.home}/${firstSection}`, 303) : reply;
    });
  }

  scope.get('/t/:tenant/account/sign-in', { schema: signInSchema }, async (request, reply) => {
    const { section, fresh } = request.query as { section?: string; fresh?: string };
    return startSignIn(site, await loadAccountPage(app, request, reply), { section: section ?? firstSection, fresh: fresh === '1' });
  });

  scope.get('/t/:tenant/account/callback', { schema: callbackSchema }, async (request, reply) =>
    finishAccountSignIn(site, await loadAccountPage(app, request, reply)),
  );

  scope.post('/t/:tenant/account/sign-out', { schema: signOutSchema }, async (request, reply) => signOut(site, await loadAccountForm(app, request, reply)));

  for (const section of SECTIONS) section.register(scope, site);
}
