import { escapeHtml, page } from './layout.ts';
import { errorBlock, hiddenField, newPasswordField } from './form-parts.ts';
import { t, tenantNameShown } from './i18n/translate.ts';

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
  const tenant = tenantNameShown(input.tenantName);
  return page(
    t('common.titleWithTenant', { title: t('reset.title'), tenant }),
    `<h1>${escapeHtml(t('reset.title'))}</h1>
<p class="muted">${escapeHtml(t('reset.lead', { email: input.email, tenant }))}</p>
${errorBlock(input.error)}
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('token', input.token)}
${newPasswordField(t('common.newPassword'), input.error)}
<p class="muted">${escapeHtml(t('reset.signsOut'))}</p>
<div class="actions"><button type="submit">${escapeHtml(t('reset.submit'))}</button></div>
</form>`,
  );
}
