import { html } from '../../shell/preact.js';
import { useAsync } from '../../shell/hooks.js';
import { ErrorNotice, Loading, PageHeading } from '../../shell/components.js';
import { SignInChart } from '../../shell/chart.js';
import { Link } from '../../shell/router.js';

/** The tenant at a glance: `GET /stats` (counts, and sign-ins per hour for the last day). */
export function OverviewPage({ app }) {
  const stats = useAsync(() => app.api.get('/stats', { hours: 24 }).then((answer) => answer.data), []);
  const data = stats.data;
  const count = (value, label, to) => html`<li><span class="value">${value}</span> <span class="label">${to ? html`<${Link} to=${to}>${label}<//>` : label}</span></li>`;
  return html`<${PageHeading} title=${`Overview of ${app.settings.tenant_name}`}>
      <button type="button" class="secondary" onClick=${stats.reload}>Refresh</button>
    <//>
    <${ErrorNotice} error=${stats.error} />
    ${stats.loading && !data ? html`<${Loading} />` : null}
    ${data
      ? html`<ul class="counts" aria-label="Counts">
            ${count(data.users, data.users === 1 ? 'user' : 'users', 'users')}
            ${count(data.disabled_users, 'disabled')}
            ${count(data.pending_invitations, data.pending_invitations === 1 ? 'pending invitation' : 'pending invitations', 'invitations')}
            ${count(data.clients, data.clients === 1 ? 'client' : 'clients', 'clients')}
            ${count(data.apis, data.apis === 1 ? 'API' : 'APIs', 'apis')}
            ${count(data.live_sessions, data.live_sessions === 1 ? 'signed-in session' : 'signed-in sessions')}
          </ul>
          <${SignInChart} hours=${data.sign_ins} title="Sign-ins and failures per hour, last 24 hours" />
          <p class="hint">Password sign-ins at the tenant's login page; failures are wrong credentials and throttled attempts.
            ${' '}<${Link} to="activity">See every attempt<//>.</p>`
      : null}`;
}
