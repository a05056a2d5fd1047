import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';

export type ShutdownMode = 'smart' | 'fast' | 'immediate';

/**
 * A PostgreSQL of its own that a test may restart, stop and start with `pg_ctl`, as an operator
 * would (the suite's shared cluster must never go down). The embedded package initialises it;
 * from then on pg_ctl runs it, detached from this process, so a restart does not lose track of it.
 */
export interface RestartableCluster {
  /** Superuser URL to the `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** `pg_ctl restart -m <mode> -w`: returns once the new server accepts connections. */
  restart(mode: ShutdownMode): Promise<void>;
  /** `pg_ctl stop -m <mode> -w`: connections are refused until `start()`. */
  stop(mode?: ShutdownMode): Promise<void>;
  /** `pg_ctl start -w`: returns once the server accepts connections. */
  start(): Promise<void>;
  /** Stops the server for good and removes its files. */
  destroy(): Promise<void>;
}

/**
 * Durable commits (synchronous_commit on): an immediate shutdown must not lose what a client was
 * told is committed. fsync stays off, since the operating system itself does not crash here.
 */
const SETTINGS: Record<string, string> = {
  fsync: 'off',
  full_page_writes: 'off',
  max_connections: '200',
  listen_addresses: '127.0.0.1',
};

export async function startRestartableCluster(): Promise<RestartableCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-restart-'));
  const pgDir = path.join(dir, 'pg');
  // Initialised and started once by the embedded package (the superuser and its password), then stopped.
  let port = 0;
  let url = '';
  for (let attempt = 1; ; attempt++) {
    port = 20_000 + Math.floor(Math.random() * 12_000);
    try {
      const first = await startEmbeddedPostgres({ dataDir: dir, port, settings: SETTINGS });
      url = first.url;
      await first.stop();
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  // postmaster.opts names the server binary; pg_ctl of the same build sits beside it.
  const binary = fs.readFileSync(path.join(pgDir, 'postmaster.opts'), 'utf8').split(' ')[0]!.replace(/^"|"$/g, '');
  const pgCtl = path.join(path.dirname(binary), 'pg_ctl');
  const options = ['-p', String(port), ...Object.entries(SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`])].join(' ');
  const logFile = path.join(pgDir, 'server.log');
  const run = (args: string[]) => runAsServerUser(pgCtl, [...args, '-D', pgDir], dir);

  await run(['start', '-w', '-t', '60', '-l', logFile, '-o', options]);
  return {
    url,
    port,
    restart: (mode) => run(['restart', '-w', '-t', '60', '-m', mode, '-l', logFile]),
    stop: (mode = 'fast') => run(['stop', '-w', '-t', '60', '-m', mode]),
    start: () => run(['start', '-w', '-t', '60', '-l', logFile, '-o', options]),
    async destroy() {
      await run(['stop', '-w', '-t', '60', '-m', 'immediate']).catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** PostgreSQL refuses to run as root; the embedded package ran it as `postgres`, and so does this. */
function runAsServerUser(file: string, args: string[], cwd: string): Promise<void> {
  const ids = process.getuid?.() === 0 ? idsOf('postgres') : {};
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, ...ids, timeout: 90_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`pg_ctl ${args[0]} failed: ${stderr || stdout || error.message}`));
      else resolve();
    });
  });
}

function idsOf(user: string): { uid: number; gid: number } {
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`no ${user} user to run PostgreSQL as`);
  const fields = line.split(':');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}
