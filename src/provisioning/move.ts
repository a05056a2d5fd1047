import type { Platform } from '../platform/platform.ts';
import { AppError, isAppError, tenantNotFound } from '../errors.ts';
import { parseTenantId } from '../tenancy/tenant-id.ts';
import { findTenant, recordPlatformEvent, setTenantStatus, type TenantRow } from '../platform/tenants.repository.ts';
import { databaseExists, dropDatabase, setDatabaseReadOnly, terminateConnections, withMaintenanceSession } from '../db/postgres.ts';
import { publishTenantChange } from '../platform/notifications.ts';
import { findPgTool, serverMajorVersion } from './pg-tools.ts';
import { restoreIntoScratchDatabase, swapIntoPlace } from './database-copy.ts';
import type { Progress } from './backup.ts';

export interface MoveOptions {
  to: string;
  progress?: Progress;
  /** Test seam: runs after the copy is in place on the target, before the registry switches. */
  beforeSwitch?: () => Promise<void> | void;
}

export interface MovedTenant {
  tenant: TenantRow;
  from: string;
  to: string;
  /** How long requests got 503 (status `maintenance`), in milliseconds. */
  unavailableMs: number;
  /** False when the source database could not be dropped (the tenant serves from the target regardless). */
  sourceDropped: boolean;
}

/**
 * DESIGN §1: dump → restore on the target (piped, no file in between) → switch the registry → notify nodes → drop the source.
 * During the copy the tenant answers 503 + Retry-After and its source database only accepts
 * read-only sessions, so nothing written can be lost; any failure before the switch removes the
 * copy and the tenant keeps serving from its source.
 */
export async function moveTenant(platform: Platform, rawId: string, options: MoveOptions): Promise<MovedTenant> {
  const id = parseTenantId(rawId);
  const progress = options.progress ?? (() => {});
  const tenant = await findTenant(platform.db, id);
  if (!tenant) throw tenantNotFound(id);
  if (tenant.status !== 'active' && tenant.status !== 'suspended') {
    throw new AppError('tenant_busy', `tenant "${id}" is ${tenant.status}; only active or suspended tenants can be moved`, 409);
  }
  if (tenant.cluster === options.to) throw new AppError('same_cluster', `tenant "${id}" already lives on cluster "${options.to}"`, 400);
  const database = tenant.database_name;
  const sourceUrl = await platform.clusters.adminUrlOf(tenant.cluster);
  const targetUrl = await platform.clusters.adminUrlOf(options.to);

  // Everything that can be checked without downtime is checked first.
  await withMaintenanceSession(sourceUrl, async (client) => findPgTool('pg_dump', await serverMajorVersion(client), platform.config.pgBinDir));
  await withMaintenanceSession(targetUrl, async (client) => {
    await findPgTool('pg_restore', await serverMajorVersion(client), platform.config.pgBinDir);
    if (await databaseExists(client, database)) {
      throw new AppError('move_target_occupied', `cluster "${options.to}" already has a database named ${database}`, 409);
    }
  });

  const unavailableFrom = performance.now();
  if (!(await setTenantStatus(platform.db, id, 'maintenance', { from: [tenant.status] }))) {
    throw new AppError('tenant_busy', `tenant "${id}" changed state; try again`, 409);
  }
  let scratch: string | undefined;
  let copied = false;
  try {
    await publishTenantChange(platform.db, { tenant: id, kind: 'moved' });
    progress(`freezing ${database} on cluster ${tenant.cluster}`);
    await withMaintenanceSession(sourceUrl, async (client) => {
      await setDatabaseReadOnly(client, database, true);
      await terminateConnections(client, database);
    });
    progress(`copying to cluster ${options.to}`);
    const restored = await restoreIntoScratchDatabase(targetUrl, { clusterUrl: sourceUrl, database }, platform.config.pgBinDir);
    scratch = restored;
    await withMaintenanceSession(targetUrl, (client) => swapIntoPlace(client, restored, database));
    copied = true;
    await options.beforeSwitch?.();

    progress('switching the registry');
    const moved = await platform.db
      .updateTable('tenants')
      .set({ cluster: options.to, status: tenant.status, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'maintenance')
      .returningAll()
      .executeTakeFirst();
    if (!moved) throw new AppError('tenant_busy', `tenant "${id}" changed state during the move`, 409);
    const unavailableMs = Math.round(performance.now() - unavailableFrom);
    await publishTenantChange(platform.db, { tenant: id, kind: 'moved' });

    progress(`dropping ${database} on cluster ${tenant.cluster}`);
    const sourceDropped = await withMaintenanceSession(sourceUrl, (client) => dropDatabase(client, database)).then(
      () => true,
      (error: Error) => {
        platform.log.warn({ tenant: id, cluster: tenant.cluster, err: error.message }, 'moved, but the source database could not be dropped');
        return false;
      },
    );
    await recordPlatformEvent(platform.db, { actor: 'platform', action: 'tenant.moved', tenantId: id, details: { from: tenant.cluster, to: options.to, unavailableMs } });
    platform.log.info({ tenant: id, from: tenant.cluster, to: options.to, unavailableMs }, 'tenant moved');
    return { tenant: moved, from: tenant.cluster, to: options.to, unavailableMs, sourceDropped };
  } catch (error) {
    platform.log.error({ tenant: id, err: (error as Error).message }, 'move failed; the tenant stays on its source');
    const leftover = copied ? database : scratch;
    if (leftover) await withMaintenanceSession(targetUrl, (client) => dropDatabase(client, leftover)).catch(() => {});
    await withMaintenanceSession(sourceUrl, (client) => setDatabaseReadOnly(client, database, false)).catch(() => {});
    await setTenantStatus(platform.db, id, tenant.status, { from: ['maintenance'] });
    await publishTenantChange(platform.db, { tenant: id, kind: 'updated' });
    if (isAppError(error)) throw error;
    throw new AppError('move_failed', `moving tenant "${id}" failed: ${(error as Error).message}`, 500);
  }
}
