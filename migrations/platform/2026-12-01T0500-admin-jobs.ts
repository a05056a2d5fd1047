import { sql, type Kysely } from 'kysely';

/**
 * Long operations started through the platform admin API (restore, move, fleet migration) run as
 * jobs on the node that accepted them. Their state is kept here, not in that node's memory, so
 * any node answers `GET /admin/v1/jobs/<id>`; the heartbeat tells a running job from one whose
 * node died under it. No foreign key to `tenants`: a job outlives a tenant deleted afterwards.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('admin_jobs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('queued', 'running', 'succeeded', 'failed')`))
    .addColumn('tenant_id', 'text')
    .addColumn('params', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('progress', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('result', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('heartbeat_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Newest first, the order the list is read in.
  await db.schema.createIndex('admin_jobs_created').on('admin_jobs').columns(['created_at desc', 'id desc']).execute();
}
