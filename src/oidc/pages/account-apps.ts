import { escapeHtml } from './layout.ts';
import { hiddenField } from './form-parts.ts';
import { timeText } from './account-frame.ts';
import { t, tHtml, tenantNameShown } from './i18n/translate.ts';

export interface ConnectedApp {
  grantId: string;
  name: string;
  /** What the app may read of the account, in words. */
  access: string[];
  /** The APIs it may call for the user, with their scopes. */
  apis: string[];
  since: string;
}

export interface ConnectedAppsInput {
  tenantName: string;
  revokeAction: string;
  csrfToken: string;
  apps: ConnectedApp[];
}

function appItem(app: ConnectedApp, input: ConnectedAppsInput, index: number): string {
  const heading = `app-${index}`;
  return `<li>
<h3 id="${heading}">${escapeHtml(app.name)}</h3>
<p>${escapeHtml(t('account.apps.maySee', { access: app.access.join(', ') || t('account.apps.signedInOnly') }))}</p>
${app.apis.length > 0 ? `<p>${escapeHtml(t('account.apps.mayUse', { apis: app.apis.join('; ') }))}</p>` : ''}
<p class="muted">${tHtml('account.apps.connected', { time: timeText(app.since) })}</p>
<form method="post" action="${escapeHtml(input.revokeAction)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('grant', app.grantId)}
<button type="submit" class="secondary" aria-describedby="${heading}">${escapeHtml(t('account.apps.disconnect'))}</button>
</form>
</li>`;
}

/** The connected apps section: the apps the account allowed, each with a way to take that back. */
export function connectedAppsList(input: ConnectedAppsInput): string {
  const tenant = tenantNameShown(input.tenantName);
  if (input.apps.length === 0) return `<p>${escapeHtml(t('account.apps.none', { tenant }))}</p>`;
  return `<p class="muted">${escapeHtml(t('account.apps.lead', { tenant }))}</p>
<ul class="items">
${input.apps.map((app, index) => appItem(app, input, index)).join('\n')}
</ul>`;
}
