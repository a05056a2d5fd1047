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

/** The client locked until the transaction ends: a change reads what it changes. */
export function lockClient(db: TenantDb, clientId: string): Promise<ClientRow | undefined> {
  return db.selectFrom('clients').selectAll().where('client_id', '=', clientId).forUpdate().executeTakeFirst();
}

export type ClientChanges = Partial<
  Pick<
    ClientRow,
    | 'name'
    | 'redirect_uris'
    | 'post_logout_redirect_uris'
    | 'cors_origins'
    | 'grant_types'
    | 'resources'
    | 'first_party'
    | 'secret_hash'
    | 'previous_secret_hash'
    | 'previous_secret_expires_at'
    | 'metadata'
  >
>;

export function updateClientRow(db: TenantDb, clientId: string, changes: ClientChanges): Promise<ClientRow> {
  const { metadata, ...columns } = changes;
  return db
    .updateTable('clients')
    .set({ ...columns, ...(metadata === undefined ? {} : { metadata: JSON.stringify(metadata) }), updated_at: sql<Date>`now()` })
    .where('client_id', '=', clientId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Deletes what oidc-provider stored for the client (its grants, codes and opaque access and
 * refresh tokens all carry `clientId`), so none of them can be used or looked up again. Runs
 * through the tenant's payloads without an index: a client is deleted rarely, tokens are not.
 */
export async function deleteClientPayloads(db: TenantDb, clientId: string): Promise<number> {
  const result = await db.deleteFrom('oidc_payloads').where(sql<boolean>`payload->>'clientId' = ${clientId}`).executeTakeFirst();
  return Number(result.numDeletedRows);
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

/** Identifiers of the APIs granted to each of the clients, for a page of them in one query. */
export async function listGrantedApisOf(db: TenantDb, clientIds: string[]): Promise<Map<string, string[]>> {
  const granted = new Map<string, string[]>(clientIds.map((id) => [id, []]));
  if (clientIds.length === 0) return granted;
  const rows = await db
    .selectFrom('client_api_grants as g')
    .innerJoin('api_resources as a', 'a.id', 'g.api_id')
    .select(['g.client_id', 'a.identifier'])
    .where('g.client_id', 'in', clientIds)
    .orderBy('a.identifier')
    .execute();
  for (const row of rows) granted.get(row.client_id)?.push(row.identifier);
  return granted;
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

/** Each client's redirect URIs and CORS origins, and nothing else: what the tenant's browser origins are made of (client-origins.ts). */
export function listClientOriginSources(db: TenantDb): Promise<Pick<ClientRow, 'redirect_uris' | 'cors_origins'>[]> {
  return db.selectFrom('clients').select(['redirect_uris', 'cors_origins']).execute();
}
