import { peekVerificationLink, requestVerificationMail, verifyEmail } from '../../modules/users/email-verification.service.ts';
import { EMAIL_TOKEN_LIFETIME_SECONDS } from '../../modules/users/email-tokens.ts';
import { confirmEmailPage } from '../../oidc/pages/verify-email.ts';
import { emailRequestPage } from '../../oidc/pages/email-request.ts';
import { noticePage } from '../../oidc/pages/notice.ts';
import { accountHref, formProblemOf, formTokenOf, showPage, type AccountPage } from './account-page.ts';
import { t, tDuration } from '../../oidc/pages/i18n/translate.ts';

function linkUnusable(page: AccountPage) {
  return showPage(
    page,
    400,
    noticePage({
      title: t('common.linkUnusable'),
      paragraphs: [t('verify.unusable'), t('verify.askNew')],
      link: { href: accountHref(page, 'resend-verification'), label: t('common.getNewLink') },
      alert: true,
    }),
  );
}

/**
 * `GET /t/<id>/verify-email?token=…`: what the mailed link opens, a page with a button. Mail
 * scanners and link previews fetch links; only the button's post uses the token.
 */
export async function showVerifyEmailPage(page: AccountPage) {
  const { token } = page.request.query as { token?: string };
  const link = await peekVerificationLink(page.tenant.scope, token);
  if (!link) return linkUnusable(page);
  return showPage(
    page,
    200,
    confirmEmailPage({
      tenantName: page.tenant.row.display_name,
      email: link.email,
      action: `${page.tenantPath}/verify-email`,
      csrfToken: formTokenOf(page),
      token: token!,
    }),
  );
}

/** Its post: the address confirmed, once. */
export async function submitVerifyEmail(page: AccountPage) {
  const { token } = (page.request.body ?? {}) as { token?: string };
  let email: string;
  try {
    ({ email } = await verifyEmail(page.tenant.scope, { token }, page.visitor));
  } catch (error) {
    formProblemOf(page, error, ['invalid_link']);
    return linkUnusable(page);
  }
  return showPage(
    page,
    200,
    noticePage({ title: t('verify.confirmedTitle'), paragraphs: [t('verify.confirmed', { email })] }),
  );
}

function resendForm(page: AccountPage, status: number, email?: string, error?: string) {
  return showPage(
    page,
    status,
    emailRequestPage({
      tenantName: page.tenant.row.display_name,
      kind: 'verify_email',
      action: `${page.tenantPath}/resend-verification`,
      csrfToken: formTokenOf(page),
      interaction: page.interaction,
      signInHref: page.signInHref,
      email,
      error,
    }),
  );
}

/** `GET /t/<id>/resend-verification`: ask for a new confirmation link. */
export function showResendVerificationPage(page: AccountPage) {
  const { email } = page.request.query as { email?: string };
  return resendForm(page, 200, email);
}

/** Its post (also the button of the "confirm your address first" sign-in page): one answer for every address. */
export async function submitResendVerification(page: AccountPage) {
  const { email } = (page.request.body ?? {}) as { email?: string };
  try {
    await requestVerificationMail(page.tenant.scope, { email: email ?? '', loginKeys: page.loginKeys, mail: page.mail }, page.visitor);
  } catch (error) {
    const problem = formProblemOf(page, error, ['invalid_email', 'throttled']);
    return resendForm(page, problem.status, email, problem.message);
  }
  return showPage(
    page,
    200,
    noticePage({
      title: t('common.checkMail'),
      paragraphs: [
        t('verify.resent', { email: String(email), tenant: page.tenant.row.display_name }),
        t('verify.resentLifetime', { time: tDuration(EMAIL_TOKEN_LIFETIME_SECONDS.verify_email) }),
      ],
      link: page.signInHref ? { href: page.signInHref, label: t('common.backToSignIn') } : undefined,
    }),
  );
}
