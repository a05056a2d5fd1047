import type { OidcTestBed, TestTenant } from '../../support/oidc.ts';
import type { PlannedCall } from '../../support/openapi.ts';

/** What an entry may use to prepare its call: the tenant (a TenantScope, what the services take) and the test bed. */
export interface TenantCallContext {
  bed: OidcTestBed;
  tenant: TestTenant;
}

/**
 * How admin-api-contract.test.ts calls each operation of the tenant admin API's document: one
 * entry per operationId, giving valid input (params, query, body; the test brings the token)
 * and, when the operation's success is not a 2xx, the status to expect. An entry may prepare
 * what its call needs through the services (a user to disable), and should not depend on
 * another entry. The test fails naming every operation without an entry, and every entry whose
 * operation has gone. A new route's line, for example:
 *
 *   getUsersByUserId: async ({ tenant }) => ({ params: { user_id: (await createUser(tenant, { email: 'c@example.test' })).id } }),
 */
export const TENANT_ADMIN_CALLS: Record<string, (context: TenantCallContext) => PlannedCall | Promise<PlannedCall>> = {
  getMe: () => ({}),
};
