import { escapeHtml, page } from './layout.ts';
import { describedByError, errorBlock, hiddenField } from './form-parts.ts';
import { t, tHtml, tenantNameShown } from './i18n/translate.ts';

export interface EmailChangeFormInput {
  action: string;
  csrfToken: string;
  email: string;
  emailVerified: boolean;
  /** Signed in moments ago: the current password may stay empty. */
  recentSignIn: boolean;
  /** A fresh sign-in that returns here, for whoever would rather not type the password. */
  signInAgainHref: string;
  newEmail?: string;
  lifetime: string;
  error?: string;
}

/** The email section: the address, and the form that mails a confirmation link to a new one. */
export function emailChangeForm(input: EmailChangeFormInput): string {
  const passwordHelp = input.recentSignIn
    ? escapeHtml(t('common.recentSignIn'))
    : tHtml('common.signInAgainFirst', { link: `<a href="${escapeHtml(input.signInAgainHref)}">${escapeHtml(t('common.signInAgain'))}</a>` });
  const state = t(input.emailVerified ? 'common.confirmed' : 'common.notConfirmed');
  return `<p>${tHtml('account.email.current', { email: `<strong>${escapeHtml(input.email)}</strong>`, state: escapeHtml(state) })}</p>
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
<label for="email">${escapeHtml(t('account.email.new'))}</label>
<input id="email" name="email" type="email" autocomplete="email" required maxlength="320" value="${escapeHtml(input.newEmail ?? '')}"${describedByError(input.error, 'email-help')}>
<p class="muted" id="email-help">${escapeHtml(t('account.email.help', { lifetime: input.lifetime }))}</p>
<label for="current_password">${escapeHtml(t(input.recentSignIn ? 'common.currentPasswordOptional' : 'common.currentPassword'))}</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password"${input.recentSignIn ? '' : ' required'}${describedByError(input.error, 'password-help')}>
<p class="muted" id="password-help">${passwordHelp}</p>
<div class="actions"><button type="submit">${escapeHtml(t('account.email.send'))}</button></div>
</form>`;
}

export interface ConfirmEmailChangeInput {
  tenantName: string;
  email: string;
  action: string;
  csrfToken: string;
  token: string;
  error?: string;
}

/**
 * What the mailed link opens: a button that makes the new address the account's. Link scanners
 * fetch links, so opening it changes nothing; the button's post does.
 */
export function confirmEmailChangePage(input: ConfirmEmailChangeInput): string {
  const tenant = tenantNameShown(input.tenantName);
  return page(
    t('common.titleWithTenant', { title: t('account.email.confirmTitle'), tenant }),
    `<h1>${escapeHtml(t('account.email.confirmHeading'))}</h1>
${errorBlock(input.error)}
<p>${tHtml('account.email.confirmLead', { email: `<strong>${escapeHtml(input.email)}</strong>`, tenant: escapeHtml(tenant) })}</p>
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('token', input.token)}
<div class="actions"><button type="submit">${escapeHtml(t('account.email.use'))}</button></div>
</form>`,
  );
}
