import type { Insertable, Selectable } from 'kysely';
import type { TenantDatabase } from '../../db/schema.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { CURSOR_PART, decodeCursor, encodeCursor, pageOf, type Page, type PageRequest } from '../../db/page.ts';

export type ApiRow = Selectable<TenantDatabase['api_resources']>;
export type NewApiRow = Insertable<TenantDatabase['api_resources']>;

export function insertApi(db: TenantDb, row: NewApiRow): Promise<ApiRow> {
  return db.insertInto('api_resources').values(row).returningAll().executeTakeFirstOrThrow();
}

/** A page of APIs, by identifier (unique). */
export async function listApis(db: TenantDb, page: PageRequest): Promise<Page<ApiRow>> {
  const [afterIdentifier] = page.cursor === undefined ? [] : decodeCursor(page.cursor, 'apis', [CURSOR_PART.text]);
  return pageOf(
    page,
    (limit) => {
      let query = db.selectFrom('api_resources').selectAll();
      if (afterIdentifier !== undefined) query = query.where('identifier', '>', afterIdentifier);
      return query.orderBy('identifier').limit(limit).execute();
    },
    (row) => encodeCursor('apis', [row.identifier]),
  );
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
