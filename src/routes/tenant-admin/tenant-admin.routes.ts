import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.ts';
import rateLimit from '@fastify/rate-limit';
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
    // Per token and tenant, after authentication (preHandler): a stranger's requests never count
    // against a real caller, and one runaway script cannot starve the tenant's other admins.
    await scope.register(rateLimit, {
      hook: 'preHandler',
      max: app.platform.config.adminApiRateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => {
        const caller = request.adminCaller;
        const tenant = (request.params as { tenant?: string }).tenant;
        return caller ? `${tenant}|${caller.clientId}|${caller.type}:${caller.id}` : `${tenant}|${request.ip}`;
      },
      errorResponseBuilder: (_request, context) =>
        new AppError('rate_limited', `too many admin API requests with this token: at most ${context.max} a minute; retry in ${Math.ceil(context.ttl / 1000)} s`, 429),
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
