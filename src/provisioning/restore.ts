import type { Platform } from '../platform/platform.ts';
import { AppError, isAppError, tenantExists } from '../errors.ts';
import { parseNewTenantId, parseTenantId, tenantDatabaseName, type TenantId } from '../platform/tenant-id.ts';
import {
  deleteTenantRow, findTenant, insertProvisioningTenant, recordPlatformEvent, transitionTenant, type TenantRow,
} from '../platform/tenants.repository.ts';
import { assertTenantMay, ignoreLostTransition, tenantMay } from '../platform/tenant-lifecycle.ts';
import { dropDatabase, withMaintenanceSession } from '../db/postgres.ts';
import { openTenantDatabase, type TenantDb } from '../db/tenant-database.ts';
import { migrateToLatest } from '../db/migrator.ts';
import { publishTenantChange } from '../platform/notifications.ts';
import { checkSigningKeysOpen, replaceSigningKeys } from '../modules/keys/signing-keys.ts';
import { resealConnectionSecrets } from '../modules/connections/connection-copy.ts';
import { recordAuditEvent } from '../modules/audit/audit.repository.ts';
import { backupSealKey } from '../crypto/backup-seal.ts';
import { openSealedBackup, type BackupHeader } from './backup-file.ts';
import { deleteInheritedActivity } from './tenant-copy.repository.ts';
import { restoreIntoScratchDatabase, swapIntoPlace, undoSwap } from './database-copy.ts';
import type { Progress } from './backup.ts';
import { stepsAfterCommit } from './after-commit.ts';
import { dropTenantRole, grantTenantRole } from './tenant-role.ts';

export interface RestoreOptions {
  from: string;
  /** The tenant the caller expects inside the backup; refused when the file holds another one. */
  tenant?: string;
  /**
   * Restore under another tenant id: an independent copy with the original's users, clients, APIs
   * and settings, but fresh signing keys and none of its sessions, tokens, invitations or login
   * activity. Default: the id in the backup.
   */
  as?: string;
  /** Replace an existing tenant of that id. */
  force?: boolean;
  /** Cluster for a tenant that does not exist yet; default: the least loaded one. */
  cluster?: string;
  progress?: Progress;
  /** Test seam: runs before each step once the restored database has been swapped in; a throw stands for that step failing. */
  afterSwap?: (step: AfterSwapStep) => Promise<void> | void;
}

type AfterSwapStep = 'register' | 'notify' | 'drop-replaced' | 'record';

export interface RestoredTenant {
  tenant: TenantRow;
  /** True when an existing tenant's database was replaced. */
  replaced: boolean;
  signingKeys: number;
}

/**
 * Checks the backup's seal before anything reads its archive, restores it into a scratch
 * database, brings it to the current schema, checks its keys open (or, for a copy under another
 * id, makes it independent of the original), and only then swaps it in and registers it. Until
 * the registry takes the restored database any failure undoes everything: a new tenant leaves
 * neither row nor database, an existing one keeps its own. Once registered the restore stands; a
 * step after it that fails is logged, never undone.
 */
export async function restoreTenant(platform: Platform, options: RestoreOptions): Promise<RestoredTenant> {
  const progress = options.progress ?? (() => {});
  progress(`verifying ${options.from}`);
  const backup = await openSealedBackup(options.from, backupSealKey(platform.config));
  try {
    return await restoreVerifiedBackup(platform, options, backup.header, backup.archivePath);
  } finally {
    await backup.dispose();
  }
}

