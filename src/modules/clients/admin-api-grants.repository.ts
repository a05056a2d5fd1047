import type { TenantDb } from '../../db/tenant-database.ts';

/** False when the client had the grant already. */
export async function insertAdminApiGrant(db: TenantDb, clientId: string): Promise<boolean> {
  const inserted = await db
    .insertInto('client_admin_api_grants')
    .values({ client_id: clientId })
    .onConflict((oc) => oc.doNothing())
    .returning('client_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** False when the client had no grant. */
export async function deleteAdminApiGrant(db: TenantDb, clientId: string): Promise<boolean> {
  const result = await db.deleteFrom('client_admin_api_grants').where('client_id', '=', clientId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The grant row goes with its client (ON DELETE CASCADE), so a grant also says the client exists. */
export async function hasAdminApiGrant(db: TenantDb, clientId: string): Promise<boolean> {
  const row = await db.selectFrom('client_admin_api_grants').select('client_id').where('client_id', '=', clientId).executeTakeFirst();
  return row !== undefined;
}

/** Which of the clients hold the admin API grant. */
export async function adminGrantHolders(db: TenantDb, clientIds: string[]): Promise<Set<string>> {
  if (clientIds.length === 0) return new Set();
  const rows = await db.selectFrom('client_admin_api_grants').select('client_id').where('client_id', 'in', clientIds).execute();
  return new Set(rows.map((row) => row.client_id));
}
