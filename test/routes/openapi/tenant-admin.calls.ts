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
  getKeys: () => ({ query: { limit: 10 } }),
  postKeysRotate: () => ({ body: { grace_days: 1 } }),
  getKeysPolicy: () => ({}),
  putKeysPolicy: () => ({ body: { rotate_every_days: 30, grace_days: 7 } }),
  getSettings: () => ({}),
  patchSettings: () => ({ body: { signup: 'invite', token_lifetimes: { access_token: 1800 } } }),
  getAuditEvents: () => ({ query: { action: 'settings.updated', since: '2026-01-01T00:00:00Z', limit: 5 } }),
  getLoginActivity: () => ({ query: { outcome: 'signed_in', limit: 5 } }),
};
