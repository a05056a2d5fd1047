import { confirmEmailChange, peekEmailChangeLink, requestEmailChange } from '../../../modules/users/email-change.service.ts';
import { lifetimeInWords } from '../../../modules/users/email-tokens.ts';
import { confirmEmailChangePage, emailChangeForm } from '../../../oidc/pages/account-email.ts';
import { noticePage } from '../../../oidc/pages/notice.ts';
import { formProblemOf, formTokenOf, loadAccountForm, loadAccountPage, showPage, type AccountPage } from '../account-page.ts';
import type { AccountSection } from './account-section.ts';
import { loadSignedIn, showSection, signedInRecently, type SignedInPage } from './signed-in.ts';
import { confirmEmailPageSchema, confirmEmailSchema, emailChangeSchema, emailPageSchema } from './manage.schemas.ts';
import { t } from '../../../oidc/pages/i18n/translate.ts';

const PATH = 'email';
const REFUSALS = ['invalid_email', 'same_email', 'invalid_password', 'throttled'];

function showEmail(page: SignedInPage, status: number, extra: { notice?: string; error?: string; newEmail?: string } = {}) {
  return showSection(page, status, {
    title: t('account.section.email'),
    notice: extra.notice,
    error: extra.error,
    body: emailChangeForm({
      action: `${page.home}/${PATH}`,
      csrfToken: page.csrfToken,
      email: page.user.email,
      emailVerified: page.user.emailVerified,
      recentSignIn: signedInRecently(page),
      signInAgainHref: `${page.home}/sign-in?section=${PATH}&fresh=1`,
      newEmail: extra.newEmail,
      lifetime: lifetimeInWords('change_email'),
    }),
  });
}

function linkUnusable(page: AccountPage) {
  return showPage(
    page,
    400,
    noticePage({
      title: t('account.email.linkUnusable'),
      paragraphs: [
        t('account.email.linkUnusableText'),
        t('account.email.askNew'),
      ],
      link: { href: `${page.tenantPath}/account/${PATH}`, label: t('account.goToAccount') },
      alert: true,
    }),
  );
}

/**
 * The account's address: a new one is confirmed by a link mailed to it (email-change.service.ts),
 * asked for with the current password or right after a sign-in. The link's page is here too; it
 * needs no account session, since the link may open in another browser.
 */
export const emailSection: AccountSection = {
  path: PATH,
  label: 'account.section.email',
  register(scope, site) {
    scope.get(`/t/:tenant/account/${PATH}`, { schema: emailPageSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: false });
      return page ? showEmail(page, 200) : reply;
    });

    scope.post(`/t/:tenant/account/${PATH}`, { schema: emailChangeSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: true });
      if (!page) return reply;
      const form = (request.body ?? {}) as { email?: string; current_password?: string };
      let email: string;
      try {
        ({ email } = await requestEmailChange(
          page.tenant.scope,
          {
            userId: page.user.id,
            newEmail: form.email ?? '',
            currentPassword: form.current_password,
            recentSignIn: signedInRecently(page),
            loginKeys: page.loginKeys,
            mail: page.mail,
            ip: request.ip,
          },
          page.actor,
        ));
      } catch (error) {
        const problem = formProblemOf(page, error, REFUSALS);
        return showEmail(page, problem.status, { error: problem.message, newEmail: form.email });
      }
      return showEmail(page, 200, {
        notice: t('account.email.sent', { email, current: page.user.email }),
      });
    });

    scope.get(`/t/:tenant/account/confirm-email`, { schema: confirmEmailPageSchema }, async (request, reply) => {
      const page = await loadAccountPage(site.app, request, reply);
      const { token } = request.query as { token?: string };
      const link = await peekEmailChangeLink(page.tenant.scope, token);
      if (!link) return linkUnusable(page);
      return showPage(
        page,
        200,
        confirmEmailChangePage({
          tenantName: page.tenant.row.display_name,
          email: link.email,
          action: `${page.tenantPath}/account/confirm-email`,
          csrfToken: formTokenOf(page),
          token: token!,
        }),
      );
    });

    scope.post(`/t/:tenant/account/confirm-email`, { schema: confirmEmailSchema }, async (request, reply) => {
      const page = await loadAccountForm(site.app, request, reply);
      const { token } = (request.body ?? {}) as { token?: string };
      let email: string;
      try {
        ({ email } = await confirmEmailChange(page.tenant.scope, { token, mail: page.mail }, page.visitor));
      } catch (error) {
        formProblemOf(page, error, ['invalid_link']);
        return linkUnusable(page);
      }
      return showPage(
        page,
        200,
        noticePage({
          title: t('account.email.changed'),
          paragraphs: [t('account.email.changedText', { email, tenant: page.tenant.row.display_name }), t('account.email.signInWithIt')],
          link: { href: `${page.tenantPath}/account`, label: t('account.goToAccount') },
        }),
      );
    });
  },
};
