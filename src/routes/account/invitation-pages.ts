import { isAppError, type AppError } from '../../errors.ts';
import { acceptInvitation, openInvitation } from '../../modules/users/invitation-accept.service.ts';
import { acceptInvitationPage } from '../../oidc/pages/accept-invitation.ts';
import { noticePage } from '../../oidc/pages/notice.ts';
import { accountHref, formProblemOf, formTokenOf, showPage, type AccountPage } from './account-page.ts';
import { t } from '../../oidc/pages/i18n/translate.ts';

/** Each reason a link cannot be used (invitation-accept.service.ts), in the invitee's words, with its status. */
function refusalPage(page: AccountPage, error: AppError) {
  const tenantName = page.tenant.row.display_name;
  const forgot = { href: accountHref(page, 'forgot-password'), label: t('invitation.forgotPassword') };
  const refusals: Record<string, { status: number; title: string; paragraphs: string[]; link?: { href: string; label: string } }> = {
    invitation_used: {
      status: 410,
      title: t('invitation.usedTitle'),
      paragraphs: [t('invitation.used'), t('invitation.usedNext')],
      link: forgot,
    },
    invitation_expired: {
      status: 410,
      title: t('invitation.expiredTitle'),
      paragraphs: [t('invitation.expired'), t('invitation.expiredNext', { tenant: tenantName })],
    },
    user_exists: {
      status: 409,
      title: t('invitation.userExistsTitle'),
      paragraphs: [t('invitation.userExists', { email: String(error.details?.email), tenant: tenantName }), t('invitation.userExistsNext')],
      link: forgot,
    },
    invalid_invitation: {
      status: 400,
      title: t('invitation.invalidTitle'),
      paragraphs: [
        t('invitation.invalid'),
        t('invitation.invalidNext', { tenant: tenantName }),
      ],
    },
  };
  const { status, ...notice } = refusals[error.code]!;
  return showPage(page, status, noticePage({ ...notice, alert: true }));
}

const REFUSALS = ['invalid_invitation', 'invitation_used', 'invitation_expired', 'user_exists'];
const isRefusal = (error: unknown): error is AppError => isAppError(error) && REFUSALS.includes(error.code);

interface FormState {
  token: string | undefined;
  name?: string;
  error?: string;
  errorField?: 'name' | 'password';
}

/** The form for the address the link is for, or the page saying why the link cannot be used (now). */
async function acceptForm(page: AccountPage, status: number, state: FormState) {
  let email: string;
  try {
    ({ email } = await openInvitation(page.tenant.scope, state.token));
  } catch (error) {
    if (isRefusal(error)) return refusalPage(page, error);
    throw error;
  }
  return showPage(
    page,
    status,
    acceptInvitationPage({
      tenantName: page.tenant.row.display_name,
      action: `${page.tenantPath}/accept-invitation`,
      csrfToken: formTokenOf(page),
      email,
      token: state.token!,
      name: state.name,
      error: state.error,
      errorField: state.errorField,
    }),
  );
}

/** `GET /t/<id>/accept-invitation?token=…`: what the mailed link opens; opening it uses nothing. */
export function showAcceptInvitationPage(page: AccountPage) {
  const { token } = page.request.query as { token?: string };
  return acceptForm(page, 200, { token });
}

/** Its post: the account made with the invitation's roles and a verified address, the invitation used. */
export async function submitAcceptInvitation(page: AccountPage) {
  const form = (page.request.body ?? {}) as { token?: string; name?: string; password?: string };
  let email: string;
  try {
    ({ email } = await acceptInvitation(page.tenant.scope, { token: form.token, password: form.password ?? '', name: form.name || undefined }, page.visitor));
  } catch (error) {
    if (isRefusal(error)) return refusalPage(page, error);
    const problem = formProblemOf(page, error, ['weak_password', 'invalid_name']);
    const errorField = (error as AppError).code === 'invalid_name' ? 'name' : 'password';
    // The form again: a refused password or name left the link unused.
    return acceptForm(page, problem.status, { token: form.token, name: form.name, error: problem.message, errorField });
  }
  return showPage(
    page,
    200,
    noticePage({
      title: t('invitation.readyTitle'),
      paragraphs: [
        t('invitation.ready', { email: String(email), tenant: page.tenant.row.display_name }),
        t('invitation.readyNext'),
      ],
      link: { href: `${page.tenantPath}/account`, label: t('account.goToAccount') },
    }),
  );
}
