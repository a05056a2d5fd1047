import { escapeHtml, page } from './layout.ts';
import { describedByError, errorBlock, hiddenField, linkLine, newPasswordField } from './form-parts.ts';
import { t, tenantNameShown } from './i18n/translate.ts';

export interface SignupPageInput {
  tenantName: string;
  action: string;
  csrfToken: string;
  /** The sign-in this page was opened from, carried through the form so the user can return to it. */
  interaction?: string;
  /** Back to the login page of that sign-in. */
  signInHref?: string;
  /** The tenant signs up by invitation only: the form asks for the invitation's code. */
  invitationRequired: boolean;
  invitation?: string;
  email?: string;
  name?: string;
  error?: string;
}

/** The hosted signup form: email, optional name, a new password (and an invitation code when needed). */
export function signupPage(input: SignupPageInput): string {
  const error = input.error;
  const tenant = tenantNameShown(input.tenantName);
  const invitation = input.invitationRequired
    ? `<label for="invitation">${escapeHtml(t('signup.invitationCode'))}</label>
<input id="invitation" name="invitation" type="text" autocomplete="off" required value="${escapeHtml(input.invitation ?? '')}"${describedByError(error, 'invitation-help')}>
<p class="muted" id="invitation-help">${escapeHtml(t('signup.invitationHelp'))}</p>`
    : '';
  return page(
    t('common.titleWithTenant', { title: t('signup.title'), tenant }),
    `<h1>${escapeHtml(t('signup.heading'))}</h1>
<p class="muted">${escapeHtml(t('signup.lead', { tenant }))}</p>
${errorBlock(error)}
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('interaction', input.interaction)}
<label for="email">${escapeHtml(t('common.email'))}</label>
<input id="email" name="email" type="email" autocomplete="email" required autofocus value="${escapeHtml(input.email ?? '')}"${describedByError(error)}>
<label for="name">${escapeHtml(t('common.nameOptional'))}</label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="200" value="${escapeHtml(input.name ?? '')}">
${newPasswordField(t('common.password'), error)}
${invitation}
<div class="actions"><button type="submit">${escapeHtml(t('common.createAccount'))}</button></div>
</form>
${linkLine(input.signInHref ? { lead: t('signup.haveAccount'), href: input.signInHref, label: t('signup.signIn') } : undefined)}`,
  );
}
