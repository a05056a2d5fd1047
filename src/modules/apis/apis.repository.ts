import type { Insertable, Selectable } from 'kysely';
import type { TenantDatabase } from '../../db/schema.ts';
import type { TenantDb } from '../../db/tenant-database.ts';

export type ApiRow = Selectable<TenantDatabase['api_resources']>;
export type NewApiRow = Insertable<TenantDatabase['api_resources']>;

export function insertApi(db: TenantDb, row: NewApiRow): Promise<ApiRow> {
  return db.insertInto('api_resources').values(row).returningAll().executeTakeFirstOrThrow();
}

export function listApis(db: TenantDb): Promise<ApiRow[]> {
  return db.selectFrom('api_resources').selectAll().orderBy('identifier').execute();
}

export function findApi(db: TenantDb, identifier: string): Promise<ApiRow | undefined> {
  return db.selectFrom('api_resources').selectAll().where('identifier', '=', identifier).executeTakeFirst();
}

export async function clearDefaultApi(db: TenantDb): Promise<void> {
  await db.updateTable('api_resources').set({ is_default: false }).where('is_default', '=', true).execute();
}

export async function deleteApi(db: TenantDb, identifier: string): Promise<boolean> {
  const result = await db.deleteFrom('api_resources').where('identifier', '=', identifier).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
