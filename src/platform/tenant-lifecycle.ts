import type { TenantStatus } from '../db/schema.ts';
import { AppError, isAppError, tenantNotFound } from '../errors.ts';

export type { TenantStatus };

/**
 * The tenant lifecycle (docs/architecture.md#tenant-lifecycle): each status and the statuses it
 * may change to. A change is made only by `transitionTenant` (tenants.repository.ts), one
 * conditional UPDATE whose `status IN (...)` comes from this table, so of two operators racing
 * from the same status only the first whose change still applies wins; the other gets
 * `tenantBusy`. A new row starts `provisioning`; a row leaves the registry only from `deleting`
 * (or, when a restore of a new id is undone, from where that restore left it).
 */
export const TENANT_TRANSITIONS = {
  // Created: active; its creation failed: failed; a restore of a new id copies: maintenance.
  // A creation retried over one that died (no change for 120 s) stays provisioning, but only
  // through claimUnfinishedTenant, which checks the age: a live creation is never taken over.
  provisioning: ['active', 'failed', 'maintenance'],
  // Suspend and resume (a no-op on a tenant already so), a move or restore, deletion.
  active: ['active', 'suspended', 'maintenance', 'deleting'],
  suspended: ['active', 'suspended', 'maintenance', 'deleting'],
  // A move or restore ends, or is undone, with the status the tenant had before (a restore gives
  // the status in the backup, a recovery gives active); a new id whose copy could not be dropped: failed.
  maintenance: ['active', 'suspended', 'failed'],
  // A deletion that died is run again.
  deleting: ['deleting'],
  // Created again, restored over (restore --force), or deleted.
  failed: ['provisioning', 'maintenance', 'deleting'],
} as const satisfies Record<TenantStatus, readonly TenantStatus[]>;

/** In the order `tansu tenant list --status` and the admin API name them. */
export const TENANT_STATUSES = Object.keys(TENANT_TRANSITIONS) as readonly TenantStatus[];

export function canTransition(from: TenantStatus, to: TenantStatus): boolean {
  return (TENANT_TRANSITIONS[from] as readonly TenantStatus[]).includes(to);
}

/** The statuses a tenant may change to `to` from. */
export function sourcesOf(to: TenantStatus): TenantStatus[] {
  return TENANT_STATUSES.filter((from) => canTransition(from, to));
}

/**
 * What each operation needs the tenant to be. `serve`: answers requests (a suspended tenant gets
 * 403, one in maintenance 503: assertTenantServes). `command`: tenant-level commands on its
 * database (users, clients, keys, the key-rotation sweep). `migrate`: `tansu migrate` reaches it.
 * `pool`: a pooler knows its database and role (a provisioning one too, so its pool exists by
 * the time it goes live). `restore`: a restore --force may replace it. `create`: creating it
 * again takes the row over. The others start the transition of the same name.
 */
const STATUSES_FOR = {
  serve: ['active'],
  command: ['active', 'suspended'],
  migrate: ['active', 'suspended'],
  pool: ['provisioning', 'active', 'suspended', 'maintenance'],
  backup: ['active', 'suspended'],
  move: ['active', 'suspended'],
  restore: ['active', 'suspended', 'failed'],
  recover: ['maintenance'],
  suspend: ['active', 'suspended'],
  resume: ['active', 'suspended'],
  delete: ['active', 'suspended', 'failed', 'deleting'],
  create: ['failed'],
} as const satisfies Record<string, readonly TenantStatus[]>;

export type TenantOperation = keyof typeof STATUSES_FOR;

export function statusesFor(operation: TenantOperation): readonly TenantStatus[] {
  return STATUSES_FOR[operation];
}

export function tenantMay(status: TenantStatus, operation: TenantOperation): boolean {
  return statusesFor(operation).includes(status);
}

/** Throws tenantBusy unless the tenant's status allows `operation`. */
export function assertTenantMay(tenant: { id: string; status: TenantStatus }, operation: TenantOperation): void {
  if (!tenantMay(tenant.status, operation)) throw tenantBusy(tenant.id, tenant.status);
}

/** The statuses that last only as long as an operation runs: waiting helps. */
const PASSING: readonly TenantStatus[] = ['provisioning', 'maintenance', 'deleting'];

/** 409 for an operation the tenant's status does not allow, or a transition another operator won. */
export function tenantBusy(id: string, status: TenantStatus): AppError {
  const hint = PASSING.includes(status)
    ? 'try again when that finishes'
    : status === 'failed'
      ? 'create or restore it again, or delete it'
      : 'its state changed; try again';
  return new AppError('tenant_busy', `tenant "${id}" is ${status}; ${hint}`, 409);
}

/**
 * For `.catch` on the transition of an undo step: one that another operator won (a recovery put
 * the tenant back meanwhile) or whose tenant is gone has nothing left to do; other errors stand.
 */
export function ignoreLostTransition(error: unknown): void {
  if (!(isAppError(error) && (error.code === 'tenant_busy' || error.code === 'tenant_not_found'))) throw error;
}

export const tenantSuspended = (id: string) => new AppError('tenant_suspended', `tenant "${id}" is suspended`, 403);
/** While a move or restore swaps the tenant's database; the error handler sends Retry-After. */
export const tenantInMaintenance = (id: string) =>
  new AppError('tenant_unavailable', `tenant "${id}" is being moved or restored; retry shortly`, 503, { retryAfterSeconds: 2 });

/**
 * Refuses a request to a tenant that does not serve. One that is not there yet or any more
 * (provisioning, failed, deleting, no row) is answered as unknown, so a request cannot tell a
 * half-created tenant from a missing one.
 */
export function assertTenantServes<T extends { status: TenantStatus }>(id: string, tenant: T | undefined): asserts tenant is T {
  if (tenant && tenantMay(tenant.status, 'serve')) return;
  if (tenant?.status === 'suspended') throw tenantSuspended(id);
  if (tenant?.status === 'maintenance') throw tenantInMaintenance(id);
  throw tenantNotFound(id);
}
