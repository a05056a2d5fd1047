import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TenantStatus } from '../../db/schema.ts';
import { tenantNotFound } from '../../errors.ts';
import { parseTenantId } from '../../platform/tenant-id.ts';
import { findTenant, listTenants } from '../../platform/tenants.repository.ts';
import { createTenant, deleteTenant, setTenantSuspended } from '../../provisioning/tenants.service.ts';
import { createPlatformAdminTenant } from '../../provisioning/platform-admin-tenant.ts';
import { recoverTenant } from '../../provisioning/recover.ts';
import { createdTenantView, tenantView } from '../../provisioning/tenant-view.ts';
import { PAGE_LIMIT } from '../schemas.ts';
import { bodyOptional } from './admin.schemas.ts';
import {
  createAdminTenantSchema, createTenantSchema, deleteTenantSchema, listTenantsSchema, recoverTenantSchema, showTenantSchema, suspendTenantSchema,
} from './tenant.schemas.ts';

/**
 * Tenants: create, list, show, suspend, resume, recover, delete, and the one-time creation of the
 * platform's admin tenant. Admin password hashes never leave the tenant database; a generated
 * admin password is in the create response only.
 */
export function tenantRoutes(app: FastifyInstance): void {
  const { platform } = app;
  const scope = app.withTypeProvider<TypeBoxTypeProvider>();

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

  for (const action of ['suspend', 'resume'] as const) {
    scope.post(`/tenants/:id/${action}`, { schema: suspendTenantSchema(action) }, async (request) => {
      return tenantView(platform, await setTenantSuspended(platform, request.params.id, action === 'suspend'));
    });
  }

  scope.post('/tenants/:id/recover', { schema: recoverTenantSchema }, async (request) => {
    const { tenant, leftovers } = await recoverTenant(platform, request.params.id);
    return { tenant: tenantView(platform, tenant), leftovers };
  });

  scope.post('/admin-tenant', { bodyLimit: 8 * 1024, schema: createAdminTenantSchema, preValidation: bodyOptional }, async (request, reply) => {
    const { name, admin_email, admin_password, cluster } = request.body;
    const created = await createPlatformAdminTenant(platform, { displayName: name, adminEmail: admin_email, adminPassword: admin_password, cluster });
    return reply.status(201).send({ ...createdTenantView(platform, created), platform_api: created.platformApi });
  });
}
