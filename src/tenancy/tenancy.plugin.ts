import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Platform } from '../platform/platform.ts';
import { TenantCache } from './tenant-cache.ts';
import { buildTenantContext, type TenantContext } from './tenant-context.ts';
import { listenForTenantChanges, type ChangeListener } from '../platform/notifications.ts';
import { SERVING_PROCESS_APPLICATION_NAME } from '../platform/serving-processes.repository.ts';
import { AppError, isAppError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    platform: Platform;
    tenants: TenantCache<TenantContext>;
    tenantChanges: ChangeListener;
  }
  interface FastifyRequest {
    tenant: TenantContext | undefined;
  }
}

/** How long a node answers an id that names no tenant without asking the registry again. */
const UNKNOWN_TENANT_MEMORY_MS = 5_000;

/**
 * The tenant context cache, kept fresh by change notifications from every node, and
 * `requireTenant(request)` for routes under `/t/:tenant`.
 */
export const tenancyPlugin = fp(async (app: FastifyInstance, options: { platform: Platform }) => {
  const { platform } = options;
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
    },
    () => cache.invalidateAll(),
    platform.log,
    SERVING_PROCESS_APPLICATION_NAME,
  );
  app.decorate('tenants', cache);
  app.decorate('tenantChanges', listener);
  app.decorateRequest('tenant', undefined);
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
        resolve(context);
        return responseDone(reply);
      })
      .catch(reject);
  });
}

function responseDone(reply: FastifyReply): Promise<void> {
  const res = reply.raw;
  if (res.writableFinished || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => res.once('close', () => resolve()));
}
