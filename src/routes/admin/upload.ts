import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../errors.ts';

export interface ReceivedUpload {
  file: string;
  bytes: number;
  /** Removes the file and its private directory. */
  remove(): Promise<void>;
}

/**
 * Streams a request body to a file in a directory of its own that only this process can read,
 * never holding it in memory: a backup is as large as the tenant's database. A client that stops
 * mid-upload leaves nothing behind.
 */
export async function receiveUpload(body: Readable): Promise<ReceivedUpload> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tansu-upload-'));
  const remove = () => fs.promises.rm(dir, { recursive: true, force: true });
  const file = path.join(dir, 'upload.tansu-backup');
  let bytes = 0;
  try {
    await pipeline(
      body,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          bytes += chunk.length;
          yield chunk;
        }
      },
      fs.createWriteStream(file, { mode: 0o600, flags: 'wx' }),
    );
  } catch (error) {
    await remove();
    throw new AppError('upload_incomplete', `the upload did not complete: ${(error as Error).message}`, 400);
  }
  if (bytes === 0) {
    await remove();
    throw new AppError('invalid_request', 'the backup file is required as the body (Content-Type: application/octet-stream)', 400);
  }
  return { file, bytes, remove };
}
