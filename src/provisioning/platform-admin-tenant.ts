import type { Platform } from '../platform/platform.ts';
import { PLATFORM_ADMIN_TENANT_ID } from '../platform/tenant-id.ts';
import { PLATFORM_API_SCOPE, platformApiIdentifier } from '../modules/apis/platform-api.ts';
import { createTenant, type CreatedTenant, type CreateTenantInput } from './tenants.service.ts';

export interface CreatedPlatformAdminTenant extends CreatedTenant {
  /** What an operator's token must be for: `resource` and `scope` of the token request. */
  platformApi: { identifier: string; scope: string };
}

/**
 * Creates the platform's admin tenant, `admin`: a tenant like any other (its own database, users,
 * clients, keys), seeded besides with the platform admin API and a first admin who holds both
 * TenantAdmin and PlatformAdmin. Done once, on purpose, by an operator who already holds the
 * platform (the CLI, or the API's bootstrap token); never on start, where a generated password
 * would have nowhere safe to go. A second call is `tenant_exists`.
 */
export async function createPlatformAdminTenant(platform: Platform, input: Omit<CreateTenantInput, 'id' | 'platformAdminTenant'>): Promise<CreatedPlatformAdminTenant> {
  const created = await createTenant(platform, {
    ...input,
    id: PLATFORM_ADMIN_TENANT_ID,
    displayName: input.displayName ?? 'Platform administration',
    platformAdminTenant: true,
  });
  return { ...created, platformApi: { identifier: platformApiIdentifier(created.issuer), scope: PLATFORM_API_SCOPE } };
}
