import { sql, type Kysely, type Selectable } from 'kysely';
import type { PlatformDatabase, TenantStatus } from '../db/schema.ts';
import { tenantNotFound } from '../errors.ts';
import { canTransition, sourcesOf, statusesFor, tenantBusy } from './tenant-lifecycle.ts';

export type TenantRow = Selectable<PlatformDatabase['tenants']>;
type Db = Kysely<PlatformDatabase>;

export function findTenant(db: Db, id: string): Promise<TenantRow | undefined> {
  return db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Tenants by id; with `after` and `limit`, one page of them (keyset: ids after that one). */
export function listTenants(
  db: Db,
  filter: { statuses?: readonly TenantStatus[]; cluster?: string; after?: string; limit?: number } = {},
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
 * `staleAfterSeconds`). Conditional, so of two concurrent retries exactly one wins. The one way
 * to `provisioning` from `provisioning` (tenant-lifecycle.ts): only a creation that stopped.
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
        eb('status', 'in', statusesFor('create')),
        eb.and([eb('status', '=', 'provisioning'), eb('updated_at', '<', sql<Date>`now() - make_interval(secs => ${staleAfterSeconds})`)]),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
}

export interface TenantTransition {
  /**
   * The statuses this operation starts from; by default every one the lifecycle lets change to
   * `to`. Narrower for an operation that starts only from some, e.g. the one it read first.
   */
  from?: readonly TenantStatus[];
  /** Stored with the new status; cleared when not given. */
  failureReason?: string | null;
  /** Changed in the same UPDATE: a move's target cluster, a restore's database and name. */
  cluster?: string;
  databaseName?: string;
  displayName?: string;
}

/**
 * Changes a tenant's status along the lifecycle (tenant-lifecycle.ts) in one conditional UPDATE
 * (`WHERE id = $1 AND status IN (<from>)`): of two operators racing from the same status, the
 * second re-checks the row the first committed, so both win only when the second's change
 * still applies after the first. The loser gets tenant_busy naming the status it found, or
 * tenant_not_found when the row is gone.
 */
export async function transitionTenant(db: Db, id: string, to: TenantStatus, transition: TenantTransition = {}): Promise<TenantRow> {
  const from = transition.from ?? sourcesOf(to);
  const stray = from.find((status) => !canTransition(status, to));
  if (stray !== undefined) throw new Error(`the tenant lifecycle has no transition from ${stray} to ${to}`);
  const row = await db
    .updateTable('tenants')
    .set({
      status: to,
      failure_reason: transition.failureReason ?? null,
      updated_at: sql<Date>`now()`,
      ...(transition.cluster !== undefined && { cluster: transition.cluster }),
      ...(transition.databaseName !== undefined && { database_name: transition.databaseName }),
      ...(transition.displayName !== undefined && { display_name: transition.displayName }),
    })
    .where('id', '=', id)
    .where('status', 'in', from)
    .returningAll()
    .executeTakeFirst();
  if (row) return row;
  const current = await findTenant(db, id);
  if (!current) throw tenantNotFound(id);
  throw tenantBusy(id, current.status);
}

/**
 * Sets a status with no lifecycle check: for tests that put a tenant where a crash or another
 * node would leave it. Services change statuses only through transitionTenant.
 */
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

export async function recordPlatformEvent(
  db: Db,
  event: { actor: string; action: string; tenantId?: string; details?: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('platform_audit_events')
    .values({ actor: event.actor, action: event.action, tenant_id: event.tenantId ?? null, details: JSON.stringify(event.details ?? {}) })
    .execute();
}
