import { escapeHtml, page } from './layout.ts';
import { describedByError, errorBlock, hiddenField } from './form-parts.ts';
import { t, tenantNameShown } from './i18n/translate.ts';

/**
 * The device authorization grant's pages (RFC 8628), served by oidc-provider at `/t/<id>/device`
 * through its `userCodeInputSource`, `userCodeConfirmSource` and `successSource`
 * (oidc/device-flow.ts). Their forms carry the provider's own CSRF field, `xsrf`, which it checks
 * against the browser's session.
 */

export interface DeviceCodePageInput {
  tenantName: string;
  action: string;
  xsrf: string;
  /** What the person typed, when the page comes back with an error. */
  userCode?: string;
  error?: string;
  /** A note that is no error: the previous request was cancelled. */
  notice?: string;
}

/** Where the person types the code their device shows. */
export function deviceCodePage(input: DeviceCodePageInput): string {
  const tenant = tenantNameShown(input.tenantName);
  return page(
    t('common.titleWithTenant', { title: t('device.title'), tenant }),
    `<h1>${escapeHtml(t('device.title'))}</h1>
<p class="muted">${escapeHtml(t('device.lead', { tenant }))}</p>
${errorBlock(input.error)}${input.notice ? `<p role="status">${escapeHtml(input.notice)}</p>` : ''}
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('xsrf', input.xsrf)}
<label for="user_code">${escapeHtml(t('device.codeLabel'))}</label>
<input id="user_code" name="user_code" type="text" required autofocus autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="64" value="${escapeHtml(input.userCode ?? '')}"${describedByError(input.error, 'code-hint')}>
<p class="muted" id="code-hint">${escapeHtml(t('device.codeHint'))}</p>
<div class="actions"><button type="submit">${escapeHtml(t('common.continue'))}</button></div>
</form>`,
  );
}

export interface DeviceConfirmPageInput {
  tenantName: string;
  clientName: string;
  action: string;
  xsrf: string;
  /** The code as the device shows it. */
  userCode: string;
  /** Where the device asked from, as the server saw it. */
  deviceAddress?: string;
  deviceSoftware?: string;
}

/**
 * The code was found: the person checks it against the device before going on to sign in. Both
 * buttons post the same form; Cancel adds `abort`, and the device is told access_denied.
 */
export function deviceConfirmPage(input: DeviceConfirmPageInput): string {
  const origin = [input.deviceSoftware ? t('device.software', { value: input.deviceSoftware }) : '', input.deviceAddress ? t('device.address', { value: input.deviceAddress }) : '']
    .filter(Boolean)
    .join(', ');
  return page(
    t('common.titleWithTenant', { title: t('device.confirmTitle', { client: input.clientName }), tenant: tenantNameShown(input.tenantName) }),
    `<h1>${escapeHtml(t('device.confirmHeading', { client: input.clientName }))}</h1>
<p>${escapeHtml(t('device.check'))}</p>
<p><code>${escapeHtml(input.userCode)}</code></p>
${origin ? `<p class="muted">${escapeHtml(t('device.origin', { origin }))}</p>` : ''}
<p class="muted">${escapeHtml(t('device.differs'))}</p>
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('xsrf', input.xsrf)}
${hiddenField('user_code', input.userCode)}
${hiddenField('confirm', 'yes')}
<div class="actions">
<button type="submit">${escapeHtml(t('common.continue'))}</button>
<button type="submit" name="abort" value="yes" class="secondary">${escapeHtml(t('common.cancel'))}</button>
</div>
</form>`,
  );
}

/** After the sign-in (and consent): the device gets its tokens at its next poll. */
export function deviceConnectedPage(input: { tenantName: string; clientName: string }): string {
  const tenant = tenantNameShown(input.tenantName);
  return page(
    t('common.titleWithTenant', { title: t('device.connectedTitle'), tenant }),
    `<h1>${escapeHtml(t('device.connectedTitle'))}</h1>
<p>${escapeHtml(t('device.connected', { client: input.clientName, tenant }))}</p>`,
  );
}
