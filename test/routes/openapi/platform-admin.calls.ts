import crypto from 'node:crypto';
import { createTenant, setTenantSuspended } from '../../../src/provisioning/tenants.service.ts';
import { setTenantStatus } from '../../../src/platform/tenants.repository.ts';
import { insertJob } from '../../../src/platform/admin-jobs.repository.ts';
import type { OidcTestBed } from '../../support/oidc.ts';
import type { CallTable } from '../../support/openapi.ts';
import type { Operations } from './generated/platform-admin.gen.ts';
import { clusterUrl, uniqueTenantId } from '../../support/platform.ts';
import { insertCluster } from '../../../src/platform/clusters.repository.ts';
import { databaseUrl } from '../../../src/db/postgres.ts';

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
 * entry per operationId, as in tenant-admin.calls.ts (the test brings the token), typed by
 * generated/platform-admin.gen.ts.
 */
export const PLATFORM_ADMIN_CALLS: CallTable<Operations, PlatformCallContext> = {
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
  // Refused, as documented, after connecting: the test's own PostgreSQL is the main cluster's server,
  // which the service will not register twice (by system identifier); adding one for real needs a
  // second server (move-job.test.ts starts one).
  postClusters: () => ({ body: { name: 'contract', url: databaseUrl(clusterUrl(), 'postgres') }, status: 409 }),
  // A real removal: an empty cluster, registered as `cluster add` stores one (its URL sealed under its name).
  deleteClustersByName: async ({ bed }) => {
    const name = `contract-${crypto.randomBytes(3).toString('hex')}`;
    const url = databaseUrl(clusterUrl(), 'postgres');
    await insertCluster(bed.platform.db, { name, urlEncrypted: bed.platform.secrets.seal(url, `cluster:${name}`), pooledUrlEncrypted: null });
    return { params: { name }, status: 204 };
  },
  postFleetMigrate: () => ({ body: { concurrency: 1 }, status: 202 }),
  getJobs: () => ({ query: { kind: 'restore', limit: 2 } }),
  getJobsById: async (context) => {
    const job = await insertJob(context.bed.platform.db, { kind: 'restore', tenantId: null, params: {}, createdBy: 'contract test' });
    return { params: { id: job.id } };
  },
};
