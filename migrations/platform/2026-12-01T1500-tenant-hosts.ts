import { sql, type Kysely } from 'kysely';

/**
 * How a tenant is reached, kept in the platform database because a host is mapped to its tenant
 * before any tenant database is known (tenancy/tenant-hosts.ts).
 *
 * - `tenants.issuer_form`: the tenant's own issuer is `<PUBLIC_URL>/t/<id>` (`path`) or on
 *   `<id>.<BASE_DOMAIN>` (`subdomain`); `issuer_domain`, when set, overrides both with one of
 *   the tenant's verified custom domains (its issuer then lives on that domain).
 * - `previous_issuer` until `previous_issuer_until`: the issuer before the last move, whose
 *   tokens the tenant's own APIs still accept for that grace period.
 * - `tenant_domains`: custom domains a tenant has claimed. Several tenants may claim one name, but
 *   only one can prove it (the TXT record) and hold it verified: the partial unique index.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('tenants')
    .addColumn('issuer_form', 'text', (c) => c.notNull().defaultTo('path').check(sql`issuer_form IN ('path', 'subdomain')`))
    .addColumn('issuer_domain', 'text')
    .addColumn('previous_issuer', 'text')
    .addColumn('previous_issuer_until', 'timestamptz')
    .execute();
  await db.schema
    .createTable('tenant_domains')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('pending', 'verified')`))
    .addColumn('challenge', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('verified_at', 'timestamptz')
    .addPrimaryKeyConstraint('tenant_domains_pkey', ['tenant_id', 'domain'])
    .execute();
  await db.schema.createIndex('tenant_domains_verified').unique().on('tenant_domains').column('domain').where(sql.ref('status'), '=', 'verified').execute();
  // An active domain is its tenant's issuer: the Caddy ask endpoint looks it up by name.
  await db.schema.createIndex('tenants_issuer_domain').unique().on('tenants').column('issuer_domain').where(sql.ref('issuer_domain'), 'is not', null).execute();
  // The host lookup (every node loads the claimed names at start and after each change).
  await db.schema.createIndex('tenant_domains_domain').on('tenant_domains').column('domain').execute();
}
