import { escapeHtml } from './layout.ts';
import { describedByError, hiddenField } from './form-parts.ts';
import { timeText } from './account-frame.ts';
import { codeField } from './second-factor.ts';
import { recoveryCodesList, totpScanSteps } from './totp-enrolment.ts';
import { t, tHtml, tCount } from './i18n/translate.ts';

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
    ? escapeHtml(t('common.recentSignIn'))
    : tHtml('common.signInAgainFirst', { link: `<a href="${escapeHtml(proof.signInAgainHref)}">${escapeHtml(t('common.signInAgain'))}</a>` });
  return `<label for="${id}">${escapeHtml(t(proof.recentSignIn ? 'common.currentPasswordOptional' : 'common.currentPassword'))}</label>
<input id="${id}" name="current_password" type="password" autocomplete="current-password"${proof.recentSignIn ? '' : ' required'}${describedByError(error, `${id}-help`)}>
<p class="muted" id="${id}-help">${help}</p>`;
}

function factorItem(factor: FactorItem, input: TwoFactorOverviewInput, index: number): string {
  const heading = `factor-${index}`;
  return `<li>
<h3 id="${heading}">${escapeHtml(factor.label)}</h3>
<p class="muted">${escapeHtml(t(factor.kind === 'webauthn' ? 'account.mfa.kindPasskey' : 'account.mfa.kindApp'))}</p>
<p>${tHtml('account.mfa.added', { added: timeText(factor.addedAt), used: factor.lastUsedAt ? timeText(factor.lastUsedAt) : escapeHtml(t('account.mfa.never')) })}</p>
<form method="post" action="${escapeHtml(input.renameAction)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('factor', factor.id)}
<label for="label-${index}">${escapeHtml(t('account.mfa.name'))}</label>
<input id="label-${index}" name="label" type="text" required maxlength="100" value="${escapeHtml(factor.label)}">
<button type="submit" class="secondary" aria-describedby="${heading}">${escapeHtml(t('account.mfa.rename'))}</button>
</form>
<form method="post" action="${escapeHtml(input.removeAction)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('factor', factor.id)}
${passwordField(`remove-password-${index}`, input, input.error)}
<button type="submit" class="secondary" aria-describedby="${heading}">${escapeHtml(t('account.mfa.remove'))}</button>
</form>
</li>`;
}

/** The two-factor section: the factors (never a secret), the recovery codes left, setup and new codes. */
export function twoFactorOverview(input: TwoFactorOverviewInput): string {
  const factors = input.factors.length
    ? `<ul class="items">${input.factors.map((factor, index) => factorItem(factor, input, index)).join('')}</ul>
<h2>${escapeHtml(t('account.mfa.recoveryCodes'))}</h2>
<p id="recovery-codes-left">${escapeHtml(tCount('count.codesLeft', input.recoveryCodesLeft))}</p>
<form method="post" action="${escapeHtml(input.recoveryCodesAction)}">
${hiddenField('csrf', input.csrfToken)}
${passwordField('codes-password', input, input.error)}
<div class="actions"><button type="submit">${escapeHtml(t('account.mfa.newCodes'))}</button></div>
</form>`
    : `<p>${escapeHtml(t('account.mfa.passwordOnly'))}</p>`;
  const setup = input.setupOffered
    ? `<h2>${escapeHtml(t('account.mfa.addApp'))}</h2>
<form method="post" action="${escapeHtml(input.setupAction)}">
${hiddenField('csrf', input.csrfToken)}
${passwordField('setup-password', input, input.error)}
<div class="actions"><button type="submit">${escapeHtml(t('account.mfa.setUp'))}</button></div>
</form>
<h2>${escapeHtml(t('account.mfa.addPasskey'))}</h2>
<p>${tHtml('account.mfa.addPasskeyLead', { link: `<a href="${escapeHtml(input.passkeyHref)}">${escapeHtml(t('account.mfa.addPasskey'))}</a>` })}</p>`
    : `<p class="muted">${escapeHtml(t('account.mfa.notOffered'))}</p>`;
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
${codeField(input.error, t('totp.hint'))}
<div class="actions"><button type="submit">${escapeHtml(t('common.confirm'))}</button> <a href="${escapeHtml(input.cancelHref)}">${escapeHtml(t('common.cancel'))}</a></div>
</form>`;
}

/** Codes shown once, then back to the section. */
export function twoFactorCodes(codes: readonly string[], backHref: string): string {
  return `${recoveryCodesList(codes)}
<p><a href="${escapeHtml(backHref)}">${escapeHtml(t('account.mfa.done'))}</a></p>`;
}
