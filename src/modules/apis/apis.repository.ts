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

export function findApiById(db: TenantDb, id: string): Promise<ApiRow | undefined> {
  return db.selectFrom('api_resources').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The API by id or identifier, locked until the transaction ends: an update reads what it changes. */
export function lockApi(db: TenantDb, ref: { id: string } | { identifier: string }): Promise<ApiRow | undefined> {
  const query = db.selectFrom('api_resources').selectAll();
  return ('id' in ref ? query.where('id', '=', ref.id) : query.where('identifier', '=', ref.identifier)).forUpdate().executeTakeFirst();
}

export function updateApiRow(db: TenantDb, id: string, changes: Partial<Pick<ApiRow, 'name' | 'scopes' | 'access_token_ttl' | 'is_default'>>): Promise<ApiRow> {
  return db.updateTable('api_resources').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export async function deleteApiById(db: TenantDb, id: string): Promise<void> {
  await db.deleteFrom('api_resources').where('id', '=', id).execute();
}

export async function clearDefaultApi(db: TenantDb): Promise<void> {
  await db.updateTable('api_resources').set({ is_default: false }).where('is_default', '=', true).execute();
}
