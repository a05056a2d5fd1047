import { escapeHtml, page } from './layout.ts';
import { errorBlock, hiddenField, newPasswordField } from './form-parts.ts';

export interface ResetPasswordPageInput {
  tenantName: string;
  email: string;
  action: string;
  csrfToken: string;
  token: string;
  error?: string;
}

/** What a reset link opens: the new password's form. Opening it uses nothing; posting it does. */
export function resetPasswordPage(input: ResetPasswordPageInput): string {
  return page(
    `Choose a new password – ${input.tenantName}`,
    `<h1>Choose a new password</h1>
<p class="muted">for ${escapeHtml(input.email)} at ${escapeHtml(input.tenantName)}</p>
${errorBlock(input.error)}
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('token', input.token)}
${newPasswordField('New password', input.error)}
<p class="muted">Setting it signs you out everywhere, on every device and application.</p>
<div class="actions"><button type="submit">Set new password</button></div>
</form>`,
  );
}
