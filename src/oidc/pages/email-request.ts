import { escapeHtml, page } from './layout.ts';
import { describedByError, errorBlock, hiddenField, linkLine } from './form-parts.ts';
import { t, tenantNameShown } from './i18n/translate.ts';

export interface EmailRequestPageInput {
  tenantName: string;
  /** Which link the page asks for. */
  kind: 'reset_password' | 'verify_email' | 'magic_link';
  action: string;
  csrfToken: string;
  interaction?: string;
  signInHref?: string;
  email?: string;
  error?: string;
}

const WORDS = {
  reset_password: 'emailRequest.reset',
  verify_email: 'emailRequest.verify',
  magic_link: 'emailRequest.magic',
} as const;

/** "Forgot password?", "send me a new confirmation link" and "email me a sign-in link": one address in, the same answer for every address. */
export function emailRequestPage(input: EmailRequestPageInput): string {
  const words = WORDS[input.kind];
  const title = t(`${words}.title`);
  return page(
    t('common.titleWithTenant', { title, tenant: tenantNameShown(input.tenantName) }),
    `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(t(`${words}.lead`))}</p>
${errorBlock(input.error)}
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('interaction', input.interaction)}
<label for="email">${escapeHtml(t('common.email'))}</label>
<input id="email" name="email" type="email" autocomplete="email" required autofocus value="${escapeHtml(input.email ?? '')}"${describedByError(input.error)}>
<div class="actions"><button type="submit">${escapeHtml(t(`${words}.button`))}</button></div>
</form>
${linkLine(input.signInHref ? { href: input.signInHref, label: t('common.backToSignIn') } : undefined)}`,
  );
}
