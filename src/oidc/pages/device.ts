import { escapeHtml, page } from './layout.ts';
import { describedByError, errorBlock, hiddenField } from './form-parts.ts';

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
  return page(
    `Connect a device – ${input.tenantName}`,
    `<h1>Connect a device</h1>
<p class="muted">to your ${escapeHtml(input.tenantName)} account</p>
${errorBlock(input.error)}${input.notice ? `<p role="status">${escapeHtml(input.notice)}</p>` : ''}
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('xsrf', input.xsrf)}
<label for="user_code">Code shown on your device</label>
<input id="user_code" name="user_code" type="text" required autofocus autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="64" value="${escapeHtml(input.userCode ?? '')}"${describedByError(input.error, 'code-hint')}>
<p class="muted" id="code-hint">For example BCDF-GHJK. Dashes and lower case do not matter.</p>
<div class="actions"><button type="submit">Continue</button></div>
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
  const origin = [input.deviceSoftware ? `software: ${input.deviceSoftware}` : '', input.deviceAddress ? `address: ${input.deviceAddress}` : '']
    .filter(Boolean)
    .join(', ');
  return page(
    `Connect ${input.clientName} – ${input.tenantName}`,
    `<h1>Connect ${escapeHtml(input.clientName)}?</h1>
<p>Check that your device shows this code:</p>
<p><code>${escapeHtml(input.userCode)}</code></p>
${origin ? `<p class="muted">The request came from a device (${escapeHtml(origin)}).</p>` : ''}
<p class="muted">If the code differs, or you did not start this on a device of your own, cancel.</p>
<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('xsrf', input.xsrf)}
${hiddenField('user_code', input.userCode)}
${hiddenField('confirm', 'yes')}
<div class="actions">
<button type="submit">Continue</button>
<button type="submit" name="abort" value="yes" class="secondary">Cancel</button>
</div>
</form>`,
  );
}

/** After the sign-in (and consent): the device gets its tokens at its next poll. */
export function deviceConnectedPage(input: { tenantName: string; clientName: string }): string {
  return page(
    `Device connected – ${input.tenantName}`,
    `<h1>Device connected</h1>
<p>${escapeHtml(input.clientName)} is signed in with your ${escapeHtml(input.tenantName)} account. You can close this page and go back to your device.</p>`,
  );
}
