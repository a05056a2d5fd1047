import { escapeHtml, page } from './layout.ts';
import { describedByError, errorBlock } from './form-parts.ts';
import { passkeySecondFactor, type PasskeySecondFactorInput } from './passkey-parts.ts';
import { t, tCount, tenantNameShown } from './i18n/translate.ts';

export interface SecondFactorPageInput {
  tenantName: string;
  clientName: string;
  action: string;
  abortAction: string;
  csrfToken: string;
  error?: string;
  /** Offer "remember this browser" for this many days; 0 or undefined: not offered. */
  rememberDays?: number;
  /** The account has passkeys: a button for them above the code field. */
  passkey?: PasskeySecondFactorInput;
}

/** The field a code is typed into: six digits from an app, or a recovery code. */
export function codeField(error: string | undefined, hint: string): string {
  return `<label for="code">${escapeHtml(t('secondFactor.code'))}</label>
<input id="code" name="code" type="text" inputmode="text" autocomplete="one-time-code" autocapitalize="off" spellcheck="false" required autofocus maxlength="40"${describedByError(error, 'code-hint')}>
<p class="muted" id="code-hint">${escapeHtml(hint)}</p>`;
}

export function cancelForm(abortAction: string, csrfToken: string): string {
  return `<form method="post" action="${escapeHtml(abortAction)}">
<input type="hidden" name="csrf" value="${escapeHtml(csrfToken)}">
<div class="actions"><button type="submit" class="secondary">${escapeHtml(t('common.cancel'))}</button></div>
</form>`;
}

/** The second step of a sign-in: a passkey, a code from the authenticator app, or a recovery code. */
export function secondFactorPage(input: SecondFactorPageInput): string {
  const days = input.rememberDays ?? 0;
  const remember =
    days > 0
      ? `<label for="remember"><input id="remember" name="remember" type="checkbox" value="yes"> ${escapeHtml(t('secondFactor.remember', { days: tCount('count.days', days) }))}</label>`
      : '';
  const tenant = tenantNameShown(input.tenantName);
  return page(
    t('common.titleWithTenant', { title: t('secondFactor.title'), tenant }),
    `<h1>${escapeHtml(t('secondFactor.title'))}</h1>
<p class="muted">${escapeHtml(t('secondFactor.lead', { client: input.clientName, tenant }))}</p>
${errorBlock(input.error)}
${input.passkey ? passkeySecondFactor(input.passkey) : ''}
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
${codeField(input.error, t(input.passkey ? 'secondFactor.hintWithPasskey' : 'secondFactor.hint'))}
${remember}
<div class="actions"><button type="submit">${escapeHtml(t('secondFactor.verify'))}</button></div>
</form>
${cancelForm(input.abortAction, input.csrfToken)}`,
  );
}
