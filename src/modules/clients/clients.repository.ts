import { sql, type Insertable, type Selectable } from 'kysely';
import type { TenantDatabase } from '../../db/schema.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { CURSOR_PART, decodeCursor, encodeCursor, pageOf, timestampCursorPart, withoutCursorAt, type Page, type PageRequest } from '../../db/page.ts';

export type ClientRow = Selectable<TenantDatabase['clients']>;
export type NewClientRow = Insertable<TenantDatabase['clients']>;

export function insertClient(db: TenantDb, row: NewClientRow): Promise<ClientRow> {
  return db.insertInto('clients').values(row).returningAll().executeTakeFirstOrThrow();
}

export function findClient(db: TenantDb, clientId: string): Promise<ClientRow | undefined> {
  return db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

/** A page of clients, oldest first. */
export async function listClients(db: TenantDb, page: PageRequest): Promise<Page<ClientRow>> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, 'clients', [CURSOR_PART.timestamp, CURSOR_PART.text]);
  return pageOf(
    page,
    (limit) => {
      let query = db.selectFrom('clients').selectAll().select(timestampCursorPart('created_at').as('cursor_at'));
      if (after) query = query.where(sql<boolean>`(created_at, client_id) > (${after[0]}::timestamptz, ${after[1]})`);
      return query.orderBy('created_at').orderBy('client_id').limit(limit).execute();
    },
    (row) => encodeCursor('clients', [row.cursor_at, row.client_id]),
  ).then(withoutCursorAt);
}

export async function deleteClient(db: TenantDb, clientId: string): Promise<boolean> {
  const result = await db.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Identifiers of the APIs granted to the client for client credentials. */
export async function listGrantedApis(db: TenantDb, clientId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('client_api_grants as g')
    .innerJoin('api_resources as a', 'a.id', 'g.api_id')
    .select('a.identifier')
    .where('g.client_id', '=', clientId)
    .orderBy('a.identifier')
    .execute();
  return rows.map((row) => row.identifier);
}

/** Grants an API to a client; false when it was granted already. */
export async function insertApiGrant(db: TenantDb, clientId: string, apiId: string): Promise<boolean> {
  const inserted = await db
    .insertInto('client_api_grants')
    .values({ client_id: clientId, api_id: apiId })
    .onConflict((oc) => oc.doNothing())
    .returning('client_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** False when the client had no grant for the API. */
export async function deleteApiGrant(db: TenantDb, clientId: string, apiId: string): Promise<boolean> {
  const result = await db.deleteFrom('client_api_grants').where('client_id', '=', clientId).where('api_id', '=', apiId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
