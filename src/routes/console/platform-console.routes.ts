import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError } from '../../errors.ts';
import { page, escapeHtml, PAGE_SECURITY_HEADERS } from '../../oidc/pages/layout.ts';
import { PLATFORM_ADMIN_TENANT_ID } from '../../platform/tenant-id.ts';
import { PLATFORM_API_SCOPE, platformApiIdentifier } from '../../modules/apis/platform-api.ts';
import { CONSOLE_CLIENT_ID, builtinClientHomes } from '../../modules/clients/builtin-clients.ts';
import { HtmlPage, pageOrError } from '../schemas.ts';
import { CONSOLE_SECURITY_HEADERS, consoleShellPage } from './console-shell.ts';

/** Where the platform console lives, below the platform's public URL. */
export const PLATFORM_CONSOLE_PATH = '/admin/console';

const html = (description: string) => ({ description, content: { 'text/html': { schema: HtmlPage } } });

const pageSchema = {
  hide: true,
  response: {
    200: html('the platform console: its page, which draws every view in the browser'),
    404: html('no admin tenant yet: a page saying how to create it (tansu tenant create-admin), or the admin API is on ADMIN_PORT'),
    403: pageOrError('tenant_suspended: the admin tenant is suspended'),
    503: pageOrError('tenant_unavailable or temporarily_unavailable, with Retry-After'),
  },
};

const rootSchema = { hide: true, response: { 308: html('to /admin/console/, the query kept') } };

/** Why there is no console to show, as a page in the sign-in pages' look. */
function unavailablePage(reply: FastifyReply, title: string, body: string) {
  return reply.status(404).headers(PAGE_SECURITY_HEADERS).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page(title, body, { wide: true }));
}

/**
 * The platform console, `/admin/console/…`: the tenant console's shell (console/shell/) with the
 * platform's pages (console/platform/). It signs in through the reserved admin tenant's own
 * provider with its built-in `tansu-console` client, whose second home is this path
 * (builtin-clients.ts), asks for the platform API (`<admin issuer>/platform`, `platform:admin`)
 * and talks only to the platform admin API `/admin/v1`, on this origin.
 */
export function platformConsoleRoutes(app: FastifyInstance, assetBase: string, publicPath: string): void {
  const base = `${publicPath}${PLATFORM_CONSOLE_PATH}`;

  app.get(PLATFORM_CONSOLE_PATH, { schema: rootSchema }, async (request, reply) => {
    const query = request.url.indexOf('?');
    return reply.redirect(`${base}/${query === -1 ? '' : request.url.slice(query)}`, 308);
  });

  const showConsole = async (_request: FastifyRequest, reply: FastifyReply) => {
    if (app.platform.config.adminPort !== undefined) {
      return unavailablePage(
        reply,
        'The platform console is not served here',
        `<h1>The platform console is not served here</h1><p>The platform admin API answers only on its own port (<code>ADMIN_PORT</code>), which the console on this address cannot reach. Use the API or the <code>tansu</code> CLI there.</p>`,
      );
    }
    let admin: { issuer: string; name: string } | undefined;
    try {
      admin = await app.tenants.use(PLATFORM_ADMIN_TENANT_ID, async (context) => ({ issuer: context.issuer, name: context.row.display_name }));
    } catch (error) {
      if (!isAppError(error) || error.code !== 'tenant_not_found') throw error;
    }
    if (!admin) {
      return unavailablePage(
        reply,
        'The platform has no admin tenant yet',
        `<h1>The platform has no admin tenant yet</h1>
<p>Operators sign in to the platform console through the platform's own admin tenant <code>${escapeHtml(PLATFORM_ADMIN_TENANT_ID)}</code>, which is created once, on purpose:</p>
<p><code>tansu tenant create-admin --admin-email ops@example.com</code></p>
<p class="muted">It prints the first operator's password (they hold the <code>PlatformAdmin</code> role). Then come back to this page and sign in.</p>`,
      );
    }
    // The admin tenant's console client has two homes: its own tenant console, and this one.
    const home = builtinClientHomes(admin.issuer, PLATFORM_ADMIN_TENANT_ID, CONSOLE_CLIENT_ID)[1]!;
    const shell = consoleShellPage({
      title: 'Platform console',
      assetBase,
      entry: 'platform/main.js',
      settings: {
        kind: 'platform',
        tenant: PLATFORM_ADMIN_TENANT_ID,
        tenant_name: admin.name,
        issuer: admin.issuer,
        base,
        client_id: CONSOLE_CLIENT_ID,
        redirect_uri: `${home}/callback`,
        post_logout_redirect_uri: `${home}/`,
        resource: platformApiIdentifier(admin.issuer),
        api: `${app.platform.publicUrl.replace(/\/+$/, '')}/admin/v1`,
        scopes: [PLATFORM_API_SCOPE],
      },
    });
    return reply.headers(CONSOLE_SECURITY_HEADERS).type('text/html; charset=utf-8').send(shell);
  };
  app.get(`${PLATFORM_CONSOLE_PATH}/`, { schema: pageSchema }, showConsole);
  app.get(`${PLATFORM_CONSOLE_PATH}/*`, { schema: pageSchema }, showConsole);
}
