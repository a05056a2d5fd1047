import { startConsole } from '../shell/app.js';
import { OverviewPage } from './pages/overview.js';
import { UsersPage } from './pages/users.js';
import { UserPage } from './pages/user.js';
import { InvitationsPage } from './pages/invitations.js';
import { ClientsPage, NewClientPage } from './pages/clients.js';
import { ClientPage } from './pages/client.js';
import { ApisPage, ApiPage } from './pages/apis.js';
import { KeysPage } from './pages/keys.js';
import { SettingsPage } from './pages/settings.js';
import { BrandingPage } from './pages/branding.js';
import { AuditPage } from './pages/audit.js';
import { ActivityPage } from './pages/activity.js';
import { MailPage } from './pages/mail.js';
import { MailTemplatesPage, MailTemplatePage } from './pages/mail-templates.js';
import { ConnectionsPage, NewConnectionPage, ConnectionPage } from './pages/connections.js';

/**
 * The tenant console: every page talks to the tenant admin API (`<issuer>/admin/v1`) with the
 * signed-in administrator's token, and to nothing else.
 */
startConsole({
  title: 'Tansu console',
  nav: [
    { to: '', label: 'Overview' },
    { to: 'users', label: 'Users' },
    { to: 'invitations', label: 'Invitations' },
    { to: 'clients', label: 'Clients' },
    { to: 'apis', label: 'APIs' },
    { to: 'connections', label: 'Connections' },
    { to: 'keys', label: 'Signing keys' },
    { to: 'settings', label: 'Settings' },
    { to: 'branding', label: 'Branding' },
    { to: 'audit', label: 'Audit log' },
    { to: 'activity', label: 'Sign-in activity' },
    { to: 'mail', label: 'Mail' },
    { to: 'mail/templates', label: 'Mail templates' },
  ],
  routes: [
    { pattern: '', title: 'Overview', nav: '', page: OverviewPage },
    { pattern: 'users', title: 'Users', nav: 'users', page: UsersPage },
    { pattern: 'users/:id', title: 'User', nav: 'users', page: UserPage },
    { pattern: 'invitations', title: 'Invitations', nav: 'invitations', page: InvitationsPage },
    { pattern: 'clients', title: 'Clients', nav: 'clients', page: ClientsPage },
    { pattern: 'clients/new', title: 'New client', nav: 'clients', page: NewClientPage },
    { pattern: 'clients/:id', title: 'Client', nav: 'clients', page: ClientPage },
    { pattern: 'apis', title: 'APIs', nav: 'apis', page: ApisPage },
    { pattern: 'apis/:id', title: 'API', nav: 'apis', page: ApiPage },
    { pattern: 'connections', title: 'Connections', nav: 'connections', page: ConnectionsPage },
    { pattern: 'connections/new', title: 'Add a connection', nav: 'connections', page: NewConnectionPage },
    { pattern: 'connections/:id', title: 'Connection', nav: 'connections', page: ConnectionPage },
    { pattern: 'keys', title: 'Signing keys', nav: 'keys', page: KeysPage },
    { pattern: 'settings', title: 'Settings', nav: 'settings', page: SettingsPage },
    { pattern: 'branding', title: 'Branding', nav: 'branding', page: BrandingPage },
    { pattern: 'audit', title: 'Audit log', nav: 'audit', page: AuditPage },
    { pattern: 'activity', title: 'Sign-in activity', nav: 'activity', page: ActivityPage },
    { pattern: 'mail', title: 'Mail', nav: 'mail', page: MailPage },
    { pattern: 'mail/templates', title: 'Mail templates', nav: 'mail/templates', page: MailTemplatesPage },
    { pattern: 'mail/templates/:name', title: 'Mail template', nav: 'mail/templates', page: MailTemplatePage },
  ],
});
