import type { TenantDb } from '../../db/tenant-database.ts';
import { grantRoles } from '../users/users.repository.ts';
import { insertApi } from './apis.repository.ts';

/**
 * The platform admin API as an API of the platform's admin tenant (platform/tenant-id.ts): its
 * identifier is `<admin issuer>/platform`, its one scope `platform:admin`. Operators sign in to
 * the admin tenant like any user of any tenant and get an RFC 9068 access token for it, which the
 * platform admin API accepts (routes/admin/platform-admin-auth.ts) as long as the user holds the
 * `PlatformAdmin` role, or the machine client the API's grant.
 *
 * Unlike the tenant admin API it is an ordinary row of the admin tenant's `api_resources`, seeded
 * when that tenant is created: the admin tenant is the one tenant whose operators chose to run it,
 * and grants to machine clients then work as for any API (`tansu client grant-api admin <client>
 * <admin issuer>/platform`).
 */
export const PLATFORM_API_SCOPE = 'platform:admin';
export const PLATFORM_ADMIN_ROLE = 'PlatformAdmin';

/** As short as the tenant admin API's tokens: each is a bearer credential for the whole platform. */
export const PLATFORM_API_TOKEN_TTL = 10 * 60;

/** The resource indicator (RFC 8707) and `aud` of platform admin tokens. */
export function platformApiIdentifier(adminIssuer: string): string {
  return `${adminIssuer}/platform`;
}

/** Seeds the admin tenant, in its creation's transaction: the API, and the PlatformAdmin role for its first admin. */
export async function seedPlatformApi(db: TenantDb, seed: { issuer: string; adminUserId: string }): Promise<void> {
  await insertApi(db, {
    identifier: platformApiIdentifier(seed.issuer),
    name: 'Tansu platform admin API',
    scopes: [PLATFORM_API_SCOPE],
    is_default: false,
    access_token_ttl: PLATFORM_API_TOKEN_TTL,
  });
  await grantRoles(db, seed.adminUserId, [PLATFORM_ADMIN_ROLE]);
}
