import { sql, type Kysely } from 'kysely';

/**
 * Platform-wide settings a server decides and every other process must agree with. First one:
 * `public_url`, written by each server at start, so `tansu` run in another terminal (without the
 * server's PUBLIC_URL) prints the issuers the server really serves.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('platform_settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
