import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './ports.ts';
import { reloadPooler } from '../../src/platform/poolers/pooler-files.ts';

export interface RunningPgBouncer {
  /** The cluster URL with host/port swapped for PgBouncer's (same user and password). */
  url: string;
  port: number;
  /** Replaces the auth_file (e.g. with `tansu pgbouncer-userlist`'s output) and RELOADs. */
  setUserlist(content: string): Promise<void>;
  stop(): Promise<void>;
  /** SIGKILL: every client connection drops at once, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port after `kill()`. */
  start(): Promise<void>;
}


/**
 * PgBouncer in transaction mode in front of a cluster, with the wildcard entry that pools any
 * database name (docs/architecture.md#field-notes), so every tenant database goes through it without configuration.
 */
export async function startPgBouncer(clusterUrl: string): Promise<RunningPgBouncer> {
  const cluster = new URL(clusterUrl);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-pgbouncer-'));
  const port = await freePort();
  const user = decodeURIComponent(cluster.username);
  const password = decodeURIComponent(cluster.password);
  fs.writeFileSync(path.join(dir, 'userlist.txt'), `"${user}" "${password.replaceAll('"', '""')}"\n`, { mode: 0o600 });
  fs.writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${cluster.hostname} port=${cluster.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = scram-sha-256',
      `auth_file = ${path.join(dir, 'userlist.txt')}`,
      `admin_users = ${user}`,
      'pool_mode = transaction',
      'default_pool_size = 4',
      'max_client_conn = 1000',
      'autodb_idle_timeout = 60',
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  // PgBouncer refuses to run as root; drop to the unprivileged postgres user then.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    fs.chmodSync(dir, 0o755);
    for (const file of fs.readdirSync(dir)) fs.chownSync(path.join(dir, file), uidOf('postgres'), -1);
    fs.chownSync(dir, uidOf('postgres'), -1);
  }
  const binary = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((file) => fs.existsSync(file)) ?? 'pgbouncer';
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(binary, [...(asRoot ? ['-u', 'postgres'] : []), path.join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    const running = child;
    await waitForPort(port, () => running.exitCode !== null, () => `${stderr}${readLog(dir)}`);
  };
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  };
  await launch();
  const url = new URL(clusterUrl);
  url.port = String(port);
  return {
    url: url.toString(),
    port,
    async setUserlist(content) {
      const file = path.join(dir, 'userlist.txt');
      fs.writeFileSync(file, content, { mode: 0o600 });
      if (asRoot) fs.chownSync(file, uidOf('postgres'), -1);
      const adminConsole = new URL(url);
      adminConsole.pathname = '/pgbouncer';
      await reloadPooler(adminConsole.toString());
    },
    async stop() {
      await end('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
    kill: () => end('SIGKILL'),
    start: launch,
  };
}

function uidOf(user: string): number {
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`no ${user} user to run PgBouncer as`);
  return Number(line.split(':')[2]);
}

function readLog(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'pgbouncer.log'), 'utf8');
  } catch {
    return '';
  }
}

async function waitForPort(port: number, exited: () => boolean, why: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (exited()) throw new Error(`pgbouncer exited: ${why()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`pgbouncer did not listen on ${port}: ${why()}`);
}
