import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { resolveTenant } from '../../tenancy/tenancy.plugin.ts';
import { ADMIN_API_SCOPES, adminApiIdentifier } from '../../modules/apis/admin-api.ts';
import { CONSOLE_CLIENT_ID, builtinClientHomes } from '../../modules/clients/builtin-clients.ts';
import { AppError } from '../../errors.ts';
import { HtmlPage, TenantParams, pageOrError } from '../schemas.ts';
import { loadConsoleAssets, type ConsoleAssets } from './console-assets.ts';
import { CONSOLE_SECURITY_HEADERS, consoleShellPage } from './console-shell.ts';
import { urlAsSent } from '../../tenancy/tenant-hosts.ts';
import { platformConsoleRoutes } from './platform-console.routes.ts';

/** Where every console's assets live, shared by all tenants (one cached copy per browser). */
export const CONSOLE_ASSETS_PATH = '/console-assets';

const html = (description: string) => ({ description, content: { 'text/html': { schema: HtmlPage } } });

const assetSchema = {
  hide: true,
  // The wildcard's `*` stays undeclared (the object is open): TypeBox cannot key a property by it.
  params: Type.Object({ build: Type.String({ maxLength: 64, description: 'the build (console-assets.ts)' }) }),
  response: {
    200: { description: 'a module, stylesheet or image of the console', content: { 'text/javascript': { schema: Type.String() }, 'text/css': { schema: Type.String() } } },
    404: pageOrError('not_found: no such file in this build'),
  },
};

const TENANT_REFUSALS = {
  403: pageOrError('tenant_suspended'),
  404: pageOrError('tenant_not_found'),
  503: pageOrError('tenant_unavailable or temporarily_unavailable, with Retry-After'),
};

const consolePageSchema = {
  hide: true,
  params: TenantParams,
  response: { 200: html("the tenant console: its page, which draws every view of the console in the browser"), ...TENANT_REFUSALS },
};

const consoleRootSchema = {
  hide: true,
  params: TenantParams,
  response: { 308: html('to /t/<id>/console/, the query kept') },
};

/** The root-relative path of the platform's public URL (`/identity` behind a path prefix, else empty). */
function publicPathOf(publicUrl: string): string {
  return new URL(publicUrl).pathname.replace(/\/+$/, '');
}

/**
 * The tenant console, `/t/<id>/console/…`: one page for every path under it (the modules route
 * in the browser, so a reload or a bookmark lands where it was) and the assets it loads. It
 * signs in through the tenant's own provider with the built-in `tansu-console` client and
 * talks only to the tenant admin API, like any other client would. The platform console,
 * `/admin/console/…`, shares the assets (platform-console.routes.ts).
 */
export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  const assets: ConsoleAssets = loadConsoleAssets();
  const assetBase = `${publicPathOf(app.platform.publicUrl)}${CONSOLE_ASSETS_PATH}/${assets.build}/`;
  platformConsoleRoutes(app, assetBase, publicPathOf(app.platform.publicUrl));

  app.get(`${CONSOLE_ASSETS_PATH}/:build/*`, { schema: assetSchema }, async (request, reply) => {
    const { build, '*': file } = request.params as { build: string; '*': string };
    const asset = build === assets.build ? assets.asset(file) : undefined;
    if (!asset) throw new AppError('not_found', `no console file ${file} in build ${build}`, 404);
    return reply
      .header('content-type', asset.contentType)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(asset.body);
  });

  app.get('/t/:tenant/console', { schema: consoleRootSchema }, async (request, reply) => {
    // As the browser sent it: `/console` on the tenant's own host, `/t/<id>/console` on the path.
    const url = urlAsSent(request.raw);
    const query = url.indexOf('?');
    return reply.redirect(`${url.slice(0, query === -1 ? undefined : query)}/${query === -1 ? '' : url.slice(query)}`, 308);
  });

  const showConsole = async (request: FastifyRequest, reply: FastifyReply) => {
    const tenant = await resolveTenant(app, request, reply);
    // The tenant's own console home: the first of the built-in client's (the admin tenant's second is the platform console's).
    const home = builtinClientHomes(tenant.issuer, tenant.id, CONSOLE_CLIENT_ID)[0]!;
    const page = consoleShellPage({
      title: `Console · ${tenant.row.display_name}`,
      assetBase,
      entry: 'tenant/main.js',
      settings: {
        kind: 'tenant',
        tenant: tenant.id,
        tenant_name: tenant.row.display_name,
        issuer: tenant.issuer,
        base: new URL(home).pathname,
        client_id: CONSOLE_CLIENT_ID,
        redirect_uri: `${home}/callback`,
        post_logout_redirect_uri: `${home}/`,
        resource: adminApiIdentifier(tenant.issuer),
        api: `${tenant.issuer}/admin/v1`,
        scopes: ADMIN_API_SCOPES,
      },
    });
    return reply.headers(CONSOLE_SECURITY_HEADERS).type('text/html; charset=utf-8').send(page);
  };
  app.get('/t/:tenant/console/', { schema: consolePageSchema }, showConsole);
  app.get('/t/:tenant/console/*', { schema: consolePageSchema }, showConsole);
}
