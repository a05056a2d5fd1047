import { createTenant, setTenantSuspended } from '../../../src/provisioning/tenants.service.ts';
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
};
