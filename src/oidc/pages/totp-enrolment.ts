import { escapeHtml, page } from './layout.ts';
import { errorBlock } from './form-parts.ts';
import { cancelForm, codeField } from './second-factor.ts';
import { t, tHtml, tenantNameShown } from './i18n/translate.ts';

export interface TotpEnrolmentPageInput {
  tenantName: string;
  action: string;
  abortAction: string;
  csrfToken: string;
  /** The QR code of the otpauth URI, inline SVG (qr-code.ts). */
  qrSvg: string;
  /** Base32, for apps that cannot scan. */
  secret: string;
  /** Why a factor is asked for: the tenant requires one, or the application does. */
  reason: string;
  error?: string;
}

/** `ABCD EFGH …`: a secret grouped as people copy it. */
const grouped = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

/** Scan the QR code or type the key, then the code: the sign-in's setup and the account page's. */
export function totpScanSteps(qrSvg: string, secret: string): string {
  return `<ol>
<li>${escapeHtml(t('totp.scan'))}</li>
<li>${tHtml('totp.key', { key: `<code id="totp-secret">${escapeHtml(grouped(secret))}</code>` })}</li>
<li>${escapeHtml(t('totp.type'))}</li>
</ol>
<figure>${qrSvg}</figure>`;
}

/** Setting up an authenticator app inside a sign-in: scan (or type), then prove it with a code. */
export function totpEnrolmentPage(input: TotpEnrolmentPageInput): string {
  return page(
    t('common.titleWithTenant', { title: t('totp.title'), tenant: tenantNameShown(input.tenantName) }),
    `<h1>${escapeHtml(t('totp.title'))}</h1>
<p>${escapeHtml(input.reason)}</p>
${errorBlock(input.error)}
${totpScanSteps(input.qrSvg, input.secret)}
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
${codeField(input.error, t('totp.hint'))}
<div class="actions"><button type="submit">${escapeHtml(t('common.confirm'))}</button></div>
</form>
${cancelForm(input.abortAction, input.csrfToken)}`,
  );
}

export interface RecoveryCodesPageInput {
  tenantName: string;
  action: string;
  csrfToken: string;
  /** Shown this once; undefined on a reloaded page, which says they were shown before. */
  codes: string[] | undefined;
}

/** Fresh recovery codes, shown this once (after a first setup, or new ones from the account page). */
export function recoveryCodesList(codes: readonly string[]): string {
  return `<p>${escapeHtml(t('recovery.lead'))}</p>
<ol id="recovery-codes">${codes.map((code) => `<li><code>${escapeHtml(code)}</code></li>`).join('')}</ol>`;
}

/** After an enrolment: the recovery codes, once, then on into the application. */
export function recoveryCodesPage(input: RecoveryCodesPageInput): string {
  const codes = input.codes ? recoveryCodesList(input.codes) : `<p>${escapeHtml(t('recovery.shownBefore'))}</p>`;
  return page(
    t('common.titleWithTenant', { title: t('totp.doneTitle'), tenant: tenantNameShown(input.tenantName) }),
    `<h1>${escapeHtml(t('totp.doneHeading'))}</h1>
${codes}
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
<div class="actions"><button type="submit">${escapeHtml(t('common.continue'))}</button></div>
</form>`,
  );
}
