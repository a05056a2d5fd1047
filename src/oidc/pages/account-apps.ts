import { escapeHtml } from './layout.ts';
import { hiddenField } from './form-parts.ts';
import { timeText } from './account-frame.ts';

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
<p>May see: ${escapeHtml(app.access.join(', ') || 'that you signed in')}</p>
${app.apis.length > 0 ? `<p>May use: ${escapeHtml(app.apis.join('; '))}</p>` : ''}
<p class="muted">Connected ${timeText(app.since)}</p>
<form method="post" action="${escapeHtml(input.revokeAction)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('grant', app.grantId)}
<button type="submit" class="secondary" aria-describedby="${heading}">Disconnect</button>
</form>
</li>`;
}

/** The connected apps section: the apps the account allowed, each with a way to take that back. */
export function connectedAppsList(input: ConnectedAppsInput): string {
  if (input.apps.length === 0) return `<p>No apps are connected to your ${escapeHtml(input.tenantName)} account.</p>`;
  return `<p class="muted">Apps you allowed to use your ${escapeHtml(input.tenantName)} account. Disconnecting one ends its access, its refresh tokens included; it has to ask again the next time you use it.</p>
<ul class="items">
${input.apps.map((app, index) => appItem(app, input, index)).join('\n')}
</ul>`;
}
