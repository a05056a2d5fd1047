import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.ts';
import { tenantAdminAuth } from './auth.ts';
import { meRoutes } from './me.routes.ts';
import { usersRoutes } from './users.routes.ts';
import { userSessionsRoutes } from './user-sessions.routes.ts';
import { userFactorsRoutes } from './user-factors.routes.ts';
import { clientRoutes } from './clients.routes.ts';
import { apiRoutes } from './apis.routes.ts';
import { invitationRoutes } from './invitations.routes.ts';
import { keysRoutes } from './keys.routes.ts';
import { settingsRoutes } from './settings.routes.ts';
import { auditRoutes } from './audit.routes.ts';
import { statsRoutes } from './stats.routes.ts';
import { brandingRoutes } from './branding.routes.ts';
import { userMailRoutes } from './user-mail.routes.ts';
import { mailRoutes } from './mail.routes.ts';
import { connectionRoutes } from './connections.routes.ts';
import { domainRoutes } from './domains.routes.ts';
import { ADMIN_ERRORS } from './admin-schemas.ts';
import { TenantParams, errorResponses } from '../schemas.ts';
import { apiBudgets, enforceRateLimits } from '../rate-limits.ts';

/**
 * The tenant admin API, `/t/<id>/admin/v1/…`, in a scope of its own: every request in it is
 * authenticated first (auth.ts). Its static paths win over the provider's `/t/:tenant/*` in
 * Fastify's router, and so does the catch-all below, so an unknown admin path is answered by this
 * API (401 without a token, else 404 JSON), never by the provider.
 */
export async function tenantAdminRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });
    await scope.register(tenantAdminAuth);
    // After authentication (preHandler): a stranger's requests never count against a real caller.
    // Two budgets: the tenant's API budget, which the signup API shares, and each token's own, so
    // one runaway script cannot starve the tenant's other admins. A token's is this process's
    // alone, not a share: it guards against one caller, who may well reach a single process
    // (docs/architecture.md#rate-limits).
    const perToken = app.platform.config.adminApiRateLimitPerMinute;
    scope.addHook('preHandler', async (request, reply) => {
      const caller = request.adminCaller;
      if (!caller || !request.tenant) return;
      enforceRateLimits(app.rateLimiter, apiBudgets(request.tenant, { key: `${caller.clientId} ${caller.type}:${caller.id}`, perMinute: perToken }), reply.raw);
    });
    meRoutes(scope);
    usersRoutes(scope);
    userSessionsRoutes(scope);
    userFactorsRoutes(scope);
    clientRoutes(scope);
    apiRoutes(scope);
    invitationRoutes(scope);
    keysRoutes(scope);
    settingsRoutes(scope);
    brandingRoutes(scope);
    auditRoutes(scope);
    statsRoutes(scope);
    userMailRoutes(scope);
    mailRoutes(scope);
    connectionRoutes(scope);
    domainRoutes(scope);
    scope.all('/t/:tenant/admin/v1/*', { schema: { hide: true, params: TenantParams, response: errorResponses({ ...ADMIN_ERRORS, 404: 'not_found: no such admin API route' }) } }, async (request) => {
      throw new AppError('not_found', `no admin API route for ${request.method} ${request.url.split('?')[0]}`, 404);
    });
  });
}
