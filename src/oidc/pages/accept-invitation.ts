import { escapeHtml, page } from './layout.ts';
import { describedByError, errorBlock, hiddenField, newPasswordField } from './form-parts.ts';
import { t, tenantNameShown } from './i18n/translate.ts';

export interface AcceptInvitationPageInput {
  tenantName: string;
  email: string;
  action: string;
  csrfToken: string;
  token: string;
  name?: string;
  error?: string;
  /** The field the error is about, marked invalid and pointed at the error. */
  errorField?: 'name' | 'password';
}

/**
 * What an invitation link opens: the invited address, which cannot be changed (the link was
 * mailed to it), a name and a new password. Opening it uses nothing; posting it makes the account.
 * The address is a read-only field without a name: it is not part of the post, but password
 * managers see it as the username of the password being chosen.
 */
export function acceptInvitationPage(input: AcceptInvitationPageInput): string {
  const error = input.error;
  const tenantName = tenantNameShown(input.tenantName);
  const errorOf = (field: 'name' | 'password') => (input.errorField === field ? error : undefined);
  return page(
    t('common.titleWithTenant', { title: t('invitation.title'), tenant: tenantName }),
    `<h1>${escapeHtml(t('invitation.title'))}</h1>
<p class="muted">${escapeHtml(t('invitation.lead', { tenant: tenantName }))}</p>
${errorBlock(error)}
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('token', input.token)}
<label for="email">${escapeHtml(t('common.email'))}</label>
<input id="email" type="email" autocomplete="username" readonly value="${escapeHtml(input.email)}" aria-describedby="email-help">
<p class="muted" id="email-help">${escapeHtml(t('invitation.emailHelp'))}</p>
<label for="name">${escapeHtml(t('common.nameOptional'))}</label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="200" autofocus value="${escapeHtml(input.name ?? '')}"${describedByError(errorOf('name'))}>
${newPasswordField(t('common.password'), errorOf('password'))}
<div class="actions"><button type="submit">${escapeHtml(t('common.createAccount'))}</button></div>
</form>`,
  );
}
