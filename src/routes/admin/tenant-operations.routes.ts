import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError, tenantNotFound } from '../../errors.ts';
import { parseTenantId } from '../../platform/tenant-id.ts';
import { findTenant } from '../../platform/tenants.repository.ts';
import { assertTenantMay } from '../../platform/tenant-lifecycle.ts';
import { withTenantScope } from '../../platform/tenant-access.ts';
import type { Actor } from '../../platform/tenant-scope.ts';
import { moveTenant } from '../../provisioning/move.ts';
import { listTenantKeys, rotateTenantKeys } from '../../modules/keys/keys.service.ts';
import { rotationPolicyView, rotationView } from '../../modules/keys/key-view.ts';
import { moveTenantSchema } from './tenant.schemas.ts';
import { listKeysSchema, rotateKeysSchema } from './operation.schemas.ts';
import { bodyOptional } from './admin.schemas.ts';
import { callerText, type PlatformAdminCaller } from './platform-admin-auth.ts';
import { acceptJob } from './jobs.routes.ts';
import type { JobRunner } from './job-runner.ts';

/** How the tenant's audit log names an operator who came through this API. */
function operatorActor(caller: PlatformAdminCaller | undefined): Actor {
  return { type: 'operator', id: `platform-api:${callerText(caller)}` };
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** A move (as a job) and a tenant's signing keys. */
export function tenantOperationRoutes(app: FastifyInstance, jobs: JobRunner): void {
  const { platform } = app;
  const scope = app.withTypeProvider<TypeBoxTypeProvider>();

  scope.post('/tenants/:id/move', { bodyLimit: 8 * 1024, schema: moveTenantSchema }, async (request, reply) => {
    const id = parseTenantId(request.params.id);
    const { to } = request.body;
    // What can be refused now is refused now, not as a failed job; the move checks all of it again.
    const tenant = await findTenant(platform.db, id);
    if (!tenant) throw tenantNotFound(id);
    assertTenantMay(tenant, 'move');
    if (tenant.cluster === to) throw new AppError('same_cluster', `tenant "${id}" already lives on cluster "${to}"`, 400);
    await platform.clusters.adminUrlOf(to);
    return acceptJob(reply, jobs, {
      kind: 'move',
      tenantId: id,
      params: { from: tenant.cluster, to },
      createdBy: callerText(request.platformAdmin),
      async run(work) {
        const moved = await moveTenant(platform, id, { to, progress: work.steps() });
        return {
          result: { tenant: moved.tenant.id, from: moved.from, to: moved.to, unavailable_ms: moved.unavailableMs, source_dropped: moved.sourceDropped },
        };
      },
    });
  });

  scope.get('/tenants/:id/keys', { schema: listKeysSchema }, async (request) => {
    const listing = await withTenantScope(platform, request.params.id, (tenant) => listTenantKeys(tenant));
    return {
      policy: rotationPolicyView(listing.policy),
      keys: listing.keys.map((key) => ({
        ...key,
        created_at: key.created_at.toISOString(),
        activated_at: iso(key.activated_at),
        retired_at: iso(key.retired_at),
        unpublish_at: iso(key.unpublish_at),
      })),
    };
  });

  scope.post('/tenants/:id/keys/rotate', { bodyLimit: 8 * 1024, schema: rotateKeysSchema, preValidation: bodyOptional }, async (request) => {
    const graceDays = request.body.grace_days;
    const outcome = await withTenantScope(platform, request.params.id, (tenant) =>
      rotateTenantKeys(tenant, { graceSeconds: graceDays === undefined ? undefined : graceDays * 86_400 }, operatorActor(request.platformAdmin)),
    );
    platform.log.info({ tenant: request.params.id, activated: outcome.activated, retired: outcome.retired, next: outcome.next }, 'signing keys rotated');
    return rotationView(outcome);
  });
}
