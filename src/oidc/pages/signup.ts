import { escapeHtml, page } from './layout.ts';
import { describedByError, errorBlock, hiddenField, linkLine, newPasswordField } from './form-parts.ts';

export interface SignupPageInput {
  tenantName: string;
  action: string;
  csrfToken: string;
  /** The sign-in this page was opened from, carried through the form so the user can return to it. */
  interaction?: string;
  /** Back to the login page of that sign-in. */
  signInHref?: string;
  /** The tenant signs up by invitation only: the form asks for the invitation's code. */
  invitationRequired: boolean;
  invitation?: string;
  email?: string;
  name?: string;
  error?: string;
}

/** The hosted signup form: email, optional name, a new password (and an invitation code when needed). */
export function signupPage(input: SignupPageInput): string {
  const error = input.error;
  const invitation = input.invitationRequired
    ? `<label for="invitation">Invitation code</label>
<input id="invitation" name="invitation" type="text" autocomplete="off" required value="${escapeHtml(input.invitation ?? '')}"${describedByError(error, 'invitation-help')}>
<p class="muted" id="invitation-help">The code from your invitation: this service signs up invited people only.</p>`
    : '';
  return page(
    `Create an account – ${input.tenantName}`,
    `<h1>Create your account</h1>
<p class="muted">at ${escapeHtml(input.tenantName)}</p>
${errorBlock(error)}
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('interaction', input.interaction)}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required autofocus value="${escapeHtml(input.email ?? '')}"${describedByError(error)}>
<label for="name">Name (optional)</label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="200" value="${escapeHtml(input.name ?? '')}">
${newPasswordField('Password', error)}
${invitation}
<div class="actions"><button type="submit">Create account</button></div>
</form>
${linkLine(input.signInHref ? { lead: 'Already have an account?', href: input.signInHref, label: 'Sign in' } : undefined)}`,
  );
}
