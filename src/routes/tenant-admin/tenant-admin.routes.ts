import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.ts';
import { tenantAdminAuth } from './auth.ts';
import { ADMIN_ERRORS, meRoutes } from './me.routes.ts';
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
    meRoutes(scope);
    scope.all('/t/:tenant/admin/v1/*', { schema: { hide: true, params: TenantParams, response: errorResponses({ ...ADMIN_ERRORS, 404: 'not_found: no such admin API route' }) } }, async (request) => {
      throw new AppError('not_found', `no admin API route for ${request.method} ${request.url.split('?')[0]}`, 404);
    });
  });
}
