import { sql, type Kysely } from 'kysely';

/**
 * Which APIs a client may get client-credentials tokens for. A machine client acts on its own
 * authority, with no user to consent, so each API it calls is granted to it explicitly; before
 * this table every such client could get a token for every API of the tenant. Clients that
 * already named their APIs (`clients.resources`) keep exactly those; the others get none until
 * an operator grants them (`tansu client grant-api`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('client_api_grants')
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id').onDelete('cascade'))
    .addColumn('api_id', 'uuid', (c) => c.notNull().references('api_resources.id').onDelete('cascade'))
    .addColumn('granted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('client_api_grants_pk', ['client_id', 'api_id'])
    .execute();
  // Deleting an API cascades here.
  await db.schema.createIndex('client_api_grants_api').on('client_api_grants').column('api_id').execute();

  await sql`
    INSERT INTO client_api_grants (client_id, api_id)
    SELECT c.client_id, a.id
    FROM clients c JOIN api_resources a ON a.identifier = ANY (c.resources)
    WHERE 'client_credentials' = ANY (c.grant_types)
  `.execute(db);
}
