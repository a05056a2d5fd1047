import type { Platform } from './platform.ts';
import type { TenantDb } from '../db/tenant-database.ts';
import { openTenantDatabase } from '../db/tenant-database.ts';
import { AppError, tenantNotFound } from '../errors.ts';
import { parseTenantId } from '../tenancy/tenant-id.ts';
import { findTenant } from './tenants.repository.ts';

/** Runs `work` on a short-lived one-connection pool to a tenant's database. */
export async function withTenantDatabase<T>(platform: Platform, rawId: string, work: (db: TenantDb) => Promise<T>): Promise<T> {
  const id = parseTenantId(rawId);
  const tenant = await findTenant(platform.db, id);
  if (!tenant) throw tenantNotFound(id);
  if (tenant.status !== 'active' && tenant.status !== 'suspended') {
    throw new AppError('tenant_busy', `tenant "${id}" is ${tenant.status}`, 409);
  }
  const db = openTenantDatabase(await platform.clusters.urlOf(tenant.cluster), tenant.database_name, 1, 'tansu-admin');
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}
