import { escapeHtml } from './layout.ts';
import { describedByError, hiddenField, newPasswordField } from './form-parts.ts';
import { t } from './i18n/translate.ts';

export interface PasswordChangeFormInput {
  action: string;
  csrfToken: string;
  /** For password managers: which account the new password belongs to. */
  email: string;
  error?: string;
}

/** The password section: the current password, then the new one under the usual policy. */
export function passwordChangeForm(input: PasswordChangeFormInput): string {
  return `<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
<input type="hidden" name="username" autocomplete="username" value="${escapeHtml(input.email)}">
<label for="current_password">${escapeHtml(t('common.currentPassword'))}</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password" required${describedByError(input.error)}>
${newPasswordField(t('common.newPassword'), input.error)}
<p class="muted">${escapeHtml(t('account.password.help'))}</p>
<div class="actions"><button type="submit">${escapeHtml(t('account.password.submit'))}</button></div>
</form>`;
}