async function restoreVerifiedBackup(platform: Platform, options: RestoreOptions, header: BackupHeader, archivePath: string): Promise<RestoredTenant> {
  const progress = options.progress ?? (() => {});
  const sourceId = parseTenantId(header.tenant.id);
  if (options.tenant !== undefined && parseTenantId(options.tenant) !== sourceId) {
    throw new AppError('backup_tenant_mismatch', `${options.from} holds tenant "${sourceId}", not "${options.tenant}" (use --as to restore it under another id)`, 400);
  }
  // A copy under another id is a new tenant, and so may not become the platform's admin tenant.
  const id = options.as === undefined || options.as === sourceId ? sourceId : parseNewTenantId(options.as);
  const databaseName = tenantDatabaseName(id);

  const existing = await findTenant(platform.db, id);
  if (existing && !options.force) {
    throw new AppError('tenant_exists', `tenant "${id}" already exists; add --force to replace it with the backup`, 409);
  }
  if (existing) assertTenantMay(existing, 'restore');
  const cluster = existing?.cluster ?? options.cluster ?? (await platform.clusters.leastLoaded());
  const clusterUrl = await platform.clusters.adminUrlOf(cluster);
  if (!existing) {
    const claimed = await insertProvisioningTenant(platform.db, { id, displayName: header.tenant.displayName, cluster, databaseName });
    if (!claimed) throw tenantExists(id);
  }

  const target: RestoreTarget = { id, clusterUrl, databaseName, existing };
  let tenant: TenantRow;
  let signingKeys: number;
  try {
    if (!existing) {
      // Not left in `provisioning`: a long restore must not look like a dead creation to take over.
      await transitionTenant(platform.db, id, 'maintenance', { from: ['provisioning'] });
    }
    // An existing tenant from before tenant roles gets its role first: an undone restore leaves it served as that role.
    if (existing && tenantMay(existing.status, 'command')) await grantTenantRole(platform, { id, clusterUrl, database: databaseName });
    progress(`restoring the archive on cluster ${cluster}`);
    target.scratch = await restoreIntoScratchDatabase(clusterUrl, { file: archivePath }, platform.config.pgBinDir);
    progress(sourceId === id ? 'migrating and opening signing keys' : 'migrating, replacing signing keys, dropping sessions and tokens');
    signingKeys = await prepareRestoredDatabase(platform, clusterUrl, target.scratch, sourceId, id);
    // Restored as admin without owners or grants: the target tenant's role gets its database.
    await grantTenantRole(platform, { id, clusterUrl, database: target.scratch });

    progress('swapping the restored database in');
    if (existing) {
      // From the status read at the start only: a move, delete or suspend that came first wins.
      await transitionTenant(platform.db, id, 'maintenance', { from: [existing.status] });
      await publishTenantChange(platform.db, { tenant: id, kind: 'updated' });
    }
    const scratch = target.scratch;
    target.aside = await withMaintenanceSession(clusterUrl, (client) => swapIntoPlace(client, scratch, databaseName));
    target.swapped = true;
    await options.afterSwap?.('register');
    tenant = await registerRestoredDatabase(platform, target, header.tenant);
  } catch (error) {
    platform.log.error({ tenant: id, err: (error as Error).message }, 'restore failed');
    await undoRestore(platform, target);
    if (isAppError(error)) throw error;
    throw new AppError('restore_failed', `restoring tenant "${id}" failed: ${(error as Error).message}`, 500);
  }

  const afterSwap = stepsAfterCommit<AfterSwapStep>(platform.log, id, 'restored, but a step after registering it failed', options.afterSwap);
  await afterSwap('notify', () => publishTenantChange(platform.db, { tenant: id, kind: 'updated' }));
  const { aside } = target;
  if (aside) {
    await afterSwap('drop-replaced', () => withMaintenanceSession(clusterUrl, (client) => dropDatabase(client, aside)), {
      leftover: `${aside} on cluster ${cluster}: the replaced database, drop it by hand`,
    });
  }
  await afterSwap('record', () =>
    recordPlatformEvent(platform.db, {
      actor: 'platform',
      action: 'tenant.restored',
      tenantId: id,
      details: { from: sourceId, backupCreatedAt: header.createdAt, replaced: Boolean(existing) },
    }),
  );
  platform.log.info({ tenant: id, from: sourceId, cluster, replaced: Boolean(existing) }, 'tenant restored');
  return { tenant, replaced: Boolean(existing), signingKeys };
}

interface RestoreTarget {
  id: TenantId;
  clusterUrl: string;
  databaseName: string;
  existing: TenantRow | undefined;
  /** The scratch database the archive was restored into (renamed to `databaseName` by the swap). */
  scratch?: string;
  /** The existing database, renamed aside by the swap. */
  aside?: string;
  swapped?: boolean;
}

