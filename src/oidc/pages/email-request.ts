import { escapeHtml, page } from './layout.ts';
import { describedByError, errorBlock, hiddenField, linkLine } from './form-parts.ts';

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
  reset_password: {
    title: 'Forgot your password?',
    lead: 'Enter the email address you sign in with. If it has an account, we will mail it a link to choose a new password.',
    button: 'Send reset link',
  },
  verify_email: {
    title: 'Confirm your email address',
    lead: 'Enter the email address you signed up with. If it still needs confirming, we will mail it a new link.',
    button: 'Send a new link',
  },
  magic_link: {
    title: 'Email me a sign-in link',
    lead: 'Enter the email address you sign in with. If it has an account, we will mail it a link that signs you in here: open it in this browser.',
    button: 'Send sign-in link',
  },
} as const;

/** "Forgot password?", "send me a new confirmation link" and "email me a sign-in link": one address in, the same answer for every address. */
export function emailRequestPage(input: EmailRequestPageInput): string {
  const words = WORDS[input.kind];
  return page(
    `${words.title} – ${input.tenantName}`,
    `<h1>${words.title}</h1>
<p>${escapeHtml(words.lead)}</p>
${errorBlock(input.error)}
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('interaction', input.interaction)}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required autofocus value="${escapeHtml(input.email ?? '')}"${describedByError(input.error)}>
<div class="actions"><button type="submit">${words.button}</button></div>
</form>
${linkLine(input.signInHref ? { href: input.signInHref, label: 'Back to sign in' } : undefined)}`,
  );
}
