import type { Kysely } from 'kysely';

/**
 * Each tenant database is reached through its own login role (named like the database). Its
 * password is generated, set on the role, and kept here encrypted with the master key, so any
 * node can open the tenant's pool as that role. NULL: a tenant created before roles existed,
 * served with the cluster's admin role until `tansu migrate` gives it one.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tenants').addColumn('role_password_encrypted', 'text').execute();
}
