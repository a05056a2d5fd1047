import { sql, type Kysely } from 'kysely';

/**
 * `maintenance`: a tenant whose database is being swapped (move between clusters, restore over
 * it); nodes answer 503 with Retry-After until the swap ends. `pooled_url_encrypted`: the URL
 * requests use when a cluster sits behind a transaction-mode pooler; `url_encrypted` stays the
 * direct URL for CREATE/DROP DATABASE, dumps and session locks.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE tenants DROP CONSTRAINT tenants_status_check`.execute(db);
  await sql`ALTER TABLE tenants ADD CONSTRAINT tenants_status_check
    CHECK (status IN ('provisioning', 'active', 'suspended', 'deleting', 'failed', 'maintenance'))`.execute(db);
  await db.schema.alterTable('clusters').addColumn('pooled_url_encrypted', 'text').execute();
}
