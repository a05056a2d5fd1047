import type { Insertable, Selectable } from 'kysely';
import type { TenantDatabase } from '../../db/schema.ts';
import type { TenantDb } from '../../db/tenant-database.ts';

export type ClientRow = Selectable<TenantDatabase['clients']>;
export type NewClientRow = Insertable<TenantDatabase['clients']>;

export function insertClient(db: TenantDb, row: NewClientRow): Promise<ClientRow> {
  return db.insertInto('clients').values(row).returningAll().executeTakeFirstOrThrow();
}

export function findClient(db: TenantDb, clientId: string): Promise<ClientRow | undefined> {
  return db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

export function listClients(db: TenantDb): Promise<ClientRow[]> {
  return db.selectFrom('clients').selectAll().orderBy('created_at').orderBy('client_id').execute();
}

export async function deleteClient(db: TenantDb, clientId: string): Promise<boolean> {
  const result = await db.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
