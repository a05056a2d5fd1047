import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { tenantNotFound } from '../errors.ts';
import type { TenantContext } from '../tenancy/tenant-context.ts';
import { deleteExpiredPayloads } from '../oidc/adapter.ts';
import { presentRequestToProvider } from '../http/forwarded-headers.ts';
import { PAGE_SECURITY_HEADERS } from '../oidc/pages/layout.ts';
import { deleteHistoryPastRetention } from '../modules/audit/retention.ts';
import { jwksSchema, metadataSchema, providerSchema, tenantRootSchema } from './oidc.schemas.ts';
import { capturePublicResponse, publicResponseKey, sendCachedPublicResponse } from '../oidc/public-metadata-cache.ts';
import { usePageTenant } from '../tenancy/tenancy.plugin.ts';
import { limitProviderRequest } from './provider-rate-limits.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** `provider.callback()` composes the Koa middleware: once per provider, not per request. */
const handlers = new WeakMap<Provider, Handler>();
function handlerOf(provider: Provider): Handler {
  let handler = handlers.get(provider);
  if (!handler) {
    handler = provider.callback() as Handler;
    handlers.set(provider, handler);
  }
  return handler;
}

/** Discovery and keys change only with the tenant's keys; resource servers may cache them briefly. */
const PUBLIC_METADATA_MAX_AGE = 300;

/**
 * Hands the raw request to the tenant's provider as if it were mounted at `/t/<id>`. The tenant
 * context stays open until the response is done, so an eviction cannot close its pool mid-request.
 * Fastify's onResponse hooks do not run after `hijack()` (its own request log still does).
 */
async function serveWithProvider(
  app: FastifyInstance,
  served: Set<string>,
  request: FastifyRequest,
  reply: FastifyReply,
  tenantId: string,
  providerPath: string,
  options: { cacheable?: boolean } = {},
): Promise<void> {
  await app.tenants.use(tenantId, async (tenant: TenantContext) => {
    request.tenant = tenant;
    usePageTenant(tenant);
    served.add(tenant.id);
    // The token and authorization endpoints' budgets: a refusal throws before the provider sees
    // the request. Awaited only when it reads the body: no extra turn of the event loop otherwise.
    const limiting = limitProviderRequest(app, request, reply.raw, tenant, providerPath);
    if (limiting) await limiting;
    presentRequestToProvider(request, tenant.issuer);
    const raw = request.raw as IncomingMessage & { baseUrl?: string; originalUrl?: string };
    // oidc-provider builds endpoint URLs as `new URL(baseUrl + route, requestUrl)`. An absolute
    // base (the issuer) makes every advertised URL the configured public one, whatever the Host
    // header says, and avoids originalUrl, whose prefix is ambiguous for ids such as "token".
    delete raw.originalUrl;
    raw.baseUrl = tenant.issuer;
    raw.url = providerPath;
    reply.hijack();
    const res = reply.raw;
    // The provider's own pages (errors, sign-out, its self-submitting forms) get the login page's
    // headers; on its JSON answers they are harmless.
    for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) res.setHeader(name, value);
    if (options.cacheable) res.setHeader('cache-control', `public, max-age=${PUBLIC_METADATA_MAX_AGE}`);
    const cacheKey = options.cacheable ? publicResponseKey(providerPath, request.headers) : undefined;
    if (cacheKey !== undefined) {
      if (sendCachedPublicResponse(tenant.provider, cacheKey, res)) return;
      capturePublicResponse(tenant.provider, cacheKey, res);
    }
    await new Promise<void>((resolve) => {
      res.once('close', resolve);
      handlerOf(tenant.provider)(raw, res);
    });
  });
}

/** The path inside the provider: what follows `/t/<id>`, query included. */
function providerPathOf(url: string, tenantId: string): string {
  const prefix = `/t/${tenantId}`;
  const rest = url.startsWith(prefix) ? url.slice(prefix.length) : url;
  return rest === '' || rest.startsWith('?') ? `/${rest}` : rest;
}

function tenantParam(request: FastifyRequest): string {
  const id = (request.params as { tenant?: string }).tenant;
  if (!id) throw tenantNotFound('');
  return id;
}

/**
 * Every tenant's OpenID Provider under `/t/<id>/…`, the RFC 8414 metadata route and the
 * `/.well-known/jwks.json` alias. Registered in its own scope: oidc-provider reads the raw body
 * itself, so no Fastify body parser may touch these requests.
 */
export async function oidcRoutes(app: FastifyInstance): Promise<void> {
  const served = scheduleExpiredPayloadCleanup(app);
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));

    scope.all('/t/:tenant/*', { schema: providerSchema }, async (request, reply) => {
      const tenantId = tenantParam(request);
      const path = providerPathOf(request.url, tenantId);
      const cacheable = request.method === 'GET' && ['/jwks', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'].some((prefix) => path.startsWith(prefix));
      await serveWithProvider(app, served, request, reply, tenantId, path, { cacheable });
    });

    // The tenant's root without its slash: the same answer as `/t/<id>/` (oidc/unknown-routes.ts).
    scope.get('/t/:tenant', { schema: tenantRootSchema }, async (request, reply) => {
      await serveWithProvider(app, served, request, reply, tenantParam(request), providerPathOf(request.url, tenantParam(request)));
    });

    scope.get('/t/:tenant/.well-known/jwks.json', { schema: jwksSchema }, async (request, reply) => {
      await serveWithProvider(app, served, request, reply, tenantParam(request), '/jwks', { cacheable: true });
    });

    // RFC 8414 §3: the well-known segment goes between the host and the issuer's path. The same
    // document as under the issuer (oidc-provider serves one for both names; docs/architecture.md#field-notes).
    scope.get('/.well-known/oauth-authorization-server/t/:tenant', { schema: metadataSchema }, async (request, reply) => {
      await serveWithProvider(app, served, request, reply, tenantParam(request), '/.well-known/oauth-authorization-server', { cacheable: true });
    });
  });
}

const CLEANUP_INTERVAL_MS = 10 * 60 * 1000;

/**
 * Expired provider rows are invisible at once (the adapter filters them) and deleted here, every
 * few minutes, for the tenants whose provider this node has served since the last round; so are
 * audit events and sign-in activity past the tenant's retention.
 */
function scheduleExpiredPayloadCleanup(app: FastifyInstance): Set<string> {
  const served = new Set<string>();
  const timer = setInterval(() => {
    const ids = [...served];
    served.clear();
    void (async () => {
      for (const id of ids) {
        if (!app.tenants.has(id)) continue;
        try {
          const [payloads, history] = await app.tenants.use(id, (tenant) => Promise.all([deleteExpiredPayloads(tenant.db), deleteHistoryPastRetention(tenant.scope)]));
          if (payloads + history.auditEvents + history.loginAttempts > 0) app.log.debug({ tenant: id, payloads, ...history }, 'expired rows deleted');
        } catch (error) {
          app.log.warn({ tenant: id, err: (error as Error).message }, 'expired oidc payload cleanup failed');
        }
      }
    })();
  }, CLEANUP_INTERVAL_MS);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
  return served;
}
