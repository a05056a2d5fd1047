import { escapeHtml, page } from './layout.ts';
import { describedByError, errorBlock, hiddenField, linkLine } from './form-parts.ts';

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
    'Sign-in not completed',
    `<h1>Sign-in not completed</h1>
<p class="error" role="alert">${escapeHtml(input.message)}</p>
${linkLine(input.signInHref ? { href: input.signInHref, label: 'Back to sign-in' } : undefined)}`,
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
  return page(
    `Link your ${input.providerName} account – ${input.tenantName}`,
    `<h1>Link your ${escapeHtml(input.providerName)} account</h1>
<p>${escapeHtml(input.tenantName)} already has an account for ${escapeHtml(input.email)}. Sign in with its password once to link your
${escapeHtml(input.providerName)} account to it; after that, ${escapeHtml(input.providerName)} alone signs you in.</p>
${errorBlock(input.error)}
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
<label for="password">Password for ${escapeHtml(input.email)}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus${describedByError(input.error)}>
<div class="actions"><button type="submit">Link and sign in</button></div>
</form>
${linkLine({ href: input.signInHref, label: 'Cancel and go back to sign-in' })}`,
  );
}
