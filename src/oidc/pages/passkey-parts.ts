import { STYLE, escapeHtml, pageSecurityHeaders } from './layout.ts';
import { hiddenField } from './form-parts.ts';
import { t } from './i18n/translate.ts';

/**
 * The passkey pieces of the hosted pages (login, second step, account page). A passkey needs
 * the browser's WebAuthn API, so these pages load one script: `passkeys.js` from the repository's
 * `passkeys/` folder with @simplewebauthn/browser beside it, same origin, no inline script
 * (routes/passkeys/passkey-assets.ts). Its forms are plain forms the script fills in: it asks
 * for options (or reads them from the form), runs the ceremony, puts the browser's answer into
 * the hidden `response` field and submits. The passkey forms stay `hidden` until the script has
 * found WebAuthn, so a browser without it (or without script) shows the page as before.
 */

/**
 * The pages with the passkey script: the usual policy (layout.ts), but scripts and requests from
 * this origin. Still no inline script, no framing, no other origin. No `form-action`: Chromium
 * applies it to the redirects after a post too, and a sign-in ends at the application's origin.
 */
export const PASSKEY_PAGE_HEADERS: Readonly<Record<string, string>> = pageSecurityHeaders([STYLE], undefined, { script: "'self'", connect: "'self'" });

/** Where the script lives: `<tenant path>/passkey-assets/<build>/passkeys.js`. */
export interface PasskeyScript {
  src: string;
}

const scriptTag = (script: PasskeyScript) => `<script type="module" src="${escapeHtml(script.src)}"></script>`;

const errorSlot = '<p class="error" role="alert" id="passkey-error" hidden></p>';

/** What the script may have to say when the browser's ceremony fails, in the page's language. */
const scriptMessages = () =>
  ` data-msg-cancelled="${escapeHtml(t('passkey.script.cancelled'))}" data-msg-exists="${escapeHtml(t('passkey.script.exists'))}" data-msg-failed="${escapeHtml(t('passkey.script.failed'))}"`;

export interface PasskeySignInInput extends PasskeyScript {
  /** Posts the browser's answer (the interaction's `…/passkey`). */
  action: string;
  /** Hands out a challenge, as JSON (the interaction's `…/passkey/options`). */
  optionsAction: string;
  csrfToken: string;
  /**
   * Offer the browser's passkeys in the email field's suggestions as soon as the page loads. Off
   * on a page that says a passkey was just refused: a browser that answers such a request by
   * itself would otherwise post the same refused passkey again and again.
   */
  autofill: boolean;
}

/**
 * The login page's passkey button. The email field of the login form names `webauthn` in its
 * autocomplete, so the script also offers the browser's saved passkeys right in that field
 * (conditional UI) without a click.
 */
export function passkeySignIn(input: PasskeySignInInput): string {
  return `<form method="post" action="${escapeHtml(input.action)}" id="passkey-form"${scriptMessages()} data-passkey="sign-in" data-options-url="${escapeHtml(input.optionsAction)}" data-autofill="${input.autofill ? 'on' : 'off'}" hidden>
${hiddenField('csrf', input.csrfToken)}
${hiddenField('response', '')}
<div class="actions"><button type="button" class="secondary" id="passkey-button">${escapeHtml(t('passkey.signIn'))}</button></div>
${errorSlot}
</form>
${scriptTag(input)}`;
}

export interface PasskeySecondFactorInput extends PasskeyScript {
  action: string;
  csrfToken: string;
  /** The options for `navigator.credentials.get`, challenge included (already stored). */
  options: unknown;
}

/** The second step's passkey button: the options come with the page, for this account's passkeys. */
export function passkeySecondFactor(input: PasskeySecondFactorInput): string {
  return `<form method="post" action="${escapeHtml(input.action)}" id="passkey-form"${scriptMessages()} data-passkey="second-factor" data-options="${escapeHtml(JSON.stringify(input.options))}" hidden>
${hiddenField('csrf', input.csrfToken)}
${hiddenField('response', '')}
<div class="actions"><button type="button" id="passkey-button">${escapeHtml(t('passkey.use'))}</button></div>
${errorSlot}
</form>
<p class="muted" id="passkey-or" hidden>${escapeHtml(t('passkey.orCode'))}</p>
${scriptTag(input)}`;
}

export interface PasskeyRegistrationInput extends PasskeyScript {
  action: string;
  optionsAction: string;
  csrfToken: string;
  cancelHref: string;
  /** The proof field (the current password, optional right after a sign-in), rendered by the section. */
  proofField: string;
}

/**
 * Adding a passkey on the account page: a name, the proof the account page asks before a factor
 * changes, then the browser's own dialog. Without WebAuthn the page says so instead of the form.
 */
export function passkeyRegistration(input: PasskeyRegistrationInput): string {
  return `<p>${escapeHtml(t('passkey.lead'))}</p>
<p class="muted" id="passkey-unsupported">${escapeHtml(t('passkey.unsupported'))}</p>
<form method="post" action="${escapeHtml(input.action)}" id="passkey-form"${scriptMessages()} data-passkey="register" data-options-url="${escapeHtml(input.optionsAction)}" hidden>
${hiddenField('csrf', input.csrfToken)}
${hiddenField('response', '')}
<label for="passkey-label">${escapeHtml(t('passkey.name'))}</label>
<input id="passkey-label" name="label" type="text" required maxlength="100" value="${escapeHtml(t('passkey.defaultName'))}" aria-describedby="passkey-label-help">
<p class="muted" id="passkey-label-help">${escapeHtml(t('passkey.nameHelp'))}</p>
${input.proofField}
<div class="actions"><button type="submit" id="passkey-button">${escapeHtml(t('passkey.add'))}</button> <a href="${escapeHtml(input.cancelHref)}">${escapeHtml(t('common.cancel'))}</a></div>
${errorSlot}
</form>
${scriptTag(input)}`;
}
