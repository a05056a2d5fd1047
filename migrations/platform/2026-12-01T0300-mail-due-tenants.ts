import { sql, type Kysely } from 'kysely';

/**
 * Which tenants may have mail to send, and from when. Each tenant's outbox lives in its own
 * database, so without this list a sender would open every tenant database on every pass to find
 * the few with mail; with it, a pass is one query here and a connection only to tenants that have
 * mail due. `generation` counts announcements, so a sender that found a tenant's outbox empty
 * removes the row only if no mail was announced while it looked.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mail_due_tenants')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id').onDelete('cascade'))
    .addColumn('due_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('generation', 'bigint', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('mail_due_tenants_due_at').on('mail_due_tenants').column('due_at').execute();
}
