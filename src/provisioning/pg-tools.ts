import fs from 'node:fs';
import path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type pg from 'pg';
import { AppError } from '../errors.ts';

/**
 * pg_dump and pg_restore for a given server. A dump made by an older pg_dump than the server may
 * fail or lose objects, so the tool's major version must be at least the server's: PG_BIN_DIR when
 * set (and nothing else), otherwise Debian's /usr/lib/postgresql/<major>/bin, then PATH.
 */
export type PgTool = 'pg_dump' | 'pg_restore';

const run = promisify(execFile);
const found = new Map<string, Promise<string>>();

export async function serverMajorVersion(client: pg.Client): Promise<number> {
  const result = await client.query<{ server_version_num: string }>('SHOW server_version_num');
  return Math.floor(Number(result.rows[0]!.server_version_num) / 10_000);
}

export function findPgTool(tool: PgTool, serverMajor: number, pgBinDir: string | undefined): Promise<string> {
  const key = `${tool}:${serverMajor}:${pgBinDir ?? ''}`;
  let lookup = found.get(key);
  if (!lookup) {
    lookup = locate(tool, serverMajor, pgBinDir);
    found.set(key, lookup);
    lookup.catch(() => found.delete(key));
  }
  return lookup;
}

async function locate(tool: PgTool, serverMajor: number, pgBinDir: string | undefined): Promise<string> {
  const candidates = pgBinDir
    ? [path.join(pgBinDir, tool)]
    : [
        path.join('/usr/lib/postgresql', String(serverMajor), 'bin', tool),
        ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, tool)),
      ];
  const tooOld: string[] = [];
  for (const candidate of candidates) {
    if (!isExecutable(candidate)) continue;
    const major = await toolMajorVersion(candidate);
    if (major !== undefined && major >= serverMajor) return candidate;
    tooOld.push(`${candidate} (${major ?? 'unknown version'})`);
  }
  const where = pgBinDir ? `PG_BIN_DIR=${pgBinDir}` : `/usr/lib/postgresql/${serverMajor}/bin and PATH`;
  if (tooOld.length > 0) {
    throw new AppError(
      'pg_tools_too_old',
      `${tool} must be version ${serverMajor} or newer to match the server, found only ${tooOld.join(', ')}; install postgresql-client-${serverMajor} or set PG_BIN_DIR`,
      500,
    );
  }
  throw new AppError(
    'pg_tools_missing',
    `${tool} for PostgreSQL ${serverMajor} not found in ${where}; install postgresql-client-${serverMajor} or set PG_BIN_DIR to its bin directory`,
    500,
  );
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

async function toolMajorVersion(file: string): Promise<number | undefined> {
  try {
    const { stdout } = await run(file, ['--version'], { timeout: 10_000 });
    const match = /\(PostgreSQL\)\s+(\d+)/.exec(stdout);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * libpq settings for a connection URL, passed through the environment so the password never
 * appears on a command line (visible in `ps`).
 */
export function libpqEnvironment(connectionUrl: string): NodeJS.ProcessEnv {
  const url = new URL(connectionUrl);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    PGHOST: decodeURIComponent(url.hostname),
    PGPORT: url.port || '5432',
    PGUSER: decodeURIComponent(url.username),
    PGDATABASE: decodeURIComponent(url.pathname.slice(1)),
    PGCONNECT_TIMEOUT: '10',
  };
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

export interface ToolRun {
  /** Resolves when the tool exits 0; rejects with its stderr otherwise. */
  done: Promise<void>;
  stdin: NodeJS.WritableStream;
  /** The tool's output, when asked for (pg_dump piped straight into pg_restore). */
  stdout: NodeJS.ReadableStream | null;
}

/** Runs a pg tool against a database; `errorCode` names the failure (`backup_failed`, `restore_failed`). */
export function runPgTool(binary: string, args: string[], connectionUrl: string, errorCode: string, options: { stdout?: boolean } = {}): ToolRun {
  const child = spawn(binary, args, { env: libpqEnvironment(connectionUrl), stdio: ['pipe', options.stdout ? 'pipe' : 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    if (stderr.length < 8_000) stderr += chunk;
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (error) => reject(new AppError(errorCode, `${path.basename(binary)} could not start: ${error.message}`, 500)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const why = stderr.trim().split('\n').slice(-5).join('; ') || `exit ${code ?? signal}`;
      reject(new AppError(errorCode, `${path.basename(binary)} failed: ${why}`, 500));
    });
  });
  // A tool that dies early closes its stdin; the write error is reported through `done`.
  child.stdin!.on('error', () => {});
  return { done, stdin: child.stdin!, stdout: child.stdout };
}
