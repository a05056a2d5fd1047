import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { receiveUpload } from '../../../src/routes/admin/upload.ts';
import { isAppError } from '../../../src/errors.ts';

/** The restore upload's file: at most RESTORE_UPLOAD_MAX_BYTES of it is ever stored, and a refused or broken upload leaves nothing. */
const CHUNK = 16 * 1024;
const MAX = 64 * 1024;

let under: string;
beforeEach(() => {
  under = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-upload-test-'));
});
afterEach(() => {
  fs.rmSync(under, { recursive: true, force: true });
});

/** A body of `chunks` chunks (endless when undefined) that counts what was read from it. */
function body(chunks?: number) {
  const counter = { read: 0 };
  const stream = Readable.from(
    (function* () {
      for (let n = 0; chunks === undefined || n < chunks; n++) {
        counter.read += CHUNK;
        yield Buffer.alloc(CHUNK, n % 256);
      }
    })(),
  );
  return { stream, counter };
}

const codeOf = (error: unknown) => (isAppError(error) ? `${error.status} ${error.code}` : String(error));
const leftovers = () => fs.readdirSync(under);

describe('receiveUpload', () => {
  it('stores a body within the limit, byte for byte, in a private directory it removes again', async () => {
    const { stream } = body(4);
    const upload = await receiveUpload(stream, { maxBytes: MAX, declaredBytes: MAX, under });
    expect(upload.bytes).toBe(MAX);
    expect(fs.statSync(upload.file).size).toBe(MAX);
    expect(fs.statSync(upload.file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(upload.file).subarray(3 * CHUNK, 3 * CHUNK + 3)).toEqual(Buffer.from([3, 3, 3]));
    await upload.remove();
    expect(leftovers()).toEqual([]);
  });

  it('refuses a body that declares more than the limit before reading any of it', async () => {
    const { stream, counter } = body();
    const error = await receiveUpload(stream, { maxBytes: MAX, declaredBytes: MAX + 1, under }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('413 payload_too_large');
    expect(counter.read).toBe(0);
    expect(leftovers()).toEqual([]);
    stream.destroy();
  });

  it('stops an endless body soon after the limit, removes what it stored, and leaves the request open for the answer', async () => {
    const { stream, counter } = body();
    const error = await receiveUpload(stream, { maxBytes: MAX, under }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('413 payload_too_large');
    // What was read past the limit is what the streams buffer, not the body.
    expect(counter.read).toBeLessThan(MAX + 32 * CHUNK);
    expect(leftovers()).toEqual([]);
    expect(stream.destroyed).toBe(false);
    stream.destroy();
  });

  it('removes the file of a body that breaks off, and says the upload is incomplete', async () => {
    const stream = new Readable({ read() {} });
    stream.push(Buffer.alloc(CHUNK));
    setImmediate(() => stream.destroy(new Error('socket hang up')));
    const error = await receiveUpload(stream, { maxBytes: MAX, under }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('400 upload_incomplete');
    expect(leftovers()).toEqual([]);
  });

  it('refuses an empty body', async () => {
    const error = await receiveUpload(body(0).stream, { maxBytes: MAX, under }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('400 invalid_request');
    expect(leftovers()).toEqual([]);
  });
});
