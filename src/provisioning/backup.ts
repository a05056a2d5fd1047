import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Platform } from '../platform/platform.ts';
import { AppError, tenantNotFound } from '../errors.ts';
import { parseTenantId } from '../platform/tenant-id.ts';
import { findTenant, recordPlatformEvent, type TenantRow } from '../platform/tenants.repository.ts';
import { assertTenantMay, tenantBusy } from '../platform/tenant-lifecycle.ts';
import { backupSealKey } from '../crypto/backup-seal.ts';
import { writeBackupFile, type WrittenBackup } from './backup-file.ts';
import { dumpDatabase } from './database-copy.ts';

export type Progress = (step: string) => void;

export interface BackupOptions {
  /** Where to write; default `backups/<id>-<UTC timestamp>.tansu-backup` under the working directory. */
  out?: string;
  progress?: Progress;
}

export interface TenantBackup extends WrittenBackup {
  tenant: string;
}

/** One file holding the tenant's whole database (pg_dump custom format) and its registry entry, sealed under the master key. */
export async function backupTenant(platform: Platform, rawId: string, options: BackupOptions = {}): Promise<TenantBackup> {
  const id = parseTenantId(rawId);
  const progress = options.progress ?? (() => {});
  const tenant = await findTenant(platform.db, id);
  if (!tenant) throw tenantNotFound(id);
  assertTenantMay(tenant, 'backup');
  const out = path.resolve(options.out ?? path.join('backups', `${id}-${new Date().toISOString().replace(/[-:]|\.\d+/g, '')}.tansu-backup`));
  await fs.promises.mkdir(path.dirname(out), { recursive: true });
  if (fs.existsSync(out)) throw new AppError('backup_exists', `${out} already exists; choose another --out`, 409);

  const archive = `${out}.archive-${crypto.randomBytes(4).toString('hex')}`;
  try {
    progress(`dumping ${tenant.database_name}`);
    const clusterUrl = await platform.clusters.adminUrlOf(tenant.cluster);
    const { serverVersionNum } = await dumpDatabase(clusterUrl, tenant.database_name, archive, platform.config.pgBinDir).catch(async (error: unknown) => {
      throw (await changedMeanwhile(platform, tenant)) ?? error;
    });
    progress('writing the backup file');
    const written = await writeBackupFile(
      out,
      {
        createdAt: new Date().toISOString(),
        tenant: {
          id,
          displayName: tenant.display_name,
          status: tenant.status,
          cluster: tenant.cluster,
          databaseName: tenant.database_name,
          createdAt: tenant.created_at.toISOString(),
        },
        serverVersionNum,
      },
      archive,
      backupSealKey(platform.config),
    );
    await recordPlatformEvent(platform.db, { actor: 'platform', action: 'tenant.backed_up', tenantId: id, details: { bytes: written.bytes, sha256: written.sha256 } });
    platform.log.info({ tenant: id, path: written.path, bytes: written.bytes, sha256: written.sha256 }, 'tenant backed up');
    return { tenant: id, ...written };
  } finally {
    await fs.promises.rm(archive, { force: true });
  }
}

/**
 * A backup changes no status, so a move, restore or delete may start while it dumps; each ends
 * the dump's session (a move freezes the source and drops it, a restore swaps it aside, a delete
 * drops it). A dump that finished read one consistent snapshot and stands; one that failed
 * while the registry row changed lost to that operation, and says so rather than pg_dump's error.
 */
async function changedMeanwhile(platform: Platform, before: TenantRow): Promise<AppError | undefined> {
  const now = await findTenant(platform.db, before.id);
  if (!now) return tenantNotFound(before.id);
  if (now.updated_at.getTime() !== before.updated_at.getTime()) return tenantBusy(before.id, now.status);
  return undefined;
}
