import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TenantStatus } from '../../db/schema.ts';
import { tenantNotFound } from '../../errors.ts';
import { parseTenantId } from '../../platform/tenant-id.ts';
import { findTenant, listTenants } from '../../platform/tenants.repository.ts';
import { createTenant, deleteTenant, setTenantSuspended } from '../../provisioning/tenants.service.ts';
import { createdTenantView, tenantView } from '../../provisioning/tenant-view.ts';
import { PAGE_LIMIT } from '../schemas.ts';
import { createTenantSchema, deleteTenantSchema, listTenantsSchema, showTenantSchema, suspendTenantSchema } from './tenant.schemas.ts';
import { platformAdminGuard } from './platform-admin-auth.ts';

/**
 * The platform operator's tenant API under /admin, kept apart from the tenants' own routes and
 * guarded by the platform admin token. Admin password hashes never leave the tenant database; a
 * generated admin password is in the create response only. Bodies and queries are checked by
 * the schemas in tenant.schemas.ts before a handler runs.
 */
export async function platformTenantRoutes(app: FastifyInstance): Promise<void> {
  const { platform } = app;
  await app.register(
    async (parent) => {
      const scope = parent.withTypeProvider<TypeBoxTypeProvider>();
      scope.addHook('onRequest', platformAdminGuard(platform.config));
      scope.addHook('onSend', async (_request, reply) => {
        reply.header('cache-control', 'no-store');
      });

      scope.post('/tenants', { bodyLimit: 8 * 1024, schema: createTenantSchema }, async (request, reply) => {
        const { id, name, admin_email, admin_password, cluster } = request.body;
        const created = await createTenant(platform, { id, displayName: name, adminEmail: admin_email, adminPassword: admin_password, cluster });
        return reply.status(201).send(createdTenantView(platform, created));
      });

      scope.get('/tenants', { schema: listTenantsSchema }, async (request) => {
        const { status, limit = PAGE_LIMIT.default, cursor } = request.query;
        const statuses = status === undefined ? undefined : (status.split(',') as TenantStatus[]);
        // One row more than the page tells whether another page follows.
        const rows = await listTenants(platform.db, { statuses, after: cursor, limit: limit + 1 });
        const page = rows.slice(0, limit);
        return { tenants: page.map((row) => tenantView(platform, row)), next_cursor: rows.length > limit ? page.at(-1)!.id : null };
      });

      scope.get('/tenants/:id', { schema: showTenantSchema }, async (request) => {
        const id = parseTenantId(request.params.id);
        const row = await findTenant(platform.db, id);
        if (!row) throw tenantNotFound(id);
        return tenantView(platform, row);
      });

      scope.delete('/tenants/:id', { schema: deleteTenantSchema }, async (request, reply) => {
        await deleteTenant(platform, request.params.id);
        return reply.status(204).send(null);
      });

      for (const [action, suspended] of [['suspend', true], ['resume', false]] as const) {
        scope.post(`/tenants/:id/${action}`, { schema: suspendTenantSchema }, async (request) => {
          return tenantView(platform, await setTenantSuspended(platform, request.params.id, suspended));
        });
      }
    },
    { prefix: '/admin' },
  );
}
