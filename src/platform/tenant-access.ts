import type { Platform } from './platform.ts';
import type { TenantDb } from '../db/tenant-database.ts';
import { openTenantDatabase } from '../db/tenant-database.ts';
import type { ConnectionBudget } from '../db/connection-budget.ts';
import { tenantNotFound } from '../errors.ts';
import { parseTenantId } from './tenant-id.ts';
import { findTenant, type TenantRow } from './tenants.repository.ts';
import { assertTenantMay } from './tenant-lifecycle.ts';
import { tenantRoleCredentials, withRoleCredentials } from './tenant-credentials.ts';
import { tenantScope, type TenantScope } from './tenant-scope.ts';
import { tenantIssuer } from './issuer.ts';

const warnedAdminFallback = new WeakMap<Platform, Set<string>>();

/**
 * How a tenant's data is reached for serving and tenant-level commands: its own login role, on
 * the cluster's serving URL (its pooler when it has one). A tenant from before tenant roles has
 * none until `tansu migrate` gives it one; it keeps working meanwhile on the admin role, which
 * is logged once per tenant and process so the operator sees what is still to migrate.
 */
export async function tenantServingUrl(platform: Platform, tenant: TenantRow): Promise<string> {
  const clusterUrl = await platform.clusters.urlOf(tenant.cluster);
  const credentials = tenantRoleCredentials(platform.secrets, tenant);
  if (credentials) return withRoleCredentials(clusterUrl, credentials);
  let warned = warnedAdminFallback.get(platform);
  if (!warned) warnedAdminFallback.set(platform, (warned = new Set()));
  if (!warned.has(tenant.id)) {
    warned.add(tenant.id);
    platform.log.warn({ tenant: tenant.id }, 'tenant has no database role yet; serving it with the admin role until `tansu migrate` creates one');
  }
  return clusterUrl;
}

/** A pool on the tenant's database as the tenant's own role (see tenantServingUrl). */
export async function openTenantPool(platform: Platform, tenant: TenantRow, max: number, applicationName: string, budget?: ConnectionBudget): Promise<TenantDb> {
  return openTenantDatabase(await tenantServingUrl(platform, tenant), tenant.database_name, max, applicationName, budget);
}

/**
 * Runs `work` with a scope on a short-lived one-connection pool to a tenant's database, as the
 * tenant's role: how the CLI and the schedule reach one tenant.
 */
export async function withTenantScope<T>(platform: Platform, rawId: string, work: (scope: TenantScope) => Promise<T>): Promise<T> {
  const id = parseTenantId(rawId);
  const tenant = await findTenant(platform.db, id);
  if (!tenant) throw tenantNotFound(id);
  assertTenantMay(tenant, 'command');
  const db = await openTenantPool(platform, tenant, 1, 'tansu-admin');
  try {
    return await work(tenantScope(platform, id, db, tenantIssuer(platform, tenant)));
  } finally {
    await db.destroy();
  }
}
