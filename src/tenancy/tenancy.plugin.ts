import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Platform } from '../platform/platform.ts';
import { TenantCache } from './tenant-cache.ts';
import { buildTenantContext, type TenantContext } from './tenant-context.ts';
import { listenForTenantChanges, type ChangeListener } from '../platform/notifications.ts';
import { SERVING_PROCESS_APPLICATION_NAME } from '../platform/serving-processes.repository.ts';
import { AppError, isAppError } from '../errors.ts';
import { takeHostDecision, TenantHosts } from './tenant-hosts.ts';
import { setPageTenant } from '../modules/branding/page-context.ts';

declare module 'fastify' {
  interface FastifyInstance {
    platform: Platform;
    tenants: TenantCache<TenantContext>;
    tenantChanges: ChangeListener;
    /** Which host (or proxy header) names which tenant (tenant-hosts.ts). */
    tenantHosts: TenantHosts;
  }
  interface FastifyRequest {
    tenant: TenantContext | undefined;
  }
}

/** How long a node answers an id that names no tenant without asking the registry again. */
const UNKNOWN_TENANT_MEMORY_MS = 5_000;

/** Changes that move a host or an issuer: the host directory reloads on them. */
const HOST_CHANGES: ReadonlySet<string> = new Set(['domains', 'deleted']);

/**
 * The tenant context cache and the host directory, kept fresh by change notifications from every
 * node; the answer to a request whose host or tenant header was refused or must be redirected
 * (tenant-hosts.ts); and `resolveTenant(request)` for routes under `/t/:tenant`.
 */
export const tenancyPlugin = fp(async (app: FastifyInstance, options: { platform: Platform; hosts?: TenantHosts }) => {
  const { platform } = options;
  // Without a directory of its own (an app that routes only by path) one that stays empty.
  const hosts = options.hosts ?? new TenantHosts(platform);
  const refreshHosts = () => {
    hosts.refresh().catch((error: Error) => app.log.warn({ err: error.message }, 'could not reload the tenant host names; keeping the ones held'));
  };
  const cache = new TenantCache<TenantContext>(platform.config.tenantCacheSize, (id) => buildTenantContext(platform, id), {
    // Unknown ids are remembered briefly; a tenant created meanwhile is announced (invalidate) and served at once.
    remember: (error) => isAppError(error) && error.code === 'tenant_not_found',
    rememberForMs: UNKNOWN_TENANT_MEMORY_MS,
  });
  const listener = listenForTenantChanges(
    platform.platformUrl,
    (change) => {
      app.log.debug({ change }, 'tenant changed');
      cache.invalidate(change.tenant);
      if (HOST_CHANGES.has(change.kind)) refreshHosts();
    },
    () => {
      cache.invalidateAll();
      refreshHosts();
    },
    platform.log,
    SERVING_PROCESS_APPLICATION_NAME,
  );
  app.decorate('tenants', cache);
  app.decorate('tenantChanges', listener);
  app.decorate('tenantHosts', hosts);
  app.decorateRequest('tenant', undefined);
  // First of the request hooks: a refused tenant header or host gets its error before any route
  // work, and a browser that came another way goes to the tenant's issuer.
  app.addHook('onRequest', async (request, reply) => {
    const decision = takeHostDecision(request.raw);
    if (!decision) return;
    if (decision.refusal) throw decision.refusal;
    if (decision.redirect) return reply.header('cache-control', 'no-store').redirect(decision.redirect, 307);
  });
  app.addHook('onClose', async () => {
    await listener.close();
    await cache.closeAll();
  });
});

/**
 * The tenant a request is for, from the `/t/:tenant` path; 404/403 JSON when it cannot serve.
 * The context stays open until the response is done: a change notification or an eviction in
 * the middle of a sign-in (argon2 takes a while) must not close its pool under it.
 */
export function resolveTenant(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<TenantContext> {
  const id = (request.params as { tenant?: string }).tenant;
  if (!id) return Promise.reject(new AppError('tenant_not_found', 'no tenant in the request', 404));
  return new Promise<TenantContext>((resolve, reject) => {
    app.tenants
      .use(id, (context) => {
        request.tenant = context;
        usePageTenant(context);
        resolve(context);
        return responseDone(reply);
      })
      .catch(reject);
  });
}

/** The tenant's branding for the pages and mails of this request (modules/branding/page-context.ts). */
export function usePageTenant(context: TenantContext): void {
  setPageTenant({ name: context.branding.displayName ?? context.row.display_name, branding: context.branding, issuer: context.issuer });
}

function responseDone(reply: FastifyReply): Promise<void> {
  const res = reply.raw;
  if (res.writableFinished || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => res.once('close', () => resolve()));
}
