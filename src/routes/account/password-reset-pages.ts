import { peekResetLink, requestPasswordReset, resetPassword } from '../../modules/users/password-reset.service.ts';
import { EMAIL_TOKEN_LIFETIME_SECONDS } from '../../modules/users/email-tokens.ts';
import { emailRequestPage } from '../../oidc/pages/email-request.ts';
import { resetPasswordPage } from '../../oidc/pages/reset-password.ts';
import { noticePage } from '../../oidc/pages/notice.ts';
import { accountHref, formProblemOf, formTokenOf, showPage, type AccountPage } from './account-page.ts';
import { t, tDuration } from '../../oidc/pages/i18n/translate.ts';

function forgotForm(page: AccountPage, status: number, email?: string, error?: string) {
  return showPage(
    page,
    status,
    emailRequestPage({
      tenantName: page.tenant.row.display_name,
      kind: 'reset_password',
      action: `${page.tenantPath}/forgot-password`,
      csrfToken: formTokenOf(page),
      interaction: page.interaction,
      signInHref: page.signInHref,
      email,
      error,
    }),
  );
}

/** `GET /t/<id>/forgot-password`: the address form ("Forgot password?" on the login page). */
export function showForgotPasswordPage(page: AccountPage) {
  return forgotForm(page, 200);
}

/** Its post: one answer for every address, known or not (the service does the same work for both). */
export async function submitForgotPassword(page: AccountPage) {
  const { email } = (page.request.body ?? {}) as { email?: string };
  try {
    await requestPasswordReset(page.tenant.scope, { email: email ?? '', loginKeys: page.loginKeys, mail: page.mail }, page.visitor);
  } catch (error) {
    const problem = formProblemOf(page, error, ['invalid_email', 'throttled']);
    return forgotForm(page, problem.status, email, problem.message);
  }
  return showPage(
    page,
    200,
    noticePage({
      title: t('common.checkMail'),
      paragraphs: [
        t('reset.sent', { email: String(email), tenant: page.tenant.row.display_name }),
        t('reset.sentLifetime', { time: tDuration(EMAIL_TOKEN_LIFETIME_SECONDS.reset_password) }),
      ],
      link: page.signInHref ? { href: page.signInHref, label: t('common.backToSignIn') } : undefined,
    }),
  );
}

function linkUnusable(page: AccountPage) {
  return showPage(
    page,
    400,
    noticePage({
      title: t('common.linkUnusable'),
      paragraphs: [t('reset.unusable'), t('reset.askNew')],
      link: { href: accountHref(page, 'forgot-password'), label: t('common.getNewLink') },
      alert: true,
    }),
  );
}

function resetForm(page: AccountPage, status: number, input: { email: string; token: string; error?: string }) {
  return showPage(
    page,
    status,
    resetPasswordPage({
      tenantName: page.tenant.row.display_name,
      email: input.email,
      action: `${page.tenantPath}/reset-password`,
      csrfToken: formTokenOf(page),
      token: input.token,
      error: input.error,
    }),
  );
}

/** `GET /t/<id>/reset-password?token=…`: what the mailed link opens; opening it uses nothing. */
export async function showResetPasswordPage(page: AccountPage) {
  const { token } = page.request.query as { token?: string };
  const link = await peekResetLink(page.tenant.scope, token);
  if (!link) return linkUnusable(page);
  return resetForm(page, 200, { email: link.email, token: token! });
}

/** Its post: the new password, the link used, the account signed out everywhere. */
export async function submitResetPassword(page: AccountPage) {
  const form = (page.request.body ?? {}) as { token?: string; password?: string };
  let email: string;
  try {
    ({ email } = await resetPassword(page.tenant.scope, { token: form.token, password: form.password ?? '' }, page.visitor));
  } catch (error) {
    const problem = formProblemOf(page, error, ['invalid_link', 'weak_password']);
    const link = problem.status === 400 && form.token ? await peekResetLink(page.tenant.scope, form.token) : undefined;
    if (!link) return linkUnusable(page);
    return resetForm(page, problem.status, { email: link.email, token: form.token!, error: problem.message });
  }
  return showPage(
    page,
    200,
    noticePage({
      title: t('reset.changedTitle'),
      paragraphs: [
        t('reset.changed', { email }),
        t('reset.changedNext'),
      ],
    }),
  );
}
