import { escapeHtml } from './layout.ts';
import { describedByError, hiddenField } from './form-parts.ts';
import { timeText } from './account-frame.ts';
import { codeField } from './second-factor.ts';
import { recoveryCodesList, totpScanSteps } from './totp-enrolment.ts';

export interface FactorItem {
  id: string;
  /** `totp` (an authenticator app) or `webauthn` (a passkey). */
  kind: string;
  label: string;
  addedAt: string;
  lastUsedAt: string | null;
}

/** The password field of a form that changes second factors: optional right after a sign-in. */
export interface ProofInput {
  recentSignIn: boolean;
  signInAgainHref: string;
}

export interface TwoFactorOverviewInput extends ProofInput {
  setupAction: string;
  /** The page that adds a passkey. */
  passkeyHref: string;
  removeAction: string;
  renameAction: string;
  recoveryCodesAction: string;
  csrfToken: string;
  factors: FactorItem[];
  recoveryCodesLeft: number;
  /** False under the tenant's policy `off`: no new factor. */
  setupOffered: boolean;
  error?: string;
}

export function passwordField(id: string, proof: ProofInput, error: string | undefined): string {
  const help = proof.recentSignIn
    ? 'You signed in moments ago, so you may leave it empty.'
    : `Or <a href="${escapeHtml(proof.signInAgainHref)}">sign in again</a> first and leave it empty.`;
  return `<label for="${id}">Current password${proof.recentSignIn ? ' (optional)' : ''}</label>
<input id="${id}" name="current_password" type="password" autocomplete="current-password"${proof.recentSignIn ? '' : ' required'}${describedByError(error, `${id}-help`)}>
<p class="muted" id="${id}-help">${help}</p>`;
}

function factorItem(factor: FactorItem, input: TwoFactorOverviewInput, index: number): string {
  const heading = `factor-${index}`;
  return `<li>
<h3 id="${heading}">${escapeHtml(factor.label)}</h3>
<p class="muted">${factor.kind === 'webauthn' ? 'Passkey' : 'Authenticator app'}</p>
<p>Added ${timeText(factor.addedAt)}; last used ${factor.lastUsedAt ? timeText(factor.lastUsedAt) : 'never'}</p>
<form method="post" action="${escapeHtml(input.renameAction)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('factor', factor.id)}
<label for="label-${index}">Name</label>
<input id="label-${index}" name="label" type="text" required maxlength="100" value="${escapeHtml(factor.label)}">
<button type="submit" class="secondary" aria-describedby="${heading}">Rename</button>
</form>
<form method="post" action="${escapeHtml(input.removeAction)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('factor', factor.id)}
${passwordField(`remove-password-${index}`, input, input.error)}
<button type="submit" class="secondary" aria-describedby="${heading}">Remove</button>
</form>
</li>`;
}

/** The two-factor section: the factors (never a secret), the recovery codes left, setup and new codes. */
export function twoFactorOverview(input: TwoFactorOverviewInput): string {
  const factors = input.factors.length
    ? `<ul class="items">${input.factors.map((factor, index) => factorItem(factor, input, index)).join('')}</ul>
<h2>Recovery codes</h2>
<p id="recovery-codes-left">${input.recoveryCodesLeft} of your recovery codes ${input.recoveryCodesLeft === 1 ? 'is' : 'are'} left. New ones replace them all.</p>
<form method="post" action="${escapeHtml(input.recoveryCodesAction)}">
${hiddenField('csrf', input.csrfToken)}
${passwordField('codes-password', input, input.error)}
<div class="actions"><button type="submit">New recovery codes</button></div>
</form>`
    : '<p>You sign in with your password only. An authenticator app adds a code from your phone to each sign-in; a passkey signs you in with your device.</p>';
  const setup = input.setupOffered
    ? `<h2>Add an authenticator app</h2>
<form method="post" action="${escapeHtml(input.setupAction)}">
${hiddenField('csrf', input.csrfToken)}
${passwordField('setup-password', input, input.error)}
<div class="actions"><button type="submit">Set up an authenticator app</button></div>
</form>
<h2>Add a passkey</h2>
<p><a href="${escapeHtml(input.passkeyHref)}">Add a passkey</a>: sign in with your device's screen lock or a security key, with or without your password.</p>`
    : '<p class="muted">New authenticator apps and passkeys are not offered here.</p>';
  return `${factors}
${setup}`;
}

export interface TwoFactorSetupInput {
  confirmAction: string;
  cancelHref: string;
  csrfToken: string;
  factorId: string;
  qrSvg: string;
  secret: string;
  error?: string;
}

/** Setting up an app on the account page: the same steps as inside a sign-in. */
export function twoFactorSetup(input: TwoFactorSetupInput): string {
  return `${totpScanSteps(input.qrSvg, input.secret)}
<form method="post" action="${escapeHtml(input.confirmAction)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('factor', input.factorId)}
${codeField(input.error, 'The 6-digit code your authenticator app shows for this account.')}
<div class="actions"><button type="submit">Confirm</button> <a href="${escapeHtml(input.cancelHref)}">Cancel</a></div>
</form>`;
}

/** Codes shown once, then back to the section. */
export function twoFactorCodes(codes: readonly string[], backHref: string): string {
  return `${recoveryCodesList(codes)}
<p><a href="${escapeHtml(backHref)}">Done</a></p>`;
}
