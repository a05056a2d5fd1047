import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../crypto/passwords.ts';
import { escapeHtml } from './layout.ts';
import { t } from './i18n/translate.ts';

/** Pieces the forms of these pages share, so every form says an error and a rule the same way. */

/** The form's error, announced by screen readers (role=alert); the fields point at it. */
export function errorBlock(message: string | undefined): string {
  return message ? `<p class="error" role="alert" id="form-error">${escapeHtml(message)}</p>` : '';
}

/** ` aria-describedby="form-error" aria-invalid="true"` on a field while the form shows an error. */
export function describedByError(error: string | undefined, also?: string): string {
  const ids = [error ? 'form-error' : undefined, also].filter(Boolean).join(' ');
  return `${ids ? ` aria-describedby="${ids}"` : ''}${error ? ' aria-invalid="true"' : ''}`;
}

export function hiddenField(name: string, value: string | undefined): string {
  return value === undefined ? '' : `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}

/** A new password's field with the policy spelled out next to it (users.service.ts checkPassword). */
export function newPasswordField(label: string, error: string | undefined): string {
  return `<label for="password">${escapeHtml(label)}</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" maxlength="${MAX_PASSWORD_LENGTH}"${describedByError(error, 'password-rules')}>
<p class="muted" id="password-rules">${escapeHtml(t('common.passwordRules', { min: MIN_PASSWORD_LENGTH, max: MAX_PASSWORD_LENGTH }))}</p>`;
}

/** A paragraph with a link, or nothing. */
export function linkLine(link: { href: string; label: string; lead?: string } | undefined): string {
  if (!link) return '';
  return `<p class="muted">${link.lead ? `${escapeHtml(link.lead)} ` : ''}<a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`;
}
