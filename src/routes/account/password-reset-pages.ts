import { peekResetLink, requestPasswordReset, resetPassword } from '../../modules/users/password-reset.service.ts';
import { lifetimeInWords } from '../../modules/users/email-tokens.ts';
import { emailRequestPage } from '../../oidc/pages/email-request.ts';
import { resetPasswordPage } from '../../oidc/pages/reset-password.ts';
import { noticePage } from '../../oidc/pages/notice.ts';
import { accountHref, formProblemOf, formTokenOf, showPage, type AccountPage } from './account-page.ts';

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
      title: 'Check your mail',
      paragraphs: [
        `If ${email} has an account at ${page.tenant.row.display_name}, a link to choose a new password is on its way to it.`,
        `The link works once, for ${lifetimeInWords('reset_password')}. No mail? Look in the spam folder, or ask again in a few minutes.`,
      ],
      link: page.signInHref ? { href: page.signInHref, label: 'Back to sign in' } : undefined,
    }),
  );
}

function linkUnusable(page: AccountPage) {
  return showPage(
    page,
    400,
    noticePage({
      title: 'This link cannot be used',
      paragraphs: ['The password reset link is invalid, was already used or has expired.', 'Ask for a new one: each link works once, for a short time.'],
      link: { href: accountHref(page, 'forgot-password'), label: 'Get a new link' },
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
      title: 'Password changed',
      paragraphs: [
        `The password of ${email} is changed, and every session of the account has been signed out.`,
        'Go back to the application and sign in with the new password.',
      ],
    }),
  );
}
