import { ACCOUNT_CLIENT_ID, builtinClientMetadata } from '../../../modules/clients/builtin-clients.ts';
import { listUserGrants, revokeUserGrant, type UserGrant } from '../../../modules/users/user-sessions.service.ts';
import { connectedAppsList } from '../../../oidc/pages/account-apps.ts';
import { formProblemOf } from '../account-page.ts';
import type { AccountSection } from './account-section.ts';
import { loadSignedIn, showSection, type SignedInPage } from './signed-in.ts';
import { appsPageSchema, revokeAppSchema } from './manage.schemas.ts';
import { t } from '../../../oidc/pages/i18n/translate.ts';

const PATH = 'apps';
const SHOWN = 100;

/** What each OpenID scope lets an app see, in words. */
const ACCESS: Readonly<Record<string, string>> = {
  profile: 'your name',
  email: 'your email address',
  roles: 'your roles',
  offline_access: 'access while you are away',
};

function appOf(page: SignedInPage, grant: UserGrant) {
  const builtin = builtinClientMetadata(page.tenant.issuer, page.tenant.id, grant.client_id);
  return {
    grantId: grant.id,
    name: grant.client_name ?? (builtin?.client_name as string | undefined) ?? grant.client_id,
    access: grant.scopes.flatMap((scope) => (ACCESS[scope] ? [ACCESS[scope]] : [])),
    apis: grant.apis.map((api) => `${api.identifier}${api.scopes.length > 0 ? ` (${api.scopes.join(', ')})` : ''}`),
    since: grant.created_at,
  };
}

async function showApps(page: SignedInPage, status: number, extra: { notice?: string; error?: string } = {}) {
  const { items } = await listUserGrants(page.tenant.scope, page.user.id, { limit: SHOWN });
  // The account page's own grant is not an app the person connected; revoking it would only
  // make this page fetch a new one at the next sign-in.
  const apps = items.filter((grant) => grant.client_id !== ACCOUNT_CLIENT_ID).map((grant) => appOf(page, grant));
  return showSection(page, status, {
    title: t('account.section.apps'),
    ...extra,
    body: connectedAppsList({ tenantName: page.tenant.row.display_name, revokeAction: `${page.home}/${PATH}/revoke`, csrfToken: page.csrfToken, apps }),
  });
}

/**
 * The grants of the account, one per app (user-sessions.service.ts, with the user as actor):
 * disconnecting one deletes the grant and every code and token issued under it, refresh tokens
 * included; the app must ask again.
 */
export const appsSection: AccountSection = {
  path: PATH,
  label: 'account.section.apps',
  register(scope, site) {
    scope.get(`/t/:tenant/account/${PATH}`, { schema: appsPageSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: false });
      return page ? showApps(page, 200) : reply;
    });

    scope.post(`/t/:tenant/account/${PATH}/revoke`, { schema: revokeAppSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: true });
      if (!page) return reply;
      const { grant } = (request.body ?? {}) as { grant?: string };
      try {
        await revokeUserGrant(page.tenant.scope, { userId: page.user.id, grantId: grant ?? '' }, page.actor);
      } catch (error) {
        formProblemOf(page, error, ['grant_not_found']);
        return showApps(page, 404, { error: t('account.apps.gone') });
      }
      return showApps(page, 200, { notice: t('account.apps.disconnected') });
    });
  },
};
