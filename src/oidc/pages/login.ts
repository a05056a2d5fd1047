import { escapeHtml, page } from './layout.ts';
import { errorBlock, linkLine } from './form-parts.ts';
import { connectionButtons, type ConnectionButton } from './connection-buttons.ts';
import { passkeySignIn, type PasskeySignInInput } from './passkey-parts.ts';
import { t, tenantNameShown } from './i18n/translate.ts';

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
  /** Where the tenant offers passkeys: the button, and the browser's passkeys in the email field's suggestions. */
  passkey?: PasskeySignInInput;
}

/**
 * The password form, with a cancel button that ends the sign-in (access_denied to the app), and
 * links to the sign-in link, forgotten-password and signup pages.
 */
export function loginPage(input: LoginPageInput): string {
  const described = input.error ? ' aria-describedby="form-error"' : '';
  const tenantName = tenantNameShown(input.tenantName);
  return page(
    t('common.titleWithTenant', { title: t('login.title'), tenant: tenantName }),
    `<h1>${escapeHtml(t('login.heading', { client: input.clientName }))}</h1>
<p class="muted">${escapeHtml(t('login.lead', { tenant: tenantName }))}</p>
${errorBlock(input.error)}
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
<label for="email">${escapeHtml(t('common.email'))}</label>
<input id="email" name="email" type="email" autocomplete="${input.passkey ? 'username webauthn' : 'username'}" required autofocus value="${escapeHtml(input.email ?? '')}"${described}>
<label for="password">${escapeHtml(t('common.password'))}</label>
<input id="password" name="password" type="password" autocomplete="current-password"${described}>
<div class="actions"><button type="submit">${escapeHtml(t('login.submit'))}</button></div>
</form>
${input.passkey ? passkeySignIn(input.passkey) : ''}
${linkLine(input.magicLinkHref ? { href: input.magicLinkHref, label: t('login.magicLink') } : undefined)}
${connectionButtons(input.csrfToken, input.connections)}
${linkLine(input.forgotPasswordHref ? { href: input.forgotPasswordHref, label: t('login.forgotPassword') } : undefined)}
${linkLine(input.signupHref ? { lead: t('login.noAccount'), href: input.signupHref, label: t('login.createOne') } : undefined)}
<form method="post" action="${escapeHtml(input.abortAction)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
<div class="actions"><button type="submit" class="secondary">${escapeHtml(t('common.cancel'))}</button></div>
</form>`,
  );
}
