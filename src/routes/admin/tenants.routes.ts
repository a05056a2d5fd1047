import type { FastifyInstance } from 'fastify';
import type { TenantStatus } from '../../db/schema.ts';
import { invalidRequest, tenantNotFound } from '../../errors.ts';
import { parseTenantId } from '../../platform/tenant-id.ts';
import { findTenant, listTenants } from '../../platform/tenants.repository.ts';
import { createTenant, deleteTenant, setTenantSuspended, type CreateTenantInput } from '../../provisioning/tenants.service.ts';
import { createdTenantView, tenantView } from '../../provisioning/tenant-view.ts';
import { platformAdminGuard } from './platform-admin-auth.ts';

const STATUSES: readonly TenantStatus[] = ['provisioning', 'active', 'suspended', 'maintenance', 'deleting', 'failed'];

/** Body of POST /admin/tenants: `{ id, name?, adminEmail?, adminPassword?, cluster? }`, all strings. */
function createInput(body: unknown): CreateTenantInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidRequest('the body must be a JSON object');
  const fields = body as Record<string, unknown>;
  const allowed = ['id', 'name', 'adminEmail', 'adminPassword', 'cluster'];
  const unknown = Object.keys(fields).filter((key) => !allowed.includes(key));
  if (unknown.length) throw invalidRequest(`unknown field(s): ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`);
  for (const key of allowed) {
    if (fields[key] !== undefined && typeof fields[key] !== 'string') throw invalidRequest(`"${key}" must be a string`);
  }
  return {
    id: fields.id as string,
    displayName: fields.name as string | undefined,
    adminEmail: fields.adminEmail as string | undefined,
    adminPassword: fields.adminPassword as string | undefined,
    cluster: fields.cluster as string | undefined,
  };
}

function statusFilter(query: unknown): TenantStatus[] | undefined {
  const raw = (query as { status?: unknown }).status;
  if (raw === undefined) return undefined;
  const statuses = String(raw).split(',').filter(Boolean);
  const bad = statuses.find((s) => !STATUSES.includes(s as TenantStatus));
  if (bad !== undefined) throw invalidRequest(`status must be among ${STATUSES.join(', ')}; got "${bad}"`);
  return statuses as TenantStatus[];
}

/**
 * The platform operator's tenant API under /admin, kept apart from the tenants' own routes and
 * guarded by the platform admin token. Admin password hashes never leave the tenant database; a
 * generated admin password is in the create response only.
 */
export async function platformTenantRoutes(app: FastifyInstance): Promise<void> {
  const { platform } = app;
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', platformAdminGuard(platform.config));
      scope.addHook('onSend', async (_request, reply) => {
        reply.header('cache-control', 'no-store');
      });

      scope.post('/tenants', { bodyLimit: 8 * 1024 }, async (request, reply) => {
        const created = await createTenant(platform, createInput(request.body));
        return reply.status(201).send(createdTenantView(platform, created));
      });

      scope.get('/tenants', async (request) => {
        const statuses = statusFilter(request.query);
        const rows = await listTenants(platform.db, statuses ? { statuses } : {});
        return { tenants: rows.map((row) => tenantView(platform, row)) };
      });

      scope.get('/tenants/:id', async (request) => {
        const id = parseTenantId((request.params as { id: string }).id);
        const row = await findTenant(platform.db, id);
        if (!row) throw tenantNotFound(id);
        return tenantView(platform, row);
      });

      scope.delete('/tenants/:id', async (request, reply) => {
        await deleteTenant(platform, (request.params as { id: string }).id);
        return reply.status(204).send();
      });

      for (const [action, suspended] of [['suspend', true], ['resume', false]] as const) {
        scope.post(`/tenants/:id/${action}`, async (request) => {
          return tenantView(platform, await setTenantSuspended(platform, (request.params as { id: string }).id, suspended));
        });
      }
    },
    { prefix: '/admin' },
  );
}
