import { escapeHtml, page } from './layout.ts';
import { hiddenField, linkLine } from './form-parts.ts';

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
  return page(
    `Confirm your email address – ${input.tenantName}`,
    `<h1>Confirm your email address</h1>
<p>Confirm that ${escapeHtml(input.email)} is your address at ${escapeHtml(input.tenantName)}.</p>
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('token', input.token)}
<div class="actions"><button type="submit" autofocus>Confirm address</button></div>
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
  return page(
    `Confirm your email address – ${input.tenantName}`,
    `<h1>Confirm your email address first</h1>
<p class="error" role="alert">${escapeHtml(input.tenantName)} needs a confirmed email address before you can sign in.</p>
<p>We mailed a link to ${escapeHtml(input.email)} when the account was created. Open it, then sign in again. No mail? Ask for a new link.</p>
<form method="post" action="${escapeHtml(input.resendAction)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('interaction', input.interaction)}
${hiddenField('email', input.email)}
<div class="actions"><button type="submit">Send a new link</button></div>
</form>
${linkLine({ href: input.signInHref, label: 'Back to sign in' })}`,
  );
}
