import type { Insertable, Selectable, Updateable } from 'kysely';
import type { TenantDatabase } from '../../db/schema.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { CURSOR_PART, decodeCursor, encodeCursor, pageOf, type Page, type PageRequest } from '../../db/page.ts';

/** The SQL of `identity_providers`: the tenant's connections to upstream identity providers. */

export type ConnectionRow = Selectable<TenantDatabase['identity_providers']>;
export type NewConnectionRow = Insertable<TenantDatabase['identity_providers']>;
export type ConnectionChange = Updateable<TenantDatabase['identity_providers']>;

export function insertConnection(db: TenantDb, row: NewConnectionRow): Promise<ConnectionRow> {
  return db.insertInto('identity_providers').values(row).returningAll().executeTakeFirstOrThrow();
}

/** A page of connections, by name (unique). */
export async function listConnectionRows(db: TenantDb, page: PageRequest): Promise<Page<ConnectionRow>> {
  const [afterName] = page.cursor === undefined ? [] : decodeCursor(page.cursor, 'connections', [CURSOR_PART.text]);
  return pageOf(
    page,
    (limit) => {
      let query = db.selectFrom('identity_providers').selectAll();
      if (afterName !== undefined) query = query.where('name', '>', afterName);
      return query.orderBy('name').limit(limit).execute();
    },
    (row) => encodeCursor('connections', [row.name]),
  );
}

/** The enabled connections, by name: the login page's buttons. A tenant has a handful, so no page. */
export function listEnabledConnections(db: TenantDb): Promise<ConnectionRow[]> {
  return db.selectFrom('identity_providers').selectAll().where('enabled', '=', true).orderBy('name').execute();
}

export function findConnectionByName(db: TenantDb, name: string): Promise<ConnectionRow | undefined> {
  return db.selectFrom('identity_providers').selectAll().where('name', '=', name).executeTakeFirst();
}

export function findConnectionById(db: TenantDb, id: string): Promise<ConnectionRow | undefined> {
  return db.selectFrom('identity_providers').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The connection by id or name, locked until the transaction ends: an update reads what it changes. */
export function lockConnection(db: TenantDb, ref: { id: string } | { name: string }): Promise<ConnectionRow | undefined> {
  const query = db.selectFrom('identity_providers').selectAll();
  return ('id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name)).forUpdate().executeTakeFirst();
}

export function updateConnectionRow(db: TenantDb, id: string, change: ConnectionChange): Promise<ConnectionRow> {
  return db.updateTable('identity_providers').set(change).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** Its identities go with it (the foreign key cascades), and so do trips to it still under way. */
export async function deleteConnectionRow(db: TenantDb, id: string): Promise<number> {
  const { count } = await db
    .selectFrom('user_identities')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('provider_id', '=', id)
    .executeTakeFirstOrThrow();
  await db.deleteFrom('identity_providers').where('id', '=', id).execute();
  return Number(count);
}

/** Every connection's sealed secret (a copy of the tenant re-seals them under its own id). */
export function listSealedSecrets(db: TenantDb): Promise<{ id: string; client_secret_encrypted: string }[]> {
  return db
    .selectFrom('identity_providers')
    .select(['id', 'client_secret_encrypted'])
    .where('client_secret_encrypted', 'is not', null)
    .execute() as Promise<{ id: string; client_secret_encrypted: string }[]>;
}

export async function replaceSealedSecret(db: TenantDb, id: string, sealed: string): Promise<void> {
  await db.updateTable('identity_providers').set({ client_secret_encrypted: sealed }).where('id', '=', id).execute();
}
