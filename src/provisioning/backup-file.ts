import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.ts';
import type { BackupSealKey } from '../crypto/backup-seal.ts';

/**
 * One tenant backup in one file:
 *
 *   "TANSUBK" 0x02 | header length (uint32 BE) | header (JSON) | pg_dump custom-format archive | HMAC-SHA256 of everything before it (32 bytes)
 *
 * The HMAC is keyed from the master key (see backup-seal.ts). pg_restore executes whatever SQL
 * an archive holds as the database superuser, so an archive is trusted only once the seal proves
 * this platform wrote it: a plain checksum would let anyone who can hand us a file run commands
 * on the database server. Format 1 (0x01) had exactly that (an unkeyed SHA-256) and is refused.
 *
 * The header carries the tenant's registry entry and the archive's length, so a truncated or
 * padded file is named as such before any byte is hashed.
 */
const SIGNATURE = Buffer.from('TANSUBK', 'latin1');
const FORMAT_VERSION = 2;
const PREFIX_BYTES = SIGNATURE.length + 1 + 4;
const TRAILER_BYTES = 32;
const MAX_HEADER_BYTES = 1024 * 1024;

export interface BackupHeader {
  format: 'tansu-tenant-backup';
  version: 2;
  createdAt: string;
  tenant: {
    id: string;
    displayName: string;
    status: string;
    cluster: string;
    databaseName: string;
    createdAt: string;
  };
  /** `server_version_num` of the cluster the dump came from. */
  serverVersionNum: number;
  /** Length of the pg_dump archive in bytes. */
  archiveBytes: number;
  /** Which key sealed the file (its id, never the key). */
  seal: { alg: 'HMAC-SHA256'; keyId: string };
}

/** What the caller says about a backup; the format fields, the archive length and the seal are added here. */
export type BackupDescription = Omit<BackupHeader, 'format' | 'version' | 'archiveBytes' | 'seal'>;

export interface WrittenBackup {
  path: string;
  bytes: number;
  /** SHA-256 of the whole file, as `sha256sum` prints it (to compare copies; the seal is what authenticates). */
  sha256: string;
}

const invalid = (file: string, why: string) => new AppError('backup_invalid', `${file} is not a usable Tansu backup: ${why}`, 400);

/** A backup ready to be written or sent: its length known up front, its bytes produced once, in order. */
export interface SealedBackup {
  bytes: number;
  /** The file's bytes: prefix, header, the archive read from disk, the seal. Iterate once. */
  chunks(): AsyncGenerator<Buffer>;
  /** SHA-256 of the whole file, once `chunks` has been read to the end. */
  sha256(): string;
}

/**
 * Wraps a finished pg_dump archive into the backup format, sealed, without holding it in memory:
 * the archive is read from disk as the bytes are consumed, so a backup can be streamed to a file
 * or to an HTTP client alike. The header names the archive's length, so the total is known first.
 */
