import type { TenantDb } from '../../db/tenant-database.ts';
import { PLATFORM_ADMIN_ROLE } from './platform-api.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether the user exists, is active and holds the PlatformAdmin role, now: checked on every call. */
export async function isActivePlatformAdmin(db: TenantDb, userId: string): Promise<boolean> {
  if (!UUID.test(userId)) return false;
  const row = await db
    .selectFrom('users')
    .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
    .innerJoin('roles', 'roles.id', 'user_roles.role_id')
    .select('users.id')
    .where('users.id', '=', userId)
    .where('users.status', '=', 'active')
    .where('roles.name', '=', PLATFORM_ADMIN_ROLE)
    .executeTakeFirst();
  return row !== undefined;
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
