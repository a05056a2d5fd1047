import { escapeHtml, page } from './layout.ts';
import { describedByError, errorBlock, hiddenField } from './form-parts.ts';

export interface EmailChangeFormInput {
  action: string;
  csrfToken: string;
  email: string;
  emailVerified: boolean;
  /** Signed in moments ago: the current password may stay empty. */
  recentSignIn: boolean;
  /** A fresh sign-in that returns here, for whoever would rather not type the password. */
  signInAgainHref: string;
  newEmail?: string;
  lifetime: string;
  error?: string;
}

/** The email section: the address, and the form that mails a confirmation link to a new one. */
export function emailChangeForm(input: EmailChangeFormInput): string {
  const passwordHelp = input.recentSignIn
    ? 'You signed in moments ago, so you may leave it empty.'
    : `Or <a href="${escapeHtml(input.signInAgainHref)}">sign in again</a> first and leave it empty.`;
  return `<p>Your address: <strong>${escapeHtml(input.email)}</strong> (${input.emailVerified ? 'confirmed' : 'not confirmed yet'}). You sign in with it.</p>
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
<label for="email">New email address</label>
<input id="email" name="email" type="email" autocomplete="email" required maxlength="320" value="${escapeHtml(input.newEmail ?? '')}"${describedByError(input.error, 'email-help')}>
<p class="muted" id="email-help">A link to confirm it goes to the new address and works for ${escapeHtml(input.lifetime)}. Your address changes when the link is used; until then you keep signing in with the current one.</p>
<label for="current_password">Current password${input.recentSignIn ? ' (optional)' : ''}</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password"${input.recentSignIn ? '' : ' required'}${describedByError(input.error, 'password-help')}>
<p class="muted" id="password-help">${passwordHelp}</p>
<div class="actions"><button type="submit">Send confirmation link</button></div>
</form>`;
}

export interface ConfirmEmailChangeInput {
  tenantName: string;
  email: string;
  action: string;
  csrfToken: string;
  token: string;
  error?: string;
}

/**
 * What the mailed link opens: a button that makes the new address the account's. Link scanners
 * fetch links, so opening it changes nothing; the button's post does.
 */
export function confirmEmailChangePage(input: ConfirmEmailChangeInput): string {
  return page(
    `Confirm your new address – ${input.tenantName}`,
    `<h1>Use this address?</h1>
${errorBlock(input.error)}
<p><strong>${escapeHtml(input.email)}</strong> becomes the address of your account at ${escapeHtml(input.tenantName)}: you sign in with it from then on.</p>
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('token', input.token)}
<div class="actions"><button type="submit">Use this address</button></div>
</form>`,
  );
}