export async function sealBackup(description: BackupDescription, archivePath: string, sealKey: BackupSealKey): Promise<SealedBackup> {
  const archiveBytes = (await fs.promises.stat(archivePath)).size;
  const header: BackupHeader = {
    format: 'tansu-tenant-backup',
    version: FORMAT_VERSION,
    ...description,
    archiveBytes,
    seal: { alg: 'HMAC-SHA256', keyId: sealKey.id },
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(PREFIX_BYTES);
  SIGNATURE.copy(prefix);
  prefix.writeUInt8(FORMAT_VERSION, SIGNATURE.length);
  prefix.writeUInt32BE(headerBytes.length, SIGNATURE.length + 1);

  const mac = crypto.createHmac('sha256', sealKey.key);
  const whole = crypto.createHash('sha256');
  let sha256: string | undefined;
  return {
    bytes: PREFIX_BYTES + headerBytes.length + archiveBytes + TRAILER_BYTES,
    async *chunks() {
      for (const part of [prefix, headerBytes]) {
        mac.update(part);
        whole.update(part);
        yield part;
      }
      for await (const chunk of fs.createReadStream(archivePath)) {
        mac.update(chunk as Buffer);
        whole.update(chunk as Buffer);
        yield chunk as Buffer;
      }
      const trailer = mac.digest();
      sha256 = whole.update(trailer).digest('hex');
      yield trailer;
    },
    sha256() {
      if (sha256 === undefined) throw new Error('the backup has not been read to the end');
      return sha256;
    },
  };
}

/** Writes a sealed backup to `<out>.partial`, then renames it: a file at `out` is always whole. */
export async function writeBackupFile(out: string, description: BackupDescription, archivePath: string, sealKey: BackupSealKey): Promise<WrittenBackup> {
  const sealed = await sealBackup(description, archivePath, sealKey);
  const partial = `${out}.partial`;
  try {
    await pipeline(sealed.chunks(), fs.createWriteStream(partial, { mode: 0o600 }));
    const handle = await fs.promises.open(partial, 'r');
    await handle.sync().finally(() => handle.close());
    await fs.promises.rename(partial, out);
  } catch (error) {
    await fs.promises.rm(partial, { force: true });
    throw error;
  }
  return { path: out, bytes: sealed.bytes, sha256: sealed.sha256() };
}

export interface OpenedBackup {
  header: BackupHeader;
  /** A private copy of the archive, made in the same pass that checked the seal: what pg_restore reads. */
  archivePath: string;
  /** Removes the private copy. */
  dispose(): Promise<void>;
}

/**
 * Checks the file's seal and hands back its archive. The archive is copied, while the seal is
 * computed, into a directory only this process can write; pg_restore reads that copy, so a file
 * changed on disk after the check is never what gets restored. Throws before anything reads the
 * archive as SQL: `backup_unauthenticated` (format 1), `backup_key_mismatch` (sealed under another
 * master key), `backup_invalid` (damaged, truncated, altered).
 */
export async function openSealedBackup(file: string, sealKey: BackupSealKey): Promise<OpenedBackup> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (error) {
    throw new AppError('backup_not_found', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 404);
  }
  let workDir: string | undefined;
  try {
    const size = (await handle.stat()).size;
    const prefix = Buffer.alloc(PREFIX_BYTES);
    const { bytesRead } = await handle.read(prefix, 0, PREFIX_BYTES, 0);
    if (bytesRead < SIGNATURE.length + 1 || !prefix.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
      throw invalid(file, 'it does not start with the Tansu backup signature');
    }
    const version = prefix.readUInt8(SIGNATURE.length);
    if (version === 1) {
      throw new AppError(
        'backup_unauthenticated',
        `${file} is a backup in the older format 1, whose checksum is not keyed: nothing proves it was written by this platform, ` +
          'and restoring it would run whatever SQL it holds as the database superuser. Restore it only with the Tansu version that wrote it, then take a new backup',
        400,
      );
    }
    if (version !== FORMAT_VERSION) throw invalid(file, `unknown backup format version ${version}`);
    if (bytesRead < PREFIX_BYTES) throw invalid(file, 'it is truncated (header incomplete)');
    const headerLength = prefix.readUInt32BE(SIGNATURE.length + 1);
    if (headerLength > MAX_HEADER_BYTES || PREFIX_BYTES + headerLength + TRAILER_BYTES > size) throw invalid(file, 'it is truncated (header incomplete)');
    const headerBytes = Buffer.alloc(headerLength);
    await handle.read(headerBytes, 0, headerLength, PREFIX_BYTES);
    // Read before the seal is checked, but only as JSON: its lengths say where the archive lies,
    // and its key id names the reason if the seal fails. Nothing else in it is used unchecked.
    const header = parseHeader(file, headerBytes);
    const expected = PREFIX_BYTES + headerLength + header.archiveBytes + TRAILER_BYTES;
    if (size < expected) throw invalid(file, `it is truncated (${size} of ${expected} bytes)`);
    if (size > expected) throw invalid(file, `it has ${size - expected} unexpected trailing bytes`);

    workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tansu-restore-'));
    const archivePath = path.join(workDir, 'archive');
    const mac = crypto.createHmac('sha256', sealKey.key).update(prefix).update(headerBytes);
    const archiveStart = PREFIX_BYTES + headerLength;
    await pipeline(
      handle.createReadStream({ start: archiveStart, end: archiveStart + header.archiveBytes - 1, autoClose: false }),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          mac.update(chunk);
          yield chunk;
        }
      },
      fs.createWriteStream(archivePath, { mode: 0o600, flags: 'wx' }),
    );
    const trailer = Buffer.alloc(TRAILER_BYTES);
    await handle.read(trailer, 0, TRAILER_BYTES, size - TRAILER_BYTES);
    if (!crypto.timingSafeEqual(mac.digest(), trailer)) {
      if (header.seal.keyId !== sealKey.id) {
        throw new AppError('backup_key_mismatch', `${file} was sealed under another master key; backups restore only under the TANSU_MASTER_KEY that wrote them`, 400);
      }
      throw invalid(file, 'its seal does not verify: the file was altered or damaged after it was written');
    }
    const dir = workDir;
    workDir = undefined;
    return { header, archivePath, dispose: () => fs.promises.rm(dir, { recursive: true, force: true }) };
  } finally {
    await handle.close();
    if (workDir) await fs.promises.rm(workDir, { recursive: true, force: true });
  }
}

function parseHeader(file: string, bytes: Buffer): BackupHeader {
  let header: BackupHeader;
  try {
    header = JSON.parse(bytes.toString('utf8')) as BackupHeader;
  } catch {
    throw invalid(file, 'its header is not readable');
  }
  if (header?.format !== 'tansu-tenant-backup' || header.version !== FORMAT_VERSION) throw invalid(file, 'unknown backup format version');
  if (
    !Number.isSafeInteger(header.archiveBytes) || header.archiveBytes <= 0 || typeof header.tenant?.id !== 'string' ||
    header.seal?.alg !== 'HMAC-SHA256' || typeof header.seal.keyId !== 'string'
  ) {
    throw invalid(file, 'its header is incomplete');
  }
  return header;
}
