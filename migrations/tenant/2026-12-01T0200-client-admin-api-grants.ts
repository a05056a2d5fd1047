import { sql, type Kysely } from 'kysely';

/**
 * Which machine clients may get client-credentials tokens for the tenant's built-in admin API
 * (`<issuer>/admin`). That API has no row in `api_resources` (its identifier follows the issuer),
 * so `client_api_grants` cannot point at it; this table is its grant list. No client had admin
 * access before, so nothing is copied: tenants created earlier start with no admin clients.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('client_admin_api_grants')
    .addColumn('client_id', 'text', (c) => c.primaryKey().references('clients.client_id').onDelete('cascade'))
    .addColumn('granted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
