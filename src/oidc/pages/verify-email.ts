import { escapeHtml, page } from './layout.ts';
import { hiddenField, linkLine } from './form-parts.ts';
import { t, tenantNameShown } from './i18n/translate.ts';

export interface ConfirmEmailPageInput {
  tenantName: string;
  email: string;
  action: string;
  csrfToken: string;
  token: string;
}

/**
 * What a verification link opens: a button that confirms. Mail scanners and link previews fetch
 * links; only a person pressing the button uses it.
 */
export function confirmEmailPage(input: ConfirmEmailPageInput): string {
  const tenant = tenantNameShown(input.tenantName);
  return page(
    t('common.titleWithTenant', { title: t('verify.title'), tenant }),
    `<h1>${escapeHtml(t('verify.title'))}</h1>
<p>${escapeHtml(t('verify.lead', { email: input.email, tenant }))}</p>
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('token', input.token)}
<div class="actions"><button type="submit" autofocus>${escapeHtml(t('verify.submit'))}</button></div>
</form>`,
  );
}

export interface VerificationRequiredPageInput {
  tenantName: string;
  email: string;
  /** Where the "send a new link" form posts. */
  resendAction: string;
  csrfToken: string;
  interaction: string;
  signInHref: string;
}

/** A right password for an account whose address is unconfirmed, where the tenant requires a confirmed one. */
export function verificationRequiredPage(input: VerificationRequiredPageInput): string {
  const tenant = tenantNameShown(input.tenantName);
  return page(
    t('common.titleWithTenant', { title: t('verify.title'), tenant }),
    `<h1>${escapeHtml(t('verify.requiredHeading'))}</h1>
<p class="error" role="alert">${escapeHtml(t('verify.requiredAlert', { tenant }))}</p>
<p>${escapeHtml(t('verify.requiredLead', { email: input.email }))}</p>
<form method="post" action="${escapeHtml(input.resendAction)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('interaction', input.interaction)}
${hiddenField('email', input.email)}
<div class="actions"><button type="submit">${escapeHtml(t('verify.sendNew'))}</button></div>
</form>
${linkLine({ href: input.signInHref, label: t('common.backToSignIn') })}`,
  );
}
