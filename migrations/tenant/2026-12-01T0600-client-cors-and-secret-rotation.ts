import { sql, type Kysely } from 'kysely';

/**
 * Two client properties the tenant admin API edits.
 *
 * `cors_origins`: browser origins allowed to call the provider's endpoints for the client beside
 * the origins of its redirect URIs (an app whose token calls come from another origin than its
 * callback). Empty for every existing client, which keeps what they had.
 *
 * `previous_secret_hash` / `previous_secret_expires_at`: a rotated secret's predecessor (SHA-256,
 * like `secret_hash`) and the end of its grace period, so the servers holding the old secret can
 * be switched over without downtime. Both set or both NULL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('clients')
    .addColumn('cors_origins', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('previous_secret_hash', 'text')
    .addColumn('previous_secret_expires_at', 'timestamptz')
    .execute();
  await db.schema
    .alterTable('clients')
    .addCheckConstraint('clients_previous_secret_pair', sql`(previous_secret_hash IS NULL) = (previous_secret_expires_at IS NULL)`)
    .execute();
}
