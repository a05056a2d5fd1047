import type { Platform } from '../platform/platform.ts';
import { AppError, tenantNotFound } from '../errors.ts';
import { parseTenantId } from '../platform/tenant-id.ts';
import { findTenant, recordPlatformEvent, transitionTenant, type TenantRow } from '../platform/tenants.repository.ts';
import { statusesFor, tenantMay } from '../platform/tenant-lifecycle.ts';
import { databaseExists, setConnectionsAllowed, setDatabaseReadOnly, withMaintenanceSession } from '../db/postgres.ts';
import { publishTenantChange } from '../platform/notifications.ts';
import { listCopyLeftovers } from './database-copy.ts';

export interface RecoveredTenant {
  tenant: TenantRow;
  /** Leftover scratch or set-aside databases on the tenant's cluster, for the operator to inspect or drop. */
  leftovers: string[];
}

/**
 * A move or restore whose process died leaves the tenant in `maintenance` (503) and perhaps its
 * database read-only. The registry still names the database that serves: make it writable and
 * accepting sessions again, and put the tenant back to `active`.
 */
export async function recoverTenant(platform: Platform, rawId: string): Promise<RecoveredTenant> {
  const id = parseTenantId(rawId);
  const tenant = await findTenant(platform.db, id);
  if (!tenant) throw tenantNotFound(id);
  if (!tenantMay(tenant.status, 'recover')) {
    throw new AppError('tenant_not_in_maintenance', `tenant "${id}" is ${tenant.status}; only an interrupted move or restore needs recovering`, 409);
  }
  const clusterUrl = await platform.clusters.adminUrlOf(tenant.cluster);
  const leftovers = await withMaintenanceSession(clusterUrl, async (client) => {
    const leftovers = await listCopyLeftovers(client);
    if (!(await databaseExists(client, tenant.database_name))) {
      throw new AppError(
        'tenant_database_missing',
        `database ${tenant.database_name} is missing on cluster ${tenant.cluster}; a restore stopped mid-swap: rename the matching one of ${leftovers.join(', ') || '(none found)'} to ${tenant.database_name}, then recover again`,
        409,
      );
    }
    await setConnectionsAllowed(client, tenant.database_name, true);
    await setDatabaseReadOnly(client, tenant.database_name, false);
    return leftovers;
  });
  const recovered = await transitionTenant(platform.db, id, 'active', { from: statusesFor('recover') });
  await publishTenantChange(platform.db, { tenant: id, kind: 'updated' });
  await recordPlatformEvent(platform.db, { actor: 'platform', action: 'tenant.recovered', tenantId: id, details: { leftovers } });
  return { tenant: recovered, leftovers };
}
