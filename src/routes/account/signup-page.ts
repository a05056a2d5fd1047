import { readTenantSettings } from '../../modules/settings/settings.service.ts';
import { signUp } from '../../modules/users/signup.service.ts';
import { signupActor } from '../../platform/tenant-scope.ts';
import { signupPage } from '../../oidc/pages/signup.ts';
import { noticePage } from '../../oidc/pages/notice.ts';
import { formProblemOf, formTokenOf, showPage, type AccountPage } from './account-page.ts';
import { t } from '../../oidc/pages/i18n/translate.ts';

interface SignupForm {
  email?: string;
  password?: string;
  name?: string;
  invitation?: string;
}

const REFUSALS = ['invalid_email', 'weak_password', 'invalid_name', 'invitation_required', 'invalid_invitation', 'throttled'];

function signupClosed(page: AccountPage) {
  return showPage(
    page,
    403,
    noticePage({
      title: t('signup.closedTitle'),
      paragraphs: [t('signup.closed', { tenant: page.tenant.row.display_name })],
      link: page.signInHref ? { href: page.signInHref, label: t('common.backToSignIn') } : undefined,
    }),
  );
}

function signupForm(page: AccountPage, status: number, invitationRequired: boolean, form: SignupForm & { error?: string }) {
  return showPage(
    page,
    status,
    signupPage({
      tenantName: page.tenant.row.display_name,
      action: `${page.tenantPath}/signup`,
      csrfToken: formTokenOf(page),
      interaction: page.interaction,
      signInHref: page.signInHref,
      invitationRequired,
      invitation: form.invitation,
      email: form.email,
      name: form.name,
      error: form.error,
    }),
  );
}

/** `GET /t/<id>/signup`: the form, as the tenant's signup mode allows (an invitation's code prefilled from `?invitation=`). */
export async function showSignupPage(page: AccountPage) {
  const { signup } = await readTenantSettings(page.tenant.scope);
  if (signup === 'disabled') return signupClosed(page);
  const { invitation } = page.request.query as { invitation?: string };
  return signupForm(page, 200, signup === 'invite', { invitation });
}

/**
 * The form's post, through the signup service and its limits. The answer is the same page
 * whether the address was new or taken (as the API's); a new account is mailed a link to confirm
 * its address, and the page leads back into the sign-in it was opened from.
 */
export async function submitSignup(page: AccountPage) {
  const form = (page.request.body ?? {}) as SignupForm;
  const invitation = form.invitation || undefined;
  try {
    await signUp(
      page.tenant.scope,
      { email: form.email ?? '', password: form.password ?? '', name: form.name || undefined, invitation, loginKeys: page.loginKeys, mail: page.mail },
      signupActor(page.request.ip),
    );
  } catch (error) {
    const { signup } = await readTenantSettings(page.tenant.scope);
    if (signup === 'disabled') return signupClosed(page);
    const problem = formProblemOf(page, error, REFUSALS);
    return signupForm(page, problem.status, signup === 'invite', { email: form.email, name: form.name, invitation, error: problem.message });
  }
  const { verifiedEmailRequired } = await readTenantSettings(page.tenant.scope);
  const email = form.email ?? '';
  const paragraphs = invitation
    ? [t('signup.readyInvited', { email })]
    : [
        t('signup.ready', { email }),
        verifiedEmailRequired ? t('signup.openFirst') : t('signup.signInNow'),
      ];
  return showPage(
    page,
    200,
    noticePage({
      title: invitation ? t('signup.readyTitle') : t('common.checkMail'),
      paragraphs,
      link: page.signInHref
        ? { href: page.signInHref, label: t('signup.continue') }
        : invitation
          ? { href: `${page.tenantPath}/account`, label: t('account.goToAccount') }
          : undefined,
    }),
  );
}
