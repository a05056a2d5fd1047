import { updateUser } from '../../../modules/users/users.service.ts';
import { profileForm } from '../../../oidc/pages/account-profile.ts';
import { formProblemOf } from '../account-page.ts';
import type { AccountSection } from './account-section.ts';
import { loadSignedIn, showSection, type SignedInPage } from './signed-in.ts';
import { profilePageSchema, profileSchema } from './manage.schemas.ts';
import { t } from '../../../oidc/pages/i18n/translate.ts';

const PATH = 'profile';

interface ProfileFields {
  name?: string;
  given_name?: string;
  family_name?: string;
}

function showProfile(page: SignedInPage, status: number, extra: { notice?: string; error?: string; form?: ProfileFields } = {}) {
  const { user } = page;
  return showSection(page, status, {
    title: t('account.section.profile'),
    notice: extra.notice,
    error: extra.error,
    body: profileForm({
      action: `${page.home}/${PATH}`,
      csrfToken: page.csrfToken,
      name: extra.form ? (extra.form.name ?? null) : user.name,
      givenName: extra.form ? (extra.form.given_name ?? null) : user.givenName,
      familyName: extra.form ? (extra.form.family_name ?? null) : user.familyName,
      email: user.email,
      emailVerified: user.emailVerified,
      emailHref: `${page.home}/email`,
    }),
  });
}

/** An empty field removes the name; the users service judges the rest (invalid_name). */
const nameOrNull = (value: string | undefined) => (value === undefined || value.trim() === '' ? null : value);

/** The names of the account, saved through the users service with the user as actor (audited). */
export const profileSection: AccountSection = {
  path: PATH,
  label: 'account.section.profile',
  register(scope, site) {
    scope.get(`/t/:tenant/account/${PATH}`, { schema: profilePageSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: false });
      return page ? showProfile(page, 200) : reply;
    });

    scope.post(`/t/:tenant/account/${PATH}`, { schema: profileSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: true });
      if (!page) return reply;
      const form = (request.body ?? {}) as ProfileFields;
      try {
        const updated = await updateUser(
          page.tenant.scope,
          { userId: page.user.id, name: nameOrNull(form.name), givenName: nameOrNull(form.given_name), familyName: nameOrNull(form.family_name) },
          page.actor,
        );
        return showProfile({ ...page, user: updated }, 200, { notice: t('account.profile.saved') });
      } catch (error) {
        const problem = formProblemOf(page, error, ['invalid_name']);
        return showProfile(page, problem.status, { error: problem.message, form });
      }
    });
  },
};
