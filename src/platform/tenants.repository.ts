import { sql, type Kysely, type Selectable } from 'kysely';
import type { PlatformDatabase, TenantStatus } from '../db/schema.ts';

export type TenantRow = Selectable<PlatformDatabase['tenants']>;
type Db = Kysely<PlatformDatabase>;

export function findTenant(db: Db, id: string): Promise<TenantRow | undefined> {
  return db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Tenants by id; with `after` and `limit`, one page of them (keyset: ids after that one). */
export function listTenants(
  db: Db,
  filter: { statuses?: TenantStatus[]; cluster?: string; after?: string; limit?: number } = {},
): Promise<TenantRow[]> {
  let query = db.selectFrom('tenants').selectAll().orderBy('id');
  if (filter.statuses) query = query.where('status', 'in', filter.statuses);
  if (filter.cluster) query = query.where('cluster', '=', filter.cluster);
  if (filter.after !== undefined) query = query.where('id', '>', filter.after);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return query.execute();
}

/** Inserts a `provisioning` row; undefined when the id is already taken. */
export async function insertProvisioningTenant(
  db: Db,
  tenant: { id: string; displayName: string; cluster: string; databaseName: string },
): Promise<TenantRow | undefined> {
  return db
    .insertInto('tenants')
    .values({
      id: tenant.id,
      display_name: tenant.displayName,
      status: 'provisioning',
      cluster: tenant.cluster,
      database_name: tenant.databaseName,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll()
    .executeTakeFirst();
}

/**
 * Takes over a tenant whose earlier creation failed, or died mid-way (still `provisioning` after
 * `staleAfterSeconds`). Conditional, so of two concurrent retries exactly one wins.
 */
export async function claimUnfinishedTenant(
  db: Db,
  tenant: { id: string; displayName: string; cluster: string },
  staleAfterSeconds: number,
): Promise<TenantRow | undefined> {
  return db
    .updateTable('tenants')
    .set({ status: 'provisioning', display_name: tenant.displayName, cluster: tenant.cluster, failure_reason: null, updated_at: sql<Date>`now()` })
    .where('id', '=', tenant.id)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'failed'),
        eb.and([eb('status', '=', 'provisioning'), eb('updated_at', '<', sql<Date>`now() - make_interval(secs => ${staleAfterSeconds})`)]),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
}

export async function setTenantStatus(
  db: Db,
  id: string,
  status: TenantStatus,
  options: { from?: TenantStatus[]; failureReason?: string | null } = {},
): Promise<TenantRow | undefined> {
  let query = db
    .updateTable('tenants')
    .set({ status, failure_reason: options.failureReason ?? null, updated_at: sql<Date>`now()` })
    .where('id', '=', id);
  if (options.from) query = query.where('status', 'in', options.from);
  return query.returningAll().executeTakeFirst();
}

/**
 * Stores the tenant role's sealed password unless one is stored already (a concurrent run won);
 * returns the one the registry now holds.
 */
export async function storeTenantRolePassword(db: Db, id: string, sealed: string): Promise<string | null> {
  const row = await db
    .updateTable('tenants')
    .set({ role_password_encrypted: sql<string>`COALESCE(role_password_encrypted, ${sealed})` })
    .where('id', '=', id)
    .returning('role_password_encrypted')
    .executeTakeFirst();
  return row?.role_password_encrypted ?? null;
}

export async function deleteTenantRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('tenants').where('id', '=', id).execute();
}

export async function countTenantsByCluster(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('clusters')
    .leftJoin('tenants', 'tenants.cluster', 'clusters.name')
    .select(['clusters.name', (eb) => eb.fn.count<string>('tenants.id').as('tenants')])
    .groupBy('clusters.name')
    .execute();
  return new Map(rows.map((r) => [r.name, Number(r.tenants)]));
}

export async function recordPlatformEvent(
  db: Db,
  event: { actor: string; action: string; tenantId?: string; details?: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('platform_audit_events')
    .values({ actor: event.actor, action: event.action, tenant_id: event.tenantId ?? null, details: JSON.stringify(event.details ?? {}) })
    .execute();
}
