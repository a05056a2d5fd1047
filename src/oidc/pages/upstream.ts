import { escapeHtml, page } from './layout.ts';
import { describedByError, errorBlock, hiddenField, linkLine } from './form-parts.ts';
import { t, tenantNameShown } from './i18n/translate.ts';

/** The pages of a sign-in through an upstream provider (modules/connections/). */

export interface UpstreamRefusedPageInput {
  /** What went wrong, a sentence for the person (UpstreamRefused#describe). */
  message: string;
  /** Back into the sign-in the trip started from, when it is known. */
  signInHref?: string;
}

/** A trip that ended without a sign-in: why, and the way back to the login page. */
export function upstreamRefusedPage(input: UpstreamRefusedPageInput): string {
  return page(
    t('upstream.refusedTitle'),
    `<h1>${escapeHtml(t('upstream.refusedTitle'))}</h1>
<p class="error" role="alert">${escapeHtml(input.message)}</p>
${linkLine(input.signInHref ? { href: input.signInHref, label: t('upstream.backToSignIn') } : undefined)}`,
  );
}

export interface LinkAccountPageInput {
  tenantName: string;
  providerName: string;
  /** The local account's address, which the password must be for. */
  email: string;
  action: string;
  csrfToken: string;
  signInHref: string;
  error?: string;
}

/**
 * An upstream account whose address matches a local account, where either side has not confirmed
 * the address: the person proves the local account with its password, and the two are linked.
 */
export function linkAccountPage(input: LinkAccountPageInput): string {
  const tenant = tenantNameShown(input.tenantName);
  const title = t('upstream.linkTitle', { provider: input.providerName });
  return page(
    t('common.titleWithTenant', { title, tenant }),
    `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(t('upstream.linkLead', { tenant, email: input.email, provider: input.providerName }))}</p>
${errorBlock(input.error)}
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
<label for="password">${escapeHtml(t('upstream.passwordFor', { email: input.email }))}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus${describedByError(input.error)}>
<div class="actions"><button type="submit">${escapeHtml(t('upstream.linkSubmit'))}</button></div>
</form>
${linkLine({ href: input.signInHref, label: t('upstream.cancel') })}`,
  );
}
