import crypto from 'node:crypto';
import { createTenant, setTenantSuspended } from '../../../src/provisioning/tenants.service.ts';
import { setTenantStatus } from '../../../src/platform/tenants.repository.ts';
import { insertJob } from '../../../src/platform/admin-jobs.repository.ts';
import type { OidcTestBed } from '../../support/oidc.ts';
import type { PlannedCall } from '../../support/openapi.ts';
import { uniqueTenantId } from '../../support/platform.ts';

/** What an entry may use to prepare its call. */
export interface PlatformCallContext {
  bed: OidcTestBed;
}

/** A new active tenant of the bed's platform, for a call that changes or removes one. */
async function newTenant({ bed }: PlatformCallContext): Promise<string> {
  const created = await createTenant(bed.platform, { id: uniqueTenantId('contract') });
  return created.tenant.id;
}

/**
 * How admin-api-contract.test.ts calls each operation of the platform admin API's document: one
 * entry per operationId, as in tenant-admin.calls.ts (the test brings the token).
 */
export const PLATFORM_ADMIN_CALLS: Record<string, (context: PlatformCallContext) => PlannedCall | Promise<PlannedCall>> = {
  postTenants: () => ({ body: { id: uniqueTenantId('contract'), name: 'Contract test', admin_email: 'root@contract.test' }, status: 201 }),
  getTenants: () => ({ query: { status: 'active,suspended', limit: 2 } }),
  getTenantsById: async (context) => ({ params: { id: await newTenant(context) } }),
  postTenantsByIdSuspend: async (context) => ({ params: { id: await newTenant(context) } }),
  postTenantsByIdResume: async (context) => {
    const id = await newTenant(context);
    await setTenantSuspended(context.bed.platform, id, true);
    return { params: { id } };
  },
  deleteTenantsById: async (context) => ({ params: { id: await newTenant(context) }, status: 204 }),
  postTenantsByIdRecover: async (context) => {
    // What an interrupted move or restore leaves: a tenant in maintenance.
    const id = await newTenant(context);
    await setTenantStatus(context.bed.platform.db, id, 'maintenance');
    return { params: { id } };
  },
  // Refused, as documented: creating the admin tenant here would leave tansu_tenant_admin on the shared
  // main cluster, which test/cli/tenant.test.ts checks is absent. The password is judged before anything is created.
  postAdminTenant: () => ({ body: { admin_password: 'short' }, status: 400 }),
  // Refused, as documented: a real move needs a second cluster (test/routes/admin/move-job.test.ts does one).
  postTenantsByIdMove: async (context) => ({ params: { id: await newTenant(context) }, body: { to: 'no-such-cluster' }, status: 404 }),
  getTenantsByIdKeys: async (context) => ({ params: { id: await newTenant(context) } }),
  postTenantsByIdKeysRotate: async (context) => ({ params: { id: await newTenant(context) }, body: { grace_days: 1 } }),
  getTenantsByIdBackup: async (context) => ({ params: { id: await newTenant(context) } }),
  // Accepted, as any upload is: the job it starts fails at its first step, the seal check (a real round trip: backup-restore-api.test.ts).
  postTenantsByIdRestore: async (context) => ({
    params: { id: await newTenant(context) },
    query: { as: uniqueTenantId('contract') },
    headers: { 'content-type': 'application/octet-stream' },
    body: new Uint8Array(crypto.randomBytes(64)),
    status: 202,
  }),
  getClusters: () => ({}),
  // Refused, as documented: adding one for real needs a second PostgreSQL server (move-job.test.ts).
  postClusters: () => ({ body: { name: 'contract', url: 'mysql://nowhere/db' }, status: 400 }),
  // Refused, as documented: the one cluster of the bed is the main one, which is never removed.
  deleteClustersByName: () => ({ params: { name: 'no-such-cluster' }, status: 404 }),
  postFleetMigrate: () => ({ body: { concurrency: 1 }, status: 202 }),
  getJobs: () => ({ query: { kind: 'restore', limit: 2 } }),
  getJobsById: async (context) => {
    const job = await insertJob(context.bed.platform.db, { kind: 'restore', tenantId: null, params: {}, createdBy: 'contract test' });
    return { params: { id: job.id } };
  },
};