/** The point of no return: the registry takes the restored database and the tenant serves again, with the status it was backed up in. */
function registerRestoredDatabase(platform: Platform, target: RestoreTarget, backedUp: { status: string; displayName: string }): Promise<TenantRow> {
  return transitionTenant(platform.db, target.id, backedUp.status === 'suspended' ? 'suspended' : 'active', {
    from: ['maintenance'],
    displayName: backedUp.displayName,
    databaseName: target.databaseName,
  });
}

/**
 * Before registration only: puts back what the restore changed. A new tenant ends with neither
 * row nor database (its row is kept, `failed`, naming a database that could not be dropped); an
 * existing tenant gets its own database and status back.
 */
async function undoRestore(platform: Platform, target: RestoreTarget): Promise<void> {
  const { id, clusterUrl, databaseName, existing, scratch, aside } = target;
  if (target.swapped) {
    // A registration whose reply was lost may have committed: the registry decides. If it
    // cannot be read this throws and nothing is undone (`tansu tenant recover` takes over).
    const row = await findTenant(platform.db, id);
    if (row && row.status !== 'maintenance') {
      platform.log.error({ tenant: id, status: row.status }, 'the registry already serves the restored database; it is kept');
      return;
    }
  }
  let swappedBack = !target.swapped;
  let leftover: string | undefined;
  if (scratch) {
    try {
      await withMaintenanceSession(clusterUrl, async (client) => {
        if (target.swapped) await undoSwap(client, { scratch, target: databaseName, aside });
        swappedBack = true;
        await dropDatabase(client, scratch);
      });
    } catch (error) {
      leftover = swappedBack ? scratch : databaseName;
      platform.log.error({ tenant: id, leftover, setAside: swappedBack ? undefined : aside, err: (error as Error).message }, 'could not remove the restored database');
    }
  }
  if (existing) {
    // Its own database is still set aside: left in maintenance, where `tansu tenant recover` says how to put it back.
    if (!swappedBack) return;
    await transitionTenant(platform.db, id, existing.status, { from: ['maintenance'], failureReason: existing.failure_reason }).catch(ignoreLostTransition);
    await publishTenantChange(platform.db, { tenant: id, kind: 'updated' });
  } else if (leftover) {
    await transitionTenant(platform.db, id, 'failed', { failureReason: `restore failed, and database ${leftover} could not be dropped` }).catch(ignoreLostTransition);
  } else {
    await deleteTenantRow(platform.db, id);
    await dropTenantRole(clusterUrl, id).catch(() => {});
  }
}

/**
 * Schema to the latest tenant migration, then the keys: a restore in place opens every key (the
 * master key check); a copy under another id gets fresh keys and loses what ties it to the original.
 * Returns how many signing keys the restored tenant has.
 */
async function prepareRestoredDatabase(platform: Platform, clusterUrl: string, scratch: string, sourceId: TenantId, id: TenantId): Promise<number> {
  const db = openTenantDatabase(clusterUrl, scratch, 1, 'tansu-restore');
  try {
    await migrateToLatest(db, 'tenant');
    if (sourceId !== id) return await makeIndependentCopy(platform, db, sourceId, id);
    try {
      return await checkSigningKeysOpen(db, id, platform.secrets);
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

/**
 * A copy shares the original's users and clients, so anything the original issued would work at
 * the copy too: its opaque tokens are rows in the copied database, and a resource server that
 * trusts one tenant's keys would trust the other's tokens. Fresh keys, and none of the original's
 * sessions, grants, tokens, invitations or login activity.
 */
async function makeIndependentCopy(platform: Platform, db: TenantDb, sourceId: TenantId, id: TenantId): Promise<number> {
  await deleteInheritedActivity(db);
  const signingKeys = await replaceSigningKeys(db, id, platform.secrets);
  await resealConnectionSecrets(db, platform.secrets, sourceId, id);
  await recordAuditEvent(db, {
    actor: 'platform',
    action: 'tenant.copied',
    target: id,
    details: { from: sourceId, signingKeysReplaced: true, removed: ['sessions', 'grants', 'tokens', 'invitations', 'login_activity'] },
  });
  return signingKeys;
}
