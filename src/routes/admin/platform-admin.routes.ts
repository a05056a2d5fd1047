import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.ts';
import { errorResponses } from '../schemas.ts';
import { GUARD_ERRORS, PLATFORM_ADMIN_PREFIX } from './admin.schemas.ts';
import { platformAdminGuard } from './platform-admin-auth.ts';
import { JobRunner } from './job-runner.ts';
import { tenantRoutes } from './tenants.routes.ts';
import { tenantOperationRoutes } from './tenant-operations.routes.ts';
import { backupRoutes } from './backup.routes.ts';
import { clusterRoutes } from './clusters.routes.ts';
import { fleetRoutes } from './fleet.routes.ts';
import { jobRoutes } from './jobs.routes.ts';

/**
 * The platform operator's API, `/admin/v1/…`: what the `tansu` CLI does, over HTTP. Kept apart
 * from the tenants' routes (on ADMIN_PORT alone when that is set) and guarded as a whole
 * (platform-admin-auth.ts): every request is authenticated before its body is read, an unknown
 * path included. Long operations run as jobs on this node (job-runner.ts); closing the app
 * waits for them.
 */
export async function platformAdminRoutes(app: FastifyInstance): Promise<void> {
  // The admin tenant's tokens are checked against its context in the node's tenant cache; on
  // ADMIN_PORT the listener borrows the public app's (listeners.ts). Missing, fail at start.
  if (!app.hasDecorator('tenants')) throw new Error('the platform admin API needs the tenant cache (register tenancyPlugin, or decorate `tenants`)');
  const jobs = new JobRunner(app.platform);
  await app.register(
    async (scope) => {
      scope.decorateRequest('platformAdmin', undefined);
      scope.addHook('onRequest', platformAdminGuard(scope));
      scope.addHook('onSend', async (_request, reply) => {
        reply.header('cache-control', 'no-store');
      });
      scope.addHook('onClose', () => jobs.close());

      tenantRoutes(scope);
      tenantOperationRoutes(scope, jobs);
      await backupRoutes(scope, jobs);
      clusterRoutes(scope);
      fleetRoutes(scope, jobs);
      jobRoutes(scope);
      scope.all('/*', { schema: { hide: true, response: errorResponses({ ...GUARD_ERRORS, 404: 'not_found: no such platform admin API route' }) } }, async (request) => {
        throw new AppError('not_found', `no platform admin API route for ${request.method} ${request.url.split('?')[0]}`, 404);
      });
    },
    { prefix: PLATFORM_ADMIN_PREFIX },
  );
}
