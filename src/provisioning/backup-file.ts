import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.ts';

/**
 * One tenant backup in one file:
 *
 *   "TANSUBK" 0x01 | header length (uint32 BE) | header (JSON) | pg_dump custom-format archive | SHA-256 of everything before it (32 bytes)
 *
 * The header carries the tenant's registry entry and the archive's length, so a truncated or
 * padded file is caught by its size before any byte is hashed, and a flipped bit by the trailer.
 */
const MAGIC = Buffer.from('TANSUBK\x01', 'latin1');
const PREFIX_BYTES = MAGIC.length + 4;
const TRAILER_BYTES = 32;
const MAX_HEADER_BYTES = 1024 * 1024;

export interface BackupHeader {
  format: 'tansu-tenant-backup';
  version: 1;
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
}

export interface WrittenBackup {
  path: string;
  bytes: number;
  /** SHA-256 of the whole file, as `sha256sum` prints it. */
  sha256: string;
}

const invalid = (file: string, why: string) => new AppError('backup_invalid', `${file} is not a usable Tansu backup: ${why}`, 400);

/** Wraps a finished pg_dump archive into the backup format; written to `<out>.partial`, then renamed. */
export async function writeBackupFile(out: string, header: Omit<BackupHeader, 'archiveBytes'>, archivePath: string): Promise<WrittenBackup> {
  const archiveBytes = (await fs.promises.stat(archivePath)).size;
  const headerBytes = Buffer.from(JSON.stringify({ ...header, archiveBytes } satisfies BackupHeader), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerBytes.length);

  const body = crypto.createHash('sha256');
  const whole = crypto.createHash('sha256');
  const partial = `${out}.partial`;
  const output = fs.createWriteStream(partial, { mode: 0o600 });
  const write = (chunk: Buffer) => {
    body.update(chunk);
    whole.update(chunk);
  };
  try {
    await pipeline(
      async function* () {
        for (const part of [MAGIC, length, headerBytes]) {
          write(part);
          yield part;
        }
        for await (const chunk of fs.createReadStream(archivePath)) {
          write(chunk as Buffer);
          yield chunk as Buffer;
        }
        const trailer = body.digest();
        whole.update(trailer);
        yield trailer;
      },
      output,
    );
    const handle = await fs.promises.open(partial, 'r');
    await handle.sync().finally(() => handle.close());
    await fs.promises.rename(partial, out);
  } catch (error) {
    await fs.promises.rm(partial, { force: true });
    throw error;
  }
  return { path: out, bytes: PREFIX_BYTES + headerBytes.length + archiveBytes + TRAILER_BYTES, sha256: whole.digest('hex') };
}

export interface VerifiedBackup {
  header: BackupHeader;
  /** Byte range of the pg_dump archive inside the file (end inclusive, as createReadStream takes it). */
  archive: { start: number; end: number };
}

/** Reads the header, checks the size and the trailer checksum; throws `backup_invalid` on any mismatch. */
export async function verifyBackupFile(file: string): Promise<VerifiedBackup> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (error) {
    throw new AppError('backup_not_found', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 404);
  }
  let header: BackupHeader;
  let size: number;
  let headerLength: number;
  try {
    size = (await handle.stat()).size;
    const prefix = Buffer.alloc(PREFIX_BYTES);
    const { bytesRead } = await handle.read(prefix, 0, PREFIX_BYTES, 0);
    if (bytesRead < PREFIX_BYTES || !prefix.subarray(0, MAGIC.length).equals(MAGIC)) throw invalid(file, 'it does not start with the Tansu backup signature');
    headerLength = prefix.readUInt32BE(MAGIC.length);
    if (headerLength > MAX_HEADER_BYTES || PREFIX_BYTES + headerLength + TRAILER_BYTES > size) throw invalid(file, 'it is truncated (header incomplete)');
    const headerBytes = Buffer.alloc(headerLength);
    await handle.read(headerBytes, 0, headerLength, PREFIX_BYTES);
    header = parseHeader(file, headerBytes);
  } finally {
    await handle.close();
  }
  const expected = PREFIX_BYTES + headerLength + header.archiveBytes + TRAILER_BYTES;
  if (size < expected) throw invalid(file, `it is truncated (${size} of ${expected} bytes)`);
  if (size > expected) throw invalid(file, `it has ${size - expected} unexpected trailing bytes`);

  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file, { end: size - TRAILER_BYTES - 1 }), hash);
  const trailer = Buffer.alloc(TRAILER_BYTES);
  const tail = await fs.promises.open(file, 'r');
  await tail.read(trailer, 0, TRAILER_BYTES, size - TRAILER_BYTES).finally(() => tail.close());
  if (!crypto.timingSafeEqual(hash.digest(), trailer)) throw invalid(file, 'its checksum does not match (the file is corrupt)');

  const start = PREFIX_BYTES + headerLength;
  return { header, archive: { start, end: start + header.archiveBytes - 1 } };
}

function parseHeader(file: string, bytes: Buffer): BackupHeader {
  let header: BackupHeader;
  try {
    header = JSON.parse(bytes.toString('utf8')) as BackupHeader;
  } catch {
    throw invalid(file, 'its header is not readable');
  }
  if (header?.format !== 'tansu-tenant-backup' || header.version !== 1) throw invalid(file, 'unknown backup format version');
  if (!Number.isSafeInteger(header.archiveBytes) || header.archiveBytes <= 0 || typeof header.tenant?.id !== 'string') {
    throw invalid(file, 'its header is incomplete');
  }
  return header;
}
