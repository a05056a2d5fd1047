import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, isAppError } from '../../errors.ts';

export interface ReceivedUpload {
  file: string;
  bytes: number;
  /** Removes the file and its private directory. */
  remove(): Promise<void>;
}

export interface UploadLimits {
  /** The most bytes the upload may have (RESTORE_UPLOAD_MAX_BYTES). */
  maxBytes: number;
  /** The request's Content-Length, when it declared one. */
  declaredBytes?: number;
  /** Where the private directory is made; the system's temporary directory by default. */
  under?: string;
}

const FILE_NAME = 'upload.tansu-backup';

export const uploadTooLarge = (maxBytes: number) =>
  new AppError('payload_too_large', `the upload is larger than ${maxBytes} bytes, the most this server takes (RESTORE_UPLOAD_MAX_BYTES)`, 413, { max_bytes: maxBytes });

/**
 * Streams a request body to a file in a directory of its own that only this process can read,
 * never holding it in memory: a backup is as large as the tenant's database. A client that stops
 * mid-upload leaves nothing behind.
 *
 * At most `maxBytes` are stored: a body that declares more is refused before a byte is read, and
 * one that turns out longer (chunked, or lying) is refused as soon as it passes the limit, its
 * file removed. The request itself is only unpiped, never destroyed, so the caller can still
 * answer 413; it should close the connection with that answer rather than read the rest.
 */
export async function receiveUpload(body: Readable, limits: UploadLimits): Promise<ReceivedUpload> {
  const { maxBytes, declaredBytes } = limits;
  if (declaredBytes !== undefined && declaredBytes > maxBytes) throw uploadTooLarge(maxBytes);
  // The pipeline destroys what it holds when it fails; it holds this pass-through, not the
  // request, whose socket must outlive the failure to carry the answer. Attached before any
  // await, so an abort meanwhile is not missed (a request emits 'error' only to listeners).
  const source = new PassThrough();
  // An error from before the pipeline starts (during mkdtemp) stays on the stream for the
  // pipeline to find; without a listener meanwhile it would be an uncaught exception.
  source.on('error', () => {});
  const cut = (error: Error) => source.destroy(error);
  const onClose = () => {
    if (!body.readableEnded) cut(new Error('the client closed the connection before the end of the upload'));
  };
  body.once('error', cut);
  body.once('close', onClose);
  if (body.destroyed) onClose();
  body.pipe(source);
  let dir: string | undefined;
  let bytes = 0;
  const remove = () => (dir === undefined ? Promise.resolve() : fs.promises.rm(dir, { recursive: true, force: true }));
  try {
    dir = await fs.promises.mkdtemp(path.join(limits.under ?? os.tmpdir(), 'tansu-upload-'));
    await pipeline(
      source,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          bytes += chunk.length;
          if (bytes > maxBytes) throw uploadTooLarge(maxBytes);
          yield chunk;
        }
      },
      fs.createWriteStream(path.join(dir, FILE_NAME), { mode: 0o600, flags: 'wx' }),
    );
  } catch (error) {
    await remove();
    if (isAppError(error)) throw error;
    throw new AppError('upload_incomplete', `the upload did not complete: ${(error as Error).message}`, 400);
  } finally {
    body.unpipe(source);
    body.off('error', cut);
    body.off('close', onClose);
  }
  if (bytes === 0) {
    await remove();
    throw new AppError('invalid_request', 'the backup file is required as the body (Content-Type: application/octet-stream)', 400);
  }
  return { file: path.join(dir, FILE_NAME), bytes, remove };
}
