import { html } from '../shell/preact.js';
import { startConsole } from '../shell/app.js';
import { Standalone } from '../shell/layout.js';
import { TenantsPage } from './pages/tenants.js';
import { TenantPage } from './pages/tenant.js';
import { JobsPage, JobPage } from './pages/jobs.js';
import { ClustersPage } from './pages/clusters.js';
import { RestorePage } from './pages/restore.js';

/**
 * The platform console: every page talks to the platform admin API (`/admin/v1`) with the
 * operator's token of the admin tenant's platform API, and to nothing else.
 */
startConsole({
  title: 'Tansu platform',
  nav: [
    { to: '', label: 'Tenants' },
    { to: 'restore', label: 'Restore' },
    { to: 'jobs', label: 'Jobs' },
    { to: 'clusters', label: 'Clusters' },
  ],
  routes: [
    { pattern: '', title: 'Tenants', nav: '', page: TenantsPage },
    { pattern: 'tenants/:id', title: 'Tenant', nav: '', page: TenantPage },
    { pattern: 'restore', title: 'Restore a tenant', nav: 'restore', page: RestorePage },
    { pattern: 'jobs', title: 'Jobs', nav: 'jobs', page: JobsPage },
    { pattern: 'jobs/:id', title: 'Job', nav: 'jobs', page: JobPage },
    { pattern: 'clusters', title: 'Clusters', nav: 'clusters', page: ClustersPage },
  ],
  // The token carries platform:admin for any user of the admin tenant; the API itself refuses one
  // without PlatformAdmin (401, after the console renewed the token once to be sure).
  mayUse: async ({ api }) => {
    try {
      await api.get('/clusters');
      return true;
    } catch (error) {
      if (error?.status === 401) return false;
      return true; // anything else is the pages' to show
    }
  },
  NotAllowed: NotPlatformAdmin,
});

function NotPlatformAdmin({ session }) {
  const user = session.tokens?.user ?? {};
  return html`<${Standalone} title="You are not a platform administrator">
    <p>You are signed in as <strong>${user.email ?? user.sub}</strong>, but only users of the admin tenant with the
      ${' '}<code>PlatformAdmin</code> role may use the platform console. Ask a platform administrator to give you the role
      (<code>tansu user create admin --email … --role PlatformAdmin</code> creates such a user), then sign in again.</p>
    <p><button type="button" onClick=${() => session.signOut()}>Sign out</button></p>
  <//>`;
}
