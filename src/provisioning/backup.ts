import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Platform } from '../platform/platform.ts';
import { AppError, tenantNotFound } from '../errors.ts';
import { parseTenantId } from '../platform/tenant-id.ts';
import { findTenant, recordPlatformEvent, type TenantRow } from '../platform/tenants.repository.ts';
import { assertTenantMay, tenantBusy } from '../platform/tenant-lifecycle.ts';
import { backupSealKey } from '../crypto/backup-seal.ts';
import { sealBackup, writeBackupFile, type BackupDescription, type SealedBackup, type WrittenBackup } from './backup-file.ts';
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
  const tenant = await backupSource(platform, id);
  const out = path.resolve(options.out ?? path.join('backups', backupFileName(id)));
  await fs.promises.mkdir(path.dirname(out), { recursive: true });
  if (fs.existsSync(out)) throw new AppError('backup_exists', `${out} already exists; choose another --out`, 409);

  const archive = `${out}.archive-${crypto.randomBytes(4).toString('hex')}`;
  try {
    const description = await dumpTenant(platform, tenant, archive, progress);
    progress('writing the backup file');
    const written = await writeBackupFile(out, description, archive, backupSealKey(platform.config));
    await recordPlatformEvent(platform.db, { actor: 'platform', action: 'tenant.backed_up', tenantId: id, details: { bytes: written.bytes, sha256: written.sha256 } });
    platform.log.info({ tenant: id, path: written.path, bytes: written.bytes, sha256: written.sha256 }, 'tenant backed up');
    return { tenant: id, ...written };
  } finally {
    await fs.promises.rm(archive, { force: true });
  }
}

export interface BackupStream {
  tenant: string;
  /** What to call the file: `<id>-<UTC timestamp>.tansu-backup`, as `tansu tenant backup` names it. */
  fileName: string;
  bytes: number;
  /** The sealed file's bytes. Its end records the backup; its close, however early, removes the dump. */
  stream: Readable;
}

/**
 * The same sealed file as backupTenant, as a stream for the platform admin API to send: the dump
 * is written to a private temporary directory first (pg_dump's custom format needs a seekable
 * file, and the header must name the archive's length), then read from disk as the client reads.
 * Nothing is held in memory, and the dump is removed when the stream closes, read or not.
 */
export async function streamTenantBackup(platform: Platform, rawId: string, options: { actor?: string } = {}): Promise<BackupStream> {
  const id = parseTenantId(rawId);
  const tenant = await backupSource(platform, id);
  const workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tansu-backup-'));
  const removeWorkDir = () => fs.promises.rm(workDir, { recursive: true, force: true });
  let sealed: SealedBackup;
  try {
    const archive = path.join(workDir, 'archive');
    sealed = await sealBackup(await dumpTenant(platform, tenant, archive, () => {}), archive, backupSealKey(platform.config));
  } catch (error) {
    await removeWorkDir();
    throw error;
  }
  const chunks = sealed.chunks();
  const stream = Readable.from(
    (async function* () {
      yield* chunks;
      const details = { bytes: sealed.bytes, sha256: sealed.sha256(), to: 'download' };
      await recordPlatformEvent(platform.db, { actor: options.actor ?? 'platform', action: 'tenant.backed_up', tenantId: id, details }).catch((error: Error) =>
        platform.log.warn({ tenant: id, err: error.message }, 'backup sent, but its platform event could not be recorded'),
      );
      platform.log.info({ tenant: id, ...details }, 'tenant backed up');
    })(),
    { objectMode: false },
  );
  stream.once('close', () => {
    void chunks.return(undefined).finally(removeWorkDir);
  });
  return { tenant: id, fileName: backupFileName(id), bytes: sealed.bytes, stream };
}

export function backupFileName(id: string): string {
  return `${id}-${new Date().toISOString().replace(/[-:]|\.\d+/g, '')}.tansu-backup`;
}

async function backupSource(platform: Platform, id: string): Promise<TenantRow> {
  const tenant = await findTenant(platform.db, id);
  if (!tenant) throw tenantNotFound(id);
  assertTenantMay(tenant, 'backup');
  return tenant;
}

/** pg_dump of the tenant's database into `archive`, and what the backup's header says about it. */
async function dumpTenant(platform: Platform, tenant: TenantRow, archive: string, progress: Progress): Promise<BackupDescription> {
  progress(`dumping ${tenant.database_name}`);
  const clusterUrl = await platform.clusters.adminUrlOf(tenant.cluster);
  const { serverVersionNum } = await dumpDatabase(clusterUrl, tenant.database_name, archive, platform.config.pgBinDir).catch(async (error: unknown) => {
    throw (await changedMeanwhile(platform, tenant)) ?? error;
  });
  return {
    createdAt: new Date().toISOString(),
    tenant: {
      id: tenant.id,
      displayName: tenant.display_name,
      status: tenant.status,
      cluster: tenant.cluster,
      databaseName: tenant.database_name,
      createdAt: tenant.created_at.toISOString(),
    },
    serverVersionNum,
  };
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
