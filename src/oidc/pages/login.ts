import { escapeHtml, page } from './layout.ts';
import { errorBlock, linkLine } from './form-parts.ts';
import { connectionButtons, type ConnectionButton } from './connection-buttons.ts';

export interface LoginPageInput {
  tenantName: string;
  clientName: string;
  action: string;
  abortAction: string;
  csrfToken: string;
  email?: string;
  error?: string;
  /** The account pages, opened with this sign-in so the person comes back to it. */
  forgotPasswordHref?: string;
  /** Only when the tenant lets people sign up. */
  signupHref?: string;
  /** Only when the tenant offers sign-in links by mail: the page that asks for the address. */
  magicLinkHref?: string;
  /** The tenant's enabled upstream providers, a button each below the form. */
  connections?: readonly ConnectionButton[];
}

/**
 * The password form, with a cancel button that ends the sign-in (access_denied to the app), and
 * links to the sign-in link, forgotten-password and signup pages.
 */
export function loginPage(input: LoginPageInput): string {
  const described = input.error ? ' aria-describedby="form-error"' : '';
  return page(
    `Sign in – ${input.tenantName}`,
    `<h1>Sign in to ${escapeHtml(input.clientName)}</h1>
<p class="muted">with your ${escapeHtml(input.tenantName)} account</p>
${errorBlock(input.error)}
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${escapeHtml(input.email ?? '')}"${described}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password"${described}>
<div class="actions"><button type="submit">Sign in</button></div>
</form>
${linkLine(input.magicLinkHref ? { href: input.magicLinkHref, label: 'Email me a sign-in link' } : undefined)}
${connectionButtons(input.csrfToken, input.connections)}
${linkLine(input.forgotPasswordHref ? { href: input.forgotPasswordHref, label: 'Forgot password?' } : undefined)}
${linkLine(input.signupHref ? { lead: 'No account yet?', href: input.signupHref, label: 'Create one' } : undefined)}
<form method="post" action="${escapeHtml(input.abortAction)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
<div class="actions"><button type="submit" class="secondary">Cancel</button></div>
</form>`,
  );
}
