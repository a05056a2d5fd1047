import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface DataDirLock {
  /** Idempotent. */
  release(): Promise<void>;
}

/**
 * An exclusive lock on a data directory, held by listening on a Unix socket named after it. The
 * kernel releases it when the process dies, however it dies, so a crashed `tansu` never leaves a
 * lock behind for the next one to guess about (a pid file would). On Linux the socket lives in the
 * abstract namespace (no file at all); elsewhere it is a file in the directory, and a file nobody
 * accepts on is a dead holder's, removed and tried again.
 */
export async function lockDataDir(dataDir: string, onWait: () => void): Promise<DataDirLock> {
  const address = lockAddress(dataDir);
  let waited = false;
  for (;;) {
    const server = await tryListen(address);
    if (server) {
      server.unref();
      let released: Promise<void> | undefined;
      return { release: () => (released ??= new Promise((resolve) => server.close(() => resolve()))) };
    }
    if (process.platform !== 'linux' && !(await accepts(address))) {
      fs.rmSync(address, { force: true });
      continue;
    }
    if (!waited) onWait();
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function lockAddress(dataDir: string): string {
  const real = fs.realpathSync(dataDir);
  if (process.platform === 'linux') {
    return `\0tansu-data-dir-${crypto.createHash('sha256').update(real).digest('hex').slice(0, 32)}`;
  }
  return path.join(real, '.lock.sock');
}

function tryListen(address: string): Promise<net.Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error)));
    server.listen(address, () => resolve(server));
  });
}

function accepts(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(address);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
