import { escapeHtml, page } from './layout.ts';
import { errorBlock } from './form-parts.ts';
import { cancelForm, codeField } from './second-factor.ts';

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
<li>Scan this code with an authenticator app (for example one on your phone).</li>
<li>Or enter this key in the app instead: <code id="totp-secret">${escapeHtml(grouped(secret))}</code></li>
<li>Type the 6-digit code the app shows below.</li>
</ol>
<figure>${qrSvg}</figure>`;
}

/** Setting up an authenticator app inside a sign-in: scan (or type), then prove it with a code. */
export function totpEnrolmentPage(input: TotpEnrolmentPageInput): string {
  return page(
    `Set up an authenticator app – ${input.tenantName}`,
    `<h1>Set up an authenticator app</h1>
<p>${escapeHtml(input.reason)}</p>
${errorBlock(input.error)}
${totpScanSteps(input.qrSvg, input.secret)}
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
${codeField(input.error, 'The 6-digit code your authenticator app shows for this account.')}
<div class="actions"><button type="submit">Confirm</button></div>
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
  return `<p>If you lose your authenticator app, each of these codes signs you in once. Keep them somewhere safe: they are shown only now.</p>
<ol id="recovery-codes">${codes.map((code) => `<li><code>${escapeHtml(code)}</code></li>`).join('')}</ol>`;
}

/** After an enrolment: the recovery codes, once, then on into the application. */
export function recoveryCodesPage(input: RecoveryCodesPageInput): string {
  const codes = input.codes ? recoveryCodesList(input.codes) : '<p>Your recovery codes were shown when you set up the app; they are not shown again.</p>';
  return page(
    `Authenticator app set up – ${input.tenantName}`,
    `<h1>Your authenticator app is set up</h1>
${codes}
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
<div class="actions"><button type="submit">Continue</button></div>
</form>`,
  );
}
