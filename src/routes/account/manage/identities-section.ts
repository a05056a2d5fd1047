import { listEnabledConnections } from '../../../modules/connections/connections.repository.ts';
import { listUserIdentities, unlinkOwnIdentity } from '../../../modules/connections/identities.service.ts';
import { requireCurrentPassword } from '../../../modules/users/current-password.ts';
import { linkedAccountsList } from '../../../oidc/pages/account-identities.ts';
import { formProblemOf } from '../account-page.ts';
import type { AccountSection } from './account-section.ts';
import { loadSignedIn, showSection, signedInRecently, type SignedInPage } from './signed-in.ts';
import { identitiesPageSchema, unlinkIdentitySchema } from './manage.schemas.ts';
import { t } from '../../../oidc/pages/i18n/translate.ts';

const PATH = 'linked-accounts';
const TITLE = 'account.section.identities';

async function showIdentities(page: SignedInPage, status: number, extra: { notice?: string; error?: string } = {}) {
  const [identities, connections] = await Promise.all([listUserIdentities(page.tenant.scope, page.user.id), listEnabledConnections(page.tenant.db)]);
  const names = new Map(connections.map((connection) => [connection.name, connection.display_name]));
  return showSection(page, status, {
    title: t(TITLE),
    ...extra,
    body: linkedAccountsList({
      tenantName: page.tenant.row.display_name,
      unlinkAction: `${page.home}/${PATH}/unlink`,
      csrfToken: page.csrfToken,
      recentSignIn: signedInRecently(page),
      signInAgainHref: `${page.home}/sign-in?section=${PATH}&fresh=1`,
      accounts: identities.map((identity) => ({
        id: identity.id,
        provider: names.get(identity.connection) ?? identity.connection,
        who: identity.email ?? identity.subject,
        linkedAt: identity.linked_at,
      })),
    }),
  });
}

/**
 * The accounts at upstream providers linked to this one (modules/connections/identities.service.ts,
 * the user as actor, audited). Unlinking needs the password or a sign-in of the last minutes, as
 * the other sensitive changes; the last way in (no password, one linked account) stays: 409.
 */
export const identitiesSection: AccountSection = {
  path: PATH,
  label: TITLE,
  register(scope, site) {
    scope.get(`/t/:tenant/account/${PATH}`, { schema: identitiesPageSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: false });
      return page ? showIdentities(page, 200) : reply;
    });

    scope.post(`/t/:tenant/account/${PATH}/unlink`, { schema: unlinkIdentitySchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: true });
      if (!page) return reply;
      const { identity, current_password } = (request.body ?? {}) as { identity?: string; current_password?: string };
      try {
        if ((current_password ?? '') !== '' || !signedInRecently(page)) {
          await requireCurrentPassword(page.tenant.scope, { user: page.user, password: current_password, loginKeys: page.loginKeys, ip: page.request.ip });
        }
        await unlinkOwnIdentity(page.tenant.scope, { userId: page.user.id, identityId: identity ?? '' }, page.actor);
      } catch (error) {
        const problem = formProblemOf(page, error, ['invalid_password', 'throttled', 'identity_not_found', 'last_sign_in_method']);
        return showIdentities(page, problem.status, { error: problem.message });
      }
      return showIdentities(page, 200, { notice: t('account.identities.unlinked') });
    });
  },
};
