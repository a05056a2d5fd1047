import type { TenantDb } from '../../db/tenant-database.ts';
import { PLATFORM_ADMIN_ROLE } from './platform-api.ts';
import { isActiveUserWithRole } from '../users/users.repository.ts';

/** Whether the user exists, is active and holds the PlatformAdmin role, now: checked on every call. */
export function isActivePlatformAdmin(db: TenantDb, userId: string): Promise<boolean> {
  return isActiveUserWithRole(db, userId, PLATFORM_ADMIN_ROLE);
}

/** Whether the client still holds its grant of the API (the grant goes with a deleted client or API). */
export async function hasApiGrant(db: TenantDb, clientId: string, identifier: string): Promise<boolean> {
  const row = await db
    .selectFrom('client_api_grants as g')
    .innerJoin('api_resources as a', 'a.id', 'g.api_id')
    .select('g.client_id')
    .where('g.client_id', '=', clientId)
    .where('a.identifier', '=', identifier)
    .executeTakeFirst();
  return row !== undefined;
}
