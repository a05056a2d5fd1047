import { listUserSessions, revokeOtherUserSessions, revokeUserSession } from '../../../modules/users/user-sessions.service.ts';
import { sessionsList } from '../../../oidc/pages/account-sessions.ts';
import { formProblemOf } from '../account-page.ts';
import type { AccountSection } from './account-section.ts';
import { loadSignedIn, showSection, type SignedInPage } from './signed-in.ts';
import { revokeOtherSessionsSchema, revokeSessionSchema, sessionsPageSchema } from './manage.schemas.ts';
import { t } from '../../../oidc/pages/i18n/translate.ts';

const PATH = 'sessions';
/** More than anyone has browsers; the rest of a longer list is not shown. */
const SHOWN = 100;

/** `amr` values (RFC 8176) in words; others as they are. */
const METHODS: Readonly<Record<string, string>> = { pwd: 'password', otp: 'one-time code', mfa: 'two factors', hwk: 'security key', swk: 'passkey', email: 'email link' };

/** The names the tenant gave its apps (the provider's client cache answers; a deleted app keeps its id). */
async function appNames(page: SignedInPage, clientIds: string[]): Promise<string[]> {
  return Promise.all(clientIds.map(async (id) => (await page.tenant.provider.Client.find(id))?.clientName ?? id));
}

async function showSessions(page: SignedInPage, status: number, extra: { notice?: string; error?: string } = {}) {
  const { items } = await listUserSessions(page.tenant.scope, page.user.id, { limit: SHOWN });
  const sessions = await Promise.all(
    items.map(async (session) => ({
      id: session.id,
      signedInAt: session.signed_in_at,
      expiresAt: session.expires_at,
      methods: session.amr.map((method) => METHODS[method] ?? method),
      apps: await appNames(page, session.client_ids),
      current: session.id === page.session.sessionId,
    })),
  );
  return showSection(page, status, {
    title: t('account.section.sessions'),
    ...extra,
    body: sessionsList({
      tenantName: page.tenant.row.display_name,
      revokeAction: `${page.home}/${PATH}/revoke`,
      revokeOthersAction: `${page.home}/${PATH}/revoke-others`,
      csrfToken: page.csrfToken,
      sessions,
    }),
  });
}

/**
 * The provider sessions of the account (user-sessions.service.ts, with the user as actor): one
 * signed out, or all but this one. This one ends by signing out, which also ends the page.
 */
export const sessionsSection: AccountSection = {
  path: PATH,
  label: 'account.section.sessions',
  register(scope, site) {
    scope.get(`/t/:tenant/account/${PATH}`, { schema: sessionsPageSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: false });
      return page ? showSessions(page, 200) : reply;
    });

    scope.post(`/t/:tenant/account/${PATH}/revoke`, { schema: revokeSessionSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: true });
      if (!page) return reply;
      const { session } = (request.body ?? {}) as { session?: string };
      if (!session || session === page.session.sessionId) {
        return showSessions(page, 400, { error: t('account.sessions.notThis') });
      }
      try {
        await revokeUserSession(page.tenant.scope, { userId: page.user.id, sessionId: session }, page.actor);
      } catch (error) {
        const problem = formProblemOf(page, error, ['session_not_found']);
        return showSessions(page, problem.status, { error: t('account.sessions.gone') });
      }
      return showSessions(page, 200, { notice: t('account.sessions.ended') });
    });

    scope.post(`/t/:tenant/account/${PATH}/revoke-others`, { schema: revokeOtherSessionsSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: true });
      if (!page) return reply;
      const count = await revokeOtherUserSessions(page.tenant.scope, { userId: page.user.id, keepSessionId: page.session.sessionId }, page.actor);
      return showSessions(page, 200, { notice: t(count === 1 ? 'account.sessions.othersEnded.one' : 'account.sessions.othersEnded.other', { count }) });
    });
  },
};
