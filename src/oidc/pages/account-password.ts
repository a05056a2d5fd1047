import { escapeHtml } from './layout.ts';
import { describedByError, hiddenField, newPasswordField } from './form-parts.ts';

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
<label for="current_password">Current password</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password" required${describedByError(input.error)}>
${newPasswordField('New password', input.error)}
<p class="muted">Changing it signs you out everywhere else, on every other device and in every app, which must sign in again. This browser stays signed in.</p>
<div class="actions"><button type="submit">Change password</button></div>
</form>`;
}
