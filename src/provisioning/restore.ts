import type { Platform } from '../platform/platform.ts';
import { AppError, isAppError, tenantExists } from '../errors.ts';
import { parseTenantId, tenantDatabaseName, type TenantId } from '../tenancy/tenant-id.ts';
import {
  deleteTenantRow, findTenant, insertProvisioningTenant, recordPlatformEvent, setTenantStatus, type TenantRow,
} from '../platform/tenants.repository.ts';
import { dropDatabase, withMaintenanceSession } from '../db/postgres.ts';
import { openTenantDatabase } from '../db/tenant-database.ts';
import { migrateToLatest } from '../db/migrator.ts';
import { publishTenantChange } from '../platform/notifications.ts';
import { resealSigningKeys } from '../modules/keys/signing-keys.ts';
import { verifyBackupFile } from './backup-file.ts';
import { restoreIntoScratchDatabase, swapIntoPlace, undoSwap } from './database-copy.ts';
import type { Progress } from './backup.ts';

export interface RestoreOptions {
  from: string;
  /** The tenant the caller expects inside the backup; refused when the file holds another one. */
  tenant?: string;
  /** Restore under another tenant id (a copy); default: the id in the backup. */
  as?: string;
  /** Replace an existing tenant of that id. */
  force?: boolean;
  /** Cluster for a tenant that does not exist yet; default: the least loaded one. */
  cluster?: string;
  progress?: Progress;
}

export interface RestoredTenant {
  tenant: TenantRow;
  /** True when an existing tenant's database was replaced. */
  replaced: boolean;
  signingKeys: number;
}

/**
 * Restores a backup file into a scratch database, brings it to the current schema, re-seals its
 * keys for the target id, and only then swaps it in. A corrupt file is refused before anything is
 * touched; any later failure drops the scratch database and leaves an existing tenant as it was.
 */
export async function restoreTenant(platform: Platform, options: RestoreOptions): Promise<RestoredTenant> {
  const progress = options.progress ?? (() => {});
  progress(`verifying ${options.from}`);
  const { header, archive } = await verifyBackupFile(options.from);
  const sourceId = parseTenantId(header.tenant.id);
  if (options.tenant !== undefined && parseTenantId(options.tenant) !== sourceId) {
    throw new AppError('backup_tenant_mismatch', `${options.from} holds tenant "${sourceId}", not "${options.tenant}" (use --as to restore it under another id)`, 400);
  }
  const id = parseTenantId(options.as ?? sourceId);
  const databaseName = tenantDatabaseName(id);

  const existing = await findTenant(platform.db, id);
  if (existing && !options.force) {
    throw new AppError('tenant_exists', `tenant "${id}" already exists; add --force to replace it with the backup`, 409);
  }
  if (existing && !['active', 'suspended', 'failed'].includes(existing.status)) {
    throw new AppError('tenant_busy', `tenant "${id}" is ${existing.status}; try again when that finishes`, 409);
  }
  const cluster = existing?.cluster ?? options.cluster ?? (await platform.clusters.leastLoaded());
  const clusterUrl = await platform.clusters.adminUrlOf(cluster);
  if (!existing) {
    const claimed = await insertProvisioningTenant(platform.db, { id, displayName: header.tenant.displayName, cluster, databaseName });
    if (!claimed) throw tenantExists(id);
    // Not left in `provisioning`: a long restore must not look like a dead creation to take over.
    await setTenantStatus(platform.db, id, 'maintenance', { from: ['provisioning'] });
  }

  let scratch: string | undefined;
  try {
    progress(`restoring the archive on cluster ${cluster}`);
    scratch = await restoreIntoScratchDatabase(clusterUrl, { file: options.from, ...archive }, platform.config.pgBinDir);
    progress('migrating and re-sealing signing keys');
    const signingKeys = await prepareRestoredDatabase(platform, clusterUrl, scratch, sourceId, id);

    progress('swapping the restored database in');
    if (existing) {
      if (!(await setTenantStatus(platform.db, id, 'maintenance', { from: [existing.status] }))) {
        throw new AppError('tenant_busy', `tenant "${id}" changed state during the restore`, 409);
      }
      await publishTenantChange(platform.db, { tenant: id, kind: 'updated' });
    }
    const restoredScratch = scratch;
    const aside = await withMaintenanceSession(clusterUrl, (client) => swapIntoPlace(client, restoredScratch, databaseName));
    scratch = undefined;
    let tenant: TenantRow;
    try {
      tenant = await platform.db
        .updateTable('tenants')
        .set({
          status: header.tenant.status === 'suspended' ? 'suspended' : 'active',
          display_name: header.tenant.displayName,
          database_name: databaseName,
          failure_reason: null,
          updated_at: new Date(),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (error) {
      await withMaintenanceSession(clusterUrl, (client) => undoSwap(client, { scratch: restoredScratch, target: databaseName, aside }));
      scratch = restoredScratch;
      throw error;
    }
    await publishTenantChange(platform.db, { tenant: id, kind: 'updated' });
    if (aside) {
      await withMaintenanceSession(clusterUrl, (client) => dropDatabase(client, aside)).catch((error: Error) =>
        platform.log.warn({ tenant: id, database: aside, err: error.message }, 'could not drop the replaced database; drop it by hand'),
      );
    }
    await recordPlatformEvent(platform.db, {
      actor: 'platform',
      action: 'tenant.restored',
      tenantId: id,
      details: { from: sourceId, backupCreatedAt: header.createdAt, replaced: Boolean(existing) },
    });
    platform.log.info({ tenant: id, from: sourceId, cluster, replaced: Boolean(existing) }, 'tenant restored');
    return { tenant, replaced: Boolean(existing), signingKeys };
  } catch (error) {
    const leftover = scratch;
    if (leftover) await withMaintenanceSession(clusterUrl, (client) => dropDatabase(client, leftover)).catch(() => {});
    if (existing) {
      await setTenantStatus(platform.db, id, existing.status, { from: ['maintenance'], failureReason: existing.failure_reason });
      await publishTenantChange(platform.db, { tenant: id, kind: 'updated' });
    } else {
      await deleteTenantRow(platform.db, id);
    }
    if (isAppError(error)) throw error;
    throw new AppError('restore_failed', `restoring tenant "${id}" failed: ${(error as Error).message}`, 500);
  }
}

/** Schema to the latest tenant migration; keys opened (master key check) and re-sealed for `id`. */
async function prepareRestoredDatabase(platform: Platform, clusterUrl: string, scratch: string, sourceId: TenantId, id: TenantId): Promise<number> {
  const db = openTenantDatabase(clusterUrl, scratch, 1, 'tansu-restore');
  try {
    await migrateToLatest(db, 'tenant');
    try {
      return await resealSigningKeys(db, sourceId, id, platform.secrets);
    } catch (error) {
      if (isAppError(error) && error.code === 'secret_unreadable') {
        throw new AppError('backup_key_mismatch', "the backup's signing keys cannot be opened with this platform's master key (TANSU_MASTER_KEY)", 400);
      }
      throw error;
    }
  } finally {
    await db.destroy();
  }
}
