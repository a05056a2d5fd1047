import { sql, type Kysely } from 'kysely';

/** The platform database: where tenants live, which clusters exist, who runs the platform. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('clusters')
    .addColumn('name', 'text', (c) => c.primaryKey())
    // NULL for the platform's own cluster (DATABASE_URL or the embedded one); otherwise the
    // connection URL encrypted with the master key (it carries a password).
    .addColumn('url_encrypted', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.insertInto('clusters').values({ name: 'main', url_encrypted: null }).execute();

  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status IN ('provisioning', 'active', 'suspended', 'deleting', 'failed')`))
    .addColumn('cluster', 'text', (c) => c.notNull().references('clusters.name'))
    .addColumn('database_name', 'text', (c) => c.notNull())
    .addColumn('failure_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('tenants_cluster').on('tenants').column('cluster').execute();

  await db.schema
    .createTable('platform_admins')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('platform_audit_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();
}
