import { changeOwnPassword } from '../../../modules/users/password-change.service.ts';
import { passwordChangeForm } from '../../../oidc/pages/account-password.ts';
import { formProblemOf } from '../account-page.ts';
import type { AccountSection } from './account-section.ts';
import { loadSignedIn, showSection, type SignedInPage } from './signed-in.ts';
import { passwordChangeSchema, passwordPageSchema } from './manage.schemas.ts';
import { t } from '../../../oidc/pages/i18n/translate.ts';

const PATH = 'password';

function showPassword(page: SignedInPage, status: number, extra: { notice?: string; error?: string } = {}) {
  return showSection(page, status, {
    title: t('account.section.password'),
    ...extra,
    body: passwordChangeForm({ action: `${page.home}/${PATH}`, csrfToken: page.csrfToken, email: page.user.email }),
  });
}

/**
 * A new password with the current one (password-change.service.ts). It signs the account out of
 * every other session and disconnects every app; the session this page runs in stays signed in,
 * since its user just proved the password, and so does the page.
 */
export const passwordSection: AccountSection = {
  path: PATH,
  label: 'account.section.password',
  register(scope, site) {
    scope.get(`/t/:tenant/account/${PATH}`, { schema: passwordPageSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: false });
      return page ? showPassword(page, 200) : reply;
    });

    scope.post(`/t/:tenant/account/${PATH}`, { schema: passwordChangeSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: true });
      if (!page) return reply;
      const form = (request.body ?? {}) as { current_password?: string; password?: string };
      try {
        await changeOwnPassword(
          page.tenant.scope,
          {
            userId: page.user.id,
            keepSessionId: page.session.sessionId,
            currentPassword: form.current_password,
            newPassword: form.password ?? '',
            loginKeys: page.loginKeys,
            ip: request.ip,
          },
          page.actor,
        );
      } catch (error) {
        const problem = formProblemOf(page, error, ['invalid_password', 'weak_password', 'throttled']);
        return showPassword(page, problem.status, { error: problem.message });
      }
      return showPassword(page, 200, {
        notice: t('account.password.changed'),
      });
    });
  },
};
